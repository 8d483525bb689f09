"""The report's section on the suitability surface: its picture, the best cells, how it was made.

The picture is the map's (:func:`siting.outputs.map.surface.score_grid`: the same pixels, the
same colours, in Web Mercator) with the border, the candidate towns, the chosen sites ringed
and each town's best cell nearby; the best cells are :func:`siting.outputs.surface.best_cells_table`
(the sentences of best_cells.csv); how the surface was made is read from the study's
``surface:`` section and the :class:`~siting.surface.Surface` itself.
"""

from __future__ import annotations

import base64
import html
import io
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from siting.i18n import N_, Translator
from siting.outputs.map.surface import _EXCLUDED_RGBA, _FIRST, PALETTE, _palette_rgb, score_grid
from siting.outputs.words import Words, local

if TYPE_CHECKING:
    from siting.results import Results
    from siting.surface.result import Surface

__all__ = ["SURFACE_TITLE", "render_surface_png", "surface_section"]

#: The section's title (a msgid: the report translates it).
SURFACE_TITLE = N_("Where exactly: the suitability surface")

#: The report's picture is printed about 17 cm wide: a screen's width of pixels is plenty.
_REPORT_WIDTH = 1600

#: Towns whose best cell the section lists first (by how much the cell gains on the town).
_SHOWN = 10


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:3857 metres: the projection the picture is drawn in (the map's own)."""
    r = 6378137.0
    x = np.radians(np.asarray(lon, dtype=float)) * r
    y = np.log(np.tan(np.pi / 4 + np.radians(np.asarray(lat, dtype=float)) / 2)) * r
    return x, y


_GRIDS: dict[
    int, tuple[weakref.ref[Surface], tuple[np.ndarray, list[list[float]], float, float]]
] = {}


def _grid(surface: Surface) -> tuple[np.ndarray, list[list[float]], float, float]:
    """The picture's pixels, drawn once per surface for the report's three languages."""
    hit = _GRIDS.get(id(surface))
    if hit is not None and hit[0]() is surface:
        return hit[1]
    for key in [k for k, (ref, _) in _GRIDS.items() if ref() is None]:
        del _GRIDS[key]
    grid = score_grid(surface, max_width=_REPORT_WIDTH)
    _GRIDS[id(surface)] = (weakref.ref(surface), grid)
    return grid


def render_surface_png(
    results: Results, t: Translator, *, dpi: int = 110, table: Any = None
) -> bytes:
    """The surface's picture for the report: score, border, towns, chosen sites, best cells."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LinearSegmentedColormap, Normalize
    from matplotlib.figure import Figure

    from siting.outputs.files import save_figure
    from siting.outputs.surface import best_cells_table

    surface = results.surface
    assert surface is not None
    grid, bounds, low, high = _grid(surface)
    rgba = np.zeros((*grid.shape, 4), dtype=np.uint8)
    colours = _palette_rgb()
    scored = grid >= _FIRST
    rgba[scored, :3] = colours[grid[scored] - _FIRST]
    rgba[scored, 3] = 255
    rgba[grid == 1] = _EXCLUDED_RGBA
    (south, west), (north, east) = bounds
    x0, y0 = _mercator(np.array([west]), np.array([south]))
    x1, y1 = _mercator(np.array([east]), np.array([north]))
    with mpl.rc_context({"font.size": 8, "svg.hashsalt": "siting"}):
        fig = Figure(figsize=(8, 4.8), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_aspect("equal")
        if results.boundaries is not None and not results.boundaries.empty:
            base = results.boundaries
            base = (base if base.crs is not None else base.set_crs("EPSG:4326")).to_crs(3857)
            base.plot(ax=ax, color="#f4f1ea", edgecolor="#888", linewidth=0.5, zorder=0)
        ax.imshow(
            rgba,
            extent=(float(x0[0]), float(x1[0]), float(y0[0]), float(y1[0])),
            origin="upper",
            interpolation="nearest",
            zorder=1,
        )
        cmap = LinearSegmentedColormap.from_list("surface", list(PALETTE))
        mappable = mpl.cm.ScalarMappable(norm=Normalize(low, high), cmap=cmap)
        fig.colorbar(mappable, ax=ax, shrink=0.6, label=t("score"))
        towns = results.candidates
        tx, ty = _mercator(towns.geometry.x.to_numpy(), towns.geometry.y.to_numpy())
        ax.scatter(tx, ty, s=10, c="#222", zorder=3, label=t("candidate towns"))
        if results.portfolio is not None and results.portfolio.ids:
            chosen = towns.loc[list(results.portfolio.ids)]
            cx, cy = _mercator(chosen.geometry.x.to_numpy(), chosen.geometry.y.to_numpy())
            ax.scatter(
                cx, cy, s=120, facecolors="none", edgecolors="#d62728", linewidths=1.5, zorder=4
            )
        table = best_cells_table(results, lang=t.lang) if table is None else table
        best = table[table["h3"] != ""]
        if len(best):
            bx, by = _mercator(best["lon"].to_numpy(), best["lat"].to_numpy())
            ax.scatter(
                bx,
                by,
                s=40,
                marker="*",
                c="white",
                edgecolors="black",
                linewidths=0.5,
                zorder=5,
                label=t("best cell near each town"),
            )
        ax.legend(loc="lower right", fontsize=7, framealpha=0.9)
        ax.set_xlim(float(x0[0]), float(x1[0]))
        ax.set_ylim(float(y0[0]), float(y1[0]))
        ax.set_axis_off()
        buffer = io.BytesIO()
        save_figure(fig, buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _area_words(results: Results, t: Translator) -> str:
    spec = results.study.surface
    assert spec is not None
    area = spec.area
    if area == "boundaries":
        return t("every region of the boundaries layer")
    if area.region is not None:
        return t("the regions {regions}", regions=", ".join(area.regions))
    km = t.integer(float(area.km or 0))
    if area.around == "candidates":
        return t("within {km} km of the candidate towns", km=km)
    return t("within {km} km of the given points", km=km)


def surface_section(results: Results, t: Translator, *, table: Any = None) -> str:
    """The section's HTML in ``t``'s language ('' when the run has no surface).

    Parameters
    ----------
    results
        The run.
    t
        The report's translator for this language.
    table
        The best cells (:func:`siting.outputs.surface.best_cells_table`), when already made.
    """
    from siting.outputs.surface import best_cells_table

    surface = results.surface
    spec = results.study.surface
    if surface is None or spec is None:
        return ""
    table = best_cells_table(results, lang=t.lang) if table is None else table
    png = render_surface_png(results, t, table=table)
    data = base64.b64encode(png).decode("ascii")
    alt = t("Map of the suitability surface: the score of every cell, the towns on top")
    parts = [
        f'<figure class="map"><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
        "<figcaption>"
        + _e(
            t(
                "The score of a town at the centre of each hexagon (yellow best, purple worst; "
                "grey: excluded). Black dots: candidate towns; red rings: the chosen sites; "
                "white stars: the best cell near each town. The interactive map explains the "
                "score at any point you click."
            )
        )
        + "</figcaption></figure>"
    ]
    found = table[table["h3"] != ""]
    if len(found):
        parts.append(
            "<p>"
            + _e(
                t(
                    "For each town, the best kept cell within {km} km, the towns where a nearby "
                    "site gains most first:",
                    km=t.integer(float(spec.best_within_km)),
                )
            )
            + "</p><ul>"
            + "".join(f"<li>{_e(s)}</li>" for s in found["sentence"].head(_SHOWN))
            + "</ul>"
        )
    parts.append(_picks(results, t))
    kept = int(surface.kept.sum())
    area_km2 = float(surface.area_km2().sum()) if len(surface) else 0.0
    by_id = {c.id: c for c in results.study.criteria}
    measured = []
    for c in surface.criteria:
        text = local(by_id[c].label, t.lang)
        stand_in = spec.measure.get(c)
        if stand_in is not None:  # a town's own attribute, measured on a cell from a layer
            layer = next(
                str(getattr(stand_in, k))
                for k in ("nearest", "count", "sum", "gravity", "access", "attribute")
                if getattr(stand_in, k)
            )
            text += " " + t("(on a cell: measured from the layer {layer})", layer=layer)
        measured.append(_e(text))
    left_out = [c.id for c in results.study.criteria if c.id not in surface.criteria]
    facts = [
        t(
            "H3 resolution {resolution}: {cells} hexagons of {cell_km2} km² on average, {area} km² "
            "in all ({where}).",
            resolution=t.integer(surface.resolution),
            cells=t.integer(len(surface)),
            cell_km2=t.number(area_km2 / max(len(surface), 1), 1),
            area=t.integer(area_km2),
            where=_area_words(results, t),
        ),
        t(
            "{kept} cells kept, {excluded} excluded by the study's rules; scored by {method} "
            "with the study's weights, on the {engine} engine.",
            kept=t.integer(kept),
            excluded=t.integer(len(surface) - kept),
            method=Words(results, t).method(surface.method),
            engine=surface.engine,
        ),
    ]
    if left_out:
        facts.append(
            t(
                "Left out of the surface (their weight shared among the others): {criteria}.",
                criteria=", ".join(local(by_id[c].label, t.lang) for c in left_out),
            )
        )
    parts.append(
        "<h3>"
        + _e(t("How the surface was made"))
        + "</h3><p>"
        + " ".join(_e(f) for f in facts)
        + "</p><p>"
        + _e(t("Criteria measured on every cell:"))
        + "</p><ul>"
        + "".join(f"<li>{m}</li>" for m in measured)
        + "</ul>"
    )
    return "".join(parts)


def _picks(results: Results, t: Translator) -> str:
    """The sites and regions chosen from the surface: how exact, then a short table of each.

    The words are :mod:`siting.outputs.surface_picks`'s, the map's popups' own.
    """
    from siting.outputs.surface_picks import (
        region_picks,
        regions_sentence,
        site_picks,
        sites_sentence,
    )

    blocks = []
    for sentence, picks, score_head in (
        (sites_sentence(results, t), site_picks(results, t), t("score")),
        (regions_sentence(results, t), region_picks(results, t), t("mean score")),
    ):
        if not picks:
            continue
        head = [t("rank"), score_head, t("where"), t("status")]
        rows = "".join(
            f"<tr><td class=num>{_e(t.integer(p.rank))}</td><td class=num>{_e(p.score_text)}</td>"
            f"<td>{_e(p.where)}</td><td>{_e(p.status)}</td></tr>"
            for p in picks
        )
        th = "".join(f"<th{' class=num' if i < 2 else ''}>{_e(h)}</th>" for i, h in enumerate(head))
        blocks.append(
            f"<p>{_e(sentence)}</p>"
            f'<div class="scroll"><table class="surface-picks"><thead><tr>{th}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>"
        )
    if not blocks:
        return ""
    return "<h3>" + _e(t("Sites and regions chosen from the surface")) + "</h3>" + "".join(blocks)
