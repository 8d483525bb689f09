"""Time p_median from two source trees of siting on the same pmed instances, alternating.

For a ratio against an earlier version under the same machine load: export the earlier commit
(``mkdir /tmp/old && git archive 8422ca9 | tar -x -C /tmp/old``) and pass both trees.  Each solve runs in
its own process (the two trees' ``siting`` cannot share one); the time is that of the
``p_median`` call alone.  Medians of ``--repeat`` runs.

Usage::

    .venv/bin/python benchmarks/pmed_old_new.py --old /tmp/old --new . 7 11 6 21
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_optimise import pmed_path

CODE = """
import json, sys, time
from siting.optimise import p_median
from siting.optimise.orlib import read_pmed
costs, p = read_pmed(sys.argv[1])
start = time.perf_counter()
result = p_median(costs, p, solver="highs")
print(json.dumps({"seconds": time.perf_counter() - start, "objective": result.objective}))
"""


def run(tree: Path, instance: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CODE, str(instance)],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("instances", type=int, nargs="+")
    parser.add_argument("--old", type=Path, required=True, help="source tree of the old siting")
    parser.add_argument("--new", type=Path, required=True, help="source tree of the new siting")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'instance':<9}{'old s':>9}{'new s':>9}{'ratio':>8}{'objective':>11}")
    for k in args.instances:
        times: dict[str, list[float]] = {"old": [], "new": []}
        objectives = set()
        for _ in range(args.repeat):
            for name in ("old", "new"):
                got = run(getattr(args, name).resolve(), pmed_path(k))
                times[name].append(got["seconds"])
                objectives.add(got["objective"])
        old, new = statistics.median(times["old"]), statistics.median(times["new"])
        same = objectives.pop() if len(objectives) == 1 else float("nan")
        print(f"pmed{k:<5}{old:>9.2f}{new:>9.2f}{old / new:>7.0f}x{same:>11.0f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
