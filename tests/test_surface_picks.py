"""surface.sites and surface.regions in a criteria file: the run, the files and located mistakes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import siting
from siting.errors import CriteriaError, DataError, SitingError
from siting.features import haversine_km
from tests.conftest import TINY
from tests.test_surface import SPATIAL

ROOT = Path(__file__).resolve().parent.parent

PICKS = """\
  sites: {count: 3, min_spacing_km: 60}
  regions: {count: 2, min_area_km2: 150, compact_km: 20, rank_by: mean}
"""


def study(folder: Path, picks: str = PICKS) -> Path:
    text = SPATIAL.replace("VALUE", "value: {linear: {best: 5, worst: 0}}") + picks
    path = folder / "picks.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def picked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("picks") / "tiny"
    shutil.copytree(TINY, folder)
    return siting.run(study(folder), portfolio=False)


def test_sites_and_regions_are_chosen_in_the_run(picked):
    results = picked
    surface = results.surface
    sites = results.surface_sites
    assert sites is not None and len(sites.table) == 3
    rows = surface.index_of(np.array([int(h, 16) for h in sites.table["h3"]], dtype=np.uint64))
    assert (rows >= 0).all() and surface.kept[rows].all()
    np.testing.assert_allclose(sites.table["score"], surface.score[rows])
    d = haversine_km(surface.centres()[rows], surface.centres()[rows])
    assert d[np.triu_indices(3, 1)].min() >= 60
    assert sites.result.guarantee in ("exact", "bound")
    assert sites.result.upper_bound >= sites.result.total_score
    regions = results.surface_regions
    assert regions is not None
    exact = regions.table[regions.table["method"] == "exact"]
    greedy = regions.table[regions.table["method"] == "greedy"]
    assert len(exact) == 2
    assert exact["mean_score"].sum() >= greedy["mean_score"].sum() - 1e-9
    assert (exact["area_km2"] >= 150).all()
    assert exact.geometry.is_valid.all() and (exact.geometry.geom_type == "Polygon").all()


def test_siting_surface_writes_the_sites_and_regions(tiny, tmp_path):
    from typer.testing import CliRunner

    from siting.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["surface", str(study(tiny)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    sites = pd.read_csv(out / "surface_sites.csv")
    assert list(sites.columns[:5]) == ["rank", "h3", "lon", "lat", "score"]
    assert set(sites["guarantee"]) <= {"exact", "bound"}
    regions = gpd.read_file(out / "surface_regions.geojson")
    assert set(regions["method"]) == {"exact", "greedy"}
    assert regions.crs.to_epsg() == 4326
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "surface_sites.csv" in json.dumps(manifest)


def test_siting_run_writes_them_with_the_rest(picked, tmp_path):
    written = picked.write(tmp_path / "out")
    assert {"surface_sites.csv", "surface_regions.geojson", "surface.parquet"} <= set(written)
    sites = pd.read_csv(written["surface_sites.csv"])
    assert sites["h3"].tolist() == picked.surface_sites.table["h3"].tolist()
    regions = gpd.read_file(written["surface_regions.geojson"])
    assert len(regions) == len(picked.surface_regions.table)


def test_must_include_and_groups_from_the_boundaries(tiny):
    boundaries = ROOT / "data" / "boundaries.geojson"
    picks = "  sites: {count: 2, min_spacing_km: 30, at_most_per: {field: id, count: 1}, must_include: [almaty]}\n"  # fmt: skip
    path = study(tiny, picks)
    text = path.read_text(encoding="utf-8").replace("layers:", f"boundaries: {boundaries}\nlayers:", 1)  # fmt: skip
    path.write_text(text, encoding="utf-8")
    results = siting.run(path, portfolio=False)
    table = results.surface_sites.table
    assert table["locked"].sum() == 1
    assert table["group"].nunique() == len(table)


def located(path: Path, error: type[SitingError] = CriteriaError) -> str:
    with pytest.raises(error) as info:
        siting.run(path, portfolio=False)
    return "\n".join(info.value.problems)


@pytest.mark.parametrize(
    ("picks", "key", "expected"),
    [
        ("  sites: {count: 0}\n", "surface.sites.count", "0"),
        ("  sites: {count: 2, min_spacing_km: -1}\n", "surface.sites.min_spacing_km", "-1"),
        ("  sites: {count: 2, spacing: 10}\n", "surface.sites", "spacing"),
        ("  sites: {count: 2, solver: gurobi}\n", "surface.sites.solver", "gurobi"),
        ("  regions: {count: 2, min_area_km2: 100}\n", "surface.regions", "compact_km"),
        (
            "  regions: {count: 2, min_area_km2: 0, compact_km: 9}\n",
            "surface.regions.min_area_km2",
            "0",
        ),
        (
            "  regions: {count: 2, min_area_km2: 50, compact_km: 9, rank_by: max}\n",
            "surface.regions.rank_by",
            "max",
        ),
    ],
)
def test_mistakes_in_sites_and_regions_are_located(tiny, picks, key, expected):
    path = study(tiny, picks)
    problem = located(path)
    line = 1 + path.read_text(encoding="utf-8").splitlines().index(picks.rstrip("\n"))
    assert f"{path}:{line}: {key}" in problem, problem
    assert expected in problem


def test_data_mistakes_are_located(tiny):
    path = study(tiny, "  sites: {count: 2, must_include: [atlantis], at_most_per: {field: oblast, count: 1}}\n")  # fmt: skip
    problem = located(path, DataError)
    line = len(path.read_text(encoding="utf-8").splitlines())
    assert f"{path}:{line}: surface.sites.must_include: 'atlantis' is not a candidate id" in problem
    assert f"{path}:{line}: surface.sites.at_most_per.field: 'oblast' is not a field of the boundaries layer" in problem  # fmt: skip


def test_too_many_regions_are_located(tiny):
    path = study(tiny, "  regions: {count: 500, min_area_km2: 400, compact_km: 20}\n")
    problem = located(path, SitingError)
    assert "surface.regions: only" in problem and "disjoint regions of 400 km² fit" in problem
