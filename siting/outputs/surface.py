"""The surface's files: surface.parquet (GeoParquet), surface.tif (GeoTIFF), best_cells.csv.

Every file is written atomically (:func:`siting.outputs.files.write_with`) into the run's
staging folder, and published with the rest of the set (:mod:`siting.outputs.publish`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.i18n import N_, translator
from siting.outputs.files import write_csv, write_with
from siting.results import Results
from siting.surface import grid
from siting.surface.best import best_cells
from siting.surface.result import Surface

#: Largest GeoTIFF, in pixels: resolution 9 over Kazakhstan would be 1.5 billion pixels at
#: the cells' own size; beyond this the pixels are made larger than the cells (a coarser view).
MAX_PIXELS = 16_000_000

#: The value a GeoTIFF pixel holds outside the surface or on an excluded cell.
NODATA = -1.0


def surface_frame(surface: Surface) -> gpd.GeoDataFrame:
    """Every cell as a hexagon (EPSG:4326) with :meth:`Surface.frame`'s columns."""
    frame = surface.frame()
    hexagons = shapely.from_wkb(grid.boundaries_wkb(surface.cells))
    return gpd.GeoDataFrame(frame, geometry=hexagons, crs="EPSG:4326")


def write_surface_parquet(surface: Surface, path: Path) -> Path:
    """surface.parquet: one hexagon per cell, H3 index, raw values, values, score, exclusions.

    GeoParquet (``geo`` metadata names the geometry column and EPSG:4326): geopandas, QGIS
    and DuckDB read it as a polygon layer.
    """
    frame = surface_frame(surface)
    return write_with(path, lambda tmp: frame.to_parquet(tmp, index=False))


def raster(surface: Surface, *, max_pixels: int = MAX_PIXELS) -> tuple[np.ndarray, object]:
    """The score on a longitude/latitude grid: ``(rows, cols)`` float32 and its transform.

    Each pixel takes the score of the H3 cell holding its centre (:data:`NODATA` outside the
    surface and on excluded cells).  The pixel is as wide as a cell's edge in latitude (about
    half a cell across), or wider when that would exceed ``max_pixels``.
    """
    import h3
    from affine import Affine

    def from_origin(west: float, north: float, xsize: float, ysize: float) -> Affine:
        # rasterio's own from_origin multiplies affines with `*`, which affine 3 deprecates
        return Affine(xsize, 0.0, west, 0.0, -ysize, north)

    centres = surface.centres()
    if len(surface) == 0:
        return np.full((1, 1), NODATA, dtype=np.float32), from_origin(0, 0, 1, 1)
    edge_km = float(h3.average_hexagon_edge_length(surface.resolution, unit="km"))
    margin = 2 * edge_km / 111.0
    west, south = centres.min(axis=0) - margin
    east, north = centres.max(axis=0) + margin
    size = edge_km / 111.0
    cols, rows = np.ceil((east - west) / size), np.ceil((north - south) / size)
    if cols * rows > max_pixels:
        size *= float(np.sqrt(cols * rows / max_pixels))
        cols, rows = np.ceil((east - west) / size), np.ceil((north - south) / size)
    ncol, nrow = int(cols), int(rows)
    lon = west + (np.arange(ncol) + 0.5) * size
    lat = north - (np.arange(nrow) + 0.5) * size
    out = np.full((nrow, ncol), NODATA, dtype=np.float32)
    score = np.where(surface.kept, surface.score, NODATA).astype(np.float32)
    for r0 in range(0, nrow, max(1, 2_000_000 // ncol)):  # rows in blocks: bounded memory
        r1 = min(nrow, r0 + max(1, 2_000_000 // ncol))
        gx, gy = np.meshgrid(lon, lat[r0:r1])
        at = surface.cell_at(np.column_stack([gx.ravel(), gy.ravel()]))
        block = np.where(at >= 0, score[np.maximum(at, 0)], NODATA)
        out[r0:r1] = block.reshape(r1 - r0, ncol)
    return out, from_origin(west, north, size, size)


def write_surface_tiff(surface: Surface, path: Path) -> Path:
    """surface.tif: the score as a one-band GeoTIFF (EPSG:4326, float32, deflate)."""
    import rasterio

    band, transform = raster(surface)

    def write(tmp: Path) -> None:
        with rasterio.open(
            tmp,
            "w",
            driver="GTiff",
            height=band.shape[0],
            width=band.shape[1],
            count=1,
            dtype="float32",
            crs="EPSG:4326",
            transform=transform,
            nodata=NODATA,
            compress="deflate",
        ) as dst:
            dst.write(band, 1)
            dst.set_band_description(1, f"score ({surface.method})")

    return write_with(path, write)


def best_cells_table(results: Results, *, lang: str) -> pd.DataFrame:
    """best_cells.csv's rows: each town, its best cell nearby and the sentence that says it."""
    surface = results.surface
    assert surface is not None and results.study.surface is not None
    within = results.study.surface.best_within_km
    table = best_cells(surface, within_km=within)
    t = translator(lang)
    names = [t.place(results.candidates.loc[cid].to_dict(), str(cid)) for cid in table.index]
    sentences = []
    for name, row in zip(names, table.to_dict("records"), strict=True):
        if row["h3"]:
            sentences.append(
                t(
                    N_(
                        "a site {km} km {direction} of {town} scores {cell} against {town}'s point {point}"
                    ),
                    km=t.integer(float(row["km"])),
                    direction=t(str(row["direction"])),
                    town=name,
                    cell=t.number(float(row["score"]), 2),
                    point=t.number(float(row["point_score"]), 2),
                )
            )
        else:
            sentences.append(
                t(N_("no kept cell within {km} km of {town}"), km=t.integer(within), town=name)
            )
    out = table.assign(name=names, sentence=sentences)
    out.index.name = "id"
    return out.sort_values(["gain", "score"], ascending=False, na_position="last")


def write_best_cells_csv(results: Results, path: Path, *, lang: str) -> Path:
    """best_cells.csv: for each candidate town, the best cell within ``surface.best_within_km``."""
    return write_csv(path, best_cells_table(results, lang=lang).reset_index())


def write_surface(results: Results, stage: Path, *, lang: str) -> dict[str, Path]:
    """Every surface file into ``stage``: surface.parquet, surface.tif, best_cells.csv."""
    surface = results.surface
    assert surface is not None
    return {
        "surface.parquet": write_surface_parquet(surface, stage / "surface.parquet"),
        "surface.tif": write_surface_tiff(surface, stage / "surface.tif"),
        "best_cells.csv": write_best_cells_csv(results, stage / "best_cells.csv", lang=lang),
    }


SURFACE_FILES = ("surface.parquet", "surface.tif", "best_cells.csv")
