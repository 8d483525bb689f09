"""Several stakeholders: the section's mistakes, located; the group's weights; what each decides.

The bad-input tests edit the tiny study (tests/fixtures/tiny) into a study with stakeholders and
check that each kind of mistake stops at its line with its fix.  The analysis tests check the
per-stakeholder answers against independent runs: a stakeholder's portfolio is the portfolio of
the same study weighted by them alone, and the group without a stakeholder is the study run
without them.
"""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import siting
from siting import stakeholders, weights
from siting.errors import CriteriaError, DataError, SitingError
from siting.i18n import translator
from siting.outputs.stakeholders import members_frame, sites_frame, stakeholder_sentences

ROOT = Path(__file__).resolve().parent.parent

MEMBERS = """stakeholders:
  aggregate: arithmetic
  members:
    - id: science
      weights: {university_km: 1, institutes_100km: 8, population: 1}
    - id: industry
      weights: {university_km: 1, institutes_100km: 1, population: 8}
    - id: akimat
      voice: 2
      order: [population, university_km, institutes_100km]
"""


def panel_study(folder: Path, members: str = MEMBERS) -> Path:
    """The tiny study with its weights taken out and ``members`` put in."""
    path = folder / "study.yaml"
    text = path.read_text(encoding="utf-8").replace("    weight: 1\n", "")
    text = re.sub(r"\{weight: \d+\}", "{}", text)
    path.write_text(text.replace("exclude:", members + "exclude:", 1), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, nth: int = 0) -> int:
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return hits[nth]


def problems(path: Path) -> list[str]:
    with pytest.raises(SitingError) as info:
        siting.run(path)
    return list(info.value.problems)


def only(path: Path) -> str:
    (problem,) = problems(path)
    return problem


# --------------------------------------------------------------------------- bad input


def test_a_valid_section_runs_and_its_weights_are_the_run_s(tiny):
    path = panel_study(tiny)
    r = siting.run(path)
    a = r.stakeholders
    assert a is not None
    # arithmetic mean, voices 1:1:2; the akimat's rank-order-centroid weights
    roc = weights.rank_order_centroid(3)  # population, university_km, institutes_100km
    akimat = pd.Series(roc, index=["population", "university_km", "institutes_100km"])
    expected = (
        0.25 * pd.Series({"university_km": 0.1, "institutes_100km": 0.8, "population": 0.1})
        + 0.25 * pd.Series({"university_km": 0.1, "institutes_100km": 0.1, "population": 0.8})
        + 0.5 * akimat
    ).reindex(r.weights.index)
    np.testing.assert_allclose(r.weights.to_numpy(), expected.to_numpy(), rtol=1e-12)
    # one computation: the run's weights are the panel's, and so is stakeholder_weights.csv
    assert r.weights.equals(a.panel.weights.rename("weight"))
    # the groups' shares are the sums of their criteria's
    assert r.weighting.groups.sum() == pytest.approx(1.0)


def test_an_unknown_criterion_is_located_with_a_hint(tiny):
    path = panel_study(tiny, MEMBERS.replace("institutes_100km: 8", "institutes_10km: 8"))
    found = problems(path)
    line = line_of(path, "institutes_10km")
    assert any(
        p.startswith(f"{path}:{line}:")
        and "'institutes_10km' is not a criterion" in p
        and "did you mean 'institutes_100km'" in p
        for p in found
    ), found
    assert any("no weight for ['institutes_100km']" in p for p in found), found


def test_a_missing_judgement_is_named(tiny):
    members = """stakeholders:
  members:
    - id: science
      judgements: [[university_km, institutes_100km, 1/3], [university_km, population, 2]]
    - id: industry
      judgements: [[university_km, institutes_100km, 1], [university_km, population, 1/5],
                   [institutes_100km, population, 1/5]]
"""
    path = panel_study(tiny, members)
    problem = only(path)
    assert problem.startswith(f"{path}:{line_of(path, '1/3], [university_km')}:")
    assert "missing [['institutes_100km', 'population']]" in problem


def test_a_judgement_given_twice_and_one_with_itself(tiny):
    members = """stakeholders:
  members:
    - id: science
      judgements:
        - [university_km, institutes_100km, 3]
        - [institutes_100km, university_km, 1/3]
        - [population, population, 1]
        - [university_km, population, 2]
        - [institutes_100km, population, 2]
    - id: industry
      order: [population, university_km, institutes_100km]
"""
    path = panel_study(tiny, members)
    found = problems(path)
    assert any(
        p.startswith(f"{path}:{line_of(path, '[institutes_100km, university_km')}:")
        and "judged twice" in p
        for p in found
    ), found
    assert any("compared with itself" in p for p in found), found


@pytest.mark.parametrize(
    ("voice", "expected"),
    [
        ("-1", "greater than or equal to 0"),
        ("many", "number"),
        ("true", "true is not a number"),
    ],
)
def test_a_bad_voice(tiny, voice, expected):
    path = panel_study(tiny, MEMBERS.replace("voice: 2", f"voice: {voice}"))
    problem = only(path)
    assert problem.startswith(f"{path}:{line_of(path, 'voice:')}:"), problem
    assert expected in problem


def test_every_voice_zero(tiny):
    members = (
        MEMBERS.replace("voice: 2", "voice: 0")
        .replace("    - id: science\n", "    - id: science\n      voice: 0\n")
        .replace("    - id: industry\n", "    - id: industry\n      voice: 0\n")
    )
    path = panel_study(tiny, members)
    assert "every stakeholder's voice is 0" in only(path)


def test_a_matrix_of_the_wrong_shape(tiny):
    members = """stakeholders:
  members:
    - id: science
      matrix:
        - [1, 1/3, 2]
        - [3, 1]
        - [1/2, 1, 1]
    - id: industry
      matrix: [[1, 1, 1], [1, 1, 1]]
"""
    path = panel_study(tiny, members)
    found = problems(path)
    assert any(
        p.startswith(f"{path}:{line_of(path, '- [3, 1]')}:") and "row 2 has 2 numbers; give 3" in p
        for p in found
    ), found
    assert any(
        p.startswith(f"{path}:{line_of(path, 'matrix: [[1, 1, 1]')}:")
        and "the matrix has 2 rows" in p
        for p in found
    ), found


def test_a_matrix_that_is_not_reciprocal(tiny):
    members = """stakeholders:
  members:
    - id: science
      matrix:
        - [1, 3, 2]
        - [0.33, 1, 1]
        - [1/2, 1, 1]
    - id: industry
      matrix: [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
"""
    path = panel_study(tiny, members)
    problem = only(path)
    assert "not its reciprocal" in problem and "1/3, not 0.33" in problem


def test_two_kinds_from_one_stakeholder(tiny):
    members = MEMBERS.replace(
        "      order: [population, university_km, institutes_100km]",
        "      order: [population, university_km, institutes_100km]\n"
        "      weights: {university_km: 1, institutes_100km: 1, population: 1}",
    )
    path = panel_study(tiny, members)
    problem = only(path)
    assert "give one kind of weights, not `weights`, `order`" in problem


def test_mixing_judgements_with_weights_across_stakeholders(tiny):
    members = """stakeholders:
  members:
    - id: science
      matrix: [[1, 3, 2], [1/3, 1, 1], [1/2, 1, 1]]
    - id: industry
      weights: {university_km: 1, institutes_100km: 1, population: 8}
"""
    path = panel_study(tiny, members)
    assert "mix AHP judgements with direct or rank weights ('industry'" in only(path)


def test_an_ahp_aggregation_of_direct_weights(tiny):
    path = panel_study(tiny, MEMBERS.replace("aggregate: arithmetic", "aggregate: aij"))
    found = problems(path)
    assert len(found) == 3
    assert all("aggregate: aij combines AHP judgements" in p for p in found)
    assert found[0].startswith(
        f"{path}:{line_of(path, 'weights: {university_km: 1, institutes_100km: 8')}:"
    )


def test_a_mean_of_ahp_judgements(tiny):
    members = """stakeholders:
  aggregate: geometric
  members:
    - id: science
      matrix: [[1, 3, 2], [1/3, 1, 1], [1/2, 1, 1]]
    - id: industry
      matrix: [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
"""
    found = problems(panel_study(tiny, members))
    assert len(found) == 2 and all("aggregate judgements by `aij` or `aip`" in p for p in found)


def test_weights_left_on_the_criteria_would_be_ignored(tiny):
    path = panel_study(tiny)
    text = path.read_text().replace("    unit: people\n", "    unit: people\n    weight: 3\n")
    path.write_text(text)
    problem = only(path)
    assert problem.startswith(f"{path}:{line_of(path, 'weight: 3')}:")
    assert "the weights come from the stakeholders" in problem


def test_a_stakeholder_id_used_twice(tiny):
    path = panel_study(tiny, MEMBERS.replace("id: industry", "id: science"))
    assert "id 'science' is used twice" in only(path)


def test_a_lone_stakeholder(tiny):
    members = (
        "stakeholders:\n  members:\n"
        "    - {id: science, order: [population, university_km, institutes_100km]}\n"
    )
    problem = only(panel_study(tiny, members))
    assert "at least 2" in problem


def test_a_misspelt_key_is_caught(tiny):
    path = panel_study(tiny, MEMBERS.replace("      voice: 2\n", "      vocie: 2\n"))
    problem = only(path)
    assert (
        problem.startswith(f"{path}:{line_of(path, 'vocie')}:")
        and "did you mean 'voice'" in problem
    )


def test_an_order_that_misses_a_criterion(tiny):
    path = panel_study(
        tiny,
        MEMBERS.replace(
            "order: [population, university_km, institutes_100km]",
            "order: [population, university_km]",
        ),
    )
    assert "`order` must list each of" in only(path)


def test_all_zero_weights(tiny):
    path = panel_study(
        tiny, MEMBERS.replace("{university_km: 1, institutes_100km: 8, population: 1}",
                              "{university_km: 0, institutes_100km: 0, population: 0}")
    )  # fmt: skip
    assert "every weight is 0" in only(path)


def test_a_geometric_mean_that_leaves_no_weight(tiny):
    members = """stakeholders:
  aggregate: geometric
  members:
    - {id: science, weights: {university_km: 0, institutes_100km: 1, population: 0}}
    - {id: industry, weights: {university_km: 1, institutes_100km: 0, population: 1}}
"""
    path = panel_study(tiny, members)
    with pytest.raises(DataError) as info:
        siting.run(path)
    (problem,) = info.value.problems
    assert problem.startswith(f"{path}:{line_of(path, 'aggregate: geometric')}:")
    assert "aggregate by the arithmetic mean" in problem


def test_validate_reports_every_stakeholder_mistake_together(tiny):
    members = MEMBERS.replace("voice: 2", "voice: -2").replace(
        "institutes_100km: 8", "institute: 8"
    )
    path = panel_study(tiny, members)
    with pytest.raises(CriteriaError) as info:
        siting.validate(path)
    text = "\n".join(info.value.problems)
    assert "voice" in text and "'institute' is not a criterion" in text


# --------------------------------------------------------------------------- the group's weights


def test_identical_stakeholders_agree_fully(tiny):
    same = "{university_km: 1, institutes_100km: 2, population: 3}"
    members = f"""stakeholders:
  aggregate: geometric
  members:
    - {{id: a, weights: {same}}}
    - {{id: b, weights: {same}, voice: 3}}
"""
    r = siting.run(panel_study(tiny, members))
    a = r.stakeholders
    assert a.panel.consensus == pytest.approx(1.0)
    np.testing.assert_allclose(r.weights.to_numpy(), [1 / 6, 2 / 6, 3 / 6])
    assert (a.members["distance"] < 1e-12).all()
    assert a.pivotal is None
    assert (a.members["portfolio"].map(tuple) == tuple(r.portfolio.ids)).all()


def test_aij_matches_the_group_ahp_of_the_matrices(tiny):
    one = [[1, 3, 2], [1 / 3, 1, 1], [1 / 2, 1, 1]]
    two = [[1, 1 / 2, 1 / 4], [2, 1, 1 / 2], [4, 2, 1]]
    members = """stakeholders:
  members:
    - {id: a, voice: 3, matrix: [[1, 3, 2], [1/3, 1, 1], [1/2, 1, 1]]}
    - {id: b, matrix: [[1, 1/2, 1/4], [2, 1, 1/2], [4, 2, 1]]}
"""
    r = siting.run(panel_study(tiny, members))
    ids = list(r.weights.index)
    expected = weights.group_ahp([one, two], method="aij", voice=[3, 1], criteria=ids)
    np.testing.assert_allclose(r.weights.to_numpy(), np.asarray(expected.weights), rtol=1e-12)
    assert r.stakeholders.panel.method == "aij"
    assert r.stakeholders.panel.group is not None
    assert r.stakeholders.members.loc["a", "cr"] == pytest.approx(expected.judges[0].cr)


def test_an_inconsistent_stakeholder_is_named_with_the_judgement_to_revisit(tiny):
    members = """stakeholders:
  members:
    - {id: a, matrix: [[1, 9, 1/9], [1/9, 1, 9], [9, 1/9, 1]]}
    - {id: b, matrix: [[1, 1, 1], [1, 1, 1], [1, 1, 1]]}
"""
    r = siting.run(panel_study(tiny, members))
    row = r.stakeholders.members.loc["a"]
    assert row["cr"] > 0.1 and not row["consistent"]
    assert {row["worst_a"], row["worst_b"]} <= set(r.weights.index)
    text = " ".join(stakeholder_sentences(r, translator("en")))
    assert "a's judgements are inconsistent" in text and "revisit first" in text
    assert any("judgements are inconsistent" not in n or "a:" in n for n in r.weight_notes)


# --------------------------------------------------------------------------- what each decides


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The shipped example with the industry ministry's voice raised: the academy is pivotal.

    Without the Pareto front, the alternatives and the robustness analysis, which these
    tests do not read.
    """
    folder = tmp_path_factory.mktemp("stake")
    (folder / "data").symlink_to(ROOT / "data")
    (folder / "criteria").mkdir()
    text = (ROOT / "criteria" / "stakeholders.yaml").read_text(encoding="utf-8")
    text = text.replace("  pareto: {points: 9}\n", "")
    text = text.replace("  alternatives: {count: 3, differ_by: 1}\n", "")
    text = re.sub(r"\nsensitivity:\n(  .*\n)+", "\n", text)
    text = re.sub(
        r"(- id: ministry_industry\n(?:.*\n)*?      voice: )\d+", r"\g<1>6", text, count=1
    )
    path = folder / "criteria" / "panel.yaml"
    path.write_text(text, encoding="utf-8")
    return path, siting.run(path)


def _without_stakeholders(text: str) -> str:
    return re.sub(r"\n# ILLUSTRATIVE judgements.*\nstakeholders:\n(?: .*\n)+", "\n", text)


def _member_block(text: str, sid: str) -> str:
    return re.sub(rf"    - id: {sid}\n(?:      .*\n|        .*\n)+", "", text, count=1)


def test_a_stakeholder_s_ranking_and_portfolio_are_the_study_weighted_by_them_alone(example):
    path, r = example
    a = r.stakeholders
    sid = "ministry_industry"
    own = a.panel.members[a.panel.ids.index(sid)].weights
    text = _without_stakeholders(path.read_text(encoding="utf-8"))
    assert "stakeholders:" not in text and "exclude:" in text
    # their weights written on the criteria, no groups: a study of one, run the ordinary way
    text = re.sub(r"\ngroups:\n(?:  .*\n)+", "\n", text)
    text = re.sub(r"\n    group: \w+", "", text)
    for cid, w in own.items():
        text = text.replace(f"  - id: {cid}\n", f"  - id: {cid}\n    weight: {w!r}\n", 1)
    alone = path.with_name("alone.yaml")
    alone.write_text(text, encoding="utf-8")
    r_alone = siting.run(alone)
    np.testing.assert_allclose(r_alone.weights.to_numpy(), own.to_numpy(), rtol=1e-12)
    ranks = a.ranks[sid]
    assert ranks.to_dict() == r_alone.ranking.loc[ranks.index, "rank"].astype(int).to_dict()
    assert a.members.at[sid, "portfolio"] == list(r_alone.portfolio.ids)
    assert a.members.at[sid, "top"] == r_alone.top(1).index[0]


def test_leaving_one_out_is_the_study_without_them(example):
    path, r = example
    a = r.stakeholders
    assert a.pivotal is not None
    row = a.members.loc[a.pivotal]
    assert row["loo_dropped"], "the pivotal stakeholder's absence changes the portfolio"
    text = _member_block(path.read_text(encoding="utf-8"), a.pivotal)
    assert f"id: {a.pivotal}" not in text
    without = path.with_name("without.yaml")
    without.write_text(text, encoding="utf-8")
    r_without = siting.run(without)
    assert list(r_without.portfolio.ids) == row["loo_portfolio"]
    assert set(row["loo_dropped"]) == set(r.portfolio.ids) - set(r_without.portfolio.ids)
    assert set(row["loo_added"]) == set(r_without.portfolio.ids) - set(r.portfolio.ids)
    moved = 0.5 * float(np.abs(r_without.weights - r.weights).sum())
    assert row["loo_distance"] == pytest.approx(moved, rel=1e-9)
    # no one changes it more
    assert (a.members["loo_dropped"].map(len) <= len(row["loo_dropped"])).all()
    name = a.panel.members[a.panel.ids.index(a.pivotal)].name
    assert any(str(name) in s for s in stakeholder_sentences(r, translator("en")))


def test_the_group_s_portfolio_is_re_found_by_the_resolver(example):
    # the baseline of every leave-one-out comparison: the group's own weights re-solved the
    # way the stakeholders' are give the pipeline's portfolio
    _, r = example
    a = r.stakeholders
    copies = [stakeholders.Member(sid, sid, "direct", 0.5, a.panel.weights) for sid in ("g1", "g2")]
    again = stakeholders.analyse(r, dataclasses.replace(a.panel, members=copies))
    assert again.members.at["g1", "portfolio"] == list(r.portfolio.ids)
    assert again.members.at["g1", "distance"] == pytest.approx(0.0, abs=1e-12)


def test_the_sites_table_counts_the_stakeholders(example):
    _, r = example
    a = r.stakeholders
    sites = a.sites
    voice = pd.Series({m.id: m.voice for m in a.panel.members})
    for cid, row in sites.iterrows():
        by = [s for s in a.panel.ids if cid in a.members.at[s, "portfolio"]]
        assert row["chosen_by"] == ";".join(by)
        assert row["chosen_share"] == pytest.approx(float(voice[by].sum()))
        assert row["best_rank"] == a.ranks.loc[cid, a.panel.ids].min()
    for sid in a.panel.ids:
        rho = a.ranks[sid].corr(a.ranks["group"], method="spearman")
        assert a.members.at[sid, "spearman"] == pytest.approx(rho)
        moved = 0.5 * float(np.abs(a.panel.table[sid] - a.panel.table["group"]).sum())
        assert a.members.at[sid, "distance"] == pytest.approx(moved)
    assert sites["hull_membership"].sum() == pytest.approx(len(r.portfolio.ids))
    assert sites["hull_first"].sum() == pytest.approx(1.0)
    table = sites_frame(r)
    assert list(table["id"]) == list(sites.index)
    members = members_frame(r)
    assert members["id"].tolist() == [*a.panel.ids, "group"]
    assert members.set_index("id").at["group", "consensus"] == pytest.approx(a.panel.consensus)


def test_the_outputs_show_the_one_computation(example, tmp_path):
    _, r = example
    written = r.write(tmp_path / "out")
    for name in ("stakeholders.csv", "stakeholder_weights.csv", "stakeholder_sites.csv"):
        assert name in written
    w = pd.read_csv(written["stakeholder_weights.csv"]).set_index("criterion")
    np.testing.assert_allclose(w["group"].to_numpy(), r.weights.to_numpy(), atol=1e-6)
    ranking = pd.read_csv(written["ranking.csv"], dtype={"id": str}).set_index("id")
    sites = pd.read_csv(written["stakeholder_sites.csv"]).set_index("id")
    kept = ranking[ranking["rank"].notna()]
    assert sites["group_rank"].to_dict() == kept["rank"].astype(int).to_dict()
    report = written["report.html"].read_text(encoding="utf-8")
    assert 'id="en-stakeholders"' in report
    for sentence in stakeholder_sentences(r, translator("en")):
        assert html.escape(sentence, quote=True) in report


@pytest.mark.browser
def test_the_map_shows_whose_weights_choose_each_site(example, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    from tests.chromium import CHROMIUM, launch
    from tests.test_browser import open_map, watch

    if not CHROMIUM.exists():
        pytest.skip("headless chromium is not installed")
    from siting.outputs.maps import write_map

    _, r = example
    a = r.stakeholders
    path = write_map(r, tmp_path / "map.html", lang="en")
    chosen = a.sites[a.sites["chosen_by"] != ""]
    with playwright.sync_playwright() as p:
        browser = launch(p)
        context, w = watch(browser, (1280, 860))
        page = open_map(w, path)
        assert page.locator("path.stakeholder-marker").count() == 0  # off at start
        page.locator(".leaflet-control-layers").hover()  # the list is collapsed until hovered
        label = page.locator(
            ".leaflet-control-layers-overlays label", has_text="Whose weights put the site"
        )
        label.locator("input").check()
        assert page.locator("path.stakeholder-marker").count() == len(chosen)
        texts = page.evaluate(
            "window.siting.layers.stakeholders.getLayers()"
            ".map(l => { const c = l.getPopup().getContent(); return (c.call ? c(l) : c).textContent; })"
        )
        names = {m.id: str(m.name.get("en")) for m in a.panel.members}
        for text in texts:
            cid = next(c for c in chosen.index if text.startswith(str(chosen.at[c, "name"])))
            for sid in str(chosen.at[cid, "chosen_by"]).split(";"):
                assert names[sid] in text
            assert f"of {a.hull_draws:,} mixtures of their weights" in text
        assert len(texts) == len(chosen)
        assert w.errors == [] and w.blocked == []
        context.close()
        browser.close()


def test_a_matrix_value_off_saaty_s_scale(tiny):
    members = """stakeholders:
  members:
    - id: science
      matrix:
        - [1, 12, 2]
        - [1/12, 1, 1]
        - [1/2, 1, 1]
    - id: industry
      matrix: [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
"""
    path = panel_study(tiny, members)
    found = problems(path)
    assert any("judgement 12 for [1, 2] is outside Saaty's scale" in p for p in found), found


def test_the_cli_prints_the_stakeholders_lines_and_writes_their_tables(tiny, tmp_path):
    from typer.testing import CliRunner

    from siting.cli import app

    path = panel_study(tiny)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "weights: weights of 3 stakeholders, combined by weighted arithmetic mean" in text
    assert "stakeholders: 3 of 3 would choose the same sites on their own weights." in text
    assert "stakeholders: Leaving out any one stakeholder keeps the same portfolio." in text
    for name in ("stakeholders.csv", "stakeholder_weights.csv", "stakeholder_sites.csv"):
        assert (out / name).is_file()
    table = pd.read_csv(out / "stakeholders.csv").set_index("id")
    assert list(table.index) == ["science", "industry", "akimat", "group"]
    assert table.at["akimat", "voice"] == pytest.approx(0.5)
    assert table.at["akimat", "kind"] == "rank"


# --------------------------------------------------------------------------- one file per stakeholder

FILES = """stakeholders:
  aggregate: arithmetic
  members:
    - id: science
      weights: {university_km: 1, institutes_100km: 8, population: 1}
  files: [panel/industry.yaml, panel/akimat.yaml]
"""


def _member_files(tiny: Path, akimat: str = "") -> Path:
    (tiny / "panel").mkdir()
    (tiny / "panel" / "industry.yaml").write_text(
        "# the industry ministry's weights\nid: industry\n"
        "weights: {university_km: 1, institutes_100km: 1, population: 8}\n",
        encoding="utf-8",
    )
    (tiny / "panel" / "akimat.yaml").write_text(
        akimat or "id: akimat\nvoice: 2\norder: [population, university_km, institutes_100km]\n",
        encoding="utf-8",
    )
    return panel_study(tiny, FILES)


def test_stakeholders_in_files_of_their_own_give_the_same_answer(tiny, tmp_path):
    inline = siting.run(panel_study(tiny))
    other = tmp_path / "again"
    shutil.copytree(Path(__file__).parent / "fixtures" / "tiny", other)
    r = siting.run(_member_files(other))
    assert r.stakeholders.panel.ids == ["science", "industry", "akimat"]
    np.testing.assert_allclose(r.weights.to_numpy(), inline.weights.to_numpy(), rtol=1e-12)
    # the manifest records what the run read: the stakeholders' files too
    assert (other / "panel" / "akimat.yaml").resolve() in r.inputs


def test_a_mistake_in_a_stakeholder_s_file_names_that_file_and_line(tiny):
    path = _member_files(
        tiny,
        "id: akimat\n# its voice\nvoice: -2\norder: [population, university, institutes_100km]\n",
    )
    found = problems(path)
    akimat = path.parent / "panel" / "akimat.yaml"
    assert any(p.startswith(f"{akimat}:3: voice:") for p in found), found
    assert any(
        p.startswith(f"{akimat}:4: order[1]:") and "'university' is not a criterion" in p
        for p in found
    ), found


def test_a_missing_stakeholder_file(tiny):
    path = panel_study(tiny, FILES)
    found = problems(path)
    line = line_of(path, "files:")
    assert any(
        p.startswith(f"{path}:{line}:") and "no file at 'panel/industry.yaml'" in p for p in found
    ), found


def test_a_stakeholder_file_that_is_not_yaml(tiny):
    path = _member_files(tiny, "id: akimat\norder: [population, university_km\n")
    found = problems(path)
    akimat = path.parent / "panel" / "akimat.yaml"
    assert any(p.startswith(f"{akimat}:") for p in found), found


def test_the_sites_table_shows_the_uniform_draws_beside_the_hull(tiny):
    r = siting.run(panel_study(tiny), sensitivity=True)
    table = sites_frame(r).set_index("id")
    uniform = r.sensitivity.membership.probability
    assert table["uniform_membership"].to_dict() == uniform.reindex(table.index).to_dict()
    assert table["hull_membership"].between(0, 1).all()


def test_a_study_without_a_portfolio_ranks_by_each_stakeholder(tiny, tmp_path):
    path = panel_study(tiny)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("portfolio:")], encoding="utf-8")
    r = siting.run(path)
    a = r.stakeholders
    assert r.portfolio is None and a.pivotal is None
    assert "chosen_by" not in a.sites.columns
    assert (a.members["portfolio"].map(len) == 0).all()
    assert a.sites["hull_first"].sum() == pytest.approx(1.0)
    written = r.write(tmp_path / "out")
    assert "stakeholder_sites.csv" in written and "report.html" in written
    sentences = stakeholder_sentences(r, translator("en"))
    assert len(sentences) == 1 and "3 stakeholders weighed the criteria" in sentences[0]


def test_a_study_changed_in_code_reads_stakeholder_files_too(tiny):
    study = siting.Study.load(_member_files(tiny))
    changed = study.replace(
        stakeholders={
            "aggregate": "geometric",
            "members": [],
            "files": ["panel/industry.yaml", "panel/akimat.yaml"],
        }
    )
    r = siting.run(changed)
    assert r.stakeholders.panel.ids == ["industry", "akimat"]
    assert r.stakeholders.panel.method == "geometric"


def test_the_workbook_has_a_stakeholders_sheet(tiny, tmp_path):
    r = siting.run(panel_study(tiny))
    written = r.write(tmp_path / "out")
    sheets = pd.read_excel(written["ranking.xlsx"], sheet_name=None)
    assert list(sheets)[-1] == "Stakeholders"
    table = sheets["Stakeholders"].set_index("Id")
    members = pd.read_csv(written["stakeholders.csv"]).set_index("id")
    assert list(table.index) == ["science", "industry", "akimat"]
    for sid in table.index:
        assert table.at[sid, "Voice"] == pytest.approx(members.at[sid, "voice"], abs=1e-6)
        assert table.at[sid, "Weight that differs from the group's"] == pytest.approx(
            members.at[sid, "distance"], abs=1e-6
        )
    guide = sheets[next(iter(sheets))].to_string()
    assert "Share of their weight that would have to move" in guide
