"""The study's portfolio: its rules built from the criteria file and the candidates, then solved.

Translates the ``portfolio`` section into one validated :class:`~siting.optimise.PortfolioRules`
on the kept candidates in ranking order (:func:`build_rules`), and turns the solutions of
:mod:`siting.optimise` back into candidate ids (:func:`choose_portfolio`).  The pipeline and the
robustness analysis both build the model here, so that both solve the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from siting import features, optimise
from siting.errors import DataError, InfeasibleError
from siting.i18n import N_, Msg
from siting.messages import plural
from siting.optimise import PortfolioRules
from siting.results import PortfolioChoice
from siting.scoring import Locates
from siting.spec import Study

if TYPE_CHECKING:
    from siting.results import Results


@dataclass(frozen=True)
class StudyRules:
    """A study's portfolio model on its kept candidates, with the ids of its rows.

    Attributes
    ----------
    ids
        Candidate id of each row (the kept candidates in ranking order).
    rules
        The validated model; its scores are the run's main scores.
    """

    ids: pd.Index
    rules: PortfolioRules


def build_rules(
    study: Study,
    candidates: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    ranking: pd.DataFrame,
    *,
    solver: Literal["cbc", "highs"] | None = None,
) -> StudyRules:
    """Translate the study's ``portfolio`` section into one validated portfolio model.

    Every input is checked once, here (:func:`siting.optimise.prepare`); the solvers downstream
    take the frozen rules as they are.

    Parameters
    ----------
    study
        A study with a ``portfolio`` section.
    candidates, layers
        The run's layers (demand for coverage and equity may come from a layer).
    ranking
        The run's ranking: its kept candidates, in order, and their scores.
    solver
        Override the study's solver.

    Raises
    ------
    DataError
        Malformed inputs (every problem listed).
    """
    spec = study.portfolio
    if spec is None:
        raise AssertionError("build_rules needs a portfolio section")  # pragma: no cover
    kept = ranking.index[ranking["excluded_reason"] == ""]
    pool = candidates.loc[kept]
    xy = features.lonlat(pool)
    position = {cid: i for i, cid in enumerate(kept)}
    groups = costs = population = demand_xy = centres_km = None
    centre_names: list[str] | None = None
    per = spec.at_most_per or spec.at_least_per
    if per is not None:
        groups = pool[per.field].astype(str).to_numpy()
    if spec.budget is not None:
        costs = pd.to_numeric(pool[spec.budget.field], errors="coerce").to_numpy(float)
    if spec.coverage is not None:
        demand, population = _demand(
            spec.coverage.demand, spec.coverage.population_field, candidates, layers
        )
        demand_xy = features.lonlat(demand)
    if spec.equity is not None:
        eq = spec.equity
        layer = eq.demand or (spec.coverage.demand if spec.coverage else "candidates")
        frame, weight = _demand(layer, eq.population_field, candidates, layers)
        labels, centres = population_centres(
            features.lonlat(frame), weight, frame[eq.field].astype(str).to_numpy()
        )
        centres_km = features.haversine_km(centres, xy)
        centre_names = list(labels)
    rules = optimise.prepare(
        ranking.loc[kept, "score"].to_numpy(dtype=float),
        n=spec.sites,
        exact=spec.exactly,
        names=list(pool["name"].astype(str)),
        solver=solver or spec.solver,
        time_limit_s=spec.time_limit_s,
        must_include=[position[c] for c in spec.must_include if c in position],
        must_exclude=[position[c] for c in spec.must_exclude if c in position],
        # Coordinates, not matrices: spacing and coverage pairs come from a KD-tree, so memory
        # grows with the pairs within reach, not with candidates × candidates.
        lonlat=xy,
        min_spacing_km=spec.min_spacing_km or None,
        groups=groups,
        group_name=per.field if per is not None else "group",
        at_most_per_group=spec.at_most_per.count if spec.at_most_per else None,
        at_least_per_group=spec.at_least_per.count if spec.at_least_per else None,
        costs=costs,
        budget=spec.budget.limit if spec.budget is not None else None,
        population=population,
        demand_lonlat=demand_xy,
        cover_radius_km=spec.coverage.radius_km if spec.coverage is not None else None,
        population_weight=spec.coverage.weight if spec.coverage is not None else 0.0,
        centre_distances_km=centres_km,
        equity_km=spec.equity.within_km if spec.equity is not None else None,
        centre_names=centre_names,
    )
    return StudyRules(ids=kept, rules=rules)


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
    result: optimise.OptimisationResult, model: StudyRules, ranking: pd.DataFrame
) -> PortfolioChoice:
    chosen = [model.ids[i] for i in result.selected]
    score = ranking["score"].astype(float).to_dict()
    chosen.sort(key=lambda cid: -score[cid])
    covered = None
    if model.rules.coverage is not None:
        covered = model.rules.covered_population(result.selected)
    return PortfolioChoice(
        ids=chosen,
        objective=result.objective,
        status=result.status,
        solver=result.solver,
        solver_version=result.solver_version,
        seconds=result.seconds,
        binding=list(result.binding),
        binding_details=[_with_ids(d, model) for d in result.binding_details],
        population_covered=covered,
        proven=result.proven,
        bound=result.bound,
        gap=result.gap,
        time_limit_s=result.time_limit_s,
    )


def _with_ids(detail: dict[str, Any], model: StudyRules) -> dict[str, Any]:
    """A binding rule's facts with candidate ids and centre names instead of row indices."""
    ids = [str(i) for i in model.ids]
    out = dict(detail)
    if "selected_without" in out:
        out["selected_without"] = [ids[j] for j in out["selected_without"]]
    for key in ("dropped", "added"):
        if key in out:
            out[key] = [ids[j] for j in out[key]]
    if "pairs" in out:
        out["pairs"] = [[ids[int(i)], ids[int(j)], float(km)] for i, j, km in out["pairs"]]
    if out.get("rule") == "must_include" or out.get("rule") == "must_exclude":
        out["value"] = [ids[j] for j in out.get("value", [])]
    if "centres" in out and model.rules.equity is not None:
        out["centres"] = [model.rules.equity.centre_names[k] for k in out["centres"]]
    return out


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
    kept = ranking.index[ranking["excluded_reason"] == ""]
    for cid in rules.must_include:
        if cid not in kept:
            why = str(ranking["excluded_reason"].at[cid])
            msg = Msg(
                N_(
                    "{id} must be included but is excluded by a hard constraint ({why}); remove "
                    "it from must_include or relax the exclusion"
                ),
                id=repr(cid),
                why=why,
            )
            raise DataError(source.problem(("portfolio", "must_include"), msg))
    if rules.exactly and rules.sites > len(kept):
        msg = Msg(
            N_("{asked}; ask for at most {kept} or relax the exclusions"),
            asked=plural(
                "{sites} sites were asked but only {n} candidate passes the exclusions",
                "{sites} sites were asked but only {n} candidates pass the exclusions",
                len(kept),
                sites=rules.sites,
            ),
            kept=len(kept),
        )
        raise InfeasibleError(source.problem(("portfolio", "sites"), msg))
    try:
        model = build_rules(source.study, candidates, layers, ranking)
        best = optimise.solve_rules(model.rules)
        portfolio = _choice(best, model, ranking)
        alternatives: list[PortfolioChoice] = []
        if rules.alternatives is not None:
            found = optimise.alternatives_for(
                model.rules,
                k=rules.alternatives.count + 1,
                min_difference=rules.alternatives.differ_by,
                explain_binding=False,
                best=best,
            )
            alternatives = [_choice(r, model, ranking) for r in found[1:]]
        pareto = pd.DataFrame()
        if rules.pareto is not None:
            pareto = _pareto(model, rules.pareto.points, portfolio)
    except InfeasibleError as exc:
        raise InfeasibleError([source.problem(("portfolio",), p) for p in exc.problems]) from exc
    except DataError as exc:
        raise DataError([source.problem(("portfolio",), p) for p in exc.problems]) from exc
    return portfolio, alternatives, pareto


def _pareto(model: StudyRules, points: int, best: PortfolioChoice) -> pd.DataFrame:
    """The score–coverage front with candidate ids instead of indices."""
    front = optimise.pareto_for(model.rules, points=points)
    ids = [[str(model.ids[i]) for i in sel] for sel in front["selected"]]
    front = front.drop(columns=["selected"])
    front["ids"] = pd.Series(ids, index=front.index, dtype=object)
    front["optimal_for_score"] = [set(i) == set(best.ids) for i in ids]
    return front.reset_index(drop=True)


def portfolio_rules(
    results: Results, *, solver: Literal["cbc", "highs"] | None = None
) -> PortfolioRules:
    """The validated portfolio model of a run, on its kept candidates in ranking order.

    The model :func:`choose_portfolio` solves (:func:`build_rules`): great-circle distances,
    the per-group caps, the site count and every other rule of the study's ``portfolio``
    section.

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
    if results.study.portfolio is None:
        msg = Msg(
            N_(
                "study {study} has no portfolio section; add one (`portfolio: {{sites: 3}}`) to "
                "compute portfolio stability and membership"
            ),
            study=repr(results.study.study),
        )
        raise DataError(msg)
    model = build_rules(
        results.study, results.candidates, results.layers, results.ranking, solver=solver
    )
    return model.rules
