"""The static map: ranking and portfolio on one PNG, for slides and for the report.

Drawn with geopandas on a matplotlib :class:`~matplotlib.figure.Figure` created
without pyplot, so nothing depends on a display or on global figure state.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from siting.outputs.files import save_figure, write_bytes
from siting.outputs.maps import base_map, boundary_note
from siting.results import Results

__all__ = ["render_static_map", "write_static_map"]

_LABELS = 10  # the best few are named; more would overlap at country scale
_PORTFOLIO_COLOUR = "#d62728"


def _to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        return gdf.to_crs("EPSG:4326")
    return gdf


def render_static_map(
    results: Results,
    *,
    dpi: int = 150,
    lang: str | None = None,
) -> bytes:
    """Draw the ranking and the portfolio and return the PNG bytes.

    Parameters
    ----------
    results
        The run.
    dpi
        Resolution of the PNG.

    Returns
    -------
    bytes
        A PNG image: candidates coloured by score, excluded ones as grey crosses,
        the portfolio ringed in red, the best ten and the portfolio named, and the
        first sentence of the boundaries' ``layout_note`` in the lower left corner.
    """
    base = base_map(results)
    ranking = results.ranking
    cands = _to_wgs84(results.candidates).reindex(ranking.index)
    cands = cands.set_geometry(cands.geometry.representative_point())
    kept = ranking["excluded_reason"].fillna("") == ""
    chosen = set(results.portfolio.ids) if results.portfolio is not None else set()

    with mpl.rc_context({"font.size": 8, "svg.hashsalt": "siting"}):
        fig = Figure(figsize=(8, 5.2), layout="constrained")
        ax = fig.add_subplot()
        if base is not None and not base.empty:
            base.plot(ax=ax, color="#f4f1ea", edgecolor="#888", linewidth=0.5)
        scores = ranking["score"].astype(float)
        good = cands[kept.to_numpy()]
        if not good.empty:
            good.plot(
                ax=ax,
                column=scores[kept].to_numpy(),
                cmap="viridis",
                markersize=36,
                edgecolor="#222",
                linewidth=0.5,
                legend=True,
                legend_kwds={"label": "score", "shrink": 0.6},
                zorder=3,
            )
        bad = cands[~kept.to_numpy()]
        if not bad.empty:
            bad.plot(ax=ax, color="#999", marker="x", markersize=20, linewidth=1, zorder=2)
        if chosen:
            ring = cands[cands.index.isin(chosen)]
            ring.plot(
                ax=ax,
                facecolor="none",
                edgecolor=_PORTFOLIO_COLOUR,
                markersize=220,
                linewidth=1.8,
                zorder=4,
            )
        named = list(ranking.index[kept][:_LABELS]) + [i for i in chosen if i in ranking.index]
        for cid in dict.fromkeys(named):
            pt = cands.geometry.loc[cid]
            ax.annotate(
                str(ranking.at[cid, "name"]),
                (pt.x, pt.y),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=7,
                fontweight="bold" if cid in chosen else "normal",
                color=_PORTFOLIO_COLOUR if cid in chosen else "#222",
                parse_math=False,  # a "$" in a town's name must not start mathtext
                zorder=5,
            )
        _legend(ax, excluded=not bad.empty, portfolio=bool(chosen))
        _caveat(ax, boundary_note(base))
        _frame(ax, cands, base)
        title = str(results.study.study)
        if chosen:
            title += f": ranking and portfolio of {len(chosen)} (red rings)"
        ax.set_title(title, fontsize=9, parse_math=False)
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        buf = io.BytesIO()
        save_figure(fig, buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _legend(ax: Axes, *, excluded: bool, portfolio: bool) -> None:
    handles = []
    if excluded:
        handles.append(Line2D([], [], color="#999", marker="x", linestyle="", label="excluded"))
    if portfolio:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                markersize=10,
                markerfacecolor="none",
                markeredgecolor=_PORTFOLIO_COLOUR,
                linestyle="",
                label="portfolio",
            )
        )
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)


def _caveat(ax: Axes, note: str) -> None:
    """The first sentence of the boundaries' own note, so that a slide carries it too."""
    if not note:
        return
    match = re.match(r".*?[.!?](?=\s|$)", note)
    ax.annotate(
        "Boundaries: " + (match.group(0) if match else note),
        (0.01, 0.01),
        xycoords="axes fraction",
        fontsize=6,
        color="#555",
        parse_math=False,
        bbox={"boxstyle": "square,pad=0.2", "facecolor": "white", "alpha": 0.8, "linewidth": 0},
        zorder=6,
    )


def _frame(ax: Axes, cands: gpd.GeoDataFrame, base: gpd.GeoDataFrame | None) -> None:
    """Frame the candidates (with a margin), or the boundaries when they are larger."""
    xs, ys = cands.geometry.x.to_numpy(), cands.geometry.y.to_numpy()
    finite = np.isfinite(xs) & np.isfinite(ys)
    if not finite.any():
        return
    x0, x1, y0, y1 = xs[finite].min(), xs[finite].max(), ys[finite].min(), ys[finite].max()
    if base is not None and not base.empty:
        bx0, by0, bx1, by1 = base.total_bounds
        x0, x1, y0, y1 = min(x0, bx0), max(x1, bx1), min(y0, by0), max(y1, by1)
    pad_x, pad_y = max((x1 - x0) * 0.05, 0.5), max((y1 - y0) * 0.05, 0.5)
    ax.set_xlim(x0 - pad_x, x1 + pad_x)
    ax.set_ylim(y0 - pad_y, y1 + pad_y)


def write_static_map(
    results: Results,
    path: str | Path,
    *,
    dpi: int = 150,
    lang: str | None = None,
) -> Path:
    """Write the static map as a PNG (``map.png``), atomically.

    Parameters
    ----------
    results
        The run.
    path
        Where to write.
    dpi
        Resolution.

    Returns
    -------
    Path
        ``path``.
    """
    return write_bytes(Path(path), render_static_map(results, dpi=dpi, lang=lang))
