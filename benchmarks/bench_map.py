"""The interactive map's size and time-to-interactive, siting beside folium, one process.

Usage::

    .venv/bin/python benchmarks/bench_map.py [--loads 7] [--candidates 2000]

Two studies go through the real pipeline (``siting.pipeline.run``):

- the default study, ``criteria/novosibirsk.yaml`` (about 60 candidates), with everything
  it asks for: portfolio, coverage, alternatives, Pareto front and the robustness analysis
  (so the map carries the membership layer and the report every robustness figure);
- a synthetic study of ``--candidates`` sites: the default study's candidates copied
  with a jitter of up to half a degree (about 50 km), same criteria, layers and portfolio
  rules, without the Pareto front, the alternatives and the portfolio re-solves (each an
  integer program over 2,000 sites); its map carries the rank acceptability of 10,000
  weight draws, computed with :func:`siting.sensitivity.rank_acceptability`.

For each, the script writes map.html with siting (offline: Leaflet, boundaries and data
inlined) and, side by side, the same candidates as a folium map (circle markers with the
same popup table, folium's default CDN assets), and reports the file sizes and the ratio.
The siting map is then opened ``--loads`` times in headless chromium (/usr/bin/chromium,
every network request blocked) and the median time-to-interactive is reported: the time
from navigation start until the page's script has drawn every layer and filled the ranking
(``window.siting.readyAt``), and the wall time of ``page.goto`` until then.  folium's page
cannot be timed offline: it fetches Leaflet, jQuery and Bootstrap from CDNs.

Targets (issue 6): default map < 3 MB and interactive < 2 s; 2,000 candidates < 10 MB.
The default study's report.html is written too, and its size reported (target < 3 MB).
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import json
import platform
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import folium
import numpy as np
from playwright.sync_api import sync_playwright
from ruamel.yaml import YAML

import siting.pipeline
from siting import sensitivity
from siting.outputs.maps import write_map
from siting.outputs.report import write_report
from siting.results import Results

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "criteria" / "novosibirsk.yaml"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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


def time_to_interactive(path: Path, loads: int) -> tuple[float, float, list[str]]:
    """Median ready time after navigation start, median wall time of the load, blocked requests."""
    blocked: list[str] = []
    ready, wall = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(loads):
            context = browser.new_context(viewport={"width": 1280, "height": 860})
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
            page.wait_for_function("window.siting && window.siting.ready", timeout=30_000)
            wall.append(time.perf_counter() - start)
            ready.append(page.evaluate("window.siting.readyAt") / 1000)
            context.close()
        browser.close()
    return statistics.median(ready), statistics.median(wall), blocked


def report(label: str, results: Results, pipeline_s: float, folder: Path, loads: int) -> None:
    out = folder / f"{label}.html"
    start = time.perf_counter()
    write_map(results, out)
    write_s = time.perf_counter() - start
    folium_out = folder / f"{label}_folium.html"
    folium_s = folium_map(results, folium_out)
    size, fsize = out.stat().st_size, folium_out.stat().st_size
    ready, wall, blocked = time_to_interactive(out, loads)
    n = len(results.ranking)
    print(f"\n{label}: {n} candidates, {len(results.values.columns)} criteria")
    print(f"  pipeline run                 {pipeline_s:8.2f} s")
    print(f"  siting map.html              {size / 1e6:8.3f} MB  written in {write_s:.3f} s")
    print(
        f"  folium map (CDN assets)      {fsize / 1e6:8.3f} MB  written in {folium_s:.3f} s"
        f"  (size ratio folium/siting {fsize / size:.2f})"
    )
    print(f"  time to interactive (median of {loads}): {ready:.3f} s after navigation start,")
    print(f"                               {wall:.3f} s wall time of the load")
    print(f"  network requests attempted   {len(blocked)}")
    if results.sensitivity is not None and results.sensitivity.membership is not None:
        start = time.perf_counter()
        page = write_report(results, folder / f"{label}_report.html")
        print(
            f"  report.html                  {page.stat().st_size / 1e6:8.3f} MB  written in "
            f"{time.perf_counter() - start:.3f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=7)
    parser.add_argument("--candidates", type=int, default=2000)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, folium {folium.__version__}, {platform.machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results, seconds = run(DEFAULT)
        report("default", results, seconds, folder, args.loads)
        big, seconds = run(synthetic_study(args.candidates, folder), robustness=False)
        big = with_acceptability(big)
        report(f"synthetic_{args.candidates}", big, seconds, folder, args.loads)


if __name__ == "__main__":
    main()
