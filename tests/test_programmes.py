"""Programme files (siting.programmes): checked like criteria files, allocated jointly, written."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from siting import pipeline, programmes
from siting.cli import app
from siting.errors import CriteriaError, DataError, InfeasibleError
from siting.optimise import solve_rules
from siting.optimise._core import same
from siting.outputs.manifest import sha256
from siting.outputs.programmes import render_programmes_report, write_programmes

TINY = Path(__file__).parent / "fixtures" / "tiny"

#: Two programmes on the tiny study: the study as it is (2 sites) and one that cares only about
#: population (1 site).  Both want Almaty first.
PROGRAMMES = """\
title: Two programmes
programmes:
  - id: science
    profile: study.yaml
    weight: 1
  - id: people
    profile: people.yaml
    sites: 1
    weight: 1
draws: 0
shared:
  at_most_per_town: 1
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    study = (target / "study.yaml").read_text(encoding="utf-8")
    people = study.replace("study: Tiny fixture", "study: People first").replace(
        "  enablers: {weight: 2}", "  enablers: {weight: 50}"
    )
    (target / "people.yaml").write_text(people, encoding="utf-8")
    (target / "programmes.yaml").write_text(PROGRAMMES, encoding="utf-8")
    return target


def _write(folder: Path, text: str) -> Path:
    path = folder / "programmes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _allocate(path: Path, draws: int | None = 0) -> programmes.Allocation:
    return pipeline.programmes(path, draws=draws)


def _line(path: Path, text: str) -> int:
    """The line of the first occurrence of ``text`` in the file."""
    content = path.read_text(encoding="utf-8")
    return content[: content.index(text)].count("\n") + 1


# --------------------------------------------------------------------------- the allocation


def test_one_town_one_programme_and_what_the_other_gives_up(folder):
    a = _allocate(folder / "programmes.yaml")
    assert a.best.status == "Optimal" and a.best.proved
    towns = a.table.groupby("site")["programme"].count()
    assert towns.max() == 1  # at most one programme per town
    assert sorted(a.table["programme"].value_counts().to_dict().items()) == [
        ("people", 1),
        ("science", 2),
    ]
    # alone, both want Almaty: exactly one of them gives something up, and says to whom
    sites = a.summary.set_index("programme")["sites"].str.split(";").map(set)
    assert len(sites["science"] & sites["people"]) == 0
    lost = a.summary.set_index("programme")["lost"]
    assert any("almaty→" in lost[p] for p in ("science", "people"))
    # the joint optimum is never worse than programme after programme, and at most the sum
    # of the optima alone (a relaxation of it)
    assert a.best.objective >= a.sequential.objective - 1e-9
    total_alone = sum(o.values[k] for k, o in enumerate(a.alone))
    assert a.best.objective <= total_alone + 1e-9
    given = a.summary.set_index("programme")
    for p in ("science", "people"):
        row = given.loc[p]
        assert same(row["given_up"], row["value_alone"] - row["value"])


def test_alone_reproduces_each_profiles_own_portfolio(folder):
    """A programme chosen alone is exactly `siting run`'s portfolio of its profile."""
    _write(folder, PROGRAMMES.replace("    sites: 1\n", ""))
    a = _allocate(folder / "programmes.yaml")
    for k, run in enumerate(a.runs):
        own = a.alone[k]
        ids = {str(a.ids[s]) for s in a.joint.programmes[k].sites[own.selected[k]]}
        assert ids == set(run.portfolio.ids)
        assert same(own.values[k], run.portfolio.objective)
        assert same(own.values[k], solve_rules(a.joint.programmes[k].rules).objective)


def test_the_independent_optimum_when_the_shared_rules_do_not_bind(folder):
    _write(folder, PROGRAMMES.replace("at_most_per_town: 1", "at_most_per_town: 2"))
    a = _allocate(folder / "programmes.yaml")
    assert (a.summary["given_up"].abs() < 1e-9).all()
    assert (a.summary["lost"] == "").all()
    assert a.binding == ()  # two programmes, two per town: no shared rule can bind
    # Almaty hosts both programmes
    assert set(a.table[a.table["site"] == "almaty"]["programme"]) == {"science", "people"}


def test_shared_rules_in_words_and_which_bind(folder):
    a = _allocate(folder / "programmes.yaml")
    [rule] = a.binding
    assert rule.family == "per_town" and rule.binds
    assert rule.objective_without > rule.objective


def test_a_site_range_and_a_shared_budget(folder):
    text = PROGRAMMES.replace("    sites: 1\n", "    sites: {min: 1, max: 2}\n    cost: 2\n")
    text = text.replace(
        "    weight: 1\n  - id: people", "    weight: 1\n    cost: 3\n  - id: people"
    )
    text = text.replace("  at_most_per_town: 1\n", "  at_most_per_town: 1\n  budget: 8\n")
    a = _allocate(_write(folder, text))
    counts = a.table["programme"].value_counts()
    # science (exactly 2 sites at 3 each) leaves 2 of the budget: people gets one site
    assert counts["science"] == 2 and counts["people"] == 1
    assert "shared_budget" in [b.family for b in a.binding]


def test_draws_say_how_sure(folder):
    _write(folder, PROGRAMMES.replace("draws: 0", "draws: 8\nseed: 3"))
    a = _allocate(folder / "programmes.yaml", draws=None)
    assert a.draws == 8
    assert a.same_share is not None and 0 <= a.same_share <= 1
    assert a.table["share"].between(0, 1).all()
    again = _allocate(folder / "programmes.yaml", draws=None)
    assert again.same_share == a.same_share  # seeded


# --------------------------------------------------------------------------- outputs


def test_outputs_are_one_set_with_a_manifest(folder, tmp_path):
    a = _allocate(folder / "programmes.yaml")
    written = write_programmes(a, tmp_path / "out", lang="ru")
    assert list(written) == [
        "allocation.csv",
        "programmes.csv",
        "map.html",
        "report.html",
        "manifest.json",
    ]
    table = pd.read_csv(written["allocation.csv"], keep_default_na=False)
    assert list(table.columns) == ["site", "name", "programme", "score", "rank", "alone", "share"]
    assert len(table) == 3
    manifest = json.loads(written["manifest.json"].read_text(encoding="utf-8"))
    for name, path in written.items():
        if name != "manifest.json":
            assert manifest["outputs"][name] == sha256(path)
    assert str(folder / "programmes.yaml") in manifest["inputs"]
    assert str(folder / "people.yaml") in manifest["inputs"]
    assert manifest["solver"]["status"] == "Optimal"
    page = written["map.html"].read_text(encoding="utf-8")
    # offline: no script or stylesheet fetched from anywhere
    assert not re.search(r"<script[^>]+src=\"https?:", page)
    assert not re.search(r"<link[^>]+href=\"https?:", page)
    assert "Content-Security-Policy" in page
    # a second run into the same folder replaces the set
    again = write_programmes(a, tmp_path / "out")
    assert again["allocation.csv"].read_text() == written["allocation.csv"].read_text()


def test_report_gives_the_answer_first_in_three_languages(folder):
    a = _allocate(folder / "programmes.yaml")
    page = render_programmes_report(a, lang="kk")
    for lang in ("kk", "ru", "en"):
        assert f'id="page-{lang}"' in page
    english = page[page.index('id="page-en"') :]
    assert english.index("The allocation") < english.index("What each programme gives up")
    assert "gives up" in english and "Almaty" in english


def test_place_names_are_escaped_in_the_report(folder):
    a = _allocate(folder / "programmes.yaml")
    candidates = a.runs[0].candidates.copy()
    candidates.loc["almaty", "name"] = "<b>x</b>"
    runs = tuple(
        [a.runs[0].__class__(**{**a.runs[0].__dict__, "candidates": candidates}), *a.runs[1:]]
    )
    import dataclasses

    page = render_programmes_report(dataclasses.replace(a, runs=runs), lang="en")
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_cli_writes_the_set_and_prints_the_allocation(folder, tmp_path):
    out = tmp_path / "cli"
    result = CliRunner().invoke(
        app, ["programmes", str(folder / "programmes.yaml"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Almaty" in result.output
    assert (out / "allocation.csv").is_file() and (out / "manifest.json").is_file()


def test_cli_reports_a_bad_file_without_a_traceback(folder, tmp_path):
    path = _write(
        folder, PROGRAMMES.replace("    weight: 1\n  - id: people", "    wieght: 1\n  - id: people")
    )
    result = CliRunner().invoke(app, ["programmes", str(path), "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"programmes.yaml:{_line(path, 'wieght')}: programmes[0].wieght" in result.output
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- bad input


BAD = [
    (
        PROGRAMMES.replace("    weight: 1\n  - id: people", "    wieght: 1\n  - id: people"),
        "wieght",
        "programmes[0].wieght: unknown key 'wieght'; did you mean 'weight'?",
    ),
    (
        PROGRAMMES.replace("id: people", "id: science"),
        "science\n    profile: people",
        "listed twice",
    ),
    (
        PROGRAMMES.replace("profile: people.yaml", "profile: nobody.yaml"),
        "nobody.yaml",
        "profile nobody.yaml not found",
    ),
    (
        PROGRAMMES.replace("    sites: 1\n", "    sites: {min: 3, max: 1}\n"),
        "sites:",
        "min 3 is greater than max 1; swap them",
    ),
    (
        PROGRAMMES.replace("    weight: 1\n  - id: people", "    weight: -2\n  - id: people"),
        "weight: -2",
        "programmes[0].weight",
    ),
    (
        PROGRAMMES + "  compatible: [[science, peple]]\n",
        "compatible",
        "'peple' is not a programme of this file; did you mean 'people'?",
    ),
    (
        PROGRAMMES + "  compatible: [[science, science]]\n",
        "compatible",
        "'science' is paired with itself",
    ),
    (PROGRAMMES + "  compatible: [[science, people]]\n", "compatible", "set at_most_per_town: 2"),
    (
        PROGRAMMES.replace("at_most_per_town: 1", "at_most_per_town: 2")
        + "  compatible: [[science]]\n",
        "compatible",
        "a compatible pair names two programmes",
    ),
    (PROGRAMMES + "  budget: 10\n", "budget", "a shared budget needs the programmes' costs"),
    (
        PROGRAMMES.replace("draws: 0", "draws: 5000"),
        "draws",
        "each draw solves one joint integer program",
    ),
    (PROGRAMMES.replace("title: Two programmes\n", ""), None, "required key 'title' is missing"),
    (
        PROGRAMMES.replace("  at_most_per_town: 1", "  at_most_per_town: 0"),
        "at_most_per_town",
        "shared.at_most_per_town",
    ),
]


@pytest.mark.parametrize(("text", "at", "expected"), BAD)
def test_bad_programme_files_are_located(folder, text, at, expected):
    path = _write(folder, text)
    with pytest.raises(CriteriaError) as info:
        programmes.load(path)
    messages = [str(p) for p in info.value.problems]
    hit = [m for m in messages if expected in m]
    assert hit, messages
    line = 1 if at is None else _line(path, at)
    assert hit[0].startswith(f"{path}:{line}: "), hit[0]


def test_every_problem_is_reported_together(folder):
    text = PROGRAMMES.replace("    weight: 1\n  - id: people", "    wieght: 1\n  - id: people")
    text = text.replace("draws: 0", "draws: 5000")
    with pytest.raises(CriteriaError) as info:
        programmes.load(_write(folder, text))
    assert len(info.value.problems) == 2


def test_a_broken_profile_lists_its_own_problems(folder):
    (folder / "people.yaml").write_text(
        (folder / "people.yaml").read_text().replace("weight: 1\n", "weight: heavy\n", 1)
    )
    path = folder / "programmes.yaml"
    with pytest.raises(CriteriaError) as info:
        programmes.load(path)
    messages = [str(p) for p in info.value.problems]
    assert messages[0].startswith(f"{path}:{_line(path, 'people.yaml')}: programmes[1].profile: ")
    assert any(m.startswith(str(folder / "people.yaml")) and "heavy" in m for m in messages)


def test_a_profile_without_portfolio_needs_sites(folder):
    study = (folder / "people.yaml").read_text()
    head = study[: study.index("portfolio:")]
    (folder / "people.yaml").write_text(head)
    path = _write(folder, PROGRAMMES.replace("    sites: 1\n", ""))
    with pytest.raises(CriteriaError, match="has no portfolio section; give the number of sites"):
        programmes.load(path)
    # with sites given here it is allocated
    _write(folder, PROGRAMMES)
    assert len(_allocate(folder / "programmes.yaml").table) == 3


def test_profiles_must_share_their_candidates(folder):
    shutil.copy(folder / "candidates.geojson", folder / "other.geojson")
    study = (
        (folder / "people.yaml")
        .read_text()
        .replace("candidates: candidates.geojson", "candidates: other.geojson")
    )
    (folder / "people.yaml").write_text(study)
    path = folder / "programmes.yaml"
    with pytest.raises(CriteriaError) as info:
        programmes.load(path)
    [message] = info.value.problems
    assert message.startswith(f"{path}:{_line(path, 'people.yaml')}: programmes[1].profile: ")
    assert "use the same candidates file" in message


def test_a_cost_field_the_candidates_lack(folder):
    text = PROGRAMMES.replace("    sites: 1\n", "    sites: 1\n    cost: {field: build_cost}\n")
    path = _write(folder, text + "  budget: 10\n")
    with pytest.raises(DataError) as info:
        _allocate(path)
    [message] = info.value.problems
    assert message.startswith(f"{path}:{_line(path, 'build_cost')}: programmes[1].cost.field: ")
    assert "no field 'build_cost'" in message


def test_a_group_field_the_candidates_lack(folder):
    path = _write(folder, PROGRAMMES + "  at_most_per: {field: oblast, count: 1}\n")
    with pytest.raises(DataError) as info:
        _allocate(path)
    [message] = info.value.problems
    assert message.startswith(f"{path}:{_line(path, 'oblast')}: shared.at_most_per")


def test_shared_rules_that_cannot_hold_are_named(folder):
    # three sites in all, one per macro region at most... and only two regions hold kept towns
    # once the spacing between programmes keeps them 2,000 km apart
    path = _write(folder, PROGRAMMES + "  min_spacing_km: 2000\n")
    with pytest.raises(InfeasibleError) as info:
        _allocate(path)
    message, nearest = info.value.problems
    assert message.startswith(f"{path}:{_line(path, 'shared:')}: shared: ")
    assert "sites of different programmes at least 2000 km apart" in message
    assert nearest.startswith(f"{path}:{_line(path, 'min_spacing_km')}: shared.min_spacing_km: ")
    km = float(nearest.rsplit("min_spacing_km: ", 1)[1])
    # the nearest spacing allows an allocation and a little more does not
    for value, feasible in ((km, True), (km + 0.01, False)):  # written to 0.01 km
        _write(folder, PROGRAMMES + f"  min_spacing_km: {value!r}\n")
        if feasible:
            assert _allocate(path).best.feasible
        else:
            with pytest.raises(InfeasibleError):
                _allocate(path)


def test_a_programme_that_cannot_be_chosen_even_alone(folder):
    path = _write(folder, PROGRAMMES.replace("    sites: 1\n", "    sites: 5\n"))
    with pytest.raises(InfeasibleError) as info:
        _allocate(path)
    assert all(
        str(m).startswith(f"{path}:{_line(path, '- id: people')}: programmes[1]: ")
        for m in info.value.problems
    )


@pytest.mark.browser
def test_the_map_draws_offline_with_one_colour_per_programme(folder, tmp_path):
    """The map in headless chromium: no request, no error, one ring per allocated site."""
    from tests.chromium import CHROMIUM, launch

    if not CHROMIUM.exists():
        pytest.skip("headless chromium is not installed")
    from playwright.sync_api import sync_playwright

    a = _allocate(folder / "programmes.yaml")
    written = write_programmes(a, tmp_path / "out")
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        errors: list[str] = []
        fetched: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "request",
            lambda r: None if r.url.startswith(("file:", "data:")) else fetched.append(r.url),
        )
        page.goto(written["map.html"].as_uri())
        page.wait_for_selector(".leaflet-interactive")
        strokes = page.eval_on_selector_all(
            "path.leaflet-interactive", "els => els.map(e => e.getAttribute('stroke'))"
        )
        legend = page.inner_text(".legend")
        browser.close()
    assert errors == [] and fetched == []
    from siting.outputs.programmes import COLOURS

    # three allocated sites: two of the first programme's colour, one of the second's
    assert strokes.count(COLOURS[0]) == 2 and strokes.count(COLOURS[1]) == 1
    assert "Two programmes" in legend and "People first" in legend


def test_the_shipped_schema_is_current_and_the_national_file_loads():
    root = Path(__file__).resolve().parent.parent
    shipped = (root / "schema" / "programmes.schema.json").read_text(encoding="utf-8")
    assert programmes.json_schema_text() == shipped
    national = root / "programmes" / "national.yaml"
    assert national.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../schema/programmes.schema.json"
    )
    schema = json.loads(shipped)
    jsonschema.validate(yaml.safe_load(national.read_text(encoding="utf-8")), schema)
    file = programmes.load(national)
    assert [p.id for p in file.spec.programmes] == [
        "science_city",
        "academic_campus",
        "biotech_city",
        "nuclear_town",
        "technopark",
    ]
    assert all(p.is_file() for p in file.profiles)


def test_the_report_says_when_programme_after_programme_fails(folder):
    text = PROGRAMMES.replace(
        "    weight: 1\n  - id: people",
        "    weight: 1\n    cost: 3\n    sites: {min: 1, max: 2}\n  - id: people",
    )
    text = text.replace("    sites: 1\n", "    sites: 1\n    cost: 3\n") + "  budget: 7\n"
    a = _allocate(_write(folder, text))
    assert a.sequential.failed_at == 1
    assert pd.isna(a.summary.set_index("programme").loc["people", "value_sequential"])
    page = render_programmes_report(a, lang="en")
    assert "fails: no sites are left for People first under the shared rules" in page


def test_a_site_lost_to_a_shared_rule_names_the_rule(folder):
    text = PROGRAMMES.replace("    sites: 1\n", "    sites: {min: 1, max: 2}\n    cost: 2\n")
    text = text.replace(
        "    weight: 1\n  - id: people", "    weight: 1\n    cost: 3\n  - id: people"
    )
    text = text.replace("  at_most_per_town: 1\n", "  at_most_per_town: 2\n  budget: 8\n")
    a = _allocate(_write(folder, text))
    lost = a.summary.set_index("programme").loc["people", "lost"]
    # people alone takes two sites; the budget leaves it one, and nobody else holds the other
    assert lost.count("→") == 1 and lost.endswith("→shared_budget"), lost
    page = render_programmes_report(a, lang="en")
    assert "is left out by the shared budget of 8" in page


def test_a_joint_solve_stopped_before_any_allocation_asks_for_more_time(folder, monkeypatch):
    from siting.optimise.joint import JointOutcome

    real = programmes.solve_joint

    def stopped(joint, **kwargs):
        if kwargs:  # the other questions (alone, sequential, binding) solve as usual
            return real(joint, **kwargs)
        empty = tuple(np.empty(0, dtype=np.intp) for _ in joint.programmes)
        return JointOutcome(
            False, False, "Not Solved", float("nan"), empty, np.zeros(len(empty)), 0.1
        )

    monkeypatch.setattr(programmes, "solve_joint", stopped)
    path = _write(folder, PROGRAMMES.replace("draws: 0", "draws: 0\ntime_limit_s: 1"))
    with pytest.raises(InfeasibleError) as info:
        _allocate(path)
    [message] = info.value.problems
    assert message.startswith(f"{path}:{_line(path, 'time_limit_s')}: time_limit_s: ")
    assert (
        "stopped with status 'Not Solved' before it found an allocation; raise time_limit_s"
        in message
    )


def test_a_missing_programme_file(tmp_path):
    result = CliRunner().invoke(app, ["programmes", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope.yaml'}: programme file not found; check the path" in result.output


def test_towns_claimed_together_when_chosen_separately(folder):
    a = _allocate(folder / "programmes.yaml")
    # alone, both programmes take Almaty; one programme per town
    assert ("almaty", ("science", "people")) in a.clashes
    page = render_programmes_report(a, lang="en")
    assert (
        "would claim these towns together, against the shared rules: Almaty (2 programmes)" in page
    )
    # two per town: no clash
    _write(folder, PROGRAMMES.replace("at_most_per_town: 1", "at_most_per_town: 2"))
    assert _allocate(folder / "programmes.yaml").clashes == ()


def test_lang_chooses_the_language_the_outputs_open_in(folder, tmp_path):
    out = tmp_path / "ru"
    result = CliRunner().invoke(
        app, ["programmes", str(folder / "programmes.yaml"), "-o", str(out), "--lang", "ru", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert '<html lang="ru">' in (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in (out / "map.html").read_text(encoding="utf-8")


def test_the_shared_rules_count_by_the_programme_files_own_grouping(folder):
    """`groupings:` in a programme file: the shared rule reads it; a member no candidate has is
    refused at its line with the closest value."""
    grouping = (
        "groupings:\n"
        "  half:\n"
        "    from: macro_region\n"
        "    groups: {first: [north, east], second: [south, central]}\n"
        "shared:\n"
        "  at_most_per: {field: half, count: 2}\n"
    )
    path = _write(folder, PROGRAMMES.replace("shared:\n", grouping, 1))
    a = _allocate(path)
    halves = (
        a.runs[0]
        .candidates["macro_region"]
        .map({"north": "first", "east": "first", "south": "second", "central": "second"})
    )
    chosen = a.table["site"].map(halves)
    assert len(chosen) == 3 and chosen.value_counts().max() <= 2  # at most 2 sites per half
    _write(folder, PROGRAMMES.replace("shared:\n", grouping.replace("east]", "eats]"), 1))
    with pytest.raises(DataError) as info:
        _allocate(path)
    # the typo leaves 'east' in no group, and each is said at the line of the groups
    no_group, problem = map(str, info.value.problems)
    assert (
        "'east' of field 'macro_region' is in no group (candidates oskemen, kurchatov)" in no_group
    )
    assert f"programmes.yaml:{_line(path, 'first:')}: groupings.half.groups.first.members[1]" in (
        str(problem)
    )
    assert (
        "'eats' is not a value of field 'macro_region' of the candidates; did you mean 'east'?"
        in (str(problem))
    )
