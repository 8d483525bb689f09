"""Time and peak memory per stage against the number of candidates (1k, 10k, 100k), and portfolios.

Usage::

    .venv/bin/python benchmarks/bench_scale.py [--sizes 1000 10000 100000]
        [--portfolio-sizes 2000 10000] [--today] [--cli]

Each study is :mod:`scale_study`'s: the shipped criteria and layers (``criteria/novosibirsk.yaml``)
with ``n`` seeded synthetic candidates inside Kazakhstan.  Each size runs in a fresh process
(so that one size's peak memory does not carry into the next):

ranking studies (``--sizes``, no portfolio)
    ``siting.pipeline.run`` stage by stage (the pipeline's own timings), then every output
    ``siting run`` writes, one writer at a time (ranking.csv, results.gpkg, ranking.parquet,
    map.html, map.png, ranking.xlsx, report.html), each with its wall time, the process's peak
    resident memory after it (``resource.getrusage``: a running maximum) and the file's size;
    with ``--cli``, then the whole ``siting run`` command in a process of its own, wall time.
portfolio studies (``--portfolio-sizes``)
    the same study with the shipped portfolio (3 sites, 300 km apart, at most 1 per
    macro-region, population within 150 km reported) without the Pareto front and the
    alternatives: the portfolio stage's time (optimum plus the re-solves that say which rules
    bind), the candidates left by the reduction and the rows of the model.  ``--today`` also
    solves it as before this change (every candidate, pair rows generated lazily, no
    reduction), for the ratio (minutes at 2,000 candidates).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_study  # noqa: E402 - the benchmarks folder is not a package


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ranking_child(n: int, cli_too: bool) -> dict[str, object]:
    """One ranking study of ``n`` candidates, stage by stage, in this process."""
    import siting.pipeline
    from siting.outputs.maps import write_map
    from siting.outputs.report import write_report
    from siting.outputs.static_map import write_static_map
    from siting.outputs.tables import write_geopackage, write_parquet, write_ranking_csv
    from siting.outputs.workbook import write_workbook

    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = scale_study.write_study(n, folder / "study")
        peaks: dict[str, float] = {}

        def progress(stage: str) -> None:
            if progress.last is not None:  # type: ignore[attr-defined]
                peaks[progress.last] = _peak_mib()  # type: ignore[attr-defined]
            progress.last = stage  # type: ignore[attr-defined]

        progress.last = None  # type: ignore[attr-defined]
        results = siting.pipeline.run(path, progress=progress)
        peaks[progress.last] = _peak_mib()  # type: ignore[attr-defined]
        for stage, seconds in results.timings.items():
            rows.append({"stage": stage, "seconds": seconds, "peak_mib": peaks.get(stage)})
        out = folder / "out"
        out.mkdir()
        writers = [
            ("ranking.csv", write_ranking_csv),
            ("results.gpkg", write_geopackage),
            ("ranking.parquet", write_parquet),
            ("map.html", write_map),
            ("map.png", write_static_map),
            ("ranking.xlsx", write_workbook),
            ("report.html", write_report),
        ]
        for name, writer in writers:
            start = time.perf_counter()
            writer(results, out / name)
            rows.append(
                {
                    "stage": f"write {name}",
                    "seconds": time.perf_counter() - start,
                    "peak_mib": _peak_mib(),
                    "bytes": (out / name).stat().st_size,
                }
            )
        kept = int((results.ranking["excluded_reason"] == "").sum())
        cli = _cli(path, folder / "cli") if cli_too else None
    return {"n": n, "kept": kept, "rows": rows, "cli_seconds": cli}


def _cli(path: Path, out: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "siting", "run", str(path), "--out", str(out), "--quiet"],
        check=True,
        env=env,
    )
    return time.perf_counter() - start


def portfolio_child(n: int, today: bool) -> dict[str, object]:
    """One portfolio study of ``n`` candidates: the portfolio stage, reduced and (opt.) not."""
    import numpy as np

    import siting.pipeline
    from siting.choice import build_rules
    from siting.optimise import reduce, solve_rules
    from siting.optimise.model import PLAIN

    with tempfile.TemporaryDirectory() as tmp:
        path = scale_study.write_study(n, Path(tmp) / "study", portfolio=True)
        study = siting.Study.load(path)
        results = siting.pipeline.run(study.replace(portfolio=None), sensitivity=False)
        model = build_rules(study.spec, results.candidates, results.layers, results.ranking)
        rules = model.rules
        start = time.perf_counter()
        best = solve_rules(rules)
        seconds = time.perf_counter() - start
        keep = reduce.candidates_to_keep(rules, PLAIN)
        out: dict[str, object] = {
            "n": n,
            "kept": rules.size,
            "pairs": rules.spacing.count_pairs() if rules.spacing is not None else 0,
            "left": int(keep.sum()) if keep is not None else rules.size,
            "seconds": seconds,
            "peak_mib": _peak_mib(),
            "objective": best.objective,
            "selected": [str(model.ids[i]) for i in best.selected],
            "constraints": best.details["constraints"],
            "binding": list(best.binding),
        }
        if today:
            reduce.REDUCE_FROM = 10**12  # every candidate in the model, as before
            start = time.perf_counter()
            before = solve_rules(rules)
            out["today_seconds"] = time.perf_counter() - start
            out["today_objective"] = before.objective
            out["same"] = bool(
                np.array_equal(before.selected, best.selected)
                and abs(before.objective - best.objective) < 1e-9
            )
    return out


def _child(args: list[str]) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--portfolio-sizes", type=int, nargs="*", default=[2000, 10000])
    parser.add_argument("--today", action="store_true")
    parser.add_argument("--cli", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, n = args.child[0], int(args.child[1])
        if kind == "ranking":
            print(json.dumps(ranking_child(n, args.child[2] == "1")))
        else:
            print(json.dumps(portfolio_child(n, args.child[2] == "1")))
        return
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}"
    )
    for n in args.sizes:
        res = _child(["ranking", str(n), "1" if args.cli else "0"])
        total = sum(float(r["seconds"]) for r in res["rows"])  # type: ignore[attr-defined]
        cli = f"; siting run: {res['cli_seconds']:.1f} s" if res["cli_seconds"] else ""
        print(f"\n{n:,} candidates ({res['kept']:,} kept); stages + outputs: {total:.1f} s{cli}")
        print("| stage | seconds | peak MiB | size |")
        print("|---|---|---|---|")
        for row in res["rows"]:  # type: ignore[attr-defined]
            size = f"{row['bytes'] / 1e6:.2f} MB" if "bytes" in row else ""
            peak = f"{row['peak_mib']:.0f}" if row.get("peak_mib") else ""
            print(f"| {row['stage']} | {row['seconds']:.2f} | {peak} | {size} |")
    for n in args.portfolio_sizes:
        res = _child(["portfolio", str(n), "1" if args.today else "0"])
        print(f"\nportfolio, {n:,} candidates: {json.dumps(res)}")


if __name__ == "__main__":
    main()
