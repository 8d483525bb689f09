"""The study's portfolio: its rules built from the criteria file and the candidates, then solved.

Translates the ``portfolio`` section into one validated rules object on the kept candidates in
ranking order (:func:`portfolio_rules`), and turns the solutions of :mod:`siting.optimise` back
into candidate ids (:func:`choose_portfolio`).  The pipeline and the robustness analysis both
build the model here, so that both solve the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting import features, optimise
from siting.errors import DataError, InfeasibleError
from siting.results import PortfolioChoice
from siting.scoring import Locates
from siting.spec import Study

if TYPE_CHECKING:
    from siting.optimise.portfolio import Rules as PortfolioRules
    from siting.results import Results


@dataclass(frozen=True)
class PortfolioInputs:
    """The arrays the portfolio models need, on the kept candidates in ranking order."""

    ids: pd.Index
    scores: np.ndarray
    rules: dict[str, Any]


def portfolio_inputs(
    study: Study,
    candidates: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    ranking: pd.DataFrame,
) -> PortfolioInputs:
    """Translate the study's ``portfolio`` section into arguments of :mod:`siting.optimise`.

    Shared by the pipeline and the robustness analysis, so that both solve the same model.
    """
    rules = study.portfolio
    if rules is None:
        raise AssertionError("portfolio_inputs needs a portfolio section")  # pragma: no cover
    kept = ranking.index[ranking["excluded_reason"] == ""]
    pool = candidates.loc[kept]
    xy = features.lonlat(pool)
    position = {cid: i for i, cid in enumerate(kept)}
    kwargs: dict[str, Any] = {
        "n": rules.sites,
        "exact": rules.exactly,
        "names": list(pool["name"].astype(str)),
        "solver": rules.solver,
        "must_include": [position[c] for c in rules.must_include if c in position],
        "must_exclude": [position[c] for c in rules.must_exclude if c in position],
    }
    if rules.min_spacing_km:
        kwargs["distances_km"] = features.haversine_km(xy, xy)
        kwargs["min_spacing_km"] = rules.min_spacing_km
    per = rules.at_most_per or rules.at_least_per
    if per is not None:
        kwargs["groups"] = pool[per.field].astype(str).to_numpy()
        kwargs["group_name"] = per.field
        kwargs["at_most_per_group"] = rules.at_most_per.count if rules.at_most_per else None
        kwargs["at_least_per_group"] = rules.at_least_per.count if rules.at_least_per else None
    if rules.budget is not None:
        kwargs["costs"] = pd.to_numeric(pool[rules.budget.field], errors="coerce").to_numpy(float)
        kwargs["budget"] = rules.budget.limit
    if rules.coverage is not None:
        demand, weight = _demand(
            rules.coverage.demand, rules.coverage.population_field, candidates, layers
        )
        kwargs["population"] = weight
        kwargs["demand_distances_km"] = features.haversine_km(features.lonlat(demand), xy)
        kwargs["cover_radius_km"] = rules.coverage.radius_km
        kwargs["population_weight"] = rules.coverage.weight
    if rules.equity is not None:
        eq = rules.equity
        layer = eq.demand or (rules.coverage.demand if rules.coverage else "candidates")
        demand, weight = _demand(layer, eq.population_field, candidates, layers)
        labels, centres = population_centres(
            features.lonlat(demand), weight, demand[eq.field].astype(str).to_numpy()
        )
        kwargs["centre_distances_km"] = features.haversine_km(centres, xy)
        kwargs["equity_km"] = eq.within_km
        kwargs["centre_names"] = [f"the population centre of {label}" for label in labels]
    return PortfolioInputs(
        ids=kept,
        scores=ranking.loc[kept, "score"].to_numpy(dtype=float),
        rules=kwargs,
    )


def _demand(
    name: str, field: str, candidates: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    frame = candidates if name == "candidates" else layers[name]
    weight = pd.to_numeric(frame[field], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    return frame, weight


def population_centres(
    lonlat_deg: np.ndarray, weights: np.ndarray, labels: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """Population-weighted centre of each group, on the sphere.

    The centre is the normalised population-weighted mean of the points' unit vectors (the
    spherical analogue of a weighted centroid; it does not depend on a projection).

    Returns
    -------
    labels, centres
        The group labels (sorted) and an ``(n_groups, 2)`` array of longitude/latitude.
    """
    vectors = features.unit_vectors(lonlat_deg)
    names = sorted(set(labels))
    centres = []
    for name in names:
        mask = labels == name
        w = weights[mask] if weights[mask].sum() > 0 else np.ones(mask.sum())
        v = (vectors[mask] * w[:, None]).sum(axis=0)
        v = v / np.linalg.norm(v)
        centres.append([np.degrees(np.arctan2(v[1], v[0])), np.degrees(np.arcsin(v[2]))])
    return names, np.asarray(centres)


def _choice(
    result: optimise.OptimisationResult, inputs: PortfolioInputs, ranking: pd.DataFrame
) -> PortfolioChoice:
    chosen = [inputs.ids[i] for i in result.selected]
    chosen.sort(key=lambda cid: -float(ranking.at[cid, "score"]))
    covered = None
    if result.covered.size and "population" in inputs.rules:
        covered = float(inputs.rules["population"][result.covered].sum())
    return PortfolioChoice(
        ids=chosen,
        objective=result.objective,
        status=result.status,
        solver=result.solver,
        solver_version=result.solver_version,
        seconds=result.seconds,
        binding=list(result.binding),
        population_covered=covered,
    )


def choose_portfolio(
    source: Locates,
    candidates: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    ranking: pd.DataFrame,
) -> tuple[PortfolioChoice, list[PortfolioChoice], pd.DataFrame]:
    """Choose the portfolio, its alternatives and the Pareto front with :mod:`siting.optimise`.

    Returns
    -------
    portfolio, alternatives, pareto
        The optimum; the next-best portfolios (when asked); the score–coverage front (when asked).
    """
    rules = source.study.portfolio
    if rules is None:
        raise AssertionError("choose_portfolio needs a portfolio section")  # pragma: no cover
    inputs = portfolio_inputs(source.study, candidates, layers, ranking)
    for cid in rules.must_include:
        if cid not in inputs.ids:
            why = ranking.at[cid, "excluded_reason"]
            msg = (
                f"{cid!r} must be included but is excluded by a hard constraint ({why}); "
                "remove it from must_include or relax the exclusion"
            )
            raise DataError(source.problem(("portfolio", "must_include"), msg))
    if rules.exactly and rules.sites > len(inputs.ids):
        msg = (
            f"{rules.sites} sites were asked but only {len(inputs.ids)} candidates pass the "
            f"exclusions; ask for at most {len(inputs.ids)} or relax the exclusions"
        )
        raise InfeasibleError(source.problem(("portfolio", "sites"), msg))
    try:
        best = optimise.select_portfolio(inputs.scores, **inputs.rules)
        portfolio = _choice(best, inputs, ranking)
        alternatives: list[PortfolioChoice] = []
        if rules.alternatives is not None:
            found = optimise.alternatives(
                inputs.scores,
                k=rules.alternatives.count + 1,
                min_difference=rules.alternatives.differ_by,
                **{**inputs.rules, "explain_binding": False},
            )
            alternatives = [_choice(r, inputs, ranking) for r in found[1:]]
        pareto = pd.DataFrame()
        if rules.pareto is not None:
            pareto = _pareto(inputs, rules.pareto.points, portfolio)
    except InfeasibleError as exc:
        raise InfeasibleError([source.problem(("portfolio",), p) for p in exc.problems]) from exc
    except DataError as exc:
        raise DataError([source.problem(("portfolio",), p) for p in exc.problems]) from exc
    return portfolio, alternatives, pareto


def _pareto(inputs: PortfolioInputs, points: int, best: PortfolioChoice) -> pd.DataFrame:
    """The score–coverage front with candidate ids instead of indices."""
    args = {k: v for k, v in inputs.rules.items() if k != "population_weight"}
    front = optimise.pareto_front(inputs.scores, points=points, **args)
    ids = [[str(inputs.ids[i]) for i in sel] for sel in front["selected"]]
    front = front.drop(columns=["selected"]).assign(ids=ids)
    front["optimal_for_score"] = [set(i) == set(best.ids) for i in ids]
    return front.reset_index(drop=True)


def portfolio_rules(results: Results, *, solver: str | None = None) -> PortfolioRules:
    """The validated portfolio model of a run, on its kept candidates in ranking order.

    The same inputs :func:`choose_portfolio` gives
    :func:`siting.optimise.select_portfolio`: great-circle distances, the per-group cap and
    the site count from the study's ``portfolio`` section.

    Parameters
    ----------
    results
        A run whose study has a ``portfolio`` section.
    solver
        ``"highs"`` or ``"cbc"``; default the study's.

    Returns
    -------
    siting.optimise.rules.PortfolioRules
        Scores are the run's; :class:`PortfolioResolver` replaces them draw by draw.

    Raises
    ------
    DataError
        The study has no ``portfolio`` section.
    """
    from siting.optimise.portfolio import prepare

    if results.study.portfolio is None:
        msg = (
            f"study {results.study.study!r} has no portfolio section; add one "
            "(`portfolio: {sites: 3}`) to compute portfolio stability and membership"
        )
        raise DataError(msg)
    inputs = portfolio_inputs(results.study, results.candidates, results.layers, results.ranking)
    return prepare(inputs.scores, **{**inputs.rules, "solver": solver or inputs.rules["solver"]})
