"""Mistakes that would otherwise run to a wrong answer: each stops with the line and the fix."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import siting
from siting.cli import app
from siting.errors import CriteriaError, DataError, SitingError

runner = CliRunner()


def only_problem(path) -> str:
    with pytest.raises(SitingError) as info:
        siting.run(path)
    (problem,) = info.value.problems
    assert problem.startswith(f"{path}:")
    return problem


def test_a_typo_in_a_where_list_is_not_silently_dropped(tiny, edit):
    path = edit(tiny / "study.yaml", "{count: institutes, within_km: 100}",
                "{count: institutes, within_km: 100, where: {field: {in: [nuclear, bios]}}}")  # fmt: skip
    problem = only_problem(path)
    assert "'bios' (did you mean 'bio'?) matches no value of field 'field'" in problem


def test_excluding_text_by_a_number_is_refused(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "{field: population, below: 50000,",
        "{field: macro_region, below: 50000,",
    )
    assert "must hold numbers but has text" in only_problem(path)


def test_excluding_a_value_no_candidate_has(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "{field: population, below: 50000,",
        "{field: macro_region, equals: North,",
    )
    assert "'North' (did you mean 'north'?) matches no value" in only_problem(path)


def test_summing_a_text_field_is_refused(tiny, edit):
    path = edit(tiny / "study.yaml", "{count: institutes, within_km: 100}",
                "{sum: institutes, field: name, within_km: 100}")  # fmt: skip
    assert "field 'name' of layer 'institutes' must hold numbers" in only_problem(path)


def test_options_a_measure_does_not_use_are_refused(tiny, edit):
    path = edit(
        tiny / "study.yaml", "{nearest: universities,", "{nearest: universities, decay_km: 30,"
    )
    with pytest.raises(CriteriaError, match="decay_km is not used by `nearest`"):
        siting.run(path)


def test_a_judgement_outside_saatys_scale(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "exclude:",
        "weights:\n  groups:\n    method: ahp\n    judgements: [[education, science, 12], "
        "[education, enablers, 1/2], [science, enablers, 1/4]]\nexclude:",
    )
    with pytest.raises(CriteriaError, match="outside Saaty's scale"):
        siting.run(path)


def test_a_negative_seed(tiny, edit):
    path = edit(tiny / "study.yaml", "exclude:", "seed: -1\nexclude:")
    with pytest.raises(CriteriaError, match="seed"):
        siting.run(path)


def test_non_numeric_data_values_are_named(tiny, edit):
    edit(tiny / "universities.geojson", '"students": 7000', '"students": "about 7000"')
    with pytest.raises(DataError) as info:
        siting.run(tiny / "study.yaml")
    assert "'nu': 'about 7000'" in str(info.value)


def test_validate_runs_every_check_that_run_does(tiny, edit):
    path = edit(tiny / "study.yaml", "  sites: 2\n", "  sites: 5\n")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "allows at most 4 sites but 5 were asked" in result.output


def test_a_rerun_removes_what_the_previous_run_wrote_and_this_one_did_not(tiny, edit, tmp_path):
    out = tmp_path / "out"
    extras = "portfolio:\n  sites: 2\n  alternatives: {count: 1}"
    path = edit(tiny / "study.yaml", "portfolio:\n  sites: 2", extras)
    assert runner.invoke(app, ["run", str(path), "-o", str(out), "-q"]).exit_code == 0
    assert (out / "alternatives.csv").exists()
    (out / "notes.txt").write_text("the analyst's own file")
    edit(path, extras, "portfolio:\n  sites: 2")
    assert runner.invoke(app, ["run", str(path), "-o", str(out), "-q"]).exit_code == 0
    assert not (out / "alternatives.csv").exists()
    assert (out / "notes.txt").read_text() == "the analyst's own file"
    assert "alternatives.csv" not in json.loads((out / "manifest.json").read_text())["outputs"]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0", "greater than 0"),
        ("-5", "greater than 0"),
        ("forever", "number"),
        ("1e9", "86,400"),
        ("true", "number"),
    ],
)
def test_a_time_limit_must_be_a_positive_number_of_seconds(tiny, edit, value, words):
    path = edit(tiny / "study.yaml", "  sites: 2\n", f"  sites: 2\n  time_limit_s: {value}\n")
    with pytest.raises(CriteriaError) as info:
        siting.run(path)
    (problem,) = info.value.problems
    assert problem.startswith(f"{path}:41: portfolio.time_limit_s:"), problem
    assert words in problem
    assert value in problem or value == "1e9"
