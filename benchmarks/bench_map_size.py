"""Where the bytes of map.html go, and how long it takes to write, for a synthetic study of n candidates.

Usage::

    .venv/bin/python benchmarks/bench_map_size.py 10000 [100000 ...] [--shipped] [--repeat 1]

Each size is the ranking study of :mod:`scale_study` (the shipped criteria, layers, exclusions and
methods; ``n`` seeded points inside Kazakhstan), run through the real pipeline in this process;
``--shipped`` adds ``criteria/novosibirsk.yaml`` itself (61 candidates, with its portfolio).  For each
study: the size of map.html as :func:`siting.outputs.maps.write_map` writes it, the median time of
``--repeat`` writes, and the bytes of the page's data (the inert JSON of
:class:`~siting.outputs.map.elements.PageData`) by key, the largest first: the part that grows with
the candidates.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import scale_study  # noqa: E402


def _sizes(data: object, prefix: str = "") -> list[tuple[str, int]]:
    from siting.outputs.offline import script_json

    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.append((name, len(script_json(value).encode("utf-8"))))
            if name in ("candidates", "model", "model.candidates"):
                out += _sizes(value, name)
    return out


def measure(path: Path, label: str, repeat: int) -> None:
    import siting.pipeline
    from siting.outputs.map.elements import PageData
    from siting.outputs.map.page import elements
    from siting.outputs.maps import folium_map, write_map

    results = siting.pipeline.run(path)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "map.html"
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            write_map(results, target)
            times.append(time.perf_counter() - start)
        size = target.stat().st_size
    m = folium_map(results)  # the same page, for its data as stored
    data = next(e.data for e in elements(m) if isinstance(e, PageData))
    n = len(results.ranking)
    print(
        f"{label}: {n} candidates, map.html {size / 1e6:.3f} MB ({size / max(n, 1):.0f} B per "
        f"candidate), written in {statistics.median(times):.2f} s (median of {repeat})"
    )
    for name, nbytes in sorted(_sizes(data), key=lambda x: -x[1])[:14]:
        print(f"  {name:32s} {nbytes / 1e6:9.3f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int)
    parser.add_argument("--shipped", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.shipped:
        measure(ROOT / "criteria" / "novosibirsk.yaml", "shipped", args.repeat)
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = scale_study.write_study(n, Path(tmp) / "study")
            measure(path, f"synthetic {n}", args.repeat)


if __name__ == "__main__":
    main()
