"""A sweep over weightings: fresh runs from criteria files against a study kept in memory.

Usage::

    .venv/bin/python benchmarks/bench_api.py [--study criteria/novosibirsk.yaml] [--variants 100]
        [--repeat 3] [--portfolio-variants 20]

The same seeded weightings (Dirichlet(1) over the study's criteria, written as each criterion's
``weight:``) are run two ways:

fresh files
    what an analyst had to do before :class:`siting.Study`: write each variant as a criteria
    file (the study's data with the new weights, paths made absolute, dumped as YAML; writing it
    is not timed) and ``siting.run(path)``: every run reads and validates the file, reads and
    checks every layer, measures every criterion, then scores.
in memory
    ``study.replace(weights=...)`` and ``siting.run(variant)``: validated as a file would be,
    the layers read and the criteria measured once, by the first run (timed as part of the
    sweep), then reused.

Each sweep is timed whole, ``--repeat`` times (a new ``Study`` each time, so the in-memory
sweep pays for its first read); the median is reported with the ratio.  Both sides must give
the same ranking for every variant (checked).  Two configurations: ranking only (the
``portfolio:`` section removed: what a sensitivity sweep over weights mostly asks), and the
study as shipped with its portfolio (integer programs solved by the study's solver at every
run: ``--portfolio-variants`` weightings, one sweep each way, since each run takes seconds).
No robustness analysis (``sensitivity=False``) and no output written on either side.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from ruamel.yaml import YAML

import siting

PATH_KEYS = ("candidates", "reference", "boundaries")


def absolute(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The study's data with every path made absolute, so the file can live anywhere."""
    out = dict(data)
    for key in PATH_KEYS:
        if out.get(key) is not None:
            out[key] = str((folder / out[key]).resolve())
    out["layers"] = {k: str((folder / v).resolve()) for k, v in out.get("layers", {}).items()}
    return out


def write_variants(study: siting.Study, weightings: np.ndarray, folder: Path) -> list[Path]:
    """One criteria file per weighting (not timed)."""
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    ids = [c.id for c in study.criteria]
    paths = []
    for i, draw in enumerate(weightings):
        variant = study.replace(weights=dict(zip(ids, draw.tolist(), strict=True)))
        path = folder / f"variant_{i:03d}.yaml"
        with path.open("w", encoding="utf-8") as handle:
            yaml.dump(absolute(variant.to_dict(), study.path.parent), handle)
        paths.append(path)
    return paths


def sweep_files(paths: list[Path]) -> list[pd.Series]:
    return [siting.run(p, sensitivity=False).ranking["rank"] for p in paths]


def sweep_memory(source: Path, weightings: np.ndarray, change: dict[str, Any]) -> list[pd.Series]:
    study = siting.Study.load(source)
    if change:
        study = study.replace(**change)
    ids = [c.id for c in study.criteria]
    return [
        siting.run(
            study.replace(weights=dict(zip(ids, draw.tolist(), strict=True))), sensitivity=False
        ).ranking["rank"]
        for draw in weightings
    ]


def timed(fn: Callable[[], list[pd.Series]], repeat: int) -> tuple[float, list[pd.Series]]:
    times, out = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def run_case(
    name: str, source: Path, change: dict[str, Any], n: int, repeat: int, seed: int
) -> None:
    study = siting.Study.load(source)
    if change:
        study = study.replace(**change)
    rng = np.random.default_rng(seed)
    weightings = rng.dirichlet(np.ones(len(study.criteria)), size=n)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_variants(study, weightings, Path(tmp))
        files_s, from_files = timed(lambda: sweep_files(paths), repeat)
        memory_s, in_memory = timed(lambda: sweep_memory(source, weightings, change), repeat)
    for a, b in zip(from_files, in_memory, strict=True):
        pd.testing.assert_series_equal(a, b)  # the same answer both ways
    print(
        f"| {name} | {n} | {repeat} | {files_s:.2f} s ({1000 * files_s / n:.0f} ms/run) "
        f"| {memory_s:.2f} s ({1000 * memory_s / n:.0f} ms/run) | {files_s / memory_s:.1f}× |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=Path("criteria/novosibirsk.yaml"))
    parser.add_argument("--variants", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--portfolio-variants", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()

    siting.run(args.study, sensitivity=False)  # warm-up: imports, solver binary, font caches
    print(f"Python {platform.python_version()}, siting {siting.__version__}, {args.study}")
    print("| sweep | weightings | sweeps timed | fresh files | in memory | speed-up |")
    print("|---|---|---|---|---|---|")
    run_case(
        "ranking only (portfolio removed)",
        args.study,
        {"portfolio": None},
        args.variants,
        args.repeat,
        args.seed,
    )
    if args.portfolio_variants:
        run_case(
            "as shipped, with the portfolio",
            args.study,
            {},
            args.portfolio_variants,
            1,
            args.seed,
        )


if __name__ == "__main__":
    main()
