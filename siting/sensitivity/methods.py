"""The ranking under every MCDA method, with the study's options, side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from siting import mcda
from siting.errors import DataError
from siting.sensitivity._common import _inputs
from siting.spec import Method


@dataclass(frozen=True)
class MethodComparison:
    """Rankings of the same values and weights under every MCDA method.

    Attributes
    ----------
    ranks
        Candidate × method competition ranks.
    agreement
        One row per pair of methods: Spearman's ρ, Kendall's τ-b, top-k overlap
        (:func:`siting.mcda.agreement`).
    skipped
        Method → why it could not rank these values (e.g. the weighted product needs
        positive values and a value of 0 is a legitimate worst case).
    """

    ranks: pd.DataFrame
    agreement: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)


def method_rankings(
    values: pd.DataFrame,
    weights: pd.Series,
    *,
    method: Method | None = None,
    methods: Sequence[str] | None = None,
    k: int = 10,
) -> MethodComparison:
    """Rank the candidates under every MCDA method, side by side, with rank correlations.

    Each method scores through :func:`siting.mcda.score_study` with the study's options, so the
    rank of a method the study names is the rank ranking.csv gives it; the other methods use
    their own defaults.

    Parameters
    ----------
    values
        Kept candidates × criteria (DataFrame), value-function outputs (0..1).
    weights
        Global weights, summing to 1.
    method
        The study's ``method`` section (default: every option at its default).
    methods
        Names from :data:`siting.mcda.METHODS` (default: every method the registry holds,
        but OWA only when ``method`` gives its order weights).
    k
        Size of the shortlist compared by the overlap (capped at the number of candidates).

    Returns
    -------
    MethodComparison
        See the class.  A method the study does not name that cannot score these values
        (a :class:`DataError` of its own) is listed in ``skipped`` with the reason; an error
        of a method the study names is raised.

    Raises
    ------
    DataError
        Malformed inputs, an unknown method, or an error of a method the study names.
    """
    _inputs(values, weights)  # one check of the shapes and the weights' sum
    spec = method if method is not None else Method()
    if methods is None:
        names = [
            name
            for name, info in mcda.REGISTRY.items()
            if not (info.required - set(spec.options(name)))
        ]
    else:
        names = list(methods)
        for name in names:
            mcda.method_info(name)
    ranks: dict[str, pd.Series] = {}
    skipped: dict[str, str] = {}
    for name in names:
        try:
            scores = mcda.score_study(values, weights, spec, methods=[name])[name]
        except DataError as exc:
            if name in spec.all:
                raise
            skipped[name] = "; ".join(exc.problems)
            continue
        ranks[name] = mcda.rank(scores)
    table = pd.DataFrame(ranks, index=pd.Index([str(i) for i in values.index], name="candidate"))
    if table.shape[1] >= 2:
        agree = mcda.agreement(table, k=min(k, len(table)))
    else:
        agree = pd.DataFrame(
            columns=["method_a", "method_b", "spearman_rho", "kendall_tau_b", "top_k_common"]
        )
    return MethodComparison(ranks=table, agreement=agree, skipped=skipped)
