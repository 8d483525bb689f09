"""Wall time of ``siting run`` on a study, whole process, against another checkout of siting.

Each run is a fresh ``python -m siting run <study> --out <tmp> --quiet`` (import, every stage,
every output), timed from outside; runs alternate between this tree and the ``--baseline``
tree (for example a checkout of main before the change), so that both meet the same load.
Reports the median wall time, the median CPU time (user + system of the process and its
children: CBC, the drawing process) and the peak memory, then the stage times of the last run
from its ``--profile`` table, and checks that the two trees wrote the same tables (CSV files
byte for byte).

    .venv/bin/python benchmarks/bench_run.py --repeat 5 --baseline /path/to/main
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run(tree: Path, study: Path, out: Path, *, profile: bool) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of one ``siting run`` from ``tree``."""
    env = os.environ | {"PYTHONPATH": str(tree)}
    args = [sys.executable, "-m", "siting", "run", str(study), "--out", str(out), "--quiet"]
    if profile:
        args.append("--profile")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False, cwd=tree)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: siting run failed\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if profile and done.stdout.strip():
        print(done.stdout)
    return wall, cpu, after.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=ROOT / "criteria" / "novosibirsk.yaml")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another siting checkout to compare with")
    args = parser.parse_args()
    trees = {"this tree": ROOT} | ({"baseline": args.baseline} if args.baseline else {})
    times: dict[str, list[tuple[float, float, int]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeat):
            for name, tree in trees.items():
                out = Path(tmp) / name.replace(" ", "_")
                times[name].append(one_run(tree, args.study.resolve(), out, profile=False))
                print(f"run {k + 1} {name}: {times[name][-1][0]:.2f} s", file=sys.stderr)
        print(f"siting run {args.study.name}: medians of {args.repeat} runs")
        print("| tree | wall (s) | CPU (s) | peak RSS (MiB) |")
        print("|---|---|---|---|")
        for name, rows in times.items():
            wall = statistics.median(r[0] for r in rows)
            cpu = statistics.median(r[1] for r in rows)
            print(f"| {name} | {wall:.2f} | {cpu:.2f} | {max(r[2] for r in rows) / 1024:.0f} |")
        if args.baseline:
            a, b = (Path(tmp) / n.replace(" ", "_") for n in trees)
            tables = sorted(p.name for p in a.glob("*.csv"))
            differ = [n for n in tables if (a / n).read_bytes() != (b / n).read_bytes()]
            print(f"tables compared: {len(tables)}; differing: {', '.join(differ) or 'none'}")
        # the stage times of one more run of this tree, from its own report
        one_run(ROOT, args.study.resolve(), Path(tmp) / "profile", profile=True)
        manifest = json.loads((Path(tmp) / "profile" / "manifest.json").read_text())
        print("stage times in the manifest:", manifest.get("timings_s"))


if __name__ == "__main__":
    main()
