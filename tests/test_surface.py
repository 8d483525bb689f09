"""The suitability surface: grid, the candidates' formulas per cell, engines, robustness, errors."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import h3
import h3.api.numpy_int as h3n
import numpy as np
import pandas as pd
import pytest
import shapely

import siting
from siting import features
from siting.errors import CriteriaError, DataError, SitingError
from siting.surface import grid
from siting.surface.robustness import top_share
from siting.tolerances import SCORE_TIE

ROOT = Path(__file__).resolve().parent.parent

#: The tiny study's spatial criteria, with a surface around its towns.
SPATIAL = """\
study: Tiny surface
candidates: candidates.geojson
layers:
  universities: universities.geojson
  institutes: institutes.geojson
criteria:
  - id: university_km
    label: Distance to the nearest university with 5,000+ students
    measure: {nearest: universities, where: {students: {min: 5000}}}
    direction: cost
    value: {linear: {best: 0, worst: 500}}
    weight: 2
  - id: institutes_near
    label: Research institutes within reach
    measure: {count: institutes, decay: {linear: {full_km: 30, zero_km: 150}}}
    direction: benefit
    VALUE
    weight: 1
  - id: students_near
    label: Students within 100 km
    measure: {sum: universities, field: students, within_km: 100}
    direction: benefit
    value: {piecewise: {points: [[0, 0], [20000, 0.5], [100000, 1]]}}
    weight: 1
exclude:
  - {criterion: university_km, above: 400}
surface:
  resolution: 6
  area: {around: candidates, km: 40}
  partition_cells: 5000
"""


def spatial_study(folder: Path, value: str = "value: {linear: {best: 5, worst: 0}}") -> Path:
    path = folder / "spatial.yaml"
    path.write_text(SPATIAL.replace("VALUE", value), encoding="utf-8")
    return path


# --- the grid -----------------------------------------------------------------------------------


def test_the_cells_are_h3s_own_fill_of_the_area():
    """Cells whose centre is in the polygon, as h3's polygon fill (C library) gives them."""
    polygon = shapely.Polygon([(70, 45), (78, 44), (80, 50), (72, 52)])
    shapely.prepare(polygon)
    area = grid.Area(polygon=polygon)
    for res in (4, 5):
        ours = np.concatenate(
            [grid.cells_in(area, g, res)[0] for g in grid.partitions(area, res, 3000)]
        )
        shape = h3.geo_to_h3shape(polygon.__geo_interface__)
        theirs = np.asarray(h3n.h3shape_to_cells(shape, res), dtype=np.uint64)
        assert len(ours) == len(np.unique(ours)) > 100
        assert set(ours.tolist()) == set(theirs.tolist())


def test_centres_and_neighbours_are_h3s():
    cells = np.asarray(h3n.grid_disk(h3n.latlng_to_cell(43.25, 76.9, 6), 3), dtype=np.uint64)
    centres = grid.centres(cells)
    expected = np.array([h3n.cell_to_latlng(c)[::-1] for c in cells])
    np.testing.assert_allclose(centres, expected, rtol=0, atol=1e-12)
    rows = grid.neighbours(cells)
    for i, c in enumerate(cells):
        ring = set(h3n.grid_ring(c, 1).tolist()) & set(cells.tolist())
        assert {int(cells[j]) for j in rows[i] if j >= 0} == ring


# --- the candidates' formulas per cell ---------------------------------------------------------


@pytest.fixture
def surface_run(tiny):
    return siting.run(spatial_study(tiny), portfolio=False)


def test_each_cell_is_measured_as_a_town_at_its_centre(surface_run):
    """Raw values at 50 cells against a brute-force haversine computation, cell by cell."""
    s = surface_run.surface
    layers = surface_run.layers
    rows = np.random.default_rng(1).choice(len(s), 50, replace=False)
    uni = layers["universities"]
    big = features.lonlat(uni[uni["students"] >= 5000])
    inst = features.lonlat(layers["institutes"])
    all_uni, students = features.lonlat(uni), uni["students"].to_numpy(float)
    for i in rows:
        point = s.lonlat[i : i + 1]
        nearest = features.haversine_km(point, big).min()
        d_inst = features.haversine_km(point, inst)[0]
        ramp = np.clip((150 - d_inst) / 120, 0, 1).sum()
        d_uni = features.haversine_km(point, all_uni)[0]
        summed = students[d_uni <= 100].sum()
        np.testing.assert_allclose(s.raw[i], [nearest, ramp, summed], rtol=1e-9, atol=1e-9)


def test_a_town_scores_on_the_surface_as_in_the_ranking(tiny):
    """At a candidate's own point the surface's formulas give the candidate's score (min-max too)."""
    results = siting.run(spatial_study(tiny, value="value: {minmax: true}"), portfolio=False)
    on_surface = results.surface.candidates
    ranking = results.ranking
    np.testing.assert_allclose(
        on_surface["score"], ranking.loc[on_surface.index, "score"], rtol=0, atol=SCORE_TIE
    )
    np.testing.assert_allclose(
        on_surface[[f"raw_{c}" for c in results.raw.columns]].to_numpy(),
        results.raw.loc[on_surface.index].to_numpy(),
        rtol=0,
        atol=1e-12,
    )


def test_the_cell_holding_a_town_scores_as_the_town_at_the_cell_centre(tiny):
    """Move each town to the centre of its cell: the ranking's score is the cell's score.

    The comparison is exact in its inputs: the candidate and the cell are measured at the same
    coordinates (the centre, written to GeoJSON at full precision), with value functions that do
    not depend on the set scored; only the order of the sums' terms may differ, so the scores
    agree within SCORE_TIE, siting's one rule of equality.
    """
    path = spatial_study(tiny)
    s = siting.run(path, portfolio=False).surface
    towns = json.loads((tiny / "candidates.geojson").read_text(encoding="utf-8"))
    xy = np.array([f["geometry"]["coordinates"] for f in towns["features"]], dtype=float)
    rows = s.cell_at(xy)
    assert (rows >= 0).all()
    for feature, i in zip(towns["features"], rows, strict=True):
        feature["geometry"]["coordinates"] = [float(v) for v in s.lonlat[i]]
    (tiny / "candidates.geojson").write_text(json.dumps(towns), encoding="utf-8")
    moved = siting.run(path, portfolio=False, surface=False)
    ids = [f["properties"]["id"] for f in towns["features"]]
    np.testing.assert_allclose(
        moved.ranking.loc[ids, "score"].to_numpy(), s.score[rows], rtol=0, atol=SCORE_TIE
    )
    np.testing.assert_allclose(moved.raw.loc[ids].to_numpy(), s.raw[rows], rtol=0, atol=1e-9)


def test_exclusions_apply_per_cell(surface_run):
    s = surface_run.surface
    col = s.criteria.index("university_km")
    np.testing.assert_array_equal(s.excluded, s.raw[:, col] > 400)
    assert s.excluded.any() and s.kept.any()
    assert set(s.reason_text()[s.excluded]) == {"university_km above 400"}


# --- engines -----------------------------------------------------------------------------------


def test_threads_do_not_change_the_numbers(surface_run):
    from siting.surface import engines

    s = surface_run.surface
    area = grid.Area(points=features.lonlat(surface_run.candidates), km=40.0)
    groups = grid.partitions(area, 6, 5000)
    assert len(groups) > 2
    one = engines.run_numpy(s.plan, area, groups, 6, threads=1)
    two = engines.run_numpy(s.plan, area, groups, 6, threads=2)
    for name in ("cells", "raw", "values", "score", "excluded_by"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
        np.testing.assert_array_equal(getattr(one, name), getattr(s, name))


def test_two_partitions_at_once_never_share_a_plan(surface_run, monkeypatch):
    """Partitions running at once score with plans of their own, never one object.

    pandas fills an index's hash table on first use, unlocked, so the plan's frames are state
    that reading writes (docs/surface.md, "Threads").  A barrier holds the first two partitions
    until both have started, so they overlap whatever the timing; the old engine handed both
    the caller's plan.
    """
    from siting.surface import engines

    s = surface_run.surface
    area = grid.Area(points=features.lonlat(surface_run.candidates), km=40.0)
    groups = grid.partitions(area, 6, 5000)
    barrier = threading.Barrier(2, timeout=60)
    lock = threading.Lock()
    held: list[object] = []
    real = engines.partition

    def meeting(plan, area, group, resolution, keep=True):
        with lock:
            first_two = len(held) < 2
            if first_two:
                held.append(plan)
        if first_two:
            barrier.wait()  # the other partition has started and holds its plan now
        return real(plan, area, group, resolution, keep)

    monkeypatch.setattr(engines, "partition", meeting)
    two = engines.run_numpy(s.plan, area, groups, 6, threads=2)
    assert len(held) == 2 and held[0] is not held[1]
    assert all(plan is not s.plan for plan in held)
    np.testing.assert_array_equal(two.score, s.score)


def test_the_area_polygon_is_never_prepared_where_threads_read_it(tiny, edit):
    """The boundaries' polygon is shared unprepared; each test of cells prepares its own copy.

    GEOS builds a prepared polygon's index on its first queries, unlocked: two threads querying
    one prepared polygon for the first time corrupted the heap (SIGABRT, docs/surface.md,
    "Threads").  The old plan prepared the shared polygon.
    """
    from siting.study import Study
    from siting.surface.plan import make_area

    boundaries = ROOT / "data" / "boundaries.geojson"
    path = edit(spatial_study(tiny), "area: {around: candidates, km: 40}", "area: {region: kz_almaty}")  # fmt: skip
    edit(path, "layers:", f"boundaries: {boundaries}\nlayers:")
    study = Study.load(path)
    inputs = study.read_inputs()
    area = make_area(study.source, boundaries=inputs.boundaries, candidates=inputs.candidates)
    assert area.polygon is not None and not shapely.is_prepared(area.polygon)
    own = grid.prepared(area.polygon)
    assert (
        own is not area.polygon and shapely.is_prepared(own) and shapely.equals(own, area.polygon)
    )
    west, south, east, north = area.polygon.bounds
    lon, lat = np.meshgrid(np.linspace(west, east, 40), np.linspace(south, north, 40))
    points = np.column_stack([lon.ravel(), lat.ravel()])
    inside = area.contains(points)
    np.testing.assert_array_equal(inside, shapely.contains_xy(own, points[:, 0], points[:, 1]))
    assert 0 < inside.sum() < len(points)
    assert not shapely.is_prepared(area.polygon)


def test_dask_gives_the_numpy_engines_numbers(tiny):
    from siting.scoring import derive_weights, value_table
    from siting.study import Study
    from siting.surface import build

    study = Study.load(spatial_study(tiny))
    inputs = study.read_inputs()
    raw, _ = study.measure(inputs)
    w = derive_weights(study.source, value_table(study.spec, raw, among=raw)).weights
    common = dict(
        candidates=inputs.candidates,
        layers=inputs.layers,
        boundaries=None,
        weights=w,
        kept=inputs.candidates.index,
    )
    here = build(study.source, engine="numpy", **common)
    there = build(
        study.source,
        engine="dask",
        cluster={"n_workers": 2, "processes": False},
        **common,
    )
    assert there.engine == "dask" and len(here) > 500
    for name in ("cells", "lonlat", "raw", "values", "score", "excluded_by"):
        np.testing.assert_array_equal(getattr(here, name), getattr(there, name))


# --- robustness ---------------------------------------------------------------------------------


def test_top_share_streams_the_draws_of_the_whole_computation():
    from siting.sensitivity import sample_weights
    from siting.spec import Method

    values = np.random.default_rng(3).random((500, 4))
    method = Method(name="weighted_sum")
    ids = ["a", "b", "c", "d"]
    streamed = top_share(
        values, method=method, criteria=ids, draws=200, top_percent=5, seed=9, chunk=7
    )
    w = sample_weights(4, 200, rng=np.random.default_rng(9))
    scores = values @ w.T
    expected = (scores >= np.sort(scores, axis=0)[-25]).mean(axis=1)
    np.testing.assert_array_equal(streamed, expected)
    assert streamed.sum() == pytest.approx(25 * 200 / 200)


# --- mistakes in the surface section ------------------------------------------------------------


def problem_of(path: Path, error: type[SitingError] = CriteriaError) -> str:
    with pytest.raises(error) as info:
        siting.run(path, portfolio=False)
    (problem,) = info.value.problems
    return problem


def test_a_towns_own_attribute_is_refused_with_its_spatial_equivalent(tiny, edit):
    path = edit(tiny / "study.yaml", "portfolio:", "surface: {resolution: 5, area: {around: candidates, km: 30}}\nportfolio:")  # fmt: skip
    with pytest.raises(CriteriaError) as info:
        siting.run(path)
    text = "\n".join(info.value.problems)
    lines = path.read_text(encoding="utf-8").splitlines()
    measure = 1 + lines.index("    measure: {attribute: population}")
    rule = 1 + next(i for i, line in enumerate(lines) if "{field: population" in line)
    assert f"{path}:{measure}: criteria[2].measure: criterion population reads the candidate's own attribute 'population'" in text  # fmt: skip
    assert "surface: {measure: {population: {sum: universities, field: population, within_km: 30}}}" in text  # fmt: skip
    assert f"{path}:{rule}: exclude[0].field: a grid cell has no field 'population'" in text


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("{resolution: 11}", "resolution: "),
        ("{resolution: true}", "true is not a number"),
        ("{resolution: 5}", "the surface covers the `boundaries` layer, but the file names none"),
        (
            "{resolution: 5, area: {around: [[51.1, 171.4]], km: 30}}",
            "is not [longitude, latitude]",
        ),
        ("{resolution: 5, area: {around: candidates}}", "`around` needs `km`"),
        ("{resolution: 5, area: {region: kz, around: candidates, km: 3}}", "give exactly one of"),
        (
            "{resolution: 5, area: {around: candidates, km: 9}, measure: {univ_km: {nearest: universities}}}",
            "'univ_km' is not a criterion; did you mean 'university_km'?",
        ),
        (
            "{resolution: 5, area: {around: candidates, km: 9}, measure: {university_km: {attribute: students}}}",
            "a grid cell has no attribute 'students'",
        ),
        (
            "{resolution: 5, area: {around: candidates, km: 9}, measure: {university_km: {nearest: unis}}}",
            "layer 'unis' is not defined under `layers`",
        ),
        (
            "{resolution: 5, area: {around: candidates, km: 9}, without: [students]}",
            "'students' is not a criterion",
        ),
        (
            "{resolution: 5, area: {around: candidates, km: 9}, without: [university_km, institutes_near, students_near], exclude: []}",
            "every criterion is left out",
        ),
        (
            "{resolution: 5, area: {around: candidates, km: 9}, without: [university_km], exclude: [{criterion: university_km, above: 3}]}",
            "criterion 'university_km' is left out of the surface",
        ),
        (
            "{resolution: 5, area: {around: candidates, km: 9}, exclude: [{criterion: uni_km, above: 3}]}",
            "criterion 'uni_km' is not defined",
        ),
        ("{resolution: 5, area: {around: candidates, km: 9}, engine: spark}", "engine"),
    ],
)
def test_mistakes_in_the_surface_section_are_located(tiny, surface, expected):
    text = SPATIAL.replace("VALUE", "value: {linear: {best: 5, worst: 0}}")
    text = text[: text.index("surface:")] + f"surface: {surface}\n"
    path = tiny / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    problem = problem_of(path)
    line = text.count("\n", 0, text.index("surface:")) + 1
    assert problem.startswith(f"{path}:{line}: surface"), problem
    assert expected in problem


def test_a_method_that_compares_alternatives_is_refused_for_cells(tiny, edit):
    path = edit(spatial_study(tiny), "surface:", "method: {name: topsis}\nsurface:")
    problem = problem_of(path)
    assert (
        ": method.name: the surface scores each cell on its own, which topsis cannot do" in problem
    )
    edit(path, "surface:\n", "surface:\n  method: weighted_sum\n")
    assert siting.run(path, portfolio=False).surface.method == "weighted_sum"


def test_an_unknown_region_is_located(tiny, edit):
    boundaries = ROOT / "data" / "boundaries.geojson"
    path = edit(spatial_study(tiny), "area: {around: candidates, km: 40}", "area: {region: kz_atlantis}")  # fmt: skip
    edit(path, "layers:", f"boundaries: {boundaries}\nlayers:")
    problem = problem_of(path, DataError)
    assert ": surface.area.region: the boundaries layer has no feature ['kz_atlantis']" in problem


def test_siting_surface_writes_its_files_as_one_set(tiny, tmp_path):
    import geopandas as gpd
    import rasterio
    from typer.testing import CliRunner

    from siting.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["surface", str(spatial_study(tiny)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"surface.parquet", "surface.tif", "best_cells.csv", "manifest.json"} <= names
    cells = gpd.read_parquet(out / "surface.parquet")
    assert cells.crs.to_epsg() == 4326 and (cells.geom_type == "Polygon").all()
    assert {"h3", "raw_university_km", "value_university_km", "score", "excluded"} <= set(cells)
    with rasterio.open(out / "surface.tif") as tif:
        band = tif.read(1)
        assert tif.crs.to_epsg() == 4326
        assert np.isclose(band.max(), cells.loc[~cells["excluded"], "score"].max(), atol=1e-6)
    best = pd.read_csv(out / "best_cells.csv").set_index("id")
    # the best cell near a town is at least as good as the kept cell that holds the town
    towns = gpd.read_file(tiny / "candidates.geojson").set_index("id")
    own = grid.to_strings(grid.cell_of(features.lonlat(towns), 6))
    held = cells.set_index("h3").reindex(own)
    kept = held["excluded"].eq(False).to_numpy()
    assert kept.any()
    best_score = best.loc[towns.index, "score"].to_numpy()
    assert (best_score[kept] >= held["score"].to_numpy()[kept] - SCORE_TIE).all()
    assert best["km"].max() <= 40 + 1e-9
    assert best["sentence"].str.contains(" km ").all()


def test_a_file_without_a_surface_section_is_refused_by_siting_surface(tiny, tmp_path):
    from typer.testing import CliRunner

    from siting.cli import app

    result = CliRunner().invoke(app, ["surface", str(tiny / "study.yaml"), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "has no `surface:` section" in result.output


def test_validate_checks_the_surface_without_scoring_it(tiny, edit):
    from siting.pipeline import validate

    path = spatial_study(tiny)
    assert validate(path).surface is None  # checked, not scored
    boundaries = ROOT / "data" / "boundaries.geojson"
    edit(path, "area: {around: candidates, km: 40}", "area: {region: kz_atlantis}")
    edit(path, "layers:", f"boundaries: {boundaries}\nlayers:")
    with pytest.raises(DataError, match=r"surface\.area\.region: the boundaries layer has no"):
        validate(path)


def test_the_dense_pair_search_finds_the_trees_pairs(monkeypatch):
    from siting.spec import Decay

    rng = np.random.default_rng(5)
    sites = np.column_stack([rng.uniform(68, 80, 3000), rng.uniform(42, 46, 3000)])
    fac = np.column_stack([rng.uniform(68, 80, 40), rng.uniform(42, 46, 40)])
    fac[0] = sites[0]  # a facility on a site counts (distance 0)
    weights = rng.uniform(0, 10, 40)
    ramp = Decay.model_validate({"linear": {"full_km": 30, "zero_km": 150}})
    dense = (
        features.gravity(sites, fac, weights, ramp),
        features.count_within(sites, fac, 60),
        features.sum_within(sites, fac, weights, 60),
    )
    monkeypatch.setattr(features, "DENSE_FACILITIES", 0)
    tree = (
        features.gravity(sites, fac, weights, ramp),
        features.count_within(sites, fac, 60),
        features.sum_within(sites, fac, weights, 60),
    )
    np.testing.assert_allclose(dense[0], tree[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(dense[1], tree[1])
    np.testing.assert_allclose(dense[2], tree[2], rtol=1e-12, atol=1e-12)
    assert dense[1][0] >= 1


def _inputs(path: Path):
    from siting.scoring import derive_weights, value_table
    from siting.study import Study

    study = Study.load(path)
    inputs = study.read_inputs()
    raw, _ = study.measure(inputs)
    w = derive_weights(study.source, value_table(study.spec, raw, among=raw)).weights
    common = {
        "candidates": inputs.candidates,
        "layers": inputs.layers,
        "boundaries": None,
        "weights": w,
        "kept": inputs.candidates.index,
    }
    return study, w, common


def test_an_existing_cluster_is_used_when_its_address_is_given(tiny):
    from dask.distributed import LocalCluster

    from siting.surface import build

    study, _, common = _inputs(spatial_study(tiny))
    here = build(study.source, engine="numpy", **common)
    with LocalCluster(n_workers=2, processes=False, dashboard_address=":0") as cluster:
        there = build(study.source, scheduler=cluster.scheduler_address, **common)
        assert len(cluster.scheduler.workers) == 2  # still running: siting closed its client only
    assert there.engine == "dask"
    np.testing.assert_array_equal(here.score, there.score)


def test_criteria_left_out_give_their_weight_to_the_others_and_own_rules_apply(tiny, edit):
    path = edit(spatial_study(tiny), "  partition_cells: 5000\n", "  partition_cells: 5000\n  without: [students_near]\n  exclude: [{criterion: institutes_near, below: 0.5}]\n")  # fmt: skip
    results = siting.run(path, portfolio=False)
    s = results.surface
    assert s.criteria == ["university_km", "institutes_near"]
    w = results.weights
    expected = w[s.criteria] / w[s.criteria].sum()
    np.testing.assert_allclose(s.weights.to_numpy(), expected.to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(s.excluded, s.raw[:, 1] < 0.5)
    np.testing.assert_allclose(s.score, s.values @ s.weights.to_numpy(), rtol=0, atol=1e-12)


def test_the_robustness_draws_follow_the_studys_order_of_importance(tiny, edit):
    path = edit(spatial_study(tiny), "  partition_cells: 5000\n", "  partition_cells: 5000\n  robustness: {draws: 50, top_percent: 10}\nsensitivity: {order: [students_near, institutes_near, university_km]}\n")  # fmt: skip
    s = siting.run(path, portfolio=False, sensitivity=False).surface
    kept = s.kept
    expected = top_share(
        s.values[kept],
        method=s.plan.method,
        criteria=s.criteria,
        draws=50,
        top_percent=10,
        seed=0,
        order=[2, 1, 0],
    )
    np.testing.assert_array_equal(s.robustness[kept], expected)
    assert np.isnan(s.robustness[~kept]).all()
    plain = top_share(
        s.values[kept], method=s.plan.method, criteria=s.criteria, draws=50, top_percent=10, seed=0
    )
    assert not np.array_equal(plain, expected)
