"""Criteria files choose the MCDA method(s) and the weighting scheme without code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import siting
from siting import mcda
from siting import weights as weighting
from siting.errors import CriteriaError, DataError

METHODS = """method:
  name: topsis
  compare: [weighted_sum, vikor, promethee_ii, weighted_product, owa]
  owa: {order_weights: [0.5, 0.3, 0.2]}
exclude:"""


def test_every_method_is_scored_ranked_and_compared(tiny, edit):
    path = edit(tiny / "study.yaml", "exclude:", METHODS)
    r = siting.run(path)
    assert list(r.method_scores.columns) == [
        "topsis", "weighted_sum", "vikor", "promethee_ii", "weighted_product", "owa"
    ]  # fmt: skip
    kept = r.values.loc[r.included]
    # the main method's score is TOPSIS on the values, with the study's weights
    expected = mcda.topsis(kept.to_numpy(), r.weights.to_numpy(), np.ones(3))
    np.testing.assert_allclose(r.ranking.loc[r.included, "score"], expected, rtol=1e-12)
    assert len(r.agreement) == 15  # 6 methods, every pair once
    assert set(r.agreement.columns) >= {"spearman_rho", "kendall_tau_b", "top_k_overlap"}


def test_ahp_group_weights_from_judgements(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "exclude:",
        "weights:\n  groups:\n    method: ahp\n    judgements: [[education, science, 2], "
        "[education, enablers, 1/2], [science, enablers, 1/4]]\nexclude:",
    )
    r = siting.run(path)
    pairwise = weighting.pairwise_matrix(
        {
            ("education", "science"): 2,
            ("education", "enablers"): 0.5,
            ("science", "enablers"): 0.25,
        },
        ["education", "science", "enablers"],
    )
    ahp = weighting.ahp(pairwise)
    # one criterion per group, so each global weight is its group's AHP weight
    np.testing.assert_allclose(r.weights.to_numpy(), np.asarray(ahp.weights), rtol=1e-12)
    assert "CR" in r.weight_notes[0]


def test_inconsistent_ahp_is_refused_unless_accepted(tiny, edit):
    inconsistent = (
        "weights:\n  groups:\n    method: ahp\n    judgements: [[education, science, 9], "
        "[science, enablers, 9], [education, enablers, 1/9]]\nexclude:"
    )
    path = edit(tiny / "study.yaml", "exclude:", inconsistent)
    with pytest.raises(DataError) as info:
        siting.run(path)
    (problem,) = info.value.problems
    assert "INCONSISTENT" in problem and "accept_inconsistent" in problem
    edit(path, "    method: ahp\n", "    method: ahp\n    accept_inconsistent: true\n")
    r = siting.run(path)
    assert r.ahp["groups"].cr > 0.1


def test_entropy_weights_within_groups(tiny, edit):
    path = edit(tiny / "study.yaml", "exclude:", "weights: {criteria: {method: entropy}}\nexclude:")
    r = siting.run(path)
    # each group has one criterion, so entropy within a group gives it the whole group weight
    assert r.weights.to_dict() == pytest.approx(
        {"university_km": 0.25, "institutes_100km": 0.25, "population": 0.5}
    )
    path2 = edit(
        path,
        "groups:\n  education: {weight: 1}\n  science: {weight: 1}\n  enablers: {weight: 2}\n",
        "",
    )
    for g in ("education", "science", "enablers"):
        edit(path2, f"    group: {g}\n", "")
    r2 = siting.run(path2)
    kept = r2.values.loc[r2.included]
    expected = pd.Series(weighting.entropy(kept), index=kept.columns)
    np.testing.assert_allclose(r2.weights.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_weight_scheme_mistakes_are_reported_with_lines(tiny, edit):
    path = edit(tiny / "study.yaml", "    unit: people\n    weight: 1\n", "    unit: people\n")
    edit(
        path,
        "exclude:",
        "weights:\n  groups: {method: ahp, judgements: [[education, sceince, 2]]}\n"
        "method: {name: owa}\nexclude:",
    )
    with pytest.raises(CriteriaError) as info:
        siting.run(path)
    text = "\n".join(info.value.problems)
    assert "'population' has no `weight`" in text
    assert "'sceince' is not compared here; did you mean 'science'?" in text
    assert "AHP needs a judgement for every pair" in text
    assert "owa needs `order_weights`" in text
    assert len(info.value.problems) >= 4
