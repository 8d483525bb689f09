"""Several stakeholders: their weights, the group's, and what each one's weights would decide.

A study with a ``stakeholders:`` section takes its weights from the people or bodies named
there.  :func:`aggregate` turns each member's weights (direct, by rank, or AHP judgements) into a
priority vector and forms the group's by the study's aggregation (:func:`siting.weights.group_ahp`
for the AHP routes, :func:`siting.weights.group_direct` for the means): the run scores and
chooses with those weights, and every output shows this one computation.

:func:`analyse` then asks what each stakeholder's own weights would decide: their ranking and
portfolio, how far their weights are from the group's, which portfolio the group would choose
without them (leave-one-out), and how often each site is chosen when the weights are drawn from
the stakeholders' set (each stakeholder's, the leave-one-out groups', and random mixtures of
the stakeholders' weights, the convex hull of their set).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from siting import mcda
from siting import weights as weighting
from siting.choice import portfolio_rules
from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.optimise.resolver import PortfolioResolver
from siting.scoring import Locates
from siting.sensitivity import portfolio_membership, rank_acceptability
from siting.spec import Stakeholder, StakeholderAggregate, Study

if TYPE_CHECKING:
    from siting.results import Results

__all__ = [
    "Member",
    "Panel",
    "StakeholderAnalysis",
    "aggregate",
    "analyse",
    "group_weights",
    "hull_weights",
]


# --------------------------------------------------------------------------- the group's weights


@dataclass(frozen=True)
class Member:
    """One stakeholder's view.

    Attributes
    ----------
    id, name
        As the file gives them (``name`` defaults to the id).
    kind
        ``direct``, ``rank`` or ``ahp``.
    voice
        Their share of the group's voice (the voices normalised to sum 1).
    weights
        Their own weights, by criterion id, summing to 1.
    ahp
        Their AHP result (consistency ratio, the judgements that cause the inconsistency) when
        they gave pairwise judgements.
    matrix
        Their pairwise matrix (AHP members), rows and columns in the criteria's order.
    """

    id: str
    name: str
    kind: str
    voice: float
    weights: pd.Series
    ahp: weighting.AhpResult | None = None
    matrix: np.ndarray | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Panel:
    """The stakeholders and the group's weights, computed once for the whole run.

    Attributes
    ----------
    members
        Each stakeholder's view, in the file's order.
    method
        The aggregation: ``aij``, ``aip``, ``geometric`` or ``arithmetic``.
    weights
        The group's weights, by criterion id, summing to 1: the weights the run scores with.
    consensus
        Goepel's relative homogeneity of the members' priorities (0..1; 1 = identical),
        :func:`siting.weights.consensus`.
    group
        AIJ: the AHP result of the group's matrix (its consistency ratio is the group's).
    weighting
        The run's weights at every level (groups' shares are the sums of their criteria's).
    """

    members: list[Member]
    method: StakeholderAggregate
    weights: pd.Series
    consensus: float
    group: weighting.AhpResult | None
    weighting: weighting.Weighting

    @property
    def ids(self) -> list[str]:
        """The members' ids, in the file's order."""
        return [m.id for m in self.members]

    @property
    def table(self) -> pd.DataFrame:
        """Criterion × stakeholder: each one's weights, then the group's (column ``group``)."""
        frame = pd.DataFrame({m.id: m.weights for m in self.members})
        frame["group"] = self.weights
        frame.index.name = "criterion"
        return frame


def _member_weights(member: Stakeholder, ids: list[str]) -> tuple[pd.Series, Any, Any]:
    """A member's priority vector, AHP result and pairwise matrix (the last two for AHP only)."""
    if member.weights is not None:
        return weighting.direct(pd.Series({c: member.weights[c] for c in ids})), None, None
    if member.order is not None:
        fn = (
            weighting.rank_order_centroid
            if member.rank_weights == "rank_order_centroid"
            else weighting.rank_sum
        )
        w = pd.Series(fn(len(member.order)), index=member.order).reindex(ids)
        return w.rename(None), None, None
    if member.matrix is not None:
        matrix = pd.DataFrame(np.asarray(member.matrix, dtype=float), index=ids, columns=ids)
    else:
        judged = {(a, b): float(x) for a, b, x in member.judgements or []}
        matrix = weighting.pairwise_matrix(judged, ids)
    result = weighting.ahp(matrix, criteria=ids)
    return pd.Series(result.weights, index=ids, dtype=float), result, matrix.to_numpy(float)


def group_weights(
    members: list[Member], method: StakeholderAggregate, *, voice: np.ndarray | None = None
) -> tuple[pd.Series, float, weighting.AhpResult | None]:
    """The group's weights from its members' by ``method``: the one aggregation of the run.

    Parameters
    ----------
    members
        The members aggregated (all of them, or all but one for the leave-one-out).
    method
        ``aij`` / ``aip`` (:func:`siting.weights.group_ahp`), ``geometric`` / ``arithmetic``
        (:func:`siting.weights.group_direct`).
    voice
        Their voices (default: the members' own, renormalised).

    Returns
    -------
    weights, consensus, group
        The group's weights (summing to 1), Goepel's consensus of the members' priorities and,
        for AIJ, the AHP result of the group's matrix.

    Raises
    ------
    DataError
        The aggregation leaves no weight (a geometric mean over members who each weight a
        different criterion 0), or every voice is 0.
    """
    v = np.array([m.voice for m in members], dtype=float) if voice is None else voice
    ids = list(members[0].weights.index)
    priorities = np.array([m.weights.to_numpy(dtype=float) for m in members])
    if method == "aij" or method == "aip":
        matrices = [m.matrix for m in members]
        judged = [m.ahp for m in members if m.ahp is not None]
        result = weighting.group_ahp(
            matrices, method=method, voice=list(v), criteria=ids, judges=judged
        )
        return (
            pd.Series(np.asarray(result.weights, float), index=ids),
            result.consensus,
            result.group,
        )
    w = np.asarray(priorities, dtype=float)
    # A criterion keeps weight under the geometric mean when everyone with a voice gives it some.
    if method == "geometric" and not np.all((w > 0) | (v[:, None] == 0), axis=0).any():
        # Each criterion is weighted 0 by someone: the geometric mean is 0 everywhere.
        msg = Msg(
            N_(
                "the geometric mean of the stakeholders' weights is 0 for every criterion (each "
                "is weighted 0 by someone); aggregate by the arithmetic mean, or give those "
                "criteria a small weight"
            )
        )
        raise DataError(msg)
    out = weighting.group_direct(
        w, voice=list(v), mean="geometric" if method == "geometric" else "arithmetic"
    )
    return pd.Series(np.asarray(out, dtype=float), index=ids), weighting.consensus(priorities), None


def _levels(study: Study, w: pd.Series, notes: list[str]) -> weighting.Weighting:
    """The run's weights at every level: a group's weight is the sum of its criteria's."""
    if study.groups is None:
        return weighting.Weighting.flat(w, notes=notes)
    group_of = pd.Series({c.id: c.group or "" for c in study.criteria}, name="group")
    used = list(dict.fromkeys(group_of))
    sums = w.groupby(group_of).sum().reindex(used)
    share = sums.reindex(group_of.to_numpy()).to_numpy()
    within = pd.Series(
        np.divide(w.to_numpy(), share, out=np.zeros(len(w)), where=share > 0),
        index=w.index,
        name="within",
    )
    return weighting.Weighting(
        weights=w.rename("weight"),
        within=within,
        group_of=group_of,
        groups=sums.rename("group_weight"),
        notes=notes,
    )


def aggregate(source: Locates) -> Panel:
    """Each stakeholder's weights and the group's, from a validated study's ``stakeholders:``.

    Parameters
    ----------
    source
        The study and its line numbers (for messages).

    Returns
    -------
    Panel
        The members, the group's weights and their consensus, and the run's weights at every
        level.

    Raises
    ------
    DataError
        An aggregation that leaves no weight, located at ``stakeholders.aggregate``.
    """
    study = source.study
    panel = study.stakeholders
    if panel is None:
        raise AssertionError("aggregate needs a stakeholders section")  # pragma: no cover
    ids = [c.id for c in study.criteria]
    voices = np.array([m.voice for m in panel.members], dtype=float)
    voices = voices / voices.sum()
    members: list[Member] = []
    problems: list[str] = []
    for k, spec in enumerate(panel.members):
        try:
            w, ahp, matrix = _member_weights(spec, ids)
        except DataError as exc:
            problems += [source.problem(("stakeholders", "members", k), p) for p in exc.problems]
            continue
        name = spec.name if spec.name is not None else spec.id  # LocalText: every language
        members.append(Member(spec.id, name, spec.kind, float(voices[k]), w, ahp, matrix))
    if problems:
        raise DataError(problems)
    method = panel.method
    try:
        w, agreement, group = group_weights(members, method)
    except DataError as exc:
        raise DataError(
            [source.problem(("stakeholders", "aggregate"), p) for p in exc.problems]
        ) from exc
    notes: list[str] = [_note(method, len(members), agreement)]
    notes += [
        Msg(N_("{id}: {message}"), id=m.id, message=m.ahp.message)
        for m in members
        if m.ahp is not None and not m.ahp.acceptable
    ]
    return Panel(
        members=members,
        method=method,
        weights=w.rename("weight"),
        consensus=agreement,
        group=group,
        weighting=_levels(study, w, notes),
    )


METHOD_WORDS = {
    "aij": N_("aggregation of individual judgements (AIJ)"),
    "aip": N_("aggregation of individual priorities (AIP)"),
    "geometric": N_("weighted geometric mean of their weights"),
    "arithmetic": N_("weighted arithmetic mean of their weights"),
}


def _note(method: str, count: int, agreement: float) -> Msg:
    return Msg(
        N_(
            "weights of {count} stakeholders, combined by {how}; consensus {consensus} "
            "(Goepel's relative homogeneity, 0 to 1)"
        ),
        count=count,
        how=Msg(METHOD_WORDS[method]),
        consensus=f"{agreement:.0%}",
    )


# --------------------------------------------------------------------------- what each would decide


@dataclass(frozen=True)
class StakeholderAnalysis:
    """What each stakeholder's weights would decide, and how the group's answer depends on them.

    Attributes
    ----------
    panel
        The members and the group's weights (the run's).
    members
        One row per stakeholder, indexed by id: ``name``, ``kind``, ``voice`` (share),
        ``cr`` (AHP consistency ratio, NaN otherwise), ``consistent`` (CR <= 0.10),
        ``worst_a``, ``worst_b``, ``worst_judgement``, ``worst_consistent``, ``worst_share``
        (the judgement that causes most of the inconsistency, what the others imply, its
        share), ``distance`` (half the sum of absolute differences from the group's weights:
        the share of weight that would have to move), ``spearman`` (rank correlation of their
        ranking with the group's), ``top`` (their best site), ``portfolio`` (their portfolio,
        ids), ``shared`` (sites of it in the group's), ``loo_distance`` (the same distance for
        the group without them), ``loo_portfolio``, ``loo_added``, ``loo_dropped`` (the group's
        portfolio without them and how it differs from the group's).
    ranks
        Kept candidate × stakeholder: each one's rank (competition ranks), with ``group``.
    sites
        Kept candidate, ranking order: ``name``, ``group_rank``, ``best_rank``,
        ``worst_rank``, ``first_share`` (voice-weighted share of the stakeholders who rank it
        first), ``chosen_share`` (voice-weighted share whose own portfolio holds it),
        ``chosen_by`` (their ids, ``;``-joined), ``loo_share`` (share of the leave-one-out
        groups whose portfolio holds it), ``hull_first`` and ``hull_membership`` (share of
        the weightings drawn from the stakeholders' convex hull under which it is first, or in
        the portfolio), ``in_portfolio``.
    pivotal
        The stakeholder whose leaving out changes the group's portfolio most (None when no one
        changes it).
    hull_draws
        Weightings drawn from the convex hull.
    seed
        Seed of the draws.
    """

    panel: Panel
    members: pd.DataFrame
    ranks: pd.DataFrame
    sites: pd.DataFrame
    pivotal: str | None
    hull_draws: int
    seed: int


def hull_weights(priorities: np.ndarray, draws: int, *, rng: np.random.Generator) -> np.ndarray:
    """Weightings drawn from the convex hull of the stakeholders' weights.

    Each draw is ``Σ_k λ_k w_k`` with ``λ`` uniform on the simplex (a flat Dirichlet): every
    mixture of the stakeholders' views is as likely as any other, so the draws stay inside the
    set of weights the stakeholders span, where uniform draws over all weightings do not.

    Parameters
    ----------
    priorities
        Stakeholders × criteria, rows summing to 1.
    draws
        Number of weightings.
    rng
        The random stream.
    """
    lam = rng.dirichlet(np.ones(priorities.shape[0]), size=draws)
    w = lam @ priorities
    return w / w.sum(axis=1, keepdims=True)


def _worst(member: Member) -> dict[str, Any]:
    if member.ahp is None:
        return {
            "cr": np.nan,
            "consistent": pd.NA,
            "worst_a": "",
            "worst_b": "",
            "worst_judgement": np.nan,
            "worst_consistent": np.nan,
            "worst_share": np.nan,
        }
    row = member.ahp.inconsistency.iloc[0] if len(member.ahp.inconsistency) else None
    return {
        "cr": member.ahp.cr,
        "consistent": member.ahp.acceptable,
        "worst_a": str(row["a"]) if row is not None else "",
        "worst_b": str(row["b"]) if row is not None else "",
        "worst_judgement": float(row["judgement"]) if row is not None else np.nan,
        "worst_consistent": float(row["consistent"]) if row is not None else np.nan,
        "worst_share": float(row["share"]) if row is not None else np.nan,
    }


def _hull(
    panel: Panel,
    values: pd.DataFrame,
    draws: int,
    seed: int,
    resolver: PortfolioResolver | None,
) -> tuple[pd.Series, pd.Series]:
    """Share of the hull draws in which each candidate is first, and in the portfolio."""
    nothing = pd.Series(np.nan, index=values.index)
    if draws <= 0:
        return nothing, nothing
    rng_w, rng_a, rng_p = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, 15]).spawn(3)
    )
    priorities = np.array([m.weights.to_numpy(dtype=float) for m in panel.members])
    samples = hull_weights(priorities, draws, rng=rng_w)
    first = rank_acceptability(values, weight_samples=samples, rng=rng_a).acceptability
    membership = (
        portfolio_membership(values, weight_samples=samples, solve=resolver, rng=rng_p).probability
        if resolver is not None
        else nothing
    )
    return first.iloc[:, 0], membership


def _without(panel: Panel, sid: str) -> pd.Series | None:
    """The group's weights without one member: the others, same rule, voices renormalised.

    None when no group is left: every other voice is 0, or their geometric mean is 0 for every
    criterion.
    """
    others = [o for o in panel.members if o.id != sid]
    voice = np.array([o.voice for o in others], dtype=float)
    if voice.sum() <= 0:
        return None
    try:
        return group_weights(others, panel.method, voice=voice / voice.sum())[0]
    except DataError:
        return None


def _correlation(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rank correlation of two rankings of the same candidates (NaN if one is flat)."""
    x = a.to_numpy(dtype=float)
    y = b.reindex(a.index).to_numpy(dtype=float)
    if x.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def _distance(a: pd.Series, b: pd.Series) -> float:
    """Half the L1 distance of two weightings: the share of weight that would have to move."""
    return 0.5 * float(np.abs(a.to_numpy() - b.reindex(a.index).to_numpy()).sum())


def analyse(
    results: Results, panel: Panel, *, solver: str = "highs", draws: int | None = None
) -> StakeholderAnalysis:
    """What each stakeholder's weights decide, the leave-one-out groups and the hull draws.

    Each stakeholder's candidates are scored by the study's main method with their weights
    (:func:`siting.mcda.score_study`) and ranked (:func:`siting.mcda.rank`); their portfolio
    solves the run's portfolio model with those scores (:class:`PortfolioResolver`, built
    once).  Leaving one stakeholder out re-aggregates the others by the same method with their
    voices renormalised (:func:`group_weights`), then re-scores and re-solves.  The hull draws
    use the robustness analysis's own functions (weighted sum, as its uniform draws).

    Parameters
    ----------
    results
        The run, whose weights are ``panel.weights``.
    panel
        The stakeholders (:func:`aggregate`).
    solver
        The solver of the re-solves (``highs`` in process, or ``cbc``).
    draws
        Weightings drawn from the convex hull (default: the study's ``stakeholders.draws``);
        0 skips them (``hull_first`` and ``hull_membership`` are then NaN).

    Returns
    -------
    StakeholderAnalysis
        See the class.
    """
    study = results.study
    kept = results.included
    values = results.values.loc[kept]
    main = study.method.name
    group_ranking = results.ranking.loc[kept]
    rules = portfolio_rules(results) if study.portfolio is not None and results.portfolio else None
    resolver = PortfolioResolver(rules, solver=solver) if rules is not None else None  # type: ignore[arg-type]
    order = list(kept)  # the resolver's rows: the kept candidates in the group's ranking order

    # Every weighting asked about: each member's, then the group's without each member.
    loo_weights = {m.id: _without(panel, m.id) for m in panel.members}
    asked = [m.weights for m in panel.members]
    asked += [w for w in loo_weights.values() if w is not None]
    scores = pd.DataFrame(
        {
            k: mcda.score_study(values, w, study.method, methods=[main], kept=kept)[main]
            for k, w in enumerate(asked)
        }
    ).loc[order]
    # one product over the listed feasible portfolios answers them all (else one solve each)
    picks = resolver.many(scores.to_numpy(dtype=float).T) if resolver is not None else []

    def chosen(k: int) -> list[str]:
        if resolver is None:
            return []
        col = scores[k]
        return sorted((order[i] for i in picks[k]), key=lambda c: -float(col[c]))

    group_portfolio = list(results.portfolio.ids) if results.portfolio is not None else []
    group_set = set(group_portfolio)
    ranks: dict[str, pd.Series] = {}
    portfolios: dict[str, list[str]] = {}
    loo: dict[str, tuple[pd.Series | None, list[str]]] = {}
    rows = []
    next_loo = len(panel.members)
    for k, m in enumerate(panel.members):
        ranks[m.id] = mcda.rank(scores[k])
        portfolios[m.id] = chosen(k)
        w_loo = loo_weights[m.id]
        if w_loo is not None:
            loo[m.id] = (w_loo, chosen(next_loo))
            next_loo += 1
        else:
            loo[m.id] = (None, [])
        rows.append(
            {
                "id": m.id,
                "name": m.name,
                "kind": m.kind,
                "voice": m.voice,
                **_worst(m),
                "distance": _distance(m.weights, panel.weights),
                "spearman": _correlation(ranks[m.id], group_ranking["rank"]),
                "top": str(ranks[m.id].idxmin()),
                "portfolio": portfolios[m.id],
                "shared": len(set(portfolios[m.id]) & group_set),
                "loo_distance": _distance(w_loo, panel.weights) if w_loo is not None else np.nan,
                "loo_portfolio": loo[m.id][1],
                "loo_added": [c for c in loo[m.id][1] if c not in group_set],
                "loo_dropped": [c for c in group_portfolio if c not in set(loo[m.id][1])]
                if w_loo is not None and resolver is not None
                else [],
            }
        )
    members = pd.DataFrame(rows).set_index("id")
    pivotal = None
    if resolver is not None:
        change = members["loo_dropped"].map(len)
        if change.max() > 0:
            # most sites changed; among equals, the one whose absence moves the weights most
            key = pd.DataFrame({"change": change, "moved": members["loo_distance"].fillna(0)})
            pivotal = str(
                key.sort_values(["change", "moved"], ascending=False, kind="stable").index[0]
            )
    rank_table = pd.DataFrame(ranks).reindex(order)
    rank_table["group"] = group_ranking["rank"].astype(int)
    rank_table.index.name = "id"

    voices = pd.Series({m.id: m.voice for m in panel.members})
    chosen_by = {c: [m for m in panel.ids if c in portfolios[m]] for c in order}
    spec = study.stakeholders
    if draws is None:
        draws = spec.draws if spec is not None else 1000
    seed = study.seed
    first, membership = _hull(panel, values, draws, seed, resolver)
    sites = pd.DataFrame(
        {
            "name": group_ranking["name"].astype(str),
            "group_rank": group_ranking["rank"].astype(int),
            "best_rank": rank_table[panel.ids].min(axis=1),
            "worst_rank": rank_table[panel.ids].max(axis=1),
            "first_share": (rank_table[panel.ids] == 1).astype(float) @ voices,
            "chosen_share": pd.Series(
                {c: float(voices[chosen_by[c]].sum()) for c in order}, dtype=float
            ),
            "chosen_by": pd.Series({c: ";".join(chosen_by[c]) for c in order}, dtype=object),
            "loo_share": pd.Series(
                {
                    c: float(np.mean([c in loo[m][1] for m in panel.ids if loo[m][0] is not None]))
                    if any(loo[m][0] is not None for m in panel.ids)
                    else np.nan
                    for c in order
                },
                dtype=float,
            ),
            "hull_first": first.reindex(order).to_numpy(),
            "hull_membership": membership.reindex(order).to_numpy(),
            "in_portfolio": [c in group_set for c in order],
        },
        index=pd.Index(order, name="id"),
    )
    if resolver is None:
        sites = sites.drop(columns=["chosen_share", "chosen_by", "loo_share", "hull_membership"])
    return StakeholderAnalysis(
        panel=panel,
        members=members,
        ranks=rank_table,
        sites=sites,
        pivotal=pivotal,
        hull_draws=draws,
        seed=seed,
    )
