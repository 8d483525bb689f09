"""What a run produces: one immutable object handed to every output writer and to notebooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from siting.spec import Study

if TYPE_CHECKING:
    import folium

    from siting.recommendation import Recommendation
    from siting.sensitivity import Sensitivity
    from siting.stakeholders import StakeholderAnalysis
    from siting.surface import Surface
    from siting.weights import AhpResult, Weighting


@dataclass(frozen=True)
class PortfolioChoice:
    """The chosen set of sites and why: the optimisation result mapped back to candidate ids.

    Attributes
    ----------
    ids
        Chosen candidate ids, best score first.
    objective
        Objective value (total score of the chosen sites).
    status
        Solver status in words ("Optimal", ...).
    solver, solver_version
        Which solver proved it.
    seconds
        Build plus solve time.
    binding
        One sentence per rule that binds (changes the answer or is tight at the optimum).
    binding_details
        The same facts per rule, binding or not, for outputs that write them in another
        language: ``rule``, ``value``, ``binds``, ``objective``, ``objective_without``,
        ``selected_without`` (candidate ids) and the rule's own keys (``pairs``: ids and km;
        ``groups``; ``cost_without``; ``dropped`` / ``added``: ids; ``centres``: names).
    population_covered
        Demand within the coverage radius of a chosen site, when the study defines coverage.
    proven
        Whether the portfolio is proved optimal.  False when the solve stopped at the
        portfolio's ``time_limit_s`` with the best portfolio it had found (``status``
        ``"Stopped at the time limit"``); the rules are then not explained.
    bound
        When not proven: the best objective any portfolio could reach, as the solver proved
        it by the limit (None when proven or not known).
    gap
        When not proven: ``|bound - objective| / |objective|``, the most the portfolio may
        fall short of the optimum, relative to it.
    time_limit_s
        The time limit each integer program had (None: none).
    """

    ids: list[str]
    objective: float
    status: str
    solver: str
    solver_version: str
    seconds: float
    binding: list[str] = field(default_factory=list)
    binding_details: list[dict[str, Any]] = field(default_factory=list)
    population_covered: float | None = None
    proven: bool = True
    bound: float | None = None
    gap: float | None = None
    time_limit_s: float | None = None


@dataclass(frozen=True)
class Reference:
    """The reference sites (Novosibirsk's science cities) scored under the study's criteria.

    They are measured against the study's layers plus the reference's own facilities, valued
    with the same value functions (min-max bounds from the kept candidates, clipped to 0..1) and
    weighted with the same weights; the score is the weighted sum. Never ranked or selected.

    Attributes
    ----------
    sites
        The reference candidates (EPSG:4326), indexed by id, with ``name``.
    facilities
        The reference's facilities by study layer name.
    raw, values, contributions
        Reference site × criterion, as for the candidates.
    score
        Weighted-sum score of each reference site.
    candidates
        Weighted-sum score of each candidate: the footing on which candidates are compared
        with the reference, whatever the study's main method (empty when not given).
    places
        Where each reference site would rank among the kept candidates on that footing
        (competition rank of the site among them, :func:`siting.mcda.rank`).
    """

    sites: gpd.GeoDataFrame
    facilities: dict[str, gpd.GeoDataFrame]
    raw: pd.DataFrame
    values: pd.DataFrame
    contributions: pd.DataFrame
    score: pd.Series
    candidates: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    places: pd.Series = field(default_factory=lambda: pd.Series(dtype="Int64"))

    @property
    def best(self) -> str:
        """Id of the best-scoring reference site (the benchmark figure)."""
        return str(self.score.idxmax())

    @property
    def percent(self) -> pd.Series:
        """Each candidate's weighted-sum score as a percentage of the best reference site's."""
        top = float(self.score.max())
        return 100 * self.candidates / top if top else self.candidates * float("nan")


@dataclass(frozen=True)
class Results:
    """Everything a run computed, keyed by candidate id and criterion id.

    Attributes
    ----------
    study
        The validated study.
    source
        The criteria file it came from.
    inputs
        Every file the run read (the criteria file, then the layers it names) → its SHA-256,
        taken when it was read.
    candidates
        Candidate layer (EPSG:4326), indexed by id; ``name`` column.
    layers
        Facility layers by name (EPSG:4326), indexed by id.
    raw
        Candidate × criterion raw values, in each criterion's unit.
    values
        Candidate × criterion value-function outputs, 0 (worst) to 1 (best).
    weighting
        The weights at every level: global, within each group, of the groups, with the AHP
        results and notes on how they were derived (:class:`siting.weights.Weighting`).
    contributions
        ``values * weights``: each criterion's share of the score.
    ranking
        Indexed by candidate id, sorted by rank: ``name``, ``score``, ``rank``
        (nullable integer, missing for excluded candidates), ``excluded_reason``
        (empty string when the candidate is kept).
    portfolio
        The chosen set of sites, when the study has a ``portfolio`` section.
    timings
        Seconds spent in each stage.
    method_scores, method_ranks
        Kept candidate × method: the score (higher is better; VIKOR as 1 − Q) and the rank
        under the main method and every compared one (``method.compare``), both from
        :func:`siting.mcda.score_study` and :func:`siting.mcda.rank`.
    agreement
        One row per pair of methods: Spearman's ρ, Kendall's τ-b and top-k overlap.
    reference
        The reference sites scored under the same criteria, when the study names a reference.
    boundaries
        Polygons to draw under maps (border, regions), when the study names them.
    alternatives
        The next-best portfolios, each differing from the optimum (and each other) by at least
        ``portfolio.alternatives.differ_by`` sites, best first.
    pareto
        The Pareto front of total score against population covered: ``total_score``,
        ``population_covered``, ``covered_share``, ``sites``, ``ids`` (list), ``names``,
        ``optimal_for_score``.
    sensitivity
        The robustness analysis (:class:`siting.sensitivity.Sensitivity`) when the study has a
        ``sensitivity`` section or it was asked for.
    recommendation
        The answer first (:class:`siting.recommendation.Recommendation`): the chosen sites,
        why, how sure, the contender and the nearest alternative; every output that opens with
        the answer shows this one computation.
    stakeholders
        Several stakeholders' weights, when the study has a ``stakeholders`` section
        (:class:`siting.stakeholders.StakeholderAnalysis`): each one's ranking and portfolio,
        the leave-one-out groups and the sites' robustness over them.  ``weighting`` then holds
        the group's weights, the ones :attr:`stakeholders.panel <StakeholderAnalysis.panel>`
        computed.
    surface
        The suitability surface (:class:`siting.surface.Surface`), when the study has a
        ``surface`` section.
    changed_in_code
        True when the study was changed in code after its criteria file was read
        (:meth:`siting.Study.replace`): ``source`` then no longer describes it, so the
        manifest records the study itself.
    """

    study: Study
    source: Path
    inputs: dict[Path, str]
    candidates: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame]
    raw: pd.DataFrame
    values: pd.DataFrame
    weighting: Weighting
    contributions: pd.DataFrame
    ranking: pd.DataFrame
    portfolio: PortfolioChoice | None = None
    timings: dict[str, float] = field(default_factory=dict)
    method_scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    method_ranks: pd.DataFrame = field(default_factory=pd.DataFrame)
    agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    reference: Reference | None = None
    boundaries: gpd.GeoDataFrame | None = None
    sensitivity: Sensitivity | None = None
    alternatives: list[PortfolioChoice] = field(default_factory=list)
    pareto: pd.DataFrame = field(default_factory=pd.DataFrame)
    recommendation: Recommendation | None = None
    stakeholders: StakeholderAnalysis | None = None
    changed_in_code: bool = False
    surface: Surface | None = None

    @property
    def weights(self) -> pd.Series:
        """Global weight of each criterion (sums to 1)."""
        return self.weighting.weights

    @property
    def weight_notes(self) -> list[str]:
        """Sentences about how the weights were derived (AHP consistency, objective weights)."""
        return self.weighting.notes

    @property
    def ahp(self) -> dict[str, AhpResult]:
        """The AHP results by scope (``"groups"`` or a group id, or ``"criteria"``)."""
        return self.weighting.ahp

    @property
    def included(self) -> pd.Index:
        """Ids of the candidates that passed every exclusion."""
        return self.ranking.index[self.ranking["excluded_reason"] == ""]

    def top(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` best-ranked candidates."""
        return self.ranking[self.ranking["rank"].notna()].head(n)

    def write(self, out_dir: str | Path, *, lang: str | None = None) -> dict[str, Path]:
        """Write every output of the run into ``out_dir``, as ``siting run`` does.

        The same function as the command (:func:`siting.outputs.write_all`): the files are
        published as one set, the folder holding the complete previous set or the complete
        new one, and an output never replaces an input.

        Parameters
        ----------
        out_dir
            The output folder (created if needed).
        lang
            ``kk``, ``ru`` or ``en`` (default: the study's ``language``).

        Returns
        -------
        dict
            Output name → its path, ``manifest.json`` last.

        Raises
        ------
        siting.errors.OutputError
            The folder cannot take the set (see :func:`siting.outputs.write_all`); it is then
            as it was.
        """
        # One of the conveniences that call up into the writers (the import contract names
        # them in pyproject.toml): the writers read Results, never the other way round.
        from siting.outputs import write_all

        return write_all(self, out_dir, lang=lang)

    def map(self, lang: str | None = None, **options: Any) -> folium.Map:
        """The interactive map of this run, as a ``folium.Map``.

        A notebook shows it inline, with no network; folium's own API extends it (a layer,
        online tiles); ``save`` writes the same offline page as ``siting run``'s map.html.

        Parameters
        ----------
        lang
            ``kk``, ``ru`` or ``en`` (default: the study's ``language``).
        **options
            ``offline``, ``tiles``, ``live``, ``height``: see
            :func:`siting.outputs.maps.folium_map`.
        """
        # The one call from the results up into the writers, for notebooks: the outputs read
        # Results, never the other way round, except for these two conveniences (the import
        # contract names them in pyproject.toml).
        from siting.outputs.maps import folium_map

        return folium_map(self, lang=lang, **options)

    def _repr_html_(self) -> str:
        """The answer first, as a notebook shows a run: recommendation, how sure, top ten."""
        from siting.outputs.map.summary import summary_html

        return str(summary_html(self))
