"""The static map: ranking and portfolio on one PNG, for slides and for the report.

Drawn with geopandas on a matplotlib :class:`~matplotlib.figure.Figure` created without pyplot,
so nothing depends on a display or on global figure state.  The country is drawn in a Lambert
conformal conic projection fitted to Kazakhstan (standard parallels 45° and 51° N, central
meridian 67° E): shapes and distances read true from Mangystau to Altai, where plain longitude
and latitude axes stretch the country by a third.  Names are placed by priority (the chosen
sites, their contenders, then the ranking from the top) at the first of eight spots around the
point where the name's box, measured by matplotlib's renderer, overlaps no name already placed,
no ring and no box of the legend; a name that finds no free spot is left out.

One drawing per run and language: :func:`render_static_map` keeps the PNG of the last runs, so
that ``map.png`` and the report's copy are the same bytes, drawn once.
"""

from __future__ import annotations

import io
import re
import textwrap
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import matplotlib as mpl
import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.legend_handler import HandlerPatch
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

from siting.i18n import Translator, translator
from siting.outputs.files import draw_rgba, write_bytes
from siting.outputs.map.payload import boundary_note
from siting.outputs.words import Words, local
from siting.results import Results

__all__ = [
    "PROJECTION",
    "draw_static_map",
    "label_boxes",
    "remember_static_map",
    "render_static_map",
    "write_static_map",
]

#: Lambert conformal conic for Kazakhstan: standard parallels 45° and 51° N cut the country
#: (40.6°-55.4° N) in its thirds, so the scale errs by under 2 % anywhere in it.
PROJECTION = (
    "+proj=lcc +lat_1=45 +lat_2=51 +lat_0=48 +lon_0=67 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
)

_CHOSEN = "#d62728"
_CONTENDER = "#ff7f0e"
_RING = 220  # marker area of a ring (points²): a circle of about 15 pt across
_RING_PT = 8.5  # its radius plus its line, in points: names start outside it
_PAD = 1.5  # pixels kept free around every name
_GID = "site-label"
_REACH = (1.0, 2.0, 3.0, 4.5)  # how far out a chosen site's name may go, in offsets
#: Names tried, by priority: an 8 × 5 inch map holds a hundred names or so, and each
#: try is measured against every name placed, so with thousands of candidates only the chosen
#: sites, their contenders and the top of the ranking are named (the rest stay dots).
NAMES_TRIED = 150

# Where a name may go around its point: (dx, dy) in units of the offset, then its alignment.
_Ha = Literal["left", "center", "right"]
_Va = Literal["bottom", "center", "top"]
_SPOTS: tuple[tuple[float, float, _Ha, _Va], ...] = (
    (1.0, 0.0, "left", "center"),
    (-1.0, 0.0, "right", "center"),
    (0.0, 1.0, "center", "bottom"),
    (0.0, -1.0, "center", "top"),
    (0.75, 0.75, "left", "bottom"),
    (0.75, -0.75, "left", "top"),
    (-0.75, 0.75, "right", "bottom"),
    (-0.75, -0.75, "right", "top"),
)


# --------------------------------------------------------------------------- cache

_RENDERS: dict[tuple[int, str, int], tuple[weakref.ref[Results], bytes]] = {}
_KEEP = 12  # renders kept: three languages of the last few runs


def render_static_map(results: Results, *, dpi: int = 150, lang: str | None = None) -> bytes:
    """Draw the ranking and the portfolio and return the PNG bytes (drawn once per language).

    Parameters
    ----------
    results
        The run.
    dpi
        Resolution of the PNG.
    lang
        Language of the names, title and legend (default: the study's).

    Returns
    -------
    bytes
        A PNG image: candidates coloured by score, excluded ones as grey crosses, the portfolio
        ringed in red (a close call dashed, its contender ringed in orange), names without
        overlaps, a scale bar, and the first sentence of the boundaries' ``layout_note``.
    """
    t = translator(lang or results.study.language)
    key = (id(results), t.lang, dpi)
    hit = _RENDERS.get(key)
    if hit is not None and hit[0]() is results:
        return hit[1]
    fig = draw_static_map(results, lang=t.lang)
    data = _smaller_png(draw_rgba(fig, dpi=dpi))
    remember_static_map(results, data, dpi=dpi, lang=t.lang)
    return data


def remember_static_map(results: Results, data: bytes, *, dpi: int, lang: str) -> None:
    """Keep ``data``, :func:`render_static_map`'s PNG of ``results``, as its answer from now on.

    For a PNG drawn elsewhere by the same function (:mod:`siting.outputs.drawings` draws the
    other languages in a second process while this one writes the rest).
    """
    # A dead or reused id is dropped before the oldest entries go.
    for k in [k for k, (ref, _) in _RENDERS.items() if ref() is None]:
        del _RENDERS[k]
    while len(_RENDERS) >= _KEEP:
        del _RENDERS[next(iter(_RENDERS))]
    _RENDERS[(id(results), lang, dpi)] = (weakref.ref(results), data)


def _smaller_png(rgba: np.ndarray) -> bytes:
    """The pixels as a PNG in 256 colours: a third of the size, no visible change for a flat map."""
    from PIL import Image

    with Image.fromarray(rgba, "RGBA") as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --------------------------------------------------------------------------- drawing


@dataclass(frozen=True)
class _Site:
    cid: str
    x: float
    y: float
    style: str  # "chosen", "close", "contender", "kept", "excluded"


def draw_static_map(results: Results, *, lang: str | None = None) -> Figure:
    """The static map as a matplotlib figure, names placed (see :func:`render_static_map`)."""
    t = translator(lang or results.study.language)
    words = Words(results, t)
    base = _projected(results.boundaries)
    ranking = results.ranking
    cands, kept, sites = _placed(results)

    with mpl.rc_context({"font.size": 8, "svg.hashsalt": "siting"}):
        fig = Figure(figsize=(8, 5.2), layout="constrained")
        _QuietCanvas(fig)
        ax = fig.add_subplot()
        ax.set_aspect("equal")
        if base is not None and not base.empty:
            base.plot(ax=ax, color="#f4f1ea", edgecolor="#888", linewidth=0.5)
        scores = ranking["score"].astype(float).to_numpy()
        good = cands[kept]
        if not good.empty:
            good.plot(
                ax=ax,
                column=scores[kept],
                cmap="viridis",
                markersize=36,
                edgecolor="#222",
                linewidth=0.5,
                legend=True,
                legend_kwds={"label": t("score"), "shrink": 0.6},
                zorder=3,
            )
        bad = cands[~kept]
        if not bad.empty:
            bad.plot(ax=ax, color="#999", marker="x", markersize=20, linewidth=1, zorder=2)
        _rings(ax, sites)
        handles = _legend_handles(t, sites, excluded=not bad.empty)
        legend = (
            ax.legend(
                handles=handles,
                loc="lower right",
                fontsize=7,
                framealpha=0.9,
                handler_map={Circle: HandlerPatch(patch_func=_circle_handle)},
            )
            if handles
            else None
        )
        if legend is not None:
            for text in legend.get_texts():
                text.set_parse_math(False)
        caveat = _caveat(ax, t, _note(results, t.lang))
        _frame(ax, cands, base)
        ax.set_axis_off()
        scale = _scale_bar(ax, t)
        ax.set_title(
            "\n".join(
                textwrap.wrap(local(results.study.study, t.lang), 110)
                + textwrap.wrap(words.headline(), 110)
            ),
            fontsize=9,
            parse_math=False,
        )
        # Fix the layout, then place the names on it: a name added later must not move it.
        fig.canvas.draw()
        fig.set_layout_engine("none")
        obstacles = [a.get_window_extent() for a in (legend, caveat, scale) if a is not None]
        _place_labels(ax, words, sites, obstacles)
    return fig


_PLACED: dict[
    int, tuple[weakref.ref[Results], tuple[gpd.GeoDataFrame, np.ndarray, list[_Site]]]
] = {}


def _placed(results: Results) -> tuple[gpd.GeoDataFrame, np.ndarray, list[_Site]]:
    """The candidates projected, which are kept, and the sites in order: once per run.

    The same in every language (the report draws the map in three); with 100,000 candidates
    the projection and the sites take a second or two each time.
    """
    hit = _PLACED.get(id(results))
    if hit is not None and hit[0]() is results:
        return hit[1]
    ranking = results.ranking
    cands = results.candidates.reindex(ranking.index)
    if cands.crs is None:
        cands = cands.set_crs("EPSG:4326")
    cands = cands.set_geometry(cands.geometry.representative_point()).to_crs(PROJECTION)
    kept = (ranking["excluded_reason"].fillna("") == "").to_numpy()
    placed = (cands, kept, _sites(results, cands, kept))
    # only the last run is kept (a dead or reused id is replaced)
    _PLACED.clear()
    _PLACED[id(results)] = (weakref.ref(results), placed)
    return placed


class _QuietCanvas(FigureCanvasAgg):
    """An Agg canvas that draws only when asked to.

    geopandas' ``plot`` asks for an idle redraw after each layer; on an Agg canvas that is a
    full draw (constrained layout, every text measured) of a figure nobody is looking at, three
    of them per map.  The figure is drawn once to fix the layout and once to save it.
    """

    def draw_idle(self, *args: object, **kwargs: object) -> None:
        """Do nothing: :func:`draw_static_map` draws when the layout is complete."""


def _projected(boundaries: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if boundaries is None or boundaries.empty:
        return None
    frame = boundaries if boundaries.crs is not None else boundaries.set_crs("EPSG:4326")
    return frame.to_crs(PROJECTION)


def _note(results: Results, lang: str = "en") -> str:
    """The boundaries' own note (``layout_note``), which every drawing of them must carry."""
    return boundary_note(results.boundaries, lang)


def _sites(results: Results, cands: gpd.GeoDataFrame, kept: np.ndarray) -> list[_Site]:
    """Every candidate with its style, in the order their names are placed."""
    rec = results.recommendation
    chosen = list(results.portfolio.ids) if results.portfolio is not None else []
    close = {v.id for v in rec.sites if not v.firm} if rec is not None and chosen else set()
    contenders = (
        [v.contender for v in rec.sites if not v.firm and v.contender]
        if rec is not None and chosen
        else []
    )
    order = [*chosen, *contenders, *[str(i) for i in results.ranking.index]]
    # Positions looked up once (a lookup per candidate in a Series takes seconds at 100,000).
    xs, ys = cands.geometry.x.to_numpy(), cands.geometry.y.to_numpy()
    at = {cid: k for k, cid in enumerate(cands.index)}
    chosen_set, contender_set = set(chosen), set(contenders)
    out = []
    for cid in dict.fromkeys(order):
        k = at.get(cid)
        if k is None or not np.isfinite(xs[k]) or not np.isfinite(ys[k]):
            continue
        if cid in close:
            style = "close"
        elif cid in chosen_set:
            style = "chosen"
        elif cid in contender_set:
            style = "contender"
        else:
            style = "kept" if kept[k] else "excluded"
        out.append(_Site(str(cid), float(xs[k]), float(ys[k]), style))
    return out


def _rings(ax: Axes, sites: list[_Site]) -> None:
    styles = {
        "chosen": (_CHOSEN, "solid"),
        "close": (_CHOSEN, "dashed"),
        "contender": (_CONTENDER, "dashed"),
    }
    for style, (colour, line) in styles.items():
        pts = [(s.x, s.y) for s in sites if s.style == style]
        if pts:
            x, y = zip(*pts, strict=True)
            ax.scatter(
                x,
                y,
                s=_RING,
                facecolors="none",
                edgecolors=colour,
                linewidths=1.8,
                linestyles=line,
                zorder=4,
                gid=f"ring-{style}",
            )


def _legend_handles(t: Translator, sites: list[_Site], *, excluded: bool) -> list[Artist]:
    def ring(colour: str, line: str, label: str) -> Circle:
        return Circle(
            (0, 0),
            1,
            facecolor="none",
            edgecolor=colour,
            linewidth=1.5,
            linestyle=line,
            label=label,
        )

    styles = {s.style for s in sites}
    handles: list[Artist] = []
    if "chosen" in styles:
        handles.append(ring(_CHOSEN, "solid", t("chosen site")))
    if "close" in styles:
        handles.append(ring(_CHOSEN, "dashed", t("chosen site, a close call")))
    if "contender" in styles:
        handles.append(ring(_CONTENDER, "dashed", t("its contender")))
    if excluded:
        handles.append(Line2D([], [], color="#999", marker="x", linestyle="", label=t("excluded")))
    return handles


def _circle_handle(
    legend: Legend,
    orig_handle: Artist,
    xdescent: float,
    ydescent: float,
    width: float,
    height: float,
    fontsize: float,
) -> Circle:
    """A ring in the legend drawn as a ring (dashed where the map's is), not as a box."""
    r = 0.6 * height
    return Circle((width / 2 - xdescent, height / 2 - ydescent), r)


def _caveat(ax: Axes, t: Translator, note: str) -> Text | None:
    """The first sentence of the boundaries' own note, so that a slide carries it too."""
    if not note:
        return None
    match = re.match(r".*?[.!?](?=\s|$)", note)
    return ax.annotate(
        t("Boundaries: {note}", note=match.group(0) if match else note),
        (0.01, 0.01),
        xycoords="axes fraction",
        fontsize=6,
        color="#555",
        parse_math=False,
        bbox={"boxstyle": "square,pad=0.2", "facecolor": "white", "alpha": 0.8, "linewidth": 0},
        zorder=6,
    )


def _scale_bar(ax: Axes, t: Translator) -> Text:
    """A bar of a round length near the lower left corner (the projection keeps it true)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km = 500 if (x1 - x0) > 2_000_000 else 100 if (x1 - x0) > 400_000 else 20
    left, bottom = x0 + 0.02 * (x1 - x0), y0 + 0.09 * (y1 - y0)
    ax.plot([left, left + km * 1000], [bottom, bottom], color="#333", linewidth=2, zorder=5)
    return ax.annotate(
        t("{km} km", km=t.integer(km)),
        (left + km * 500, bottom),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=6,
        color="#333",
        zorder=5,
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
    pad_x, pad_y = max((x1 - x0) * 0.04, 50_000), max((y1 - y0) * 0.06, 50_000)
    ax.set_xlim(x0 - pad_x, x1 + pad_x)
    ax.set_ylim(y0 - pad_y * 2.5, y1 + pad_y)  # room below for the scale bar and the note


# --------------------------------------------------------------------------- names


def _place_labels(ax: Axes, words: Words, sites: list[_Site], obstacles: list[Bbox]) -> None:
    """Name each site at the first free spot around it, by priority; drop a name that has none."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    scale = fig.dpi / 72
    taken = list(obstacles)
    # The rings are obstacles for every name, whichever site it belongs to.
    for s in sites:
        if s.style in ("chosen", "close", "contender"):
            cx, cy = ax.transData.transform((s.x, s.y))
            r = _RING_PT * scale
            taken.append(Bbox([[cx - r, cy - r], [cx + r, cy + r]]))
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for s in sites[:NAMES_TRIED]:
        ringed = s.style in ("chosen", "close", "contender")
        offset = _RING_PT + 3.0 if ringed else 4.0
        text = ax.annotate(
            words.name(s.cid),
            (s.x, s.y),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=7.5 if ringed else 6.5,
            fontweight="bold" if ringed else "normal",
            color={"chosen": _CHOSEN, "close": _CHOSEN, "contender": "#b85c00"}.get(
                s.style, "#777" if s.style == "excluded" else "#222"
            ),
            parse_math=False,  # a "$" in a town's name must not start mathtext
            path_effects=halo,
            zorder=5,
            gid=_GID,
            arrowprops=(
                {
                    "arrowstyle": "-",
                    "color": "#555",
                    "linewidth": 0.6,
                    "shrinkA": 1,
                    "shrinkB": _RING_PT,
                }
                if ringed
                else None
            ),
        )
        # A chosen site (or its contender) is always named: farther out, with a leader line,
        # when no spot next to it is free; any other name is dropped instead.
        reach = _REACH if ringed else (1.0,)
        spots = [(k, spot) for k in reach for spot in _SPOTS]
        placed = False
        for k, (dx, dy, ha, va) in spots:
            text.xyann = (dx * offset * k, dy * offset * k)
            text.set_horizontalalignment(ha)
            text.set_verticalalignment(va)
            # The name's own box (an Annotation's extent would include its leader line).
            text.update_positions(renderer)
            box = Text.get_window_extent(text, renderer).padded(_PAD * scale)
            inside = (
                box.x0 >= frame.x0
                and box.x1 <= frame.x1
                and box.y0 >= frame.y0
                and box.y1 <= frame.y1
            )
            if inside and not any(box.overlaps(other) for other in taken):
                taken.append(box)
                placed = True
                if ringed:
                    # The leader line from the ring to a name set farther out (in points,
                    # so that it holds at any resolution the PNG is saved at).
                    text.arrow_patch.set_visible(k > 1)  # type: ignore[union-attr]
                break
        if not placed:
            if ringed:
                # Last resort (never seen on a country map): the first spot, overlaps or not.
                dx, dy, ha, va = _SPOTS[0]
                text.xyann = (dx * offset, dy * offset)
                text.set_horizontalalignment(ha)
                text.set_verticalalignment(va)
                text.update_positions(renderer)
                taken.append(Text.get_window_extent(text, renderer).padded(_PAD * scale))
            else:
                text.remove()


def label_boxes(fig: Figure) -> Iterator[tuple[str, Bbox]]:
    """Each name on a drawn map with its box in display pixels (for tests and checks)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in fig.axes:
        for child in ax.get_children():
            if isinstance(child, Annotation) and child.get_gid() == _GID:
                child.update_positions(renderer)
                yield child.get_text(), Text.get_window_extent(child, renderer)


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
    lang
        Language of the names, title and legend (default: the study's).

    Returns
    -------
    Path
        ``path``.
    """
    return write_bytes(Path(path), render_static_map(results, dpi=dpi, lang=lang))
