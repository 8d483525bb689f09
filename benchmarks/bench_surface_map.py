"""The surface on the map: page size, picture against an encoded grid, time to interactive, clicks.

Usage::

    .venv/bin/python benchmarks/bench_surface_map.py [--resolutions 5 6 7] [--loads 5]
        [--screenshot docs/img/surface-1366x768.png]

The shipped surface study (``criteria/novosibirsk_surface.yaml``) goes through the real pipeline
at each resolution (its own is 6; the others are the same file with ``surface.resolution``
changed, written to a temporary folder with its paths made absolute).  For each, the script
reports the cells, the picture the map carries (a palette PNG in Web Mercator,
:func:`siting.outputs.map.surface.surface_image`) beside the same pixels as a deflated byte
grid (what a canvas layer painting from an encoded grid would carry), map.html's size with and
without the surface and what the sites and regions chosen from it add (the same page with
``surface_sites`` and ``surface_regions`` left out), the time to write it, and, over ``--loads`` fresh loads of the page in
headless chromium (every network request blocked), the medians of the time from navigation
start until the page answers (``window.siting.readyAt``) and until the surface is drawn and
answers clicks (``window.sitingSurfaceApi.readyAt``), and the time one click's explanation
takes in the page (200 points).

Target: map.html under 3 MB whatever the resolution.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright
from ruamel.yaml import YAML

import siting.pipeline
from siting.outputs.map.surface import encoded_grid, surface_image
from siting.outputs.maps import write_map

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the browser launcher shared with the tests
from tests.chromium import launch  # noqa: E402

STUDY = ROOT / "criteria" / "novosibirsk_surface.yaml"


def study_at(resolution: int, folder: Path) -> Path:
    """The shipped surface study at ``resolution``, its paths absolute (the file is not touched)."""
    yaml = YAML()
    data = yaml.load(STUDY.read_text(encoding="utf-8"))
    if data["surface"]["resolution"] == resolution:
        return STUDY
    for key in ("candidates", "reference", "boundaries"):
        if key in data:
            data[key] = str((STUDY.parent / data[key]).resolve())
    for name, path in list(data["layers"].items()):
        data["layers"][name] = str((STUDY.parent / path).resolve())
    data["surface"]["resolution"] = resolution
    data["surface"].pop("robustness", None)  # the map does not draw it; its own benchmark times it
    out = folder / f"surface_r{resolution}.yaml"
    with out.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return out


def wait_until(page: object, expression: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(10)  # type: ignore[attr-defined]


@dataclasses.dataclass
class Loads:
    page_ready: float
    surface_ready: float
    click_ms: float
    blocked: int


def load(
    path: Path,
    loads: int,
    points: list[list[float]],
    shot: Path | None,
    best: tuple[float, float] = (0.0, 0.0),
) -> Loads:
    page_ready, surface_ready, click = [], [], []
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        for k in range(loads):
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.route(
                "**/*",
                lambda r: (
                    r.continue_()
                    if r.request.url.startswith(("file:", "data:"))
                    else (blocked.append(r.request.url), r.abort())
                ),
            )
            page.goto(path.as_uri())
            wait_until(page, "!!(window.sitingSurfaceApi && window.sitingSurfaceApi.ready)")
            page_ready.append(page.evaluate("window.siting.readyAt") / 1000)
            surface_ready.append(page.evaluate("window.sitingSurfaceApi.readyAt") / 1000)
            ms = page.evaluate(
                "pts => { const t = performance.now();"
                " for (const p of pts) window.sitingSurfaceApi.explain(p[0], p[1]);"
                " return (performance.now() - t) / pts.length; }",
                points,
            )
            click.append(ms)
            if shot is not None and k == 0:
                wait_until(page, "window.siting.engineReadyAt > 0")
                # the best cell of the surface, low in the view so that its explanation fits
                page.evaluate(
                    "p => { const m = window.sitingSurfaceApi.map;"
                    " m.setView([p[1] + 0.75, p[0] - 0.6], 8, {animate: false});"
                    " m.fire('click', {latlng: L.latLng(p[1], p[0])}); }",
                    list(best),
                )
                page.wait_for_timeout(300)
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot))
            context.close()
        browser.close()
    return Loads(
        statistics.median(page_ready),
        statistics.median(surface_ready),
        statistics.median(click),
        len(blocked),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolutions", type=int, nargs="+", default=[5, 6, 7])
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for res in args.resolutions:
            start = time.perf_counter()
            results = siting.pipeline.run(study_at(res, folder), sensitivity=False)
            run_s = time.perf_counter() - start
            surface = results.surface
            assert surface is not None
            image = surface_image(surface)
            grid = encoded_grid(surface)
            start = time.perf_counter()
            path = write_map(results, folder / f"map_r{res}.html")
            write_s = time.perf_counter() - start
            plain = write_map(dataclasses.replace(results, surface=None), folder / "plain.html")
            unpicked = write_map(
                dataclasses.replace(results, surface_sites=None, surface_regions=None),
                folder / "unpicked.html",
            )
            picks = path.stat().st_size - unpicked.stat().st_size
            rng = np.random.default_rng(0)
            lo, hi = surface.lonlat.min(axis=0), surface.lonlat.max(axis=0)
            points = np.column_stack(
                [rng.uniform(lo[0], hi[0], 200), rng.uniform(lo[1], hi[1], 200)]
            )
            shot = args.screenshot if res == 6 else None
            top = int(np.argmax(np.where(surface.kept, surface.score, -np.inf)))
            best = (float(surface.lonlat[top, 0]), float(surface.lonlat[top, 1]))
            timing = load(path, args.loads, points.tolist(), shot, best)
            rows.append(
                (
                    res,
                    len(surface),
                    run_s,
                    f"{image.width}×{image.height}",
                    len(image.png),
                    len(grid),
                    path.stat().st_size,
                    plain.stat().st_size,
                    picks,
                    write_s,
                    timing,
                )
            )
            print(
                f"r{res}: {len(surface):,} cells, run {run_s:.1f} s; picture {image.width}x"
                f"{image.height} PNG {len(image.png) / 1e3:.1f} kB, deflated grid "
                f"{len(grid) / 1e3:.1f} kB; map.html {path.stat().st_size / 1e6:.3f} MB "
                f"(without the surface {plain.stat().st_size / 1e6:.3f} MB; sites and regions "
                f"{picks / 1e3:.1f} kB), written in "
                f"{write_s:.2f} s; page ready {timing.page_ready:.3f} s, surface ready "
                f"{timing.surface_ready:.3f} s after navigation start; one click "
                f"{timing.click_ms:.3f} ms; requests {timing.blocked}",
                flush=True,
            )
    print(
        "\n| resolution | cells | picture (px) | PNG | deflated grid | map.html | without surface"
        " | sites and regions | written | page ready | surface ready | one click |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for res, n, _run, px, png, grid, size, plain, picks, write_s, t in rows:
        print(
            f"| {res} | {n:,} | {px} | {png / 1e3:.1f} kB | {grid / 1e3:.1f} kB | "
            f"{size / 1e6:.3f} MB | {plain / 1e6:.3f} MB | {picks / 1e3:.1f} kB | "
            f"{write_s:.2f} s | "
            f"{t.page_ready:.3f} s | {t.surface_ready:.3f} s | {t.click_ms:.3f} ms |"
        )


if __name__ == "__main__":
    main()
