"""The answer first: which sites, why, how sure, and what would change it.

One computation, shown by every output that opens with the answer (the CLI summary, the map's
first panel, the report's first page): the chosen sites with what makes each strong and what
holds it back, each site's share of the robustness draws in which it is in the optimal
portfolio, the contender for a site that is a close call, the nearest alternative portfolio
and the rules that bind.  The texts are written by the outputs in the reader's language; this
module holds only facts (ids, criterion ids, numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.results import PortfolioChoice, Results

#: A chosen site in the optimal portfolio in fewer than this share of the weight draws is a
#: close call: another weighting as plausible as the study's would choose differently.
FIRM_SHARE = 0.5

#: An alternative portfolio whose total score is within this share of the optimum's is a
#: close call too: the two differ by less than the data's own precision could justify.
CLOSE_GAP = 0.02

#: Criteria named as a site's strengths or as what holds it back.
POINTS = 2


@dataclass(frozen=True)
class Point:
    """One criterion that helps or hinders a candidate, measured against a reference candidate.

    Attributes
    ----------
    criterion
        The criterion id.
    contribution
        The candidate's contribution to its weighted-sum score (weight × value).
    other
        The reference candidate's contribution (the field's mean for a strength, the leader's
        for a weakness).
    """

    criterion: str
    contribution: float
    other: float

    @property
    def gap(self) -> float:
        """``contribution - other``: positive for a strength, negative for a weakness."""
        return self.contribution - self.other


@dataclass(frozen=True)
class Verdict:
    """What the study says about one candidate.

    Attributes
    ----------
    id
        The candidate id.
    rank
        Its rank under the study's method (None when excluded).
    score
        Its score under the study's method.
    strengths
        Criteria on which it does best against the kept candidates' mean, best first.
    weaknesses
        Criteria on which it falls furthest behind the leader, worst first (empty for the
        leader itself, whose weaknesses are measured against the runner-up).
    share
        Share of the weight draws in which it is in the optimal portfolio (None without a
        robustness analysis or a portfolio).
    firm
        In the optimal portfolio in at least :data:`FIRM_SHARE` of the draws (True when no
        draws were made: nothing says otherwise).
    contender
        For a chosen site that is a close call, the candidate that most often takes its place.
    """

    id: str
    rank: int | None
    score: float
    strengths: tuple[Point, ...]
    weaknesses: tuple[Point, ...]
    share: float | None = None
    firm: bool = True
    contender: str | None = None


@dataclass(frozen=True)
class Recommendation:
    """The answer of a run, with how sure it is and what would change it.

    Attributes
    ----------
    sites
        The chosen sites (best score first), or the top three when the study has no portfolio.
    shortlist
        Verdicts of the top ten and of every chosen site, in ranking order.
    leader
        The best-ranked candidate.
    alternative
        The nearest alternative portfolio, when the study asked for alternatives.
    gap
        The alternative's shortfall in total score, as a share of the optimum's.
    close
        Whether the answer is a close call: a chosen site is not firm, or the nearest
        alternative is within :data:`CLOSE_GAP`.
    binding
        The portfolio's binding rules (their sentences and structured details).
    draws
        Number of weight draws behind the shares (0 without a robustness analysis).
    """

    sites: tuple[Verdict, ...]
    shortlist: tuple[Verdict, ...]
    leader: str
    alternative: PortfolioChoice | None = None
    gap: float | None = None
    close: bool = False
    binding: tuple[str, ...] = field(default_factory=tuple)
    draws: int = 0

    def verdict(self, cid: str) -> Verdict | None:
        """The verdict on candidate ``cid``, when it is in the shortlist."""
        return next((v for v in self.shortlist if v.id == cid), None)


def _points(own: dict[str, float], against: dict[str, float], *, best: bool) -> tuple[Point, ...]:
    """The criteria where ``own`` is furthest above (``best``) or below ``against``."""
    gaps = {c: own[c] - against[c] for c in own}
    picked = [c for c in gaps if (gaps[c] > 0 if best else gaps[c] < 0)]
    # Largest gap first; ties keep the study's criterion order.
    picked.sort(key=lambda c: -gaps[c] if best else gaps[c])
    return tuple(Point(c, own[c], against[c]) for c in picked[:POINTS])


def _contender(results: Results, cid: str, chosen: set[str]) -> str | None:
    """The candidate that most often takes ``cid``'s place in the draws' optimal portfolios."""
    sens = results.sensitivity
    if sens is None or sens.membership is None:
        return None
    counts: dict[str, float] = {}
    table = sens.membership.portfolios
    for portfolio, share in zip(table["portfolio"], table["share"].astype(float), strict=True):
        members = set(str(portfolio).split(";"))
        if cid in members:
            continue
        for other in members - chosen:
            counts[other] = counts.get(other, 0.0) + share
    if not counts:
        return None
    return max(sorted(counts), key=lambda k: counts[k])


def recommend(results: Results, *, top: int = 10) -> Recommendation:
    """What a run recommends, how sure it is, and what would change it.

    Parameters
    ----------
    results
        The run (with its robustness analysis when it has one).
    top
        How many of the best-ranked candidates get a verdict beside the chosen sites.

    Returns
    -------
    Recommendation
        See the class.
    """
    ranking = results.ranking
    kept = ranking.index[ranking["excluded_reason"] == ""]
    contributions = results.contributions.loc[kept]
    rows = {
        str(cid): {str(c): float(v) for c, v in zip(contributions.columns, row, strict=True)}
        for cid, row in zip(contributions.index, contributions.to_numpy(dtype=float), strict=True)
    }
    mean = {str(c): float(v) for c, v in contributions.mean(axis=0).items()}
    rank_of = ranking["rank"].to_dict()
    score_of = ranking["score"].astype(float).to_dict()
    order = list(kept)
    leader = str(order[0])
    runner_up = str(order[1]) if len(order) > 1 else leader
    chosen = list(results.portfolio.ids) if results.portfolio is not None else order[:3]
    sens = results.sensitivity
    membership = sens.membership if sens is not None else None
    shares = membership.probability.to_dict() if membership is not None else None
    draws = int(membership.draws) if membership is not None else 0

    def verdict(cid: str) -> Verdict:
        rank = rank_of[cid]
        against = rows[runner_up if cid == leader else leader]
        share = float(shares.get(cid, 0.0)) if shares is not None else None
        firm = share is None or share >= FIRM_SHARE or results.portfolio is None
        in_portfolio = cid in chosen and results.portfolio is not None
        return Verdict(
            id=cid,
            rank=None if pd.isna(rank) else int(rank),
            score=score_of[cid],
            strengths=_points(rows[cid], mean, best=True),
            weaknesses=_points(rows[cid], against, best=False),
            share=share,
            firm=firm if in_portfolio else True,
            contender=(
                _contender(results, cid, set(chosen)) if in_portfolio and not firm else None
            ),
        )

    listed = list(dict.fromkeys([*order[:top], *chosen]))
    listed.sort(key=lambda c: order.index(c))
    shortlist = tuple(verdict(str(c)) for c in listed)
    by_id = {v.id: v for v in shortlist}
    sites = tuple(by_id[str(c)] for c in chosen)
    alternative = results.alternatives[0] if results.alternatives else None
    gap = None
    if alternative is not None and results.portfolio is not None:
        best = results.portfolio.objective
        gap = float((best - alternative.objective) / abs(best)) if best else np.nan
    close = any(not v.firm for v in sites) or (gap is not None and gap <= CLOSE_GAP)
    if alternative is not None and gap is not None and gap <= CLOSE_GAP:
        # A site the alternative swaps out is a close call even when the draws favour it.
        swapped = [v for v in sites if v.id not in set(alternative.ids)]
        incoming = [c for c in alternative.ids if c not in set(chosen)]
        for v, c in zip(swapped, incoming, strict=False):
            if v.contender is None:
                sites = tuple(
                    Verdict(**{**s.__dict__, "firm": False, "contender": c}) if s is v else s
                    for s in sites
                )
        shortlist = tuple(next((s for s in sites if s.id == v.id), v) for v in shortlist)
    return Recommendation(
        sites=sites,
        shortlist=shortlist,
        leader=leader,
        alternative=alternative,
        gap=gap,
        close=close,
        binding=tuple(results.portfolio.binding) if results.portfolio is not None else (),
        draws=draws,
    )
