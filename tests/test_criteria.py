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


def test_an_empty_group_is_reported_like_a_missing_one(tiny, edit):
    # found by the fuzzer: `group:` left empty passed the checks and crashed the weights stage
    path = edit(tiny / "study.yaml", "group: education", "group:")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:14: criteria[0]: criterion 'university_km' has no `group`")
    assert "add one of ['education', 'enablers', 'science']" in problem


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


# --- fuzzing regressions: every bad file gets located messages, never a traceback -----------------


def located(path: Path, problems: list[str]) -> list[int]:
    """The line of every problem, asserting each is ``path:line: ...``."""
    lines = []
    for problem in problems:
        assert problem.startswith(f"{path}:"), problem
        lines.append(int(problem[len(str(path)) + 1 :].split(":", 1)[0]))
    return lines


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line of the file containing ``text``."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


WEIGHT = "    unit: people\n    weight: 1"
NON_FINITE = {
    "weight .inf": (WEIGHT, "    unit: people\n    weight: .inf", "weight: .inf"),
    "weight .nan": (WEIGHT, "    unit: people\n    weight: .nan", "weight: .nan"),
    "weight -.inf": (WEIGHT, "    unit: people\n    weight: -.inf", "weight: -.inf"),
    "weight 1e400": (WEIGHT, "    unit: people\n    weight: 1e400", "weight: 1e400"),
    "linear best .inf": ("{best: 0, worst: 500}", "{best: .inf, worst: 500}", "best: .inf"),
    "linear worst .nan": ("{best: 0, worst: 500}", "{best: 0, worst: .nan}", "worst: .nan"),
    "piecewise point .nan": ("[1000000, 1]]", "[.nan, 1]]", "[.nan, 1]"),
    "piecewise value .inf": ("[1000000, 1]]", "[1000000, .inf]]", "[1000000, .inf]"),
    "group weight .nan": ("education: {weight: 1}", "education: {weight: .nan}", "{weight: .nan}"),
    "within_km .inf": ("within_km: 100}", "within_km: .inf}", "within_km: .inf"),
    "exclusion below .nan": ("below: 50000,", "below: .nan,", "below: .nan"),
    "spacing .inf": ("min_spacing_km: 300", "min_spacing_km: .inf", "min_spacing_km: .inf"),
}


@pytest.mark.parametrize("case", NON_FINITE, ids=list(NON_FINITE))
def test_a_non_finite_number_is_refused_where_it_is_written(tiny, edit, case):
    old, new, marker = NON_FINITE[case]
    path = edit(tiny / "study.yaml", old, new)
    (problem,) = problems_of(path)
    assert located(path, [problem]) == [line_of(path, marker)]
    assert "is not a finite number; write an ordinary number here" in problem


@pytest.mark.parametrize(
    "section",
    [
        "method: {compare: [owa], owa: {order_weights: [.nan, 0.5, 0.5]}}",
        "method: {promethee_ii: {p: .inf}}",
        "sensitivity: {weights: {population: [0, .nan]}}",
        "sensitivity: {uncertainty: {population: {normal: .nan}}}",
        "weights: {groups: {method: ahp, judgements: [[education, science, .nan]]}}",
    ],
)
def test_non_finite_numbers_are_refused_in_every_section(tiny, edit, section):
    path = edit(tiny / "study.yaml", "exclude:", f"{section}\nexclude:")
    (problem,) = problems_of(path)  # one message, whichever member of a union it fails
    assert located(path, [problem]) == [line_of(path, section)]
    assert "is not a finite number" in problem


ZERO_WEIGHTS = {
    "a group's criteria": (
        "    unit: institutes\n    weight: 1",
        "    unit: institutes\n    weight: 0",
    ),
    "every group": (
        "{weight: 1}\n  science: {weight: 1}\n  enablers: {weight: 2}",
        "{weight: 0}\n  science: {weight: 0}\n  enablers: {weight: 0}",
    ),
}


@pytest.mark.parametrize("case", ZERO_WEIGHTS)
def test_weights_that_are_all_zero_are_refused_where_they_are_written(tiny, edit, case):
    old, new = ZERO_WEIGHTS[case]
    path = edit(tiny / "study.yaml", old, new)
    (problem,) = problems_of(path)
    where = "weight: 0" if case == "a group's criteria" else "education: {weight: 0}"
    assert located(path, [problem]) == [line_of(path, where)]
    assert "is 0" in problem and "give at least one" in problem


def test_criterion_weights_that_are_all_zero_are_refused_without_groups(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(
        FIVE_MISTAKES.split("portfolio:")[0]
        .replace("universitis", "universities")
        .replace("benefitt", "benefit")
        .replace("wieght: 1", "weight: 0")
        .replace("weight: 1\n  - id", "weight: 0\n  - id")
    )
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:9: criteria[0].weight: every criterion weight is 0")


def test_a_number_too_large_for_the_arithmetic_is_refused(tiny, edit):
    path = edit(tiny / "study.yaml", "{best: 0, worst: 500}", "{best: 0, worst: 1e300}")
    edit(path, WEIGHT, "    unit: people\n    weight: " + "9" * 400)
    found = problems_of(path)
    assert located(path, found) == [line_of(path, "1e300"), line_of(path, "9" * 400)]
    assert all("is too large: numbers in a criteria file lie within ±1e+15" in p for p in found)
    assert "a 400-digit number" in found[1]


def test_a_number_too_small_to_divide_by_is_refused(tiny, edit):
    # best - worst = 5e-324 overflowed the linear value function (found by fuzzing)
    path = edit(tiny / "study.yaml", "{best: 0, worst: 500}", "{best: 0, worst: 5e-324}")
    (problem,) = problems_of(path)
    assert located(path, [problem]) == [line_of(path, "5e-324")]
    assert "criteria[0].value.linear.worst: 4.94066e-324 is too small" in problem
    assert "write 0" in problem


def test_true_is_not_a_weight(tiny, edit):
    path = edit(tiny / "study.yaml", WEIGHT, "    unit: people\n    weight: true")
    (problem,) = problems_of(path)
    assert "criteria[2].weight: true is not a number" in problem


LIMITS = {
    "sensitivity.samples": ("samples: 1000000000", "the most is 1,000,000", "in memory"),
    "sensitivity.steps": ("steps: 100000000", "the most is 1,001", "steps × criteria"),
    "sensitivity.portfolio_draws": ("portfolio_draws: 100000000", "the most is 100,000", "program"),
    "portfolio.pareto.points": ("points: 1000000", "the most is 100", "integer program"),
    "portfolio.alternatives.count": ("count: 1000000", "the most is 20", "re-solve"),
    "portfolio.sites": ("sites: 10000000", "the most is 10,000", "portfolio"),
    "seed": ("seed: 99999999999", "the most is 4,294,967,295", "32-bit"),
}
PLACES = {
    "sensitivity": ("exclude:", "sensitivity: {%s}\nexclude:"),
    "portfolio.pareto": ("  sites: 2", "  sites: 2\n  coverage: {radius_km: 100}\n  pareto: {%s}"),
    "portfolio.alternatives": ("  sites: 2", "  sites: 2\n  alternatives: {%s}"),
    "portfolio": ("  sites: 2", "  %s"),
    "": ("exclude:", "%s\nexclude:"),
}


@pytest.mark.parametrize("key", LIMITS)
def test_a_huge_count_is_refused_with_its_limit_and_why(tiny, edit, key):
    setting, limit, why = LIMITS[key]
    old, new = PLACES[key.rpartition(".")[0]]
    path = edit(tiny / "study.yaml", old, new.replace("%s", setting))
    (problem,) = problems_of(path)
    assert located(path, [problem]) == [line_of(path, setting)]
    assert f"{key}: " in problem and limit in problem and why in problem and "lower it" in problem


def test_keys_that_are_not_text_are_reported_not_crashed_on(tiny, edit):
    path = edit(tiny / "study.yaml", "exclude:", "1: a\nnull: b\n[a, b]: c\n1.5: d\nexclude:")
    edit(
        path,
        "  universities: universities.geojson",
        "  universities: universities.geojson\n  2: x.geojson",
    )
    edit(path, "  science: {weight: 1}", "  science: {weight: 1}\n  ~: {weight: 1}")
    found = problems_of(path)
    assert located(path, found) == [8, 13, 39, 40, 41, 42]
    assert "layers: key 2 is a number, not a name" in found[0]
    assert "groups: key null is empty, not a name" in found[1]
    assert "(file): key ('a', 'b') is a list, not a name" in found[4]


def test_a_list_where_a_name_is_expected_is_a_type_error(tiny, edit):
    path = edit(tiny / "study.yaml", "group: enablers", "group: [enablers, science]")
    edit(path, "{count: institutes,", "{count: [institutes],")
    found = problems_of(path)
    assert "criteria[1].measure.count: expected text, got ['institutes']" in found[0]
    assert "criteria[2].group: expected text, got ['enablers', 'science']" in found[1]


def test_a_billion_laughs_is_refused_before_it_is_expanded(tiny, edit):
    laughs = "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for level in range(1, 9):
        laughs += f"lol{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]\n"
    path = edit(tiny / "study.yaml", "exclude:", laughs + "exclude:")
    (problem,) = problems_of(path)
    # the first top-level key whose expansion alone passes the limit: 10**5 items
    assert problem.startswith(f"{path}:{line_of(path, 'lol4:')}: lol4: the file expands")
    assert "more than 100,000 keys and items" in problem


def test_an_alias_of_itself_is_a_message(tiny, edit):
    path = edit(tiny / "study.yaml", "  at_most_per: {", "  at_most_per: &x {<<: *x, ")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:1: YAML:") and "cannot merge itself" in problem


ANCHORED = """\
criteria:
  - &distance
    id: university_km
    label: Distance to the nearest university with 5,000+ students
    group: education
    measure: {nearest: universities, where: {students: {min: 5000}}}
    direction: cost
    value: &linear {linear: {best: 0, worst: 500}}
    unit: km
    weight: 1
  - <<: *distance
    id: institutes_100km
    label: Research institutes within 100 km
    group: science
    measure: {count: institutes, within_km: 100}
    direction: benefit
    value: minmax
    unit: institutes
  - id: population
"""


def test_anchors_aliases_and_merge_keys_work_and_merged_keys_point_at_their_anchor(tiny, edit):
    text = (tiny / "study.yaml").read_text()
    start, end = text.index("criteria:\n"), text.index("  - id: population\n")
    path = tiny / "study.yaml"
    path.write_text(text[:start] + ANCHORED + text[end + len("  - id: population\n") :])
    source = criteria.load(path)
    crits = source.study.criteria
    assert [c.id for c in crits] == ["university_km", "institutes_100km", "population"]
    assert crits[1].weight == 1 and crits[1].unit == "institutes"
    assert crits[0].value == crits[0].value.model_validate({"linear": {"best": 0, "worst": 500}})
    # a merged key is located where it is written: in the anchored mapping
    assert source.lines[("criteria", 1, "weight")] == line_of(path, "    weight: 1")
    assert source.lines[("criteria", 1, "unit")] == line_of(path, "unit: institutes")
    # and a problem in it is reported there
    edit(path, "    weight: 1\n  - <<:", "    weight: -1\n  - <<:")
    found = problems_of(path)
    assert located(path, found) == [line_of(path, "weight: -1")] * 2
    assert {p.split(": ")[1] for p in found} == {"criteria[0].weight", "criteria[1].weight"}


def test_an_alias_of_a_value_is_located_at_its_anchor(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "value: {linear: {best: 0, worst: 500}}",
        "value: &v {linear: {best: 0, worst: .nan}}",
    )
    edit(path, "    unit: institutes\n", "    unit: institutes\n    value: *v\n")
    found = problems_of(path)
    assert located(path, found) == [line_of(path, "&v")] * 2


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  sites: 2", "\tsites: 2", "replace them with spaces"),
        ("  sites: 2", "  sites: 2\n  sites: 3", "each key appears once in a mapping"),
        ("study: Tiny fixture", "study: !custom Tiny fixture", "the tag !custom is not used"),
        ("exclude:", "method: {compare: !!set {topsis, vikor}}\nexclude:", "write a list [a, b]"),
        ("  universities: universities.geojson", "  universities: \x07", "U+0007 is not allowed"),
        ("study: Tiny fixture", "study: *nowhere", "define the anchor (&name) before its alias"),
        ("  sites: 2", "  <<: 5\n  sites: 2", "`<<: *name` merges a mapping"),
    ],
)
def test_yaml_oddities_are_located_messages(tiny, edit, old, new, expected):
    path = edit(tiny / "study.yaml", old, new)
    found = problems_of(path)
    located(path, found)
    assert any(expected in p for p in found), found


def test_an_ordered_map_and_pairs_load_with_their_lines(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "layers:\n  universities: universities.geojson\n  institutes: institutes.geojson",
        "layers: !!omap\n  - universities: universities.geojson\n  - institutes: institutes.geojson",
    )
    source = criteria.load(path)
    assert list(source.study.layers) == ["universities", "institutes"]
    assert source.lines[("layers", "institutes")] == line_of(path, "layers: !!omap")
    edit(path, "[[0, 0], [1000000, 1]]", "!!pairs [{0: 0}, {1000000: 1}]")
    points = criteria.load(path).study.criteria[2].value.piecewise
    assert points is not None and points.points == [(0, 0), (1000000, 1)]


def test_a_reused_anchor_is_reported(tiny, edit):
    path = edit(tiny / "study.yaml", "  sites: 2", "  sites: &n 2")
    edit(path, "count: 1}", "count: &n 1}")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(path, 'count: &n 1')}: YAML: the anchor &n")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"cand\\0idates.geojson"', "holds an invisible NUL (U+0000)"),
        ("a" * 5000 + ".geojson", "is 5,008 bytes long; file names have at most 255"),
        ("loop/candidates.geojson", "cannot be used"),
        ("loop", "cannot be used"),
        ("'.'", "names no file"),
        ("'..'", "is a folder"),
        ("/dev/zero", "is not a regular file"),
    ],
)
def test_paths_the_file_system_refuses_are_located_messages(tiny, edit, value, expected):
    (tiny / "loop").symlink_to("loop")
    path = edit(tiny / "study.yaml", "candidates: candidates.geojson", f"candidates: {value}")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(path, 'candidates:')}: candidates: ")
    assert expected in problem


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ('"Pop\\ud800ulation"', "holds U+D800, half of a character pair, which no file can store"),
        ('"Pop\\tulation"', "holds an invisible tab (U+0009)"),
        ('"Pop\\x85ulation"', "holds an invisible control character (U+0085)"),
    ],
)
def test_text_no_output_can_carry_is_refused(tiny, edit, label, expected):
    # a lone surrogate passed validation and crashed `siting run` writing UTF-8 (found by fuzzing)
    path = edit(tiny / "study.yaml", "label: Population\n", f"label: {label}\n")
    edit(path, "exclude:", '"odd\\akey": 1\nexclude:')
    found = problems_of(path)
    assert located(path, found) == [line_of(path, 'label: "Pop'), line_of(path, "odd")]
    assert "criteria[2].label: 'Pop" in found[0] and expected in found[0]
    assert "(file): key 'odd\\x07key' holds an invisible control character (U+0007)" in found[1]


def test_a_file_that_is_not_utf8_names_the_line(tiny):
    path = tiny / "study.yaml"
    path.write_bytes(path.read_bytes().replace(b"Tiny fixture", b"Tiny \xff fixture"))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:3: the file is not UTF-8 text (byte 0xff")
    assert "save it as UTF-8" in problem


def test_a_folder_or_a_huge_file_is_not_read(tiny):
    (problem,) = problems_of(tiny)
    assert "is a folder" in problem
    huge = tiny / "huge.yaml"
    huge.write_text("# " + "x" * criteria.MAX_FILE_BYTES)
    (problem,) = problems_of(huge)
    assert "more than the 1,000,000 bytes a criteria file may have" in problem


def test_texts_in_three_languages(tiny, edit) -> None:
    """Labels may be one text or one per language; a wrong language is located."""
    from siting.criteria import load

    study = tiny / "study.yaml"
    edit(
        study,
        "study: Tiny fixture",
        "study: {en: Tiny fixture, ru: Маленький пример, kk: Шағын мысал}\nlanguage: kk",
    )
    edit(study, "label: Population", "label: {en: Population, ru: Население, kk: Халық саны}")
    loaded = load(study).study
    assert loaded.language == "kk"
    assert str(loaded.study) == "Tiny fixture" and loaded.study.get("kk") == "Шағын мысал"
    label = next(c.label for c in loaded.criteria if c.id == "population")
    assert label.get("ru") == "Население" and label.get("en") == "Population"
    plain = next(c.label for c in loaded.criteria if c.id == "university_km")
    assert plain.get("kk") == str(plain)  # one text serves every language
    assert loaded.model_dump(mode="json")["study"]["ru"] == "Маленький пример"
    edit(study, "kk: Халық саны}", "fr: Population}")
    edit(study, "language: kk", "language: de")
    with pytest.raises(CriteriaError) as caught:
        load(study)
    problems = caught.value.problems
    assert any(": language: 'de' is not allowed" in p for p in problems)
    assert any("label: 'fr' is not a language here; use kk, ru or en" in p for p in problems)
    assert not any("expected text" in p for p in problems)


# --- distance decay, gravity, categories, coordinates and membership: each bad input located ------

COUNT = "{count: institutes, within_km: 100}"


@pytest.mark.parametrize(
    ("new", "said"),
    [
        ("{count: institutes}", "`count` needs `within_km` (a hard radius in km) or `decay`"),
        (
            "{count: institutes, within_km: 100, decay: {gaussian: {sigma_km: 40}}}",
            "give `within_km` (a hard radius) or `decay` (a distance decay), not both",
        ),
        (
            "{count: institutes, decay: {linear: {full_km: 80, zero_km: 30}}}",
            "full_km 80 must be less than zero_km 30",
        ),
        ("{count: institutes, decay: {}}", "give exactly one decay kernel"),
        (
            "{count: institutes, decay: {gausian: {sigma_km: 40}}}",
            "unknown key 'gausian'; did you mean 'gaussian'?",
        ),
        (
            "{count: institutes, decay: {exponential: {scale_km: -3}}}",
            "-3 is out of range: input should be greater than 0",
        ),
        ("{gravity: institutes}", "`gravity` needs `decay`"),
        (
            "{gravity: institutes, decay_km: 30, decay: {exponential: {scale_km: 30}}}",
            "give `decay_km` or `decay`, not both",
        ),
        ("{nearest: institutes, decay: {exponential: {scale_km: 30}}}", "decay is not used by"),
        ("{count: institutes, within_km: 100, in: [a]}", "in is not used by `count`"),
        ("{attribute: latitude, in: [50]}", "'latitude' is a coordinate in degrees"),
        ("{attribute: population, in: []}", "list should have at least 1 item"),
        ("{gravity: institutz, decay_km: 30}", "layer 'institutz' is not defined"),
    ],
    ids=lambda v: v if len(v) < 30 else None,
)
def test_a_bad_measure_is_reported_at_its_line(tiny, edit, new, said):
    path = edit(tiny / "study.yaml", COUNT, new)
    found = problems_of(path)
    assert any(said in p for p in found), found
    assert set(located(path, found)) == {line_of(path, new)}


def test_a_decay_kernel_error_points_at_the_kernel_line(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        COUNT,
        "\n      count: institutes\n      decay:\n        linear: {full_km: 80, zero_km: 30}",
    )
    (problem,) = problems_of(path)
    assert located(path, [problem]) == [line_of(path, "linear: {full_km: 80")]
    assert "criteria[1].measure.decay.linear" in problem


@pytest.mark.parametrize(
    ("value", "said", "key"),
    [
        (
            "{categories: {south: 1, north: 0.3}, default: 0}",
            "`categories` values a text attribute of the candidates, not a `count` measure",
            "criteria[1].value",
        ),
        (
            "{linear: {best: 5, worst: 0}, default: 0}",
            "it goes with `categories`",
            "criteria[1].value",
        ),
        ("categories", "only minmax may be written as a bare name", "criteria[1].value"),
        ("{categories: {south: 1.5}}", "1.5 is out of range", "criteria[1].value.categories.south"),
    ],
)
def test_a_bad_categorical_value_function_is_reported_at_its_line(tiny, edit, value, said, key):
    path = edit(
        tiny / "study.yaml", "    unit: institutes", f"    value: {value}\n    unit: institutes"
    )
    (problem,) = problems_of(path)
    assert said in problem and f": {key}: " in problem
    assert located(path, [problem]) == [line_of(path, f"value: {value}")]


def test_a_group_without_a_groups_section_is_refused_at_its_line(tiny, edit):
    path = tiny / "study.yaml"
    text = path.read_text()
    start, end = text.index("groups:"), text.index("criteria:")
    path.write_text(text[:start] + text[end:])
    found = problems_of(path)
    assert located(path, found) == [
        line_of(path, f"group: {g}") for g in ("education", "science", "enablers")
    ]
    assert "group 'education' is not defined: the file has no `groups:` section" in found[0]
    assert "groups: {education: {weight: 1}}" in found[0]


# --- YAML syntax errors: what is wrong, on which line, the line quoted, the fix ------------------------


@pytest.mark.parametrize(
    ("old", "new", "at", "said"),
    [
        ("    weight: 1\n  - id: institutes", "\tweight: 1\n  - id: institutes", "\tweight: 1",
         "a tab at column 1; YAML does not allow tabs"),
        ("    unit: km", "    unit km", "    unit km",
         "the key on this line has no colon after it; write `key: value`"),
        ('reason: "fewer than 50,000 inhabitants"', 'reason: "fewer than 50,000 inhabitants',
         'reason: "fewer', 'the quote " at column 47 is never closed'),
        ("study: Tiny fixture", "study: 'Tiny fixture", "study: 'Tiny",
         "the quote ' at column 8 is never closed"),
        ("    direction: cost", "     direction: cost", "     direction: cost",
         "this line is indented by 5 spaces, line 17 above it by 4; keys of one mapping"),
        ("    direction: cost", "   direction: cost", "   direction: cost",
         "this line is indented by 3 spaces, line 17 above it by 4"),
        ("    group: education", "     group: education", "     group: education",
         "so YAML reads it as more of that line's text"),
        ("value: {linear: {best: 0, worst: 500}}", "value: {linear: {best: 0, worst: 500}",
         "value: {linear: {best: 0, worst: 500}", "the { at column 12 is not closed"),
        ("  universities: universities.geojson", "  universities: [universities.geojson",
         "  universities: [", "the [ at column 17 is not closed"),
        ("label: Population", "label: Population: people", "label: Population: people",
         "a second colon on one line; a text that holds a colon and a space must be quoted"),
        ("  - {field: population", "  -{field: population", "  -{field",
         "a dash without a space after it is text, not a list item"),
    ],
    ids=["tab", "no-colon", "open-double-quote", "open-single-quote", "indent-more", "indent-less",
         "indent-after-text", "open-brace", "open-bracket", "second-colon", "dash"],
)  # fmt: skip
def test_a_yaml_slip_is_explained_in_plain_words_with_the_line_quoted(
    tiny, edit, old, new, at, said
):
    path = edit(tiny / "study.yaml", old, new)
    (problem,) = problems_of(path)
    line = line_of(path, at)
    assert problem.startswith(f"{path}:{line}: YAML syntax: "), problem
    assert said in problem, problem
    assert f"(line {line} reads {path.read_text().splitlines()[line - 1]!r})" in problem
