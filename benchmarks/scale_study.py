"""A synthetic study of any size: the shipped layers and criteria, seeded points inside Kazakhstan.

Usage::

    .venv/bin/python benchmarks/scale_study.py 100000 /tmp/scale100k [--seed 0] [--portfolio]

Writes ``candidates.geojson`` and ``study.yaml`` into the folder.  The study is
``criteria/novosibirsk.yaml`` with its candidates replaced: ``n`` points drawn uniformly inside
Kazakhstan's boundary (``data/boundaries.geojson``, the country polygon), each taking its
administrative fields (region, macro-region, planning region) from the nearest shipped
candidate, a population drawn from a log-uniform law between 2,000 and 2,000,000 and a special
economic zone one time in ten.  Every criterion, layer, exclusion and method is the shipped
study's.  Without ``--portfolio`` the ``portfolio`` and ``sensitivity`` sections are dropped
(the ranking only); with it the portfolio stays as shipped minus the Pareto front and the
alternatives (each a further integer program over every kept site).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import shapely
from ruamel.yaml import YAML
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "criteria" / "novosibirsk.yaml"


def _country() -> shapely.Geometry:
    data = json.loads((ROOT / "data" / "boundaries.geojson").read_text(encoding="utf-8"))
    for f in data["features"]:
        if f["properties"].get("level") == "country":
            return shapely.geometry.shape(f["geometry"])
    raise SystemExit("no country polygon in data/boundaries.geojson")


def points_in_country(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points (lon, lat degrees) uniform in longitude/latitude inside the country."""
    country = _country()
    shapely.prepare(country)
    x0, y0, x1, y1 = country.bounds
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        xy = np.column_stack([rng.uniform(x0, x1, 2 * n), rng.uniform(y0, y1, 2 * n)])
        inside = shapely.contains_xy(country, xy[:, 0], xy[:, 1])
        out.append(xy[inside])
        have += int(inside.sum())
    return np.concatenate(out)[:n]


def write_study(n: int, folder: Path, *, seed: int = 0, portfolio: bool = False) -> Path:
    """Write the synthetic study of ``n`` candidates into ``folder``; return its criteria file."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    source = json.loads((ROOT / "data" / "candidates.geojson").read_text(encoding="utf-8"))
    shipped = source["features"]
    xy = points_in_country(n, rng)
    base = np.array([f["geometry"]["coordinates"] for f in shipped], dtype=float)
    _, nearest = cKDTree(base).query(xy)
    population = np.exp(rng.uniform(np.log(2_000), np.log(2_000_000), n)).round()
    sez = rng.random(n) < 0.1
    features = []
    for i in range(n):
        props = shipped[int(nearest[i])]["properties"]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "id": f"s{i:06d}",
                    "name": f"Site {i}",
                    "region": props["region"],
                    "planning_region": props["planning_region"],
                    "agglomeration": "",
                    "population": int(population[i]),
                    "has_sez": bool(sez[i]),
                    "source": f"synthetic, seed {seed}",
                },
                "geometry": {"type": "Point", "coordinates": [float(xy[i, 0]), float(xy[i, 1])]},
            }
        )
    cands = folder / "candidates.geojson"
    cands.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    yaml = YAML()
    study = yaml.load(DEFAULT.read_text(encoding="utf-8"))
    for key in ("reference", "boundaries"):
        if key in study:
            study[key] = str((DEFAULT.parent / study[key]).resolve())
    for name, rel in list(study["layers"].items()):
        study["layers"][name] = str((DEFAULT.parent / rel).resolve())
    study["candidates"] = str(cands)
    study.pop("sensitivity", None)
    if portfolio:
        for key in ("pareto", "alternatives"):
            study["portfolio"].pop(key, None)
    else:
        study.pop("portfolio", None)
    out = folder / "study.yaml"
    with out.open("w", encoding="utf-8") as fh:
        yaml.dump(study, fh)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--portfolio", action="store_true")
    args = parser.parse_args()
    print(write_study(args.n, args.folder, seed=args.seed, portfolio=args.portfolio))


if __name__ == "__main__":
    main()
