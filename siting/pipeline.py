"""The only orchestrator: a criteria file in, a :class:`~siting.results.Results` out.

Stages run in one direction (load → layers → features → values → weights →
score → portfolio) and pass plain pandas objects keyed by candidate id and
criterion id.  Problems in the inputs are collected per stage and raised
together, each pointing at the line of the criteria file that caused it; an error raised once
the study is read carries the study's ``language``, in which the CLI prints it by default.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Literal

import pandas as pd

from siting import mcda
from siting.choice import choose_portfolio
from siting.errors import CriteriaError, DataError, SitingError
from siting.i18n import N_, Msg
from siting.inputs import draft_problems
from siting.messages import Joined
from siting.recommendation import recommend
from siting.results import PortfolioChoice, Results
from siting.scoring import (
    derive_weights,
    exclusion_reasons,
    method_ranks,
    nothing_left,
    rank_table,
    score_candidates,
    score_reference,
    value_table,
)
from siting.sensitivity import Sensitivity, Uncertainty, analyse
from siting.spec import SensitivitySpec
from siting.study import Study

Progress = Callable[[str], None]

#: Shortlist size compared by the method-agreement table.
TOP_K = 10


def run(
    study: str | Path | Study,
    *,
    progress: Progress | None = None,
    sensitivity: bool | None = None,
    surface: bool | Literal["check"] | None = None,
    portfolio: bool = True,
    scheduler: str | None = None,
) -> Results:
    """Run a study: from its criteria file, or from a :class:`~siting.study.Study` in memory.

    Nothing is written; :meth:`siting.results.Results.write` writes every output.

    Parameters
    ----------
    study
        The criteria file (YAML), or a study loaded with :meth:`siting.Study.load` and perhaps
        changed with :meth:`~siting.Study.replace`.  A study in memory keeps the layers it
        read and the values it measured, so a second run of it (or of a changed copy) reads
        and measures only what changed (:mod:`siting.study`).
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
        if not isinstance(study, Study):
            if not isinstance(study, str | Path):
                raise TypeError(_not_a_study(study))
            study = Study.load(study)
    try:
        return _run(
            study,
            stage,
            timings,
            sensitivity=sensitivity,
            surface=surface,
            portfolio=portfolio,
            scheduler=scheduler,
        )
    except SitingError as exc:
        if exc.language is None:
            exc.language = study.spec.language
        raise


def _not_a_study(value: object) -> str:
    """Why ``run`` cannot take ``value`` (a programming mistake, so a TypeError)."""
    return Msg(
        N_(
            "run() takes a criteria file's path or a siting.Study, not {kind}; load a study "
            "with siting.Study.load(path)"
        ),
        kind=type(value).__name__,
    )


def _run(
    loaded: Study,
    stage: Callable[[str], AbstractContextManager[None]],
    timings: dict[str, float],
    *,
    sensitivity: bool | None,
    surface: bool | Literal["check"] | None = None,
    portfolio: bool = True,
    scheduler: str | None = None,
) -> Results:
    """The stages of :func:`run` after loading the criteria file."""
    source = loaded.source
    study = source.study
    with stage("layers"):
        inputs = loaded.read_inputs()
        candidates, layers = inputs.candidates, inputs.layers
        ref_sites, ref_facilities = inputs.reference_sites, inputs.reference_facilities
    with stage("features"):
        raw, ref_raw = loaded.measure(inputs)
    with stage("values"):
        reasons = exclusion_reasons(study, candidates, raw)
        kept = reasons == ""
        if not kept.any():
            raise DataError(nothing_left(source, candidates, raw))
        values = value_table(study, raw, among=raw[kept])
    with stage("weights"):
        weighting = derive_weights(source, values[kept])
        w = weighting.weights
    with stage("score"):
        scores = score_candidates(source, values, w, kept=candidates.index[kept])
        ranking = rank_table(candidates, scores[study.method.name], reasons)
        kept_scores = scores.loc[candidates.index[kept]]
        ranks = method_ranks(kept_scores)
        reference = None
        if ref_sites is not None and ref_raw is not None:
            reference = score_reference(
                study, ref_sites, ref_facilities, ref_raw, raw[kept], w, values, kept_scores.index
            )
        agreement = (
            mcda.agreement(ranks.astype(float), k=min(TOP_K, len(ranks)))
            if ranks.shape[1] > 1
            else pd.DataFrame()
        )
    chosen = None
    alternatives: list[PortfolioChoice] = []
    pareto = pd.DataFrame()
    if study.portfolio is not None and portfolio:
        with stage("portfolio"):
            chosen, alternatives, pareto = choose_portfolio(source, candidates, layers, ranking)
    grid = None
    if study.surface is not None and surface == "check":
        from siting.surface import check as check_surface  # h3, pyarrow: only for a surface

        with stage("surface"):
            check_surface(
                source,
                candidates=candidates,
                layers=layers,
                boundaries=inputs.boundaries,
                weights=w,
                kept=candidates.index[kept],
            )
    elif study.surface is not None and surface is not False:
        from siting.surface import build as build_surface

        with stage("surface"):
            grid = build_surface(
                source,
                candidates=candidates,
                layers=layers,
                boundaries=inputs.boundaries,
                weights=w,
                kept=candidates.index[kept],
                scheduler=scheduler,
            )
    results = Results(
        study=study,
        source=source.path,
        inputs=inputs.hashes,
        candidates=candidates,
        layers=layers,
        raw=raw,
        values=values,
        weighting=weighting,
        contributions=values * w,
        ranking=ranking,
        portfolio=chosen,
        timings=timings,
        method_scores=kept_scores,
        method_ranks=ranks,
        agreement=agreement,
        reference=reference,
        boundaries=inputs.boundaries,
        alternatives=alternatives,
        pareto=pareto,
        changed_in_code=source.changed,
        surface=grid,
    )
    if sensitivity or (sensitivity is None and study.sensitivity is not None):
        with stage("sensitivity"):
            results = replace(results, sensitivity=analyse_sensitivity(results))
    return replace(results, recommendation=recommend(results))


def analyse_sensitivity(results: Results) -> Sensitivity:
    """The robustness analysis of a run with the study's ``sensitivity`` settings (or defaults)."""
    spec = results.study.sensitivity or SensitivitySpec()
    uncertainty = {
        cid: Uncertainty(
            "uniform" if u.uniform is not None else "normal", u.uniform or u.normal or 0.0
        )
        for cid, u in spec.uncertainty.items()
    }
    return analyse(
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


#: What each stage checks, in the words of ``siting validate``'s note on skipped checks.
#: What each stage is doing, in words, for a progress display (``progress`` gets the ids).
STAGES: dict[str, str] = {
    "criteria": N_("reading the criteria file"),
    "layers": N_("reading the layers"),
    "features": N_("measuring the criteria"),
    "values": N_("applying the exclusions and value functions"),
    "weights": N_("deriving the weights"),
    "score": N_("scoring the candidates"),
    "portfolio": N_("choosing the portfolio"),
    "surface": N_("scoring the surface"),
    "sensitivity": N_("testing how robust the answer is"),
}

CHECKS: dict[str, str] = {
    "criteria": Msg(N_("the criteria file")),
    "layers": Msg(N_("the layers and the fields the study uses")),
    "features": Msg(N_("measuring the criteria")),
    "values": Msg(N_("the exclusions and value functions")),
    "weights": Msg(N_("the weights")),
    "score": Msg(N_("the scores under every method")),
    "portfolio": Msg(N_("the portfolio's rules and feasibility")),
}


def validate(path: str | Path | Study) -> Results:
    """Check a criteria file (or a study in memory), its layers and its rules; write nothing.

    Runs every stage that can find a mistake (as :func:`run`, without the robustness analysis).
    When the file itself is not a valid study, the layer files it names and the fields it uses
    are still checked (:func:`siting.inputs.draft_problems`), so that every problem a planner
    can fix now is reported together.  The checks that could not run are named in the error's
    ``notes``.

    Raises
    ------
    siting.errors.SitingError
        Every problem found, in the order of the file's lines, with ``notes`` saying which
        checks were skipped because of them.
    """
    started: list[str] = []
    try:
        return run(path, progress=started.append, sensitivity=False, surface="check")
    except SitingError as exc:
        problems = list(exc.problems)
        if isinstance(exc, CriteriaError) and exc.draft is not None:
            problems += draft_problems(exc.draft)
        failed = started[-1] if started else "criteria"
        stages = list(CHECKS)
        later = [CHECKS[s] for s in stages[stages.index(failed) + 1 :]] if failed in CHECKS else []
        if isinstance(exc, CriteriaError):
            # The draft's layers and fields were checked above; a file that is not even YAML
            # got no further than its own text.
            later = [CHECKS[s] for s in stages[2 if exc.draft is not None else 1 :]]
        notes = (
            [
                Msg(
                    N_("not checked until the problems above are fixed: {checks}"),
                    checks=Joined(later, ", "),
                )
            ]
            if later
            else []
        )
        error = type(exc)(_by_line(problems), notes=notes, language=exc.language)
        raise error from exc


def _by_line(problems: list[str]) -> list[str]:
    """Problems in the order of the files and lines they name (others keep their place)."""

    def key(item: tuple[int, str]) -> tuple[str, int, int]:
        pos, text = item
        match = re.match(r"(.*?):(\d+): ", text)
        return (match.group(1), int(match.group(2)), pos) if match else ("", 0, pos)

    return list(dict.fromkeys(text for _, text in sorted(enumerate(problems), key=key)))
