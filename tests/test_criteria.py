"""Loading criteria files: every mistake reported at once, with its line and a fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siting import criteria
from siting.errors import CriteriaError

ROOT = Path(__file__).resolve().parent.parent


def problems_of(path: Path) -> list[str]:
    with pytest.raises(CriteriaError) as info:
        criteria.load(path)
    return info.value.problems


def test_the_tiny_study_loads_with_line_numbers(tiny):
    source = criteria.load(tiny / "study.yaml")
    assert [c.id for c in source.study.criteria] == [
        "university_km",
        "institutes_100km",
        "population",
    ]
    line = source.lines[("criteria", 0, "weight")]
    assert (tiny / "study.yaml").read_text().splitlines()[line - 1].strip() == "weight: 1"
    assert source.resolve(source.study.candidates) == (tiny / "candidates.geojson").resolve()


def test_malformed_yaml_names_the_line(tiny, edit):
    path = edit(
        tiny / "study.yaml", "  universities: universities.geojson", "  universities: [oops"
    )
    (problem,) = problems_of(path)
    assert "YAML syntax" in problem
    assert f"{path}:" in problem


def test_unknown_key_suggests_the_right_one(tiny, edit):
    path = edit(tiny / "study.yaml", "    unit: km\n", "    unit: km\n    wieght: 2\n")
    (problem,) = problems_of(path)
    assert "wieght" in problem
    assert "did you mean 'weight'" in problem
    line = int(problem.split(":")[1])
    assert path.read_text().splitlines()[line - 1].strip() == "wieght: 2"


def test_wrong_type_shows_the_value(tiny, edit):
    path = edit(tiny / "study.yaml", "  sites: 2", "  sites: two")
    (problem,) = problems_of(path)
    assert "portfolio.sites" in problem and "'two'" in problem and "whole number" in problem


def test_unknown_value_function_and_method(tiny, edit):
    path = edit(tiny / "study.yaml", "value: {linear: {best: 0, worst: 500}}", "value: sigmoid")
    edit(path, "exclude:", "method: {name: topsys}\nexclude:")
    found = problems_of(path)
    assert any("unknown value function 'sigmoid'" in p for p in found)
    assert any("method.name" in p and "'topsys'" in p for p in found)


def test_negative_weight(tiny, edit):
    path = edit(
        tiny / "study.yaml", "    unit: people\n    weight: 1", "    unit: people\n    weight: -2"
    )
    (problem,) = problems_of(path)
    assert (
        "criteria[2].weight" in problem
        and "-2" in problem
        and "greater than or equal to 0" in problem
    )


def test_references_between_sections_are_checked(tiny, edit):
    path = edit(tiny / "study.yaml", "{count: institutes,", "{count: institutez,")
    edit(path, "group: enablers", "group: enabler")
    found = problems_of(path)
    assert any("layer 'institutez'" in p and "did you mean 'institutes'" in p for p in found)
    assert any("group 'enabler'" in p and "did you mean 'enablers'" in p for p in found)


FIVE_MISTAKES = """\
study: Five mistakes
candidates: candidates.geojson
layers: {universities: universities.geojson}
criteria:
  - id: university_km
    label: Nearest university
    measure: {nearest: universitis}
    direction: cost
    weight: 1
  - id: population
    label: Population
    measure: {attribute: population}
    direction: benefitt
    wieght: 1
portfolio: {sites: -3}
seed: abc
"""


def test_five_mistakes_are_reported_together_with_their_lines(tmp_path):
    path = tmp_path / "five.yaml"
    path.write_text(FIVE_MISTAKES)
    found = problems_of(path)
    lines = sorted(int(p.split(":")[1]) for p in found)
    # 7 layer name, 10 missing weight (item line), 13 direction, 14 unknown key, 15 sites, 16 seed
    assert {7, 13, 14, 15, 16} <= set(lines)
    assert all(p.startswith(f"{path}:") for p in found)


def test_schema_is_valid_json_schema_and_shipped_copy_is_current():
    schema = criteria.json_schema()
    assert schema["title"] == "siting criteria file"
    assert {"study", "candidates", "criteria"} <= set(schema["required"])
    shipped = ROOT / "schema" / "criteria.schema.json"
    assert json.loads(shipped.read_text()) == schema, (
        "run `siting schema -o schema/criteria.schema.json`"
    )
