"""Every shipped criteria profile validates, runs, scores the Novosibirsk reference and differs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

import siting
from siting import criteria

ROOT = Path(__file__).resolve().parent.parent
PROFILES = sorted((ROOT / "criteria").glob("*.yaml"))
EXPECTED = {"novosibirsk", "academic_campus", "biotech_city", "nuclear_town", "technopark"}


def test_the_five_profiles_are_shipped():
    assert {p.stem for p in PROFILES} >= EXPECTED


@pytest.fixture(scope="module")
def runs():
    return {p.stem: siting.run(p) for p in PROFILES}


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_profile_starts_with_the_schema_line_and_validates(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/criteria.schema.json"
    assert (path.parent / "../schema/criteria.schema.json").resolve().exists()
    source = criteria.load(path)
    # every criterion explains itself in the file's comments or notes
    assert source.study.description
    # what an editor checks against the schema line accepts what siting accepts (the short
    # forms a validator turns into the long ones included)
    schema = json.loads((path.parent / "../schema/criteria.schema.json").read_text("utf-8"))
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_profile_ranks_every_candidate_and_scores_the_reference(runs, stem):
    r = runs[stem]
    assert len(r.ranking) == len(r.candidates) >= 50
    assert r.reference is not None
    assert r.reference.score.notna().all()
    assert set(r.reference.score.index) >= {"ref_akademgorodok", "ref_koltsovo"}
    assert r.portfolio is not None
    assert r.portfolio.status == "Optimal"
    assert not set(r.portfolio.ids) & set(r.reference.score.index)


def test_profiles_give_different_shortlists(runs):
    portfolios = {stem: tuple(r.portfolio.ids) for stem, r in runs.items() if stem in EXPECTED}
    assert len(set(portfolios.values())) == len(portfolios), portfolios
    tops = {stem: tuple(r.top(5).index) for stem, r in runs.items() if stem in EXPECTED}
    assert len(set(tops.values())) == len(tops), tops


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_counts_and_sums_decay_instead_of_stopping_at_a_radius(path):
    # "no cliffs unless asked for": a hard radius is kept only where the rule is a cut-off
    # (exclusions, the coverage radius, the spacing), never in what a criterion counts
    for c in criteria.load(path).study.criteria:
        if c.measure.kind in ("count", "sum"):
            assert c.measure.within_km is None and c.measure.decay is not None, c.id


def test_the_alatau_cliff_is_gone(runs):
    # Alatau lies 50.16 km from Almaty's point, where 29 institutes stand: a hard 50 km counted
    # only the 2 of the Institute of Nuclear Physics campus at 36.5 km; the linear decay (full to
    # 30 km, none from 80 km) counts those 29 at 0.597 each, the 2 at 0.869 each, and the 5
    # others between 53.0 and 66.4 km by their distance (hand-checked with the haversine)
    raw = runs["novosibirsk"].raw
    assert raw.at["alatau", "institutes_nearby"] == pytest.approx(21.31, abs=0.01)
    assert raw.at["almaty", "institutes_nearby"] > raw.at["alatau", "institutes_nearby"]
