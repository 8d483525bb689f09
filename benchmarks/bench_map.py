"""The interactive map's size and time to interactive, in each language, beside plain folium.

Usage::

    .venv/bin/python benchmarks/bench_map.py [--loads 7] [--candidates 2000] [--screenshots DIR]

Two studies go through the real pipeline (``siting.pipeline.run``):

- the default study, ``criteria/novosibirsk.yaml`` (about 60 candidates), with everything
  it asks for: portfolio, coverage, alternatives, Pareto front and the robustness analysis
  (so the map carries the membership layer and the report every robustness figure);
- a synthetic study of ``--candidates`` sites (0: skip it): the default study's candidates
  copied with a jitter of up to half a degree (about 50 km), same criteria, layers and
  portfolio rules, without the Pareto front, the alternatives and the portfolio re-solves
  (each an integer program over 2,000 sites); its map carries the rank acceptability of
  10,000 weight draws, computed with :func:`siting.sensitivity.rank_acceptability`.

For each, the script writes map.html with siting (a folium map saved offline: Leaflet, the
engine with HiGHS as WebAssembly, boundaries, data and the three catalogs inlined) in Kazakh,
Russian and English, and, side by side, the same candidates as a plain folium map (circle
markers with the same popup table, folium's default CDN assets), and reports the file sizes.
The English page is then opened ``--loads`` times in headless chromium (/usr/bin/chromium,
every network request blocked) and the medians are reported: the time from navigation start
until the page has drawn every layer and answered (``window.siting.readyAt``: the sliders
re-rank from then on), until the engine has compiled the solver (``engineReadyAt``: the
portfolio follows the sliders from then on), the wall time of ``page.goto`` until ready, and
the time one slider setting takes to re-score, re-rank and re-solve (``setWeights``).  Plain
folium's page cannot be timed offline: it fetches Leaflet, jQuery and Bootstrap from CDNs.

``--screenshots DIR`` also writes the default study's first view at 1366×768 and 390×844
(``map-1366x768.png``, ``map-390x844.png``), as docs/map.md shows them.

The Kazakh and Russian pages are opened ``--loads`` times too (drawn, solver, wall time).  The
default study's report.html is written opening in each language, and printed to A4 PDF by the
same chromium (pages counted with pypdf).

Targets: default map < 3 MB in every language with the engine inlined, interactive < 2 s;
2,000 candidates < 10 MB.  The default study's report.html < 3 MB.
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import io
import json
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import folium
import numpy as np
from playwright.sync_api import Page, sync_playwright
from ruamel.yaml import YAML

import siting.pipeline
from siting import sensitivity
from siting.i18n import LANGUAGES
from siting.outputs.maps import write_map
from siting.outputs.report import write_report
from siting.results import Results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the browser launcher shared with the tests
from tests.chromium import launch  # noqa: E402

DEFAULT = ROOT / "criteria" / "novosibirsk.yaml"


def run(path: Path, *, robustness: bool | None = None) -> tuple[Results, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        start = time.perf_counter()
        results = siting.pipeline.run(path, sensitivity=robustness)
    return results, time.perf_counter() - start


def with_acceptability(results: Results, *, samples: int = 10_000) -> Results:
    """Attach a robustness analysis without integer programs: SMAA, one-at-a-time, stability."""
    kept = results.values.loc[results.included]
    weights = results.weights.loc[kept.columns]
    rng = np.random.default_rng(results.study.seed)
    draws = sensitivity.sample_weights(kept.shape[1], samples, rng=rng)
    analysis = sensitivity.Sensitivity(
        one_at_a_time=sensitivity.one_at_a_time(kept, weights),
        stability=sensitivity.stability_intervals(kept, weights),
        acceptability=sensitivity.rank_acceptability(kept, weight_samples=draws),
        membership=None,
        methods=None,
        names=results.ranking.loc[kept.index, "name"].astype(str),
        base_rank=results.ranking.loc[kept.index, "rank"].astype(int),
        seed=results.study.seed,
        samples=samples,
    )
    return dataclasses.replace(results, sensitivity=analysis)


def synthetic_study(n: int, folder: Path, *, seed: int = 0) -> Path:
    """The default study with ``n`` candidates jittered from its own (same fields)."""
    yaml = YAML()
    study = yaml.load(DEFAULT.read_text(encoding="utf-8"))
    base = DEFAULT.parent
    for key in ("reference", "boundaries"):
        if key in study:
            study[key] = str((base / study[key]).resolve())
    for name, rel in list(study["layers"].items()):
        study["layers"][name] = str((base / rel).resolve())
    source = json.loads((base / study["candidates"]).resolve().read_text(encoding="utf-8"))
    rng = np.random.default_rng(seed)
    features = []
    for i in range(n):
        f = source["features"][i % len(source["features"])]
        x, y = f["geometry"]["coordinates"]
        props = dict(f["properties"])
        props["id"] = f"{props['id']}_{i:05d}"
        props["name"] = f"{props['name']} {i}"
        dx, dy = rng.uniform(-0.5, 0.5, 2)
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [x + dx, y + dy]},
            }
        )
    cands = folder / "candidates.geojson"
    cands.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    study["candidates"] = str(cands)
    # one integer program over 2,000 sites takes about a minute: no fronts, no re-solves
    for key in ("pareto", "alternatives"):
        study.get("portfolio", {}).pop(key, None)
    study.pop("sensitivity", None)
    out = folder / "study.yaml"
    with out.open("w", encoding="utf-8") as fh:
        yaml.dump(study, fh)
    return out


def folium_map(results: Results, path: Path) -> float:
    """The same candidates and popup tables with folium's defaults; returns seconds to write."""
    start = time.perf_counter()
    labels = {c.id: c.label for c in results.study.criteria}
    kept = results.ranking["excluded_reason"] == ""
    m = folium.Map(location=[48, 67], zoom_start=5, tiles=None)
    for cid, row in results.ranking.iterrows():
        pt = results.candidates.geometry.loc[cid]
        cells = "".join(
            f"<tr><td>{html.escape(labels[k])}</td><td>{results.raw.at[cid, k]:.4g}</td>"
            f"<td>{results.values.at[cid, k]:.3f}</td><td>{results.weights[k]:.3f}</td>"
            f"<td>{results.contributions.at[cid, k]:.3f}</td></tr>"
            for k in results.values.columns
        )
        popup = (
            f"<b>{html.escape(str(row['name']))}</b> score {row['score']:.3f}<table>{cells}</table>"
        )
        folium.CircleMarker(
            [pt.y, pt.x],
            radius=6,
            color="#333" if kept[cid] else "#999",
            popup=folium.Popup(popup, max_width=400),
        ).add_to(m)
    m.save(str(path))
    return time.perf_counter() - start


def wait_until(page: Page, expression: str, timeout: float = 30.0) -> None:
    """Poll ``expression`` (``wait_for_function`` would evaluate text, which the page's CSP refuses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        page.wait_for_timeout(5)


@dataclasses.dataclass
class Timing:
    ready: float  # s after navigation start: drawn, sliders answer
    engine: float | None  # s after navigation start: the solver compiled
    wall: float  # s of page.goto until ready
    first: float | None  # s for the first setWeights after the load (re-score, re-rank, re-solve)
    what_if: float | None  # s for a later one (the solver warmed up)
    blocked: list[str]


def time_to_interactive(path: Path, loads: int, criteria: list[str]) -> Timing:
    """Medians over ``loads`` fresh page loads; blocked requests of them all."""
    blocked: list[str] = []
    ready, engine, wall, first, what_if = [], [], [], [], []
    rng = np.random.default_rng(0)
    with sync_playwright() as p:
        browser = launch(p)
        for _ in range(loads):
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
            start = time.perf_counter()
            page.goto(path.as_uri())
            wait_until(page, "!!(window.siting && window.siting.ready)")
            wall.append(time.perf_counter() - start)
            ready.append(page.evaluate("window.siting.readyAt") / 1000)
            wait_until(page, "window.siting.engineReadyAt > 0")
            engine.append(page.evaluate("window.siting.engineReadyAt") / 1000)
            draws = rng.dirichlet(np.ones(len(criteria)), size=11)
            weights = [dict(zip(criteria, map(float, w), strict=True)) for w in draws]
            seconds = page.evaluate(
                "async ws => { const out = []; for (const w of ws) { const t = performance.now();"
                " await window.siting.setWeights(w); out.push((performance.now() - t) / 1000); }"
                " return out; }",
                weights,
            )
            first.append(seconds[0])
            what_if.append(statistics.median(seconds[1:]))
            context.close()
        browser.close()
    return Timing(
        statistics.median(ready),
        statistics.median(engine),
        statistics.median(wall),
        statistics.median(first),
        statistics.median(what_if),
        blocked,
    )


def screenshots(path: Path, folder: Path) -> list[Path]:
    """The first view at a laptop's and a phone's size, as PNG."""
    out = []
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        for width, height in ((1366, 768), (390, 844)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.route(
                "**/*",
                lambda r: (
                    r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort()
                ),
            )
            page.goto(path.as_uri())
            wait_until(page, "window.siting && window.siting.engineReadyAt > 0")
            page.wait_for_timeout(300)
            target = folder / f"map-{width}x{height}.png"
            page.screenshot(path=str(target))
            out.append(target)
            context.close()
        browser.close()
    return out


def report(label: str, results: Results, pipeline_s: float, folder: Path, loads: int) -> Path:
    sizes = {}
    for lang in LANGUAGES:
        start = time.perf_counter()
        out = write_map(results, folder / f"{label}_{lang}.html", lang=lang)
        sizes[lang] = (out.stat().st_size, time.perf_counter() - start)
    english = folder / f"{label}_en.html"
    folium_out = folder / f"{label}_folium.html"
    folium_s = folium_map(results, folium_out)
    fsize = folium_out.stat().st_size
    criteria = list(results.values.columns)
    timing = time_to_interactive(english, loads, criteria)
    n = len(results.ranking)
    print(f"\n{label}: {n} candidates, {len(results.values.columns)} criteria")
    print(f"  pipeline run                 {pipeline_s:8.2f} s")
    for lang, (size, seconds) in sizes.items():
        print(
            f"  siting map.html ({lang})         {size / 1e6:8.3f} MB  written in {seconds:.3f} s"
        )
    print(
        f"  plain folium (CDN assets)    {fsize / 1e6:8.3f} MB  written in {folium_s:.3f} s"
        f"  (size ratio folium/siting {fsize / sizes['en'][0]:.2f})"
    )
    print(f"  time to interactive (median of {loads} loads, 1366x768):")
    print(f"    drawn, sliders answer      {timing.ready:8.3f} s after navigation start")
    print(f"    solver compiled            {timing.engine:8.3f} s after navigation start")
    print(f"    wall time of the load      {timing.wall:8.3f} s")
    print(f"    first what-if (setWeights) {timing.first:8.3f} s")
    print(f"    later what-ifs (median)    {timing.what_if:8.3f} s")
    print(f"  network requests attempted   {len(timing.blocked)}")
    for lang in ("kk", "ru"):
        other = time_to_interactive(folder / f"{label}_{lang}.html", loads, criteria)
        print(
            f"  opened in {lang}: drawn {other.ready:.3f} s, solver {other.engine:.3f} s, "
            f"wall {other.wall:.3f} s (medians of {loads})"
        )
    if results.sensitivity is not None and results.sensitivity.membership is not None:
        for lang in LANGUAGES:
            start = time.perf_counter()
            page = write_report(results, folder / f"{label}_report_{lang}.html", lang=lang)
            seconds = time.perf_counter() - start
            pages = printed_pages(page)
            print(
                f"  report.html ({lang})            {page.stat().st_size / 1e6:8.3f} MB  written in "
                f"{seconds:.3f} s, printed on {pages} A4 pages"
            )
    return english


def printed_pages(path: Path) -> int:
    """The pages of ``path`` printed to A4 PDF by chromium (the language it opens in)."""
    from pypdf import PdfReader

    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
        )
        page.goto(path.as_uri())
        page.emulate_media(media="print")
        data = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
        browser.close()
    return len(PdfReader(io.BytesIO(data)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=7)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, folium {folium.__version__}, {platform.machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results, seconds = run(DEFAULT)
        page = report("default", results, seconds, folder, args.loads)
        if args.screenshots is not None:
            for shot in screenshots(page, args.screenshots):
                print(f"  screenshot                   {shot}")
        if args.candidates:
            big, seconds = run(synthetic_study(args.candidates, folder), robustness=False)
            big = with_acceptability(big)
            report(f"synthetic_{args.candidates}", big, seconds, folder, args.loads)


if __name__ == "__main__":
    main()
