"""Small charts written as inline SVG: text stays text, in the reader's language and font.

The report draws its charts here rather than with matplotlib: a chart is a few kilobytes (a
matplotlib SVG of the same chart is twenty), its labels are ``<text>`` in the page's font (so
that Kazakh and Russian letters render as the rest of the page does, and a reader can search
or copy them), its numbers are formatted by the caller in the reader's locale, and it scales to
the width of a phone.  The charts carry no ids, so that three renderings of the report (one per
language) can sit in one page.  Every text is escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib import ticker

#: Above this many dots in one series, dots are snapped to whole pixels and drawn once per
#: pixel (a dot 5 px across hides any other within a pixel of it): a chart of 100,000
#: candidates stays a few kilobytes and looks the same.  Labelled dots are always drawn.
DOTS_DRAWN = 2_000

__all__ = ["LineChart", "Series", "nice_ticks"]

Format = Callable[[float], str]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def nice_ticks(lo: float, hi: float, n: int = 5, *, integer: bool = False) -> list[float]:
    """Round tick positions between ``lo`` and ``hi`` (matplotlib's locator, no figure)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    locator = ticker.MaxNLocator(nbins=n, integer=integer, min_n_ticks=2)
    return [float(v) for v in locator.tick_values(lo, hi) if lo - 1e-9 <= v <= hi + 1e-9]


@dataclass
class Series:
    """One line or set of points of a chart.

    Attributes
    ----------
    x, y
        Coordinates in data units (NaN points are skipped).
    colour
        Stroke or fill colour.
    kind
        ``"line"``, ``"dots"`` (filled), ``"rings"`` (hollow) or ``"step"``.
    dashed
        Draw a line dashed.
    css
        A class on the group, for tests and styling.
    labels
        Text beside each point (numbers of a front, say).
    """

    x: Sequence[float] | np.ndarray
    y: Sequence[float] | np.ndarray
    colour: str = "#3b6fb6"
    kind: str = "line"
    dashed: bool = False
    css: str = ""
    labels: Sequence[str] = field(default_factory=tuple)


@dataclass
class LineChart:
    """A line and dot chart with two axes, drawn as one ``<svg>`` element.

    Attributes
    ----------
    width, height
        Size of the drawing in CSS pixels (it scales down with the page).
    x_range, y_range
        The axes' limits in data units.
    x_label, y_label
        Axis titles (already in the reader's language).
    x_format, y_format
        Tick label formatters (the reader's locale).
    title
        Accessible name of the chart.
    invert_y
        Largest value at the bottom (ranks).
    integer_y
        Integer ticks on the y axis.
    vlines
        Vertical dashed lines at these x values (the study's weight, say).
    y_ticks
        The y axis' ticks, when round ones chosen by the chart would not do.
    """

    width: float
    height: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    x_label: str = ""
    y_label: str = ""
    x_format: Format = str
    y_format: Format = str
    title: str = ""
    invert_y: bool = False
    integer_y: bool = False
    vlines: Sequence[float] = field(default_factory=tuple)
    y_ticks: Sequence[float] | None = None
    series: list[Series] = field(default_factory=list)
    margin: tuple[float, float, float, float] = (8.0, 10.0, 34.0, 44.0)  # top right bottom left

    def add(self, series: Series) -> LineChart:
        """Add a series; returns the chart."""
        self.series.append(series)
        return self

    def _sx(self, x: Any) -> Any:
        """Pixel x of data x (a number or an array of them)."""
        lo, hi = self.x_range
        _, right, _, left = self.margin
        span = (hi - lo) or 1.0
        return left + (x - lo) / span * (self.width - left - right)

    def _sy(self, y: Any) -> Any:
        """Pixel y of data y (a number or an array of them)."""
        lo, hi = self.y_range
        top, _, bottom, _ = self.margin
        span = (hi - lo) or 1.0
        frac = (y - lo) / span
        if self.invert_y:
            frac = 1 - frac
        return self.height - bottom - frac * (self.height - top - bottom)

    def svg(self) -> str:
        """The chart as an ``<svg>`` element (no ids; every text escaped)."""
        top, right, bottom, left = self.margin
        w, h = self.width, self.height
        parts = [
            f'<svg class="chart" viewBox="0 0 {w:g} {h:g}" width="{w:g}" height="{h:g}" '
            f'role="img" aria-label="{_e(self.title)}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{_e(self.title)}</title>"
        ]
        x0, x1 = left, w - right
        y0, y1 = top, h - bottom
        grid = []
        for v in nice_ticks(*self.x_range):
            x = self._sx(v)
            grid.append(f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{y1:.1f}"/>')
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{y1 + 11:.1f}" text-anchor="middle">'
                f"{_e(self.x_format(v))}</text>"
            )
        y_ticks = self.y_ticks
        if y_ticks is None:
            y_ticks = nice_ticks(*self.y_range, 4, integer=self.integer_y)
        for v in y_ticks:
            y = self._sy(v)
            grid.append(f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}"/>')
            parts.append(
                f'<text class="tick" x="{x0 - 4:.1f}" y="{y + 3:.1f}" text-anchor="end">'
                f"{_e(self.y_format(v))}</text>"
            )
        parts.insert(1, f'<g class="grid" stroke="#e3e3e3" stroke-width="0.8">{"".join(grid)}</g>')
        parts.append(
            f'<path d="M{x0:.1f} {y0:.1f}V{y1:.1f}H{x1:.1f}" fill="none" stroke="#999" '
            'stroke-width="0.8"/>'
        )
        for v in self.vlines:
            x = self._sx(v)
            parts.append(
                f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{y1:.1f}" stroke="#999" '
                'stroke-dasharray="3 2" stroke-width="0.9"/>'
            )
        for s in self.series:
            parts.append(self._series(s))
        if self.x_label:
            parts.append(
                f'<text class="axis" x="{(x0 + x1) / 2:.1f}" y="{h - 4:.1f}" '
                f'text-anchor="middle">{_e(self.x_label)}</text>'
            )
        if self.y_label:
            cy = (y0 + y1) / 2
            parts.append(
                f'<text class="axis" x="10" y="{cy:.1f}" text-anchor="middle" '
                f'transform="rotate(-90 10 {cy:.1f})">{_e(self.y_label)}</text>'
            )
        parts.append("</svg>")
        return "".join(parts)

    def _series(self, s: Series) -> str:
        xs = np.asarray(s.x, dtype=float)
        ys = np.asarray(s.y, dtype=float)
        ok = np.isfinite(xs) & np.isfinite(ys)
        css = f' class="{_e(s.css)}"' if s.css else ""
        if s.kind in ("line", "step"):
            pts = [(self._sx(x), self._sy(y)) for x, y in zip(xs[ok], ys[ok], strict=True)]
            if not pts:
                return ""
            path = "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts)
            dash = ' stroke-dasharray="4 3"' if s.dashed else ""
            return (
                f'<path{css} d="{path}" fill="none" stroke="{s.colour}" stroke-width="1.6" '
                f'stroke-linejoin="round"{dash}/>'
            )
        fill = s.colour if s.kind == "dots" else "none"
        stroke = "#222" if s.kind == "dots" else s.colour
        r = 2.6 if s.kind == "dots" else 5.5
        marks = []
        shown = np.flatnonzero(ok)
        snapped: dict[int, tuple[float, float]] = {}
        if shown.size > DOTS_DRAWN:
            # Thousands of dots: one per pixel (the first there), the others would be drawn on
            # top of it; labelled dots stay where they are.
            labelled = np.zeros(xs.size, dtype=bool)
            labelled[: len(s.labels)] = [bool(text) for text in s.labels][: xs.size]
            plain = shown[~labelled[shown]]
            cells = np.column_stack([np.round(self._sx(xs[plain])), np.round(self._sy(ys[plain]))])
            _, first = np.unique(cells, axis=0, return_index=True)
            snapped = {int(plain[f]): (float(cells[f, 0]), float(cells[f, 1])) for f in first}
            shown = np.sort(np.concatenate([plain[first], shown[labelled[shown]]]))
        for k in (int(i) for i in shown):
            x, y = snapped.get(k) or (self._sx(float(xs[k])), self._sy(float(ys[k])))
            marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}"/>')
            if k < len(s.labels) and s.labels[k]:
                marks.append(
                    f'<text class="tick" x="{x + 5:.1f}" y="{y - 5:.1f}" stroke="none" '
                    f'fill="#222">{_e(s.labels[k])}</text>'
                )
        return (
            f'<g{css} fill="{fill}" stroke="{stroke}" stroke-width="{0.6 if fill != "none" else 1.4}">'
            + "".join(marks)
            + "</g>"
        )
