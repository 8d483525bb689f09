"""The in-memory API: load a study, change it in code, run it, write it; and docs/api.md runs.

The cache of a study (layers read, raw values measured) must never change an answer: a run of a
changed copy is compared with a fresh run of the same study from its file, and each kind of
change is checked to read and measure exactly what it must.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import siting
import siting.study
from siting.errors import CriteriaError, DataError
from tests.conftest import ROOT


def same_results(a: siting.Results, b: siting.Results) -> None:
    """Two runs give the same answer: raw values, values, weights, ranking, portfolio."""
    pd.testing.assert_frame_equal(a.raw, b.raw)
    pd.testing.assert_frame_equal(a.values, b.values)
    pd.testing.assert_series_equal(a.weights, b.weights)
    pd.testing.assert_frame_equal(a.ranking, b.ranking)
    pd.testing.assert_frame_equal(a.method_scores, b.method_scores)
    assert (a.portfolio is None) == (b.portfolio is None)
    if a.portfolio is not None and b.portfolio is not None:
        assert a.portfolio.ids == b.portfolio.ids
        assert a.portfolio.objective == pytest.approx(b.portfolio.objective)
    assert list(a.inputs.values()) == list(b.inputs.values())


@pytest.fixture
def counted(monkeypatch):
    """Count the layer files read from disk and the criteria measured, by name."""
    reads: list[str] = []
    measured: list[str] = []
    read_layer, measure_all = siting.study.read_layer, siting.study.measure_all

    def read(path, **kwargs):
        reads.append(Path(path).name)
        return read_layer(path, **kwargs)

    def measure(source, sites, layers):
        measured.extend(c.id for c in source.study.criteria)
        return measure_all(source, sites, layers)

    monkeypatch.setattr(siting.study, "read_layer", read)
    monkeypatch.setattr(siting.study, "measure_all", measure)

    def take() -> tuple[list[str], list[str]]:
        out = (sorted(reads), sorted(measured))
        reads.clear()
        measured.clear()
        return out

    return take


# -- load and run -------------------------------------------------------------------------------


def test_a_study_in_memory_runs_as_its_file(tiny):
    study = siting.Study.load(tiny / "study.yaml")
    assert study.title == "Tiny fixture"
    assert not study.changed and study.path == (tiny / "study.yaml").resolve()
    assert study.weights.to_dict() == {"university_km": 1, "institutes_100km": 1, "population": 1}
    assert [c.id for c in study.criteria] == ["university_km", "institutes_100km", "population"]
    assert study.method.name == "weighted_sum"
    same_results(siting.run(study), siting.run(tiny / "study.yaml"))
    assert "Tiny fixture" in repr(study) and "changed" not in repr(study)


def test_running_writes_nothing(tiny):
    before = sorted(p.name for p in tiny.rglob("*"))
    siting.run(siting.Study.load(tiny / "study.yaml").replace(weights={"population": 2}))
    assert sorted(p.name for p in tiny.rglob("*")) == before


def test_run_refuses_what_is_not_a_study():
    with pytest.raises(TypeError, match=r"siting\.Study\.load\(path\)"):
        siting.run(42)  # type: ignore[arg-type]


def test_validate_takes_a_study_too(tiny):
    study = siting.Study.load(tiny / "study.yaml").replace(portfolio={"sites": 1})
    assert siting.validate(study).portfolio.ids == ["almaty"]


# -- replace ------------------------------------------------------------------------------------


def test_replace_changes_what_it_names_and_nothing_else(tiny):
    study = siting.Study.load(tiny / "study.yaml")
    variant = study.replace(
        weights={"population": 3},
        group_weights={"science": 2},
        method={"name": "vikor", "vikor": {"v": 0.3}},
        portfolio={"sites": 3, "min_spacing_km": None},
        seed=7,
    )
    assert variant.changed and "changed in code" in repr(variant)
    assert variant.weights["population"] == 3 and variant.weights["university_km"] == 1
    assert variant.spec.groups["science"].weight == 2
    assert variant.spec.groups["enablers"].weight == 2
    assert (variant.method.name, variant.method.vikor.v) == ("vikor", 0.3)
    rules = variant.spec.portfolio
    assert rules.sites == 3 and rules.min_spacing_km is None
    assert rules.at_most_per is not None and rules.at_most_per.count == 1  # kept
    assert variant.spec.seed == 7
    # the study it came from is as it was
    assert study.weights["population"] == 1 and study.method.name == "weighted_sum"
    assert study.spec.portfolio.sites == 2 and not study.changed
    assert study.replace() is study


def test_replace_by_criterion_and_section(tiny):
    study = siting.Study.load(tiny / "study.yaml")
    fewer = study.replace(criteria={"institutes_100km": None})
    assert [c.id for c in fewer.criteria] == ["university_km", "population"]
    measured = study.replace(
        criteria={"institutes_100km": {"measure": {"count": "institutes", "within_km": 150}}}
    )
    assert measured.criteria[1].measure.within_km == 150
    assert measured.criteria[1].unit == "institutes"  # the other keys stay
    listed = study.replace(criteria=[c.model_dump(exclude_unset=True) for c in study.criteria[:2]])
    assert [c.id for c in listed.criteria] == ["university_km", "institutes_100km"]
    assert study.replace(portfolio=None).spec.portfolio is None
    ranked_only = siting.run(study.replace(portfolio=None))
    assert ranked_only.portfolio is None
    objective = study.replace(weighting={"criteria": {"method": "entropy"}})
    assert objective.spec.weights.criteria.method == "entropy"
    # what a notebook holds works as values: numpy numbers, a pandas Series, models
    series = pd.Series({"population": np.float64(2.0), "university_km": np.int64(1)})
    assert study.replace(weights=series).weights["population"] == 2
    assert study.replace(exclude=study.spec.exclude).spec.exclude == study.spec.exclude


def test_mistakes_in_replace_are_reported_together_with_their_keys(tiny):
    study = siting.Study.load(tiny / "study.yaml")
    with pytest.raises(CriteriaError) as info:
        study.replace(
            weights={"populaton": 2, "university_km": -1},
            method="topsys",
            criteria={"institutes_100km": {"direction": "benefitt"}},
            portfolio={"sites": 0},
            wieghting={"criteria": {"method": "ahp"}},
        )
    problems = info.value.problems
    text = "\n".join(problems)
    # every problem at once, each naming its key and saying what to write
    assert len(problems) == 6, text
    assert (
        "Study.replace: wieghting: not a key of a criteria file; did you mean 'weighting'?" in text
    )
    assert (
        "Study.replace: weights['populaton']: 'populaton' is not a criterion of this study; "
        "did you mean 'population'?"
    ) in text
    where = f"{tiny / 'study.yaml'}, as changed in code"
    assert (
        f"{where}: criteria[0].weight: -1 is out of range: input should be greater than or "
        "equal to 0; change the value"
    ) in text
    assert f"{where}: method.name: 'topsys' is not allowed (did you mean 'topsis'?)" in text
    assert f"{where}: criteria[1].direction: 'benefitt' is not allowed" in text
    assert f"{where}: portfolio.sites: 0 is out of range" in text
    assert "Traceback" not in text
    assert info.value.language == "en"


def test_wrong_shapes_of_arguments_say_what_to_give(tiny):
    study = siting.Study.load(tiny / "study.yaml")
    with pytest.raises(CriteriaError) as info:
        study.replace(weights=3, method=["topsis"], criteria={"population": 5})
    text = "\n".join(info.value.problems)
    assert (
        "weights: expected a mapping of criterion id to value, such as {'university_km': 2}" in text
    )
    assert "method: expected a method's name such as 'topsis'" in text
    assert "criteria['population']: expected the keys to change, such as {'weight': 2}" in text


def test_an_unknown_group_and_a_study_text_in_another_language(tiny):
    study = siting.Study.load(tiny / "study.yaml").replace(language="ru")
    with pytest.raises(CriteriaError) as info:
        study.replace(group_weights={"scince": 2})
    (problem,) = info.value.problems
    assert "scince" in problem and "did you mean 'science'?" in problem
    assert info.value.language == "ru"


def test_problems_found_later_name_the_key_of_a_changed_study(tiny):
    study = siting.Study.load(tiny / "study.yaml")
    with pytest.raises(DataError) as info:
        siting.run(study.replace(layers={"institutes": "missing.geojson"}))
    (problem,) = info.value.problems
    assert problem.startswith(f"{tiny / 'study.yaml'}, as changed in code: layers.institutes:")
    assert "missing.geojson" in problem and "not found" in problem


# -- the cache ------------------------------------------------------------------------------------


def test_a_cached_run_equals_a_fresh_run(tiny):
    study = siting.Study.load(tiny / "study.yaml")
    siting.run(study)  # fills the cache
    rng = np.random.default_rng(3)
    ids = [c.id for c in study.criteria]
    changes = [
        {"weights": dict(zip(ids, rng.dirichlet(np.ones(3)), strict=True))},
        {"group_weights": {"enablers": 0}, "method": "topsis"},
        {"criteria": {"institutes_100km": {"measure": {"count": "institutes", "within_km": 900}}}},
        {"exclude": [], "portfolio": {"sites": 3}},
        {"criteria": {"university_km": {"value": "minmax"}}, "method": "promethee_ii"},
    ]
    for change in changes:
        cached = siting.run(study.replace(**change))
        fresh = siting.run(siting.Study.load(tiny / "study.yaml").replace(**change))
        same_results(cached, fresh)


def test_a_weight_sweep_reads_and_measures_once(tiny, counted):
    study = siting.Study.load(tiny / "study.yaml")
    siting.run(study)
    reads, measured = counted()
    assert reads == ["candidates.geojson", "institutes.geojson", "universities.geojson"]
    assert measured == ["institutes_100km", "population", "university_km"]
    for w in range(1, 6):
        siting.run(study.replace(weights={"population": w}, method="topsis"))
        siting.run(study.replace(exclude=[], portfolio={"sites": 1}))
    assert counted() == ([], [])


def test_a_changed_measure_is_measured_again_alone(tiny, counted):
    study = siting.Study.load(tiny / "study.yaml")
    siting.run(study)
    counted()
    wider = study.replace(
        criteria={"institutes_100km": {"measure": {"count": "institutes", "within_km": 800}}}
    )
    r = siting.run(wider)
    assert counted() == ([], ["institutes_100km"])
    assert r.raw["institutes_100km"].max() == 3  # every institute within 800 km of some town
    siting.run(wider)
    assert counted() == ([], [])  # and kept under its new measure
    siting.run(study)
    assert counted() == ([], [])  # the old one is still there


def test_a_changed_layer_path_reads_that_file_and_remeasures_its_criteria(tiny, counted):
    shutil.copy(tiny / "universities.geojson", tiny / "unis.geojson")
    study = siting.Study.load(tiny / "study.yaml")
    siting.run(study)
    counted()
    moved = study.replace(layers={"universities": "unis.geojson"})
    same_results_but_inputs = siting.run(moved)
    assert counted() == (["unis.geojson"], ["university_km"])
    pd.testing.assert_frame_equal(same_results_but_inputs.raw, siting.run(study).raw)


def test_an_edited_file_is_read_again(tiny, edit, counted):
    study = siting.Study.load(tiny / "study.yaml")
    before = siting.run(study)
    counted()
    edit(tiny / "candidates.geojson", '"population": 370000', '"population": 470000')
    stat = (tiny / "candidates.geojson").stat()
    os.utime(tiny / "candidates.geojson", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    after = siting.run(study)
    reads, measured = counted()
    assert reads == ["candidates.geojson"]
    # every criterion is measured from the candidates' points
    assert measured == ["institutes_100km", "population", "university_km"]
    assert (after.raw["population"] != before.raw["population"]).any()
    same_results(after, siting.run(tiny / "study.yaml"))


def test_a_problem_in_a_measure_names_its_place_in_the_whole_study(tiny):
    study = siting.Study.load(tiny / "study.yaml")
    siting.run(study)  # the first two criteria are now kept: only the third is measured
    measure = {"count": "universities", "within_km": 50, "where": {"students": {"min": 1e9}}}
    with pytest.raises(DataError) as info:
        siting.run(study.replace(criteria={"population": {"measure": measure}}))
    (problem,) = info.value.problems
    assert "criteria[2].measure: no feature of layer 'universities' is left" in problem


# -- results.write ---------------------------------------------------------------------------------


def test_write_is_siting_run_and_records_a_changed_study(tiny, tmp_path):
    from typer.testing import CliRunner

    from siting.cli import app
    from siting.outputs.manifest import manifest as manifest_of

    cli = tmp_path / "cli"
    result = CliRunner().invoke(app, ["run", str(tiny / "study.yaml"), "--out", str(cli), "-q"])
    assert result.exit_code == 0, result.output
    results = siting.run(siting.Study.load(tiny / "study.yaml"))
    written = results.write(tmp_path / "api")
    assert list(written)[-1] == "manifest.json"
    assert {p.name for p in cli.iterdir()} == set(written)
    for name in ("ranking.csv", "ranking.xlsx", "ranking.parquet"):
        assert (cli / name).read_bytes() == written[name].read_bytes(), name
    plain = json.loads(written["manifest.json"].read_text(encoding="utf-8"))
    assert "changed_in_code" not in plain
    changed = siting.run(siting.Study.load(tiny / "study.yaml").replace(weights={"population": 5}))
    assert changed.changed_in_code
    manifest = manifest_of(changed, {})
    assert manifest["changed_in_code"] is True
    weights = {c["id"]: c["weight"] for c in manifest["study_spec"]["criteria"]}
    assert weights["population"] == 5


# -- docs/api.md ---------------------------------------------------------------------------------


def test_docs_api_examples_run(monkeypatch):
    """Every ```python block of docs/api.md, in order, in one namespace, from the repository root."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 8
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "docs_api"}
    for i, block in enumerate(blocks):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, f"docs/api.md, example {i + 1}", "exec"), namespace)
        # The lines the page shows as printed (`#> ...`) are printed, in that order.
        shown = [line[3:].rstrip() for line in block.splitlines() if line.startswith("#> ")]
        printed = iter(line.rstrip() for line in out.getvalue().splitlines())
        for line in shown:
            assert any(line == p for p in printed), f"example {i + 1}: {line!r} not printed"
    assert sum(block.count("\n#> ") for block in blocks) >= 30
