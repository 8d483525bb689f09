"""The only orchestrator: a criteria file in, a :class:`~siting.results.Results` out.

Stages run in one direction (load → layers → features → values → weights →
score → portfolio) and pass plain pandas objects keyed by candidate id and
criterion id.  Problems in the inputs are collected per stage and raised
together, each pointing at the line of the criteria file that caused it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting import features, mcda, optimise, value
from siting import weights as weighting
from siting.criteria import Loc, StudyFile, load
from siting.errors import DataError, InfeasibleError
from siting.inputs import measure_all, read_boundaries, read_layers, read_reference, with_reference
from siting.layers import lonlat
from siting.results import PortfolioChoice, Reference, Results
from siting.spec import Exclusion, Study, WeightScheme

Progress = Callable[[str], None]

#: Shortlist size compared by the method-agreement table.
TOP_K = 10

#: Values are floored at this before the weighted product, whose factors v**w would make any
#: candidate with one worst value (v = 0) score 0 whatever its other criteria.
PRODUCT_FLOOR = 0.01


def run(
    path: str | Path, *, progress: Progress | None = None, sensitivity: bool | None = None
) -> Results:
    """Run a study from its criteria file.

    Parameters
    ----------
    path
        The criteria file (YAML).
    progress
        Called with the name of each stage as it starts (for a progress display).
    sensitivity
        Run the robustness analysis: True always (with the study's ``sensitivity`` settings or
        the defaults), False never, None (default) when the study has a ``sensitivity`` section.

    Returns
    -------
    Results
        Raw values, values, weights, contributions, ranking and portfolio.

    Raises
    ------
    siting.errors.SitingError
        For any mistake in the criteria file or the data, with every problem listed.

    Examples
    --------
    >>> results = run("criteria/novosibirsk.yaml")  # doctest: +SKIP
    >>> results.top(5)[["name", "score"]]  # doctest: +SKIP
    """
    timings: dict[str, float] = {}

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        if progress is not None:
            progress(name)
        start = time.perf_counter()
        yield
        timings[name] = time.perf_counter() - start

    with stage("criteria"):
        source = load(path)
    study = source.study
    with stage("layers"):
        candidates, layers = read_layers(source)
        ref_sites, ref_facilities = read_reference(source, layers)
        boundaries = read_boundaries(source)
    with stage("features"):
        raw = measure_all(source, candidates, layers)
        ref_raw = None
        if ref_sites is not None:
            ref_raw = measure_all(source, ref_sites, with_reference(layers, ref_facilities))
    with stage("values"):
        reasons = exclusion_reasons(study, candidates, raw)
        kept = reasons == ""
        if not kept.any():
            raise DataError(_nothing_left(source, candidates, raw))
        values = value_table(study, raw, among=raw[kept])
    with stage("weights"):
        derived = derive_weights(source, values[kept])
        w = derived.weights
    with stage("score"):
        contributions = values * w
        method_scores = score_methods(source, values[kept], w)
        main = study.method.name
        score = contributions.sum(axis=1) if main == "weighted_sum" else method_scores[main]
        ranking = rank_table(candidates, score.reindex(candidates.index), reasons)
        method_ranks = method_scores.rank(ascending=False, method="min").astype("Int64")
        reference = None
        if ref_sites is not None and ref_raw is not None:
            reference = score_reference(study, ref_sites, ref_facilities, ref_raw, raw[kept], w)
        agreement = (
            mcda.agreement(method_ranks.astype(float), k=min(TOP_K, len(method_ranks)))
            if method_scores.shape[1] > 1
            else pd.DataFrame()
        )
    portfolio = None
    alternatives: list[PortfolioChoice] = []
    pareto = pd.DataFrame()
    if study.portfolio is not None:
        with stage("portfolio"):
            portfolio, alternatives, pareto = choose_portfolio(source, candidates, layers, ranking)
    results = Results(
        study=study,
        source=source.path,
        candidates=candidates,
        layers=layers,
        raw=raw,
        values=values,
        weights=w,
        contributions=contributions,
        ranking=ranking,
        portfolio=portfolio,
        timings=timings,
        method_scores=method_scores,
        method_ranks=method_ranks,
        agreement=agreement,
        weight_notes=derived.notes,
        ahp=derived.ahp,
        reference=reference,
        boundaries=boundaries,
        alternatives=alternatives,
        pareto=pareto,
    )
    if sensitivity or (sensitivity is None and study.sensitivity is not None):
        with stage("sensitivity"):
            results = replace(results, sensitivity=analyse_sensitivity(results))
    return results


def analyse_sensitivity(results: Results) -> Any:
    """The robustness analysis of a run with the study's ``sensitivity`` settings (or defaults)."""
    from siting import sensitivity as sens
    from siting.spec import SensitivitySpec

    spec = results.study.sensitivity or SensitivitySpec()
    uncertainty = {
        cid: sens.Uncertainty(
            "uniform" if u.uniform is not None else "normal", u.uniform or u.normal or 0.0
        )
        for cid, u in spec.uncertainty.items()
    }
    return sens.analyse(
        results,
        samples=spec.samples,
        seed=spec.seed,
        steps=spec.steps,
        top_n=spec.top_n,
        portfolio_draws=spec.portfolio_draws if results.study.portfolio is not None else 0,
        value_uncertainty=uncertainty or None,
        bounds=spec.weights or None,
        order=spec.order,
        solver=spec.solver,
    )


def score_reference(
    study: Study,
    sites: gpd.GeoDataFrame,
    facilities: dict[str, gpd.GeoDataFrame],
    raw: pd.DataFrame,
    kept_raw: pd.DataFrame,
    weights: pd.Series,
) -> Reference:
    """Value and score the reference sites exactly as the candidates (weighted sum)."""
    values = value_table(study, raw, among=kept_raw)
    contributions = values * weights
    return Reference(
        sites=sites,
        facilities=facilities,
        raw=raw,
        values=values,
        contributions=contributions,
        score=contributions.sum(axis=1),
    )


# --- features ---------------------------------------------------------------------------------


# --- exclusions, values, weights, score -------------------------------------------------------


def _rule_text(rule: Exclusion) -> str:
    if rule.reason:
        return rule.reason
    subject = rule.criterion or rule.field
    parts = []
    if rule.above is not None:
        parts.append(f"{subject} above {rule.above:g}")
    if rule.below is not None:
        parts.append(f"{subject} below {rule.below:g}")
    if rule.equals is not None:
        parts.append(f"{subject} is {rule.equals}")
    return " or ".join(parts)


def _rule_mask(rule: Exclusion, candidates: pd.DataFrame, raw: pd.DataFrame) -> np.ndarray:
    col = raw[rule.criterion] if rule.criterion is not None else candidates[rule.field]
    hit = np.zeros(len(col), dtype=bool)
    if rule.above is not None or rule.below is not None:
        numbers = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        if rule.above is not None:
            hit |= numbers > rule.above
        if rule.below is not None:
            hit |= numbers < rule.below
    if rule.equals is not None:
        hit |= (col == rule.equals).to_numpy()
    return hit


def exclusion_reasons(study: Study, candidates: pd.DataFrame, raw: pd.DataFrame) -> pd.Series:
    """For each candidate, why it is excluded ('' when it is kept); several reasons joined by '; '."""
    reasons = pd.Series("", index=candidates.index, dtype=object)
    for rule in study.exclude:
        hit = _rule_mask(rule, candidates, raw)
        text = _rule_text(rule)
        reasons[hit] = [f"{r}; {text}" if r else text for r in reasons[hit]]
    return reasons.astype(str)


def _nothing_left(source: StudyFile, candidates: pd.DataFrame, raw: pd.DataFrame) -> str:
    counts = [
        f"rule {i + 1} ({_rule_text(rule)}) excludes {int(_rule_mask(rule, candidates, raw).sum())}"
        for i, rule in enumerate(source.study.exclude)
    ]
    return source.problem(
        ("exclude",),
        f"no candidate is left after the exclusions ({'; '.join(counts)} of {len(candidates)}); "
        "relax or remove a rule",
    )


def value_table(study: Study, raw: pd.DataFrame, *, among: pd.DataFrame) -> pd.DataFrame:
    """Value-function output (0–1) of every criterion; min-max bounds come from ``among``."""
    out = {
        c.id: value.apply(c, raw[c.id].to_numpy(), among=among[c.id].to_numpy())
        for c in study.criteria
    }
    return pd.DataFrame(out, index=raw.index)


@dataclass(frozen=True)
class DerivedWeights:
    """Global weights with how they were derived."""

    weights: pd.Series
    notes: list[str] = field(default_factory=list)
    ahp: dict[str, Any] = field(default_factory=dict)


def derive_weights(source: StudyFile, values: pd.DataFrame) -> DerivedWeights:
    """Global criterion weights: one scheme per level (groups, criteria within each group).

    Parameters
    ----------
    source
        The study and its line numbers (for messages).
    values
        Kept candidate × criterion values, used by the objective schemes (entropy, CRITIC).
    """
    study = source.study
    notes: list[str] = []
    ahp: dict[str, Any] = {}
    ids = [c.id for c in study.criteria]

    def derive(
        scheme: WeightScheme, names: list[str], given: dict[str, float | None], scope: str, loc: Loc
    ) -> pd.Series:
        try:
            out = _scheme_weights(scheme, names, given, values)
        except DataError as exc:
            raise DataError([source.problem(loc, p) for p in exc.problems]) from exc
        if isinstance(out, weighting.AhpResult):
            ahp[scope] = out
            notes.append(f"{scope}: {out.message}")
            if not out.acceptable and not scheme.accept_inconsistent:
                msg = f"{out.message} To use them anyway, set accept_inconsistent: true."
                raise DataError(source.problem(loc, msg))
            return pd.Series(out.weights, index=names, dtype=float)
        if scheme.method in ("entropy", "critic"):
            notes.append(f"{scope}: {scheme.method} weights from the values of the kept candidates")
        return out

    scheme_of = study.weights
    if study.groups is None:
        local = derive(
            scheme_of.criteria,
            ids,
            {c.id: c.weight for c in study.criteria},
            "criteria",
            ("weights", "criteria"),
        )
        return DerivedWeights(weighting.direct(local), notes, ahp)
    groups = pd.Series({c.id: c.group for c in study.criteria})
    used = list(dict.fromkeys(groups))
    local_parts = []
    for g in used:
        members = [c for c in study.criteria if c.group == g]
        scheme = scheme_of.within.get(g, scheme_of.criteria)
        loc: Loc = ("weights", "within", g) if g in scheme_of.within else ("weights", "criteria")
        local_parts.append(
            derive(scheme, [c.id for c in members], {c.id: c.weight for c in members}, g, loc)
        )
    group_w = derive(
        scheme_of.groups,
        used,
        {g: study.groups[g].weight for g in used},
        "groups",
        ("weights", "groups"),
    )
    weights = weighting.hierarchical(pd.concat(local_parts), groups, group_w)
    return DerivedWeights(weights, notes, ahp)


def _scheme_weights(
    scheme: WeightScheme, names: list[str], given: dict[str, float | None], values: pd.DataFrame
) -> pd.Series | weighting.AhpResult:
    """Raw weights of ``names`` under one scheme (normalised later), or an AHP result."""
    method = scheme.method
    if method == "direct":
        return pd.Series({n: given[n] for n in names}, dtype=float)
    if method == "equal":
        return pd.Series(weighting.equal(len(names)), index=names)
    if method in ("rank_order_centroid", "rank_sum"):
        order = scheme.order or names
        fn = (
            weighting.rank_order_centroid if method == "rank_order_centroid" else weighting.rank_sum
        )
        return pd.Series(fn(len(order)), index=order).reindex(names)
    if method == "ahp":
        judgements = {(a, b): x for a, b, x in scheme.judgements or []}
        pairwise = weighting.pairwise_matrix(judgements, names)
        return weighting.ahp(pairwise, method=scheme.ahp_method, criteria=names)
    if set(names) - set(values.columns):
        msg = f"{method} weights need criteria values; they cannot weight groups"
        raise DataError(msg)
    fn = weighting.entropy if method == "entropy" else weighting.critic
    return pd.Series(fn(values[names]), index=names, dtype=float)


def score_methods(source: StudyFile, values: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """Score of the kept candidates under the main method and every compared one (higher is better).

    Every method aggregates the value-function outputs (all oriented so that higher is better).
    A criterion whose value is the same for every kept candidate cannot change any ranking; it is
    left out of TOPSIS, VIKOR and PROMETHEE, which would divide by its zero range.
    """
    study = source.study
    out: dict[str, pd.Series] = {}
    for method in study.method.all:
        if method == "weighted_sum":
            out[method] = (values * weights).sum(axis=1)
            continue
        matrix = values
        if method in ("topsis", "vikor", "promethee_ii"):
            varied = [c for c in values.columns if np.ptp(values[c].to_numpy()) > 0]
            matrix = values[varied]
        elif method == "weighted_product":
            matrix = PRODUCT_FLOOR + (1 - PRODUCT_FLOOR) * values
        w = weights[matrix.columns]
        w = w / w.sum()
        options = _method_options(study, method, list(matrix.columns))
        try:
            scores = mcda.score(matrix, w.to_numpy(), np.ones(len(w)), method=method, **options)
        except DataError as exc:
            raise DataError(
                [source.problem(("method",), f"{method}: {p}") for p in exc.problems]
            ) from exc
        out[method] = pd.Series(np.asarray(scores, dtype=float), index=values.index)
    return pd.DataFrame(out)


def _method_options(study: Study, method: str, columns: list[str]) -> dict[str, Any]:
    options = study.method.options(method)
    if method == "owa":
        options["normalisation"] = "none"
    for key, val in list(options.items()):
        if isinstance(val, dict):  # one value per criterion id, in matrix column order
            options[key] = [val[c] for c in columns]
    return options


def rank_table(candidates: pd.DataFrame, score: pd.Series, reasons: pd.Series) -> pd.DataFrame:
    """Ranking: kept candidates by score (ties share the better rank), excluded ones after them."""
    kept = reasons == ""
    rank = score.where(kept).rank(ascending=False, method="min").astype("Int64")
    table = pd.DataFrame(
        {
            "name": candidates["name"].astype(str),
            "score": score,
            "rank": rank,
            "excluded_reason": reasons,
        }
    )
    order = np.lexsort((table.index.to_numpy(), -table["score"].to_numpy(), (~kept).to_numpy()))
    return table.iloc[order]


# --- portfolio --------------------------------------------------------------------------------


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
    xy = lonlat(pool)
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
        kwargs["demand_distances_km"] = features.haversine_km(lonlat(demand), xy)
        kwargs["cover_radius_km"] = rules.coverage.radius_km
        kwargs["population_weight"] = rules.coverage.weight
    if rules.equity is not None:
        eq = rules.equity
        layer = eq.demand or (rules.coverage.demand if rules.coverage else "candidates")
        demand, weight = _demand(layer, eq.population_field, candidates, layers)
        labels, centres = population_centres(
            lonlat(demand), weight, demand[eq.field].astype(str).to_numpy()
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
    source: StudyFile,
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
