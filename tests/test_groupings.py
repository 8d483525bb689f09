"""A study's own groupings (``groupings:``): one new field, read by every rule, checked at its line."""

from __future__ import annotations

import pytest

import siting
from siting.errors import CriteriaError, DataError

#: The tiny candidates' macro-regions grouped in two halves (its own field, not the shipped data's).
HALVES = """groupings:
  half:
    from: macro_region
    label: {en: half, ru: половина, kk: жарты}
    note: two halves of the tiny fixture
    groups:
      first: {label: {en: the first half, ru: первая половина, kk: бірінші жарты}, members: [north, east]}
      second: [south, central]
portfolio:"""


def _with(tiny, edit, block: str = HALVES, rule: str = "at_most_per: {field: half, count: 1}"):
    path = edit(tiny / "study.yaml", "portfolio:", block)
    return edit(path, "at_most_per: {field: macro_region, count: 1}", rule)


def _problems(path, error=DataError) -> list[str]:
    with pytest.raises(error) as info:
        siting.run(path, sensitivity=False)
    return [str(p) for p in info.value.problems]


def test_a_grouping_is_a_field_every_rule_and_output_reads(tiny, edit):
    results = siting.run(_with(tiny, edit), sensitivity=False)
    cands = results.candidates
    expected = cands["macro_region"].map(
        {"north": "first", "east": "first", "south": "second", "central": "second"}
    )
    assert cands["half"].tolist() == expected.tolist()
    chosen = cands.loc[list(results.portfolio.ids), "half"]
    assert chosen.is_unique  # at most one site per half
    study = results.study
    assert study.groupings["half"].mapping()["east"] == "first"


def test_the_rule_sentences_name_the_groups_by_their_labels(tiny, edit):
    path = _with(tiny, edit, rule="at_most_per: {field: half, count: 1}")
    results = siting.run(path, sensitivity=False)
    from siting.i18n import Translator
    from siting.outputs.words import Words

    ru = Words(results, Translator("ru"))
    assert ru.group_word() == "половина"
    assert ru.group_value("half", "first") == "первая половина"
    assert ru.group_value("half", "second") == "second"  # no label: the value as written
    assert ru.grouping_note() == "two halves of the tiny fixture"


def test_a_value_no_group_lists_is_named_with_its_candidates(tiny, edit):
    path = _with(tiny, edit, HALVES.replace("second: [south, central]", "second: [south]"))
    (problem,) = _problems(path)
    assert "groupings.half.groups: 'central' of field 'macro_region' is in no group" in problem
    assert "add it to a group" in problem


def test_a_member_no_candidate_has_suggests_the_closest(tiny, edit):
    path = _with(tiny, edit, HALVES.replace("[south, central]", "[south, central, Central]"))
    path = edit(path, "members: [north, east]", "members: [north, east, nort]")
    problems = _problems(path)
    assert any(
        "groupings.half.groups.first.members[2]: 'nort' is not a value of field "
        "'macro_region' of the candidates; did you mean 'north'?" in p
        for p in problems
    ), problems
    assert any("members[2]: 'Central'" in p and "'central'" in p for p in problems), problems


def test_a_value_in_two_groups_is_refused_at_the_grouping(tiny, edit):
    path = _with(tiny, edit, HALVES.replace("[south, central]", "[south, central, east]"))
    (problem,) = _problems(path, CriteriaError)
    assert "groupings.half" in problem
    assert "'east' (first, second) is listed in two groups; keep each value in one group" in problem


def test_a_from_field_the_candidates_lack(tiny, edit):
    path = _with(tiny, edit, HALVES.replace("from: macro_region", "from: macro_regoin"))
    (problem,) = _problems(path)
    assert "groupings.half.from: the candidates have no field 'macro_regoin'" in problem
    assert "did you mean 'macro_region'?" in problem


def test_a_grouping_may_not_hide_a_field_of_the_candidates(tiny, edit):
    block = HALVES.replace("  half:\n", "  population:\n")
    path = _with(tiny, edit, block, rule="at_most_per: {field: macro_region, count: 1}")
    (problem,) = _problems(path)
    assert "groupings.population: the candidates already have a field 'population'" in problem
    assert "give the grouping another name" in problem


def test_an_empty_group_and_a_label_in_an_unknown_language(tiny, edit):
    block = HALVES.replace("second: [south, central]", "second: []").replace(
        "label: {en: half,", "label: {de: Hälfte, en: half,"
    )
    problems = _problems(_with(tiny, edit, block), CriteriaError)
    assert any("groupings.half.groups.second.members" in p for p in problems), problems
    assert any("'de' is not a language here; use kk, ru or en" in p for p in problems), problems


def test_equity_without_a_field_says_which_field(tiny, edit):
    path = edit(tiny / "study.yaml", "min_spacing_km: 300", "equity: {within_km: 500}")
    problems = _problems(path, CriteriaError)
    assert any("portfolio.equity.field" in p for p in problems), problems


def test_the_schema_accepts_both_forms_of_a_group_and_refuses_an_empty_one():
    """Editors check criteria files against schema/criteria.schema.json: the short form
    (``south: [Almaty, ...]``) siting accepts must pass there too."""
    import json
    from pathlib import Path

    import jsonschema
    import yaml

    root = Path(__file__).resolve().parent.parent
    schema = json.loads((root / "schema" / "criteria.schema.json").read_text(encoding="utf-8"))
    study = yaml.safe_load((root / "criteria" / "novosibirsk.yaml").read_text(encoding="utf-8"))
    groups = study["groupings"]["macro_region"]["groups"]
    groups["central"] = ["Karaganda", "Ulytau"]
    jsonschema.validate(study, schema)
    groups["central"] = []
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(study, schema)
