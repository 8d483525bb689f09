"""From raw values to a ranking: exclusions, value functions, weights, scores and ranks.

The study-level stages between measuring and choosing: each takes the validated study and plain
pandas objects keyed by candidate id and criterion id, and returns the same.  Problems are
located at the line of the criteria file that caused them through a :class:`Locates` (the
loaded criteria file), so that this module reads no file itself.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from siting import mcda, value
from siting import weights as weighting
from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.messages import Joined, Located, either
from siting.results import Reference
from siting.spec import Exclusion, Study, WeightScheme

#: A place in the criteria file: keys and list positions from the top (``("criteria", 2)``).
Loc = tuple[str | int, ...]


class Locates(Protocol):
    """What this module needs of a loaded criteria file: a message located at a key's line."""

    @property
    def study(self) -> Study:
        """The validated study."""
        ...

    def problem(self, loc: Loc, message: str) -> str:
        """``message`` prefixed with the file and the line of ``loc``."""
        ...


def score_reference(
    study: Study,
    sites: gpd.GeoDataFrame,
    facilities: dict[str, gpd.GeoDataFrame],
    raw: pd.DataFrame,
    kept_raw: pd.DataFrame,
    weights: pd.Series,
    candidate_values: pd.DataFrame,
    kept: pd.Index,
) -> Reference:
    """Value and score the reference sites as the candidates, by the weighted sum.

    The reference is never ranked against the candidates, so it is scored by the one method
    whose score does not depend on the set scored; its value-function bounds are the kept
    candidates'.  The candidates are scored the same way beside it, so that every output
    compares a candidate with the reference on one footing (:attr:`Reference.percent`).
    """
    values = value_table(study, raw, among=kept_raw)
    both = pd.concat([candidate_values, values])
    score = mcda.score_study(both, weights, study.method, methods=["weighted_sum"])
    field = score["weighted_sum"].loc[kept]
    places = {
        sid: int(mcda.rank(pd.concat([field, score["weighted_sum"].loc[[sid]]])).loc[sid])
        for sid in values.index
    }
    return Reference(
        sites=sites,
        facilities=facilities,
        raw=raw,
        values=values,
        contributions=values * weights,
        score=score.loc[values.index, "weighted_sum"],
        candidates=score.loc[candidate_values.index, "weighted_sum"],
        places=pd.Series(places, dtype="Int64"),
    )


def rule_text(rule: Exclusion) -> str:
    """The rule in words: its ``reason``, else ``population below 50000`` (a translatable Msg)."""
    if rule.reason:
        return rule.reason
    subject = rule.criterion or rule.field
    parts = []
    if rule.above is not None:
        parts.append(Msg(N_("{subject} above {value}"), subject=subject, value=f"{rule.above:g}"))
    if rule.below is not None:
        parts.append(Msg(N_("{subject} below {value}"), subject=subject, value=f"{rule.below:g}"))
    if rule.equals is not None:
        parts.append(Msg(N_("{subject} is {value}"), subject=subject, value=rule.equals))
    return either(parts)


def rule_mask(rule: Exclusion, candidates: pd.DataFrame, raw: pd.DataFrame) -> np.ndarray:
    """Which rows ``rule`` excludes: its criterion's raw value, or a candidate field, tested.

    The one test of an exclusion, for the candidates and for the cells of a surface.
    """
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
        hit = rule_mask(rule, candidates, raw)
        text = str(rule_text(rule))  # the ranking's reasons are plain text
        reasons[hit] = pd.Series(
            [f"{r}; {text}" if r else text for r in reasons[hit]], index=reasons.index[hit]
        )
    return reasons.astype(str)


def nothing_left(source: Locates, candidates: pd.DataFrame, raw: pd.DataFrame) -> str:
    """The message when the exclusions leave no candidate: how many each rule excludes."""
    counts = [
        Msg(
            N_("rule {number} ({rule}) excludes {count}"),
            number=i + 1,
            rule=rule_text(rule),
            count=int(rule_mask(rule, candidates, raw).sum()),
        )
        for i, rule in enumerate(source.study.exclude)
    ]
    return source.problem(
        ("exclude",),
        Msg(
            N_(
                "no candidate is left after the exclusions ({counts} of {total}); relax or remove a rule"
            ),
            counts=Joined(counts, "; "),
            total=len(candidates),
        ),
    )


def value_table(study: Study, raw: pd.DataFrame, *, among: pd.DataFrame) -> pd.DataFrame:
    """Value-function output (0–1) of every criterion; min-max bounds come from ``among``."""
    out = {
        c.id: value.apply(c, raw[c.id].to_numpy(), among=among[c.id].to_numpy())
        for c in study.criteria
    }
    return pd.DataFrame(out, index=raw.index)


def derive_weights(source: Locates, values: pd.DataFrame) -> weighting.Weighting:
    """The study's weights at every level: one scheme per level (groups, criteria within each).

    Parameters
    ----------
    source
        The study and its line numbers (for messages).
    values
        Kept candidate × criterion values, used by the objective schemes (entropy, CRITIC).

    Returns
    -------
    siting.weights.Weighting
        Global, within-group and group weights, the AHP results and notes on how they were
        derived.
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
        # A note starts with the scope's name as the file writes it (criteria, groups or a
        # group id), which is not translated, like a location.
        if isinstance(out, weighting.AhpResult):
            ahp[scope] = out
            notes.append(Located(scope, out.message))
            if not out.acceptable and not scheme.accept_inconsistent:
                msg = Msg(
                    N_("{message} To use them anyway, set accept_inconsistent: true."),
                    message=out.message,
                )
                raise DataError(source.problem(loc, msg))
            return pd.Series(out.weights, index=names, dtype=float)
        if scheme.method in ("entropy", "critic"):
            notes.append(
                Located(
                    scope,
                    Msg(
                        N_("{method} weights from the values of the kept candidates"),
                        method=scheme.method,
                    ),
                )
            )
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
        try:
            flat = weighting.direct(local)
        except DataError as exc:
            raise DataError([source.problem(("criteria",), p) for p in exc.problems]) from exc
        return weighting.Weighting.flat(flat, ahp=ahp, notes=notes)
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
    try:
        levels = weighting.hierarchy(pd.concat(local_parts), groups, group_w)
    except DataError as exc:
        raise DataError([source.problem(("groups",), p) for p in exc.problems]) from exc
    return replace(levels, weights=levels.weights.reindex(ids), ahp=ahp, notes=notes)


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
        judgements = {(a, b): float(x) for a, b, x in scheme.judgements or []}
        pairwise = weighting.pairwise_matrix(judgements, names)
        return weighting.ahp(pairwise, method=scheme.ahp_method, criteria=names)
    if set(names) - set(values.columns):
        msg = Msg(
            N_("{method} weights need criteria values; they cannot weight groups"), method=method
        )
        raise DataError(msg)
    objective = weighting.entropy if method == "entropy" else weighting.critic
    return pd.Series(np.asarray(objective(values[names])), index=names, dtype=float)


def score_candidates(
    source: Locates, values: pd.DataFrame, weights: pd.Series, kept: pd.Index
) -> pd.DataFrame:
    """Every candidate's score under the study's main method and each compared one.

    :func:`siting.mcda.score_study` with the study's method section; its errors are located
    at the ``method`` key of the criteria file.

    Returns
    -------
    pandas.DataFrame
        Candidate × method, main method first; NaN where a method scores only the kept
        candidates.
    """
    try:
        return mcda.score_study(values, weights, source.study.method, kept=kept)
    except DataError as exc:
        raise DataError([source.problem(("method",), p) for p in exc.problems]) from exc


def method_ranks(scores: pd.DataFrame) -> pd.DataFrame:
    """Competition ranks (:func:`siting.mcda.rank`) of the scored candidates under each method."""
    return scores.apply(lambda col: mcda.rank(col.dropna()).astype("Int64")).reindex(scores.index)


def rank_table(candidates: pd.DataFrame, score: pd.Series, reasons: pd.Series) -> pd.DataFrame:
    """Ranking: kept candidates by rank (ties by id), excluded ones after them with their reason.

    Ranks are competition ranks with siting's one tie rule (:func:`siting.mcda.rank`).
    """
    kept = reasons == ""
    rank = pd.Series(pd.NA, index=score.index, dtype="Int64")
    rank[kept] = mcda.rank(score[kept]).astype("Int64")
    table = pd.DataFrame(
        {
            "name": candidates["name"].astype(str),
            "score": score,
            "rank": rank,
            "excluded_reason": reasons,
        }
    )
    order = np.lexsort(
        (
            table.index.to_numpy(),
            -table["score"].fillna(-np.inf).to_numpy(),
            rank.fillna(len(rank) + 1).to_numpy(dtype=int),
            (~kept).to_numpy(),
        )
    )
    return table.iloc[order]
