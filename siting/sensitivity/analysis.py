"""Every robustness analysis of a run, with its settings, in one call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from siting.choice import portfolio_rules
from siting.errors import DataError
from siting.optimise.resolver import PortfolioResolver
from siting.sensitivity.draws import Uncertainty, sample_weights
from siting.sensitivity.membership import PortfolioMembership, portfolio_membership
from siting.sensitivity.methods import MethodComparison, method_rankings
from siting.sensitivity.smaa import RankAcceptability, rank_acceptability
from siting.sensitivity.sweeps import one_at_a_time, stability_intervals

if TYPE_CHECKING:
    from siting.results import Results


@dataclass(frozen=True)
class Sensitivity:
    """Everything :func:`analyse` computed for one run.

    Attributes
    ----------
    one_at_a_time
        See :func:`one_at_a_time`.
    stability
        See :func:`stability_intervals`.
    acceptability
        See :func:`rank_acceptability`.
    membership
        See :func:`portfolio_membership`; None without a portfolio section or draws.
    methods
        See :func:`method_rankings`; None when not asked.
    names
        Candidate id → name (kept candidates, ranking order).
    base_rank
        Candidate id → rank in the run.
    seed
        Seed of every draw.
    samples
        Number of weight draws.
    options
        The settings used (samples, seed, steps, top_n, portfolio_draws, bounds, order,
        value_uncertainty, solver) in plain types, for a manifest or a report.
    """

    one_at_a_time: pd.DataFrame
    stability: pd.DataFrame
    acceptability: RankAcceptability
    membership: PortfolioMembership | None
    methods: MethodComparison | None
    names: pd.Series
    base_rank: pd.Series
    seed: int
    samples: int
    options: dict[str, Any] = field(default_factory=dict)


def _plain_uncertainty(value_uncertainty: Any) -> Any:
    if value_uncertainty is None:
        return None
    items = (
        value_uncertainty.items()
        if isinstance(value_uncertainty, Mapping)
        else enumerate(value_uncertainty)
    )
    return {
        str(k): {u.kind: u.amount} if isinstance(u, Uncertainty) else {"uniform": float(u)}
        for k, u in items
    }


def analyse(
    results: Results,
    *,
    samples: int = 10_000,
    seed: int | None = None,
    steps: int = 21,
    top_n: int | None = None,
    portfolio_draws: int = 1000,
    value_uncertainty: Any = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    order: Sequence[str] | None = None,
    methods: bool = True,
    solver: Literal["highs", "cbc"] = "highs",
) -> Sensitivity:
    """Run every robustness analysis on a run's kept candidates.

    Parameters
    ----------
    results
        The run (:func:`siting.pipeline.run`).
    samples
        Weight draws for the rank acceptability.
    seed
        Seed of every draw (default: the study's ``seed``).  Independent streams are spawned
        from it for the weights, the value perturbations and the portfolio draws.
    steps
        Points of each one-at-a-time sweep.
    top_n
        Shortlist size of the stability intervals (default: the portfolio's site count, or 3).
    portfolio_draws
        Draws (integer programs) for the portfolio membership; 0 to skip it.  The first
        ``portfolio_draws`` weight draws are used.
    value_uncertainty
        Per criterion id: :class:`Uncertainty` or a uniform half-width in value units.
    bounds
        Criterion id → ``(lo, hi)`` range of its global weight; criteria not named keep [0, 1].
    order
        Criterion ids from most to least important.
    methods
        Also rank under every MCDA method (:func:`method_rankings`).
    solver
        Solver of the portfolio re-solves (see :class:`PortfolioResolver`).

    Returns
    -------
    Sensitivity
        See the class.

    Raises
    ------
    DataError
        Unknown criterion ids in ``bounds``, ``order`` or ``value_uncertainty``; bad options.
    """
    kept = results.included
    values = results.values.loc[kept]
    criteria = [str(c) for c in values.columns]
    weights = results.weights.loc[values.columns]
    seed = results.study.seed if seed is None else int(seed)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]
    problems = []
    box = None
    if bounds:
        unknown = [c for c in bounds if c not in criteria]
        if unknown:
            problems.append(
                f"weight bounds name unknown criteria {unknown}; use ids from {criteria}"
            )
        else:
            box = np.array([bounds.get(c, (0.0, 1.0)) for c in criteria], dtype=float)
    ranked = None
    if order is not None:
        missing = sorted(set(criteria) - set(order))
        extra = [c for c in order if c not in criteria]
        if missing or extra or len(order) != len(criteria):
            problems.append(
                f"order of importance must list every criterion once; missing {missing}, "
                f"unknown or repeated {extra or [c for c in order if list(order).count(c) > 1]}"
            )
        else:
            ranked = [criteria.index(c) for c in order]
    if problems:
        raise DataError(problems)
    w_samples = sample_weights(len(criteria), samples, rng=streams[0], bounds=box, order=ranked)
    rules = portfolio_rules(results) if results.study.portfolio is not None else None
    resolver = PortfolioResolver(rules, solver=solver) if rules is not None else None
    n = top_n or (results.study.portfolio.sites if results.study.portfolio else 3)
    acceptability = rank_acceptability(
        values, weight_samples=w_samples, value_uncertainty=value_uncertainty, rng=streams[1]
    )
    membership = None
    if resolver is not None and portfolio_draws > 0:
        membership = portfolio_membership(
            values,
            weight_samples=w_samples,
            solve=resolver,
            value_uncertainty=value_uncertainty,
            rng=streams[2],
            n_draws=min(portfolio_draws, samples),
        )
    return Sensitivity(
        one_at_a_time=one_at_a_time(values, weights, steps=steps),
        stability=stability_intervals(
            values, weights, top_n=min(n, len(kept)), portfolio_fn=resolver
        ),
        acceptability=acceptability,
        membership=membership,
        methods=method_rankings(values, weights, method=results.study.method) if methods else None,
        names=results.ranking.loc[kept, "name"].astype(str),
        base_rank=results.ranking.loc[kept, "rank"].astype(int),
        seed=seed,
        samples=samples,
        options={
            "samples": samples,
            "seed": seed,
            "steps": steps,
            "top_n": min(n, len(kept)),
            "portfolio_draws": membership.draws if membership is not None else 0,
            "bounds": {c: list(map(float, b)) for c, b in (bounds or {}).items()},
            "order": list(order) if order is not None else None,
            "value_uncertainty": _plain_uncertainty(value_uncertainty),
            "solver": solver if resolver is not None else None,
        },
    )
