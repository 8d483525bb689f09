"""How sure is the shortlist: one-at-a-time sweeps, stability intervals, SMAA and portfolio membership.

Every function here works on the kept candidates' value matrix ``values`` (candidates ×
criteria, value-function outputs in 0..1, higher is better) and the global ``weights`` (one
per criterion, summing to 1).  The score of a candidate is the weighted sum ``Σ_c w_c v_c``,
as in :func:`siting.pipeline.run`.

Sweeping one weight
    When the weight of criterion ``c`` is set to ``t``, the other weights are rescaled in
    proportion so that they keep their ratios and sum to ``1 - t``:
    ``w_j(t) = w_j (1 - t) / (1 - w_c)``.  Every score is then linear in ``t``:
    ``s_i(t) = r_i + t (v_ic - r_i)`` with ``r_i = Σ_{j≠c} w_j v_ij / (1 - w_c)``, which
    makes the stability intervals exact (crossing points of straight lines).  When
    ``w_c = 1`` the other weights have no proportions to keep and share ``1 - t`` equally.

Monte Carlo (SMAA-2, Lahdelma & Salminen 2001)
    Weights are drawn uniformly on the simplex (:func:`sample_weights`), criterion values
    are optionally perturbed (:class:`Uncertainty`), and each draw ranks the candidates.
    :func:`rank_acceptability` returns the rank acceptability indices ``b_i^r``, central
    weights and confidence factors; :func:`portfolio_membership` re-solves the portfolio
    integer program for every draw (:class:`PortfolioResolver` builds it once).

Ranks are competition ranks ("1224": tied candidates share the better rank), as in the
pipeline's ranking.  Every random draw comes from a :class:`numpy.random.Generator`; the
same inputs and seed give the same numbers and byte-identical tables
(:func:`write_sensitivity`).
"""

from siting.sensitivity.analysis import Sensitivity, analyse
from siting.sensitivity.draws import Uncertainty, sample_weights
from siting.sensitivity.membership import PortfolioMembership, portfolio_membership
from siting.sensitivity.methods import MethodComparison, method_rankings
from siting.sensitivity.smaa import RankAcceptability, rank_acceptability
from siting.sensitivity.sweeps import one_at_a_time, stability_intervals

__all__ = [
    "MethodComparison",
    "PortfolioMembership",
    "RankAcceptability",
    "Sensitivity",
    "Uncertainty",
    "analyse",
    "method_rankings",
    "one_at_a_time",
    "portfolio_membership",
    "rank_acceptability",
    "sample_weights",
    "stability_intervals",
]
