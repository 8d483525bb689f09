"""Run every benchmark of siting against its peer library, one after the other.

Each script prints its own table (medians of several runs and the ratio to the peer);
benchmarks/README.md records the figures with the command that reproduces each.
Usage: ``.venv/bin/python benchmarks/run_all.py [name ...]`` (names: mcda, optimise, map, sensitivity, stakeholders).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failed = 0
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        failed += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
