"""Several programmes at once: a programme file, read and checked, and the sites allocated.

A programme file (``programmes/national.yaml``) names several studies (the criteria profiles:
science city, academic campus, nuclear town, ...), the number of sites each gets and the rules
they share (at most one programme per town, or listed compatible pairs; a shared budget; a
spacing between sites of different programmes; a cap per region over all programmes).  It is
read like a criteria file (:func:`siting.criteria.read_model`): every problem reported together
as ``file:line: key: what is wrong; how to fix it``.

:func:`allocate` takes the runs of the profiles (:func:`siting.pipeline.run`, each with its own
scores and portfolio rules, built by :func:`siting.choice.build_rules` exactly as ``siting run``
builds them) and solves one integer program over all programmes
(:mod:`siting.optimise.joint`); then says what each programme gives up against its own optimum,
compares the allocation with choosing programme after programme, says which shared rules bind,
and, under weight draws, how sure the allocation is.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from siting import criteria as criteria_files
from siting import features
from siting.choice import build_rules
from siting.errors import CriteriaError, DataError, InfeasibleError
from siting.i18n import N_, Msg
from siting.inputs import apply_groupings
from siting.messages import Located, all_of, did_you_mean
from siting.optimise import solve_rules
from siting.optimise._core import solver_version
from siting.optimise.joint import (
    Binding,
    JointOutcome,
    JointRules,
    Programme,
    Sequential,
    alone,
    binding,
    conflict,
    prepare_joint,
    relax,
    sequential,
    solve_joint,
)
from siting.results import Results
from siting.sensitivity.draws import sample_weights
from siting.spec import (
    AtMostPer,
    Grouping,
    Language,
    NonNegative,
    Positive,
    Seed,
    SiteCount,
    Text,
    Why,
)
from siting.spec import Portfolio as PortfolioSpec

__all__ = ["Allocation", "ProgrammeFile", "ProgrammesSpec", "allocate", "json_schema_text", "load"]

#: Weight draws of the "how sure" analysis: one joint integer program each.
MAX_DRAWS = 1000


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        msg = Msg(N_("{value} is not a number; write a number here"), value=str(value).lower())
        raise ValueError(msg)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SitesRange(_Strict):
    """A range of site counts: ``{min: 1, max: 3}``."""

    min: Annotated[int, Field(ge=0), BeforeValidator(_not_bool)] = Field(
        0, description="Fewest sites of the programme."
    )
    max: SiteCount = Field(description="Most sites of the programme.")

    @model_validator(mode="after")
    def _ordered(self) -> SitesRange:
        if self.min > self.max:
            msg = Msg(
                N_("min {min} is greater than max {max}; swap them"), min=self.min, max=self.max
            )
            raise ValueError(msg)
        return self


class CostField(_Strict):
    """Each site's cost read from a candidate attribute: ``{field: build_cost}``."""

    field: str = Field(description="Candidate attribute holding the site's cost.")


class ProgrammeSpec(_Strict):
    """One programme: a criteria profile, its number of sites, its weight and cost."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = Field(
        description="Name of the programme (letters, digits, _), used in tables and rules."
    )
    label: Text | None = Field(
        None, description="Name shown to readers (default: the study's title)."
    )
    profile: Path = Field(description="The programme's criteria file, relative to this file.")
    sites: SiteCount | SitesRange | None = Field(
        None, description="Number of sites, or {min, max}; default the profile's portfolio.sites."
    )
    weight: Positive = Field(
        1.0, description="Weight of the programme's total score in the joint objective."
    )
    cost: NonNegative | CostField | None = Field(
        None, description="Cost of one site: a number, or {field: ...} per candidate."
    )


class Shared(_Strict):
    """The rules the programmes share."""

    at_most_per_town: Annotated[
        int,
        Field(ge=1, le=20),
        BeforeValidator(_not_bool),
        Why(Msg(N_("a town hosts at most a handful of programmes"))),
    ] = Field(1, description="At most this many programmes in one town.")
    compatible: list[list[str]] | None = Field(
        None,
        description="Pairs of programme ids that may share a town (with at_most_per_town >= 2); "
        "without it any programmes may.",
    )
    budget: Positive | None = Field(None, description="Total cost of all programmes' sites.")
    min_spacing_km: NonNegative | None = Field(
        None, description="Least distance between sites of different programmes."
    )
    at_most_per: AtMostPer | None = Field(
        None, description="At most `count` sites of all programmes per value of `field`."
    )


class ProgrammesSpec(_Strict):
    """A programme file: several studies allocated together."""

    title: Text = Field(description="Title of the allocation (one text or per language).")
    language: Language = Field("en", description="Language of the outputs; `--lang` overrides it.")
    programmes: list[ProgrammeSpec] = Field(min_length=1)
    groupings: dict[str, Grouping] = Field(
        default_factory=dict,
        description="Groupings the shared rules count by, defined here as in a criteria file "
        "(a profile's own groupings serve that profile only).",
    )
    shared: Shared = Field(default_factory=Shared)
    solver: Literal["cbc", "highs"] = Field("cbc", description="MILP solver.")
    time_limit_s: Positive | None = Field(
        300.0, description="Stop the joint solve after so many seconds (best found, marked)."
    )
    draws: Annotated[
        int,
        Field(ge=0, le=MAX_DRAWS),
        BeforeValidator(_not_bool),
        Why(Msg(N_("each draw solves one joint integer program"))),
    ] = Field(30, description="Weight draws for how sure the allocation is (0: none).")
    seed: Seed = Field(0, description="Seed of the weight draws.")


def json_schema_text() -> str:
    """The JSON Schema of programme files (``siting schema --programmes``), as indented JSON."""
    schema = ProgrammesSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "siting programme file"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class ProgrammeFile:
    """A checked programme file: the spec, where it is, and each programme's criteria file.

    Attributes
    ----------
    spec
        The validated file.
    path, shown
        The file, absolute and as the user gave it.
    lines
        The line of every key (for problems found later).
    profiles
        Each programme's criteria file, absolute.
    """

    spec: ProgrammesSpec
    path: Path
    shown: Path
    lines: dict[Any, int]
    profiles: tuple[Path, ...]

    def problem(self, loc: tuple[str | int, ...], text: str) -> Located:
        """``file:line: key: text`` for a problem found after reading."""
        line = 1
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                line = self.lines[loc[:end]]
                break
        return Located(f"{self.shown}:{line}", text, key=criteria_files.format_loc(loc))


def load(path: str | Path) -> ProgrammeFile:
    """Read and check a programme file; every problem together, each at its line.

    Beyond the types and ranges: programme ids unique, compatible pairs naming programmes
    (and needing ``at_most_per_town >= 2``), a budget needing costs, every profile a valid
    criteria file (its own problems listed as well), with a portfolio section or ``sites``
    here, and all profiles on the same candidates.

    Raises
    ------
    CriteriaError
        Every problem found.
    """
    if not Path(path).exists():
        msg = Msg(N_("programme file not found; check the path"))
        raise CriteriaError(Located(str(path), msg))
    read = criteria_files.read_model(path, ProgrammesSpec)
    problems = list(read.problems)
    spec = read.value
    if not isinstance(spec, ProgrammesSpec):
        raise CriteriaError(problems, language=_language(read.data))
    at = read.problem
    ids = [p.id for p in spec.programmes]
    for i, p in enumerate(spec.programmes):
        if ids.index(p.id) != i:
            problems.append(
                at(
                    ("programmes", i, "id"),
                    Msg(N_("programme {id} is listed twice; give each its own id"), id=repr(p.id)),
                )
            )
    _shared_problems(spec, ids, at, problems)
    profiles: list[Path] = []
    candidates: Path | None = None
    for i, p in enumerate(spec.programmes):
        file = (read.path.parent / p.profile).resolve()
        profiles.append(file)
        where = ("programmes", i, "profile")
        if not file.is_file():
            problems.append(
                at(
                    where,
                    Msg(
                        N_(
                            "profile {file} not found; give the path of a criteria file, relative to this file"
                        ),
                        file=str(p.profile),
                    ),
                )
            )
            continue
        try:
            study = criteria_files.load(file).study
        except CriteriaError as exc:
            problems.append(
                at(
                    where,
                    Msg(
                        N_(
                            "profile {file} has problems (listed below); fix them or run siting validate on it"
                        ),
                        file=str(p.profile),
                    ),
                )
            )
            problems += exc.problems
            continue
        if study.portfolio is None and p.sites is None:
            problems.append(
                at(
                    ("programmes", i),
                    Msg(
                        N_(
                            "profile {file} has no portfolio section; give the number of sites here (sites: 2)"
                        ),
                        file=str(p.profile),
                    ),
                )
            )
        mine = (file.parent / study.candidates).resolve()
        if candidates is None:
            candidates = mine
        elif mine != candidates:
            problems.append(
                at(
                    where,
                    Msg(
                        N_(
                            "profile {file} uses the candidates {mine}, the first programme {first}; programmes share one set of towns, so use the same candidates file"
                        ),
                        file=str(p.profile),
                        mine=str(mine),
                        first=str(candidates),
                    ),
                )
            )
    if problems:
        raise CriteriaError(problems, language=spec.language)
    return ProgrammeFile(
        spec=spec, path=read.path, shown=read.shown, lines=read.lines, profiles=tuple(profiles)
    )


def _language(data: dict[str, Any]) -> str | None:
    lang = data.get("language")
    return lang if lang in ("kk", "ru", "en") else None


def _shared_problems(spec: ProgrammesSpec, ids: list[str], at: Any, problems: list[str]) -> None:
    shared = spec.shared
    for i, pair in enumerate(shared.compatible or []):
        loc = ("shared", "compatible", i)
        if len(pair) != 2:
            problems.append(
                at(
                    loc,
                    Msg(
                        N_(
                            "a compatible pair names two programmes, e.g. [academic_campus, technopark]; got {value}"
                        ),
                        value=repr(pair),
                    ),
                )
            )
            continue
        for j, name in enumerate(pair):
            if name not in ids:
                close = _closest(name, ids)
                hint = (
                    did_you_mean(close)
                    if close
                    else Msg(N_("the programmes are {names}"), names=", ".join(ids))
                )
                problems.append(
                    at(
                        (*loc, j),
                        Msg(
                            N_("{name} is not a programme of this file; {hint}"),
                            name=repr(name),
                            hint=hint,
                        ),
                    )
                )
        if pair[0] == pair[1]:
            problems.append(
                at(
                    loc,
                    Msg(
                        N_("{name} is paired with itself; pair two programmes"), name=repr(pair[0])
                    ),
                )
            )
    if shared.compatible is not None and shared.at_most_per_town < 2:
        problems.append(
            at(
                ("shared", "compatible"),
                Msg(
                    N_(
                        "compatible pairs may share a town, but at_most_per_town is 1; set at_most_per_town: 2"
                    )
                ),
            )
        )
    if shared.budget is not None and all(p.cost is None for p in spec.programmes):
        problems.append(
            at(
                ("shared", "budget"),
                Msg(N_("a shared budget needs the programmes' costs; give each programme a cost")),
            )
        )


def _closest(name: str, names: list[str]) -> str | None:
    found = difflib.get_close_matches(name, names, n=1, cutoff=0.4)
    return found[0] if found else None


# --------------------------------------------------------------------------- the allocation


@dataclass(frozen=True)
class Allocation:
    """The sites allocated to the programmes, and what each gives up.

    Attributes
    ----------
    file
        The programme file.
    runs
        Each programme's run (its own scores, ranking and portfolio).
    ids
        Candidate ids of the joint axis.
    joint
        The validated joint model.
    best, alone, sequential
        The joint optimum; each programme chosen alone; programme after programme in the file's
        order.
    binding
        Whether each shared rule binds.
    table
        One row per allocated site: ``site``, ``name``, ``programme``, ``score``, ``rank``
        (within the programme's own ranking), ``alone`` (the programmes that would choose this
        town if chosen alone, ``;``-joined), ``share`` (of weight draws giving it the same
        programme; empty without draws).
    summary
        One row per programme: ``programme``, ``label``, ``sites``, ``value``, ``value_alone``,
        ``given_up`` (alone − joint), ``given_up_percent``, ``value_sequential``, ``lost``
        (``site→programme``: another programme holds it; ``site→shared_budget``: dropping that
        shared rule would give it back; ``site→rules``: the shared rules together; ``;``-joined),
        ``gained`` (sites it gets that it would not choose alone), ``weight``.
    draws
        Weight draws solved; ``same_share``: share of them giving the same allocation.
    clashes
        Towns that the programmes chosen each alone would claim together against the shared
        rules (more programmes than a town may host, or a pair that may not share one): the
        town's id and the programmes, in file order.
    seconds
        Time of the allocation (every solve).
    """

    file: ProgrammeFile
    runs: tuple[Results, ...]
    ids: pd.Index
    joint: JointRules
    best: JointOutcome
    alone: tuple[JointOutcome, ...]
    sequential: Sequential
    binding: tuple[Binding, ...]
    table: pd.DataFrame
    summary: pd.DataFrame
    draws: int = 0
    same_share: float | None = None
    seconds: float = 0.0
    clashes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def spec(self) -> ProgrammesSpec:
        """The programme file's spec."""
        return self.file.spec

    @property
    def solver_version(self) -> str:
        """The solver and its version."""
        return solver_version(self.joint.solver)

    def label(self, k: int, lang: str) -> str:
        """Programme ``k``'s name for readers in ``lang``."""
        p = self.spec.programmes[k]
        text = p.label if p.label is not None else self.runs[k].study.study
        return text.get(lang)


def _study_for(run: Results, p: ProgrammeSpec) -> Any:
    """The run's study with the programme's number of sites (a profile may have no portfolio)."""
    study = run.study
    portfolio = study.portfolio or PortfolioSpec(sites=1)
    if p.sites is not None:
        most = p.sites if isinstance(p.sites, int) else p.sites.max
        exactly = isinstance(p.sites, int) or p.sites.min == p.sites.max
        portfolio = portfolio.model_copy(
            update={
                "sites": most,
                "exactly": exactly,
                "must_include": portfolio.must_include[:most],
            }
        )
    return study.model_copy(update={"portfolio": portfolio})


def _programmes(file: ProgrammeFile, runs: Sequence[Results], ids: pd.Index) -> list[Programme]:
    spec = file.spec
    position = {cid: j for j, cid in enumerate(ids)}
    problems: list[str] = []
    out = []
    for k, (p, run) in enumerate(zip(spec.programmes, runs, strict=True)):
        model = build_rules(
            _study_for(run, p), run.candidates, run.layers, run.ranking, solver=spec.solver
        )
        rows = model.ids
        costs = None
        if isinstance(p.cost, CostField):
            if p.cost.field not in run.candidates.columns:
                problems.append(
                    file.problem(
                        ("programmes", k, "cost", "field"),
                        Msg(
                            N_("the candidates have no field {field}; fields: {fields}"),
                            field=repr(p.cost.field),
                            fields=", ".join(map(str, run.candidates.columns.drop("geometry"))),
                        ),
                    )
                )
                continue
            costs = pd.to_numeric(run.candidates.loc[rows, p.cost.field], errors="coerce").to_numpy(
                float
            )
            bad = ~np.isfinite(costs) | (costs < 0)
            if bad.any():
                problems.append(
                    file.problem(
                        ("programmes", k, "cost", "field"),
                        Msg(
                            N_("{field} is missing or negative for {sites}; fill it"),
                            field=repr(p.cost.field),
                            sites=all_of([str(rows[j]) for j in np.flatnonzero(bad)[:5]]),
                        ),
                    )
                )
                continue
        elif p.cost is not None:
            costs = np.full(len(rows), float(p.cost))
        least = (
            p.sites.min if isinstance(p.sites, SitesRange) and p.sites.min < p.sites.max else None
        )
        out.append(
            Programme(
                p.id,
                model.rules,
                np.array([position[c] for c in rows], dtype=np.intp),
                weight=p.weight,
                at_least=least,
                costs=costs,
            )
        )
    if problems:
        raise DataError(problems)
    return out


def _joint(file: ProgrammeFile, runs: Sequence[Results]) -> tuple[pd.Index, JointRules]:
    spec = file.spec
    # The shared rules read the candidates' own fields and this file's groupings: a grouping
    # the first profile defines is that profile's, and another profile may define it otherwise.
    own = [name for name in runs[0].study.groupings if name in runs[0].candidates.columns]
    candidates = runs[0].candidates.drop(columns=own)
    if spec.groupings:
        grouped, found = apply_groupings(
            spec.groupings, {"candidates": candidates}, problem=file.problem
        )
        problems = [p for listed in found.values() for p in listed]
        if problems:
            raise DataError(problems)
        candidates = grouped["candidates"]
    ids = candidates.index
    shared = spec.shared
    progs = _programmes(file, runs, ids)
    groups = None
    if shared.at_most_per is not None:
        if shared.at_most_per.field not in candidates.columns:
            msg = Msg(
                N_(
                    "the candidates have no field {field}; use one of theirs, or define it "
                    "under `groupings:` in this file"
                ),
                field=repr(shared.at_most_per.field),
            )
            raise DataError(file.problem(("shared", "at_most_per", "field"), msg))
        groups = candidates[shared.at_most_per.field].fillna("").astype(str).to_numpy()
    distances = None
    if shared.min_spacing_km:
        xy = features.lonlat(candidates)
        distances = features.haversine_km(xy, xy)
    joint = prepare_joint(
        progs,
        names=list(candidates["name"].astype(str)),
        per_site=shared.at_most_per_town,
        compatible=[(a, b) for a, b in shared.compatible]
        if shared.compatible is not None
        else None,
        budget=shared.budget,
        distances_km=distances,
        min_spacing_km=shared.min_spacing_km or None,
        groups=groups,
        at_most_per_group=shared.at_most_per.count if shared.at_most_per else None,
        group_name=shared.at_most_per.field if shared.at_most_per else "group",
        solver=spec.solver,
        time_limit_s=spec.time_limit_s,
    )
    return ids, joint


def allocate(
    file: ProgrammeFile, runs: Sequence[Results], *, draws: int | None = None
) -> Allocation:
    """Allocate the sites to the programmes with one exact integer program.

    Parameters
    ----------
    file
        The checked programme file (:func:`load`).
    runs
        Each programme's run, in the file's order (:func:`siting.pipeline.programmes` runs
        them).
    draws
        Weight draws for how sure the allocation is (default: the file's ``draws``).

    Returns
    -------
    Allocation
        The allocation, what each programme gives up, the sequential comparison, the binding
        shared rules and the draws.

    Raises
    ------
    DataError
        A cost or group field the candidates lack.
    InfeasibleError
        A programme cannot be chosen even alone (its profile's own diagnosis), or the shared
        rules cannot hold together (the smallest conflicting set named, with how to relax it).
    """
    start = time.perf_counter()
    timings: dict[str, float] = {}
    ids, joint = _joint(file, runs)
    tick = time.perf_counter()
    own = tuple(alone(joint, k) for k in range(len(joint.programmes)))
    timings["alone"] = time.perf_counter() - tick
    for k, o in enumerate(own):
        if not o.feasible:
            try:
                solve_rules(joint.programmes[k].rules, explain_binding=False)
            except InfeasibleError as exc:
                raise InfeasibleError(
                    [file.problem(("programmes", k), p) for p in exc.problems]
                ) from exc
            raise InfeasibleError(
                file.problem(
                    ("programmes", k),
                    Msg(N_("the solver stopped with status {status}"), status=o.status),
                )
            )
    tick = time.perf_counter()
    best = solve_joint(joint)
    timings["joint"] = time.perf_counter() - tick
    if not best.feasible:
        if best.status != "Infeasible":
            msg = Msg(
                N_(
                    "the solver stopped with status {status} before it found an allocation; "
                    "raise time_limit_s"
                ),
                status=repr(best.status),
            )
            raise InfeasibleError(file.problem(("time_limit_s",), msg))
        raise InfeasibleError(_conflict_problems(file, joint))
    tick = time.perf_counter()
    seq = sequential(joint)
    timings["sequential"] = time.perf_counter() - tick
    tick = time.perf_counter()
    bound = tuple(binding(joint, best))
    timings["binding"] = time.perf_counter() - tick
    n = file.spec.draws if draws is None else draws
    tick = time.perf_counter()
    shares, same = _draws(joint, runs, ids, best, n, file.spec.seed)
    timings["draws"] = time.perf_counter() - tick
    table = _table(joint, runs, ids, best, own, shares)
    summary = _summary(joint, ids, best, own, seq, bound)
    clashes = _clashes(joint, ids, own)
    return Allocation(
        file=file,
        runs=tuple(runs),
        ids=ids,
        joint=joint,
        best=best,
        alone=own,
        sequential=seq,
        binding=bound,
        table=table,
        summary=summary,
        draws=n,
        same_share=same,
        seconds=time.perf_counter() - start,
        timings=timings,
        clashes=clashes,
    )


def _clashes(
    joint: JointRules, ids: pd.Index, own: Sequence[JointOutcome]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Towns the programmes chosen separately would claim together against the shared rules."""
    claims: dict[int, list[int]] = {}
    for k, o in enumerate(own):
        for s in joint.programmes[k].sites[o.selected[k]]:
            claims.setdefault(int(s), []).append(k)
    out = []
    for s, here in sorted(claims.items()):
        too_many = len(here) > joint.per_site
        unpaired = joint.compatible is not None and any(
            (a, b) not in joint.compatible for i, a in enumerate(here) for b in here[i + 1 :]
        )
        if len(here) > 1 and (too_many or unpaired):
            out.append((str(ids[s]), tuple(joint.programmes[k].name for k in here)))
    return tuple(out)


#: Where each shared rule is written in a programme file.
_SHARED_KEYS = {
    "per_town": "at_most_per_town",
    "compatible": "compatible",
    "shared_budget": "budget",
    "spacing_across": "min_spacing_km",
    "at_most_per_group_all": "at_most_per",
}


def _written(family: str, value: float) -> str:
    """A relaxed value as the planner would write it, rounded the safe way.

    A budget is rounded up and a spacing down (to 0.01), so that the value written still
    allows an allocation; counts are whole numbers.
    """
    if family == "shared_budget":
        value = math.ceil(value * 100) / 100
    elif family == "spacing_across":
        value = math.floor(value * 100) / 100
    else:
        text = f"{int(value)}"
        return "{field: ..., count: " + text + "}" if family == "at_most_per_group_all" else text
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _conflict_problems(file: ProgrammeFile, joint: JointRules) -> list[str]:
    """The smallest set of shared rules that cannot hold, and the nearest value of each."""
    rules = conflict(joint)
    problems: list[str] = [
        file.problem(
            ("shared",),
            Msg(
                N_(
                    "the programmes' own rules and the shared rules {rules} cannot hold together; relax one of these shared rules or ask for fewer sites"
                ),
                rules=all_of([joint.describe(f) for f in rules]),
            ),
        )
    ]
    for family in rules:
        key = _SHARED_KEYS[family]
        value = relax(joint, family)
        if value is None:
            fix = Msg(N_("no value of it alone lets the programmes be allocated; relax another"))
        else:
            fix = Msg(
                N_(
                    "the nearest value that lets the programmes be allocated, the other rules kept: {key}: {value}"
                ),
                key=key,
                value=_written(family, value),
            )
        problems.append(file.problem(("shared", key), fix))
    return problems


def _placed(joint: JointRules, outcome: JointOutcome) -> dict[int, list[int]]:
    """Town → programmes placed there."""
    out: dict[int, list[int]] = {}
    for k, rows in enumerate(outcome.selected):
        for r in rows:
            out.setdefault(int(joint.programmes[k].sites[r]), []).append(k)
    return out


def _table(
    joint: JointRules,
    runs: Sequence[Results],
    ids: pd.Index,
    best: JointOutcome,
    own: Sequence[JointOutcome],
    shares: dict[tuple[int, int], float] | None,
) -> pd.DataFrame:
    alone_at: dict[int, list[str]] = {}
    for k, o in enumerate(own):
        for s in joint.programmes[k].sites[o.selected[k]]:
            alone_at.setdefault(int(s), []).append(joint.programmes[k].name)
    rows = []
    for k, p in enumerate(joint.programmes):
        ranking = runs[k].ranking
        for r in best.selected[k]:
            s = int(p.sites[r])
            cid = ids[s]
            rows.append(
                {
                    "site": str(cid),
                    "name": joint.names[s],
                    "programme": p.name,
                    "score": float(p.rules.scores[r]),
                    "rank": int(ranking["rank"].loc[cid]),
                    "alone": ";".join(alone_at.get(s, [])),
                    "share": None if shares is None else shares.get((k, s), 0.0),
                }
            )
    table = pd.DataFrame(
        rows, columns=["site", "name", "programme", "score", "rank", "alone", "share"]
    )
    return table


def _summary(
    joint: JointRules,
    ids: pd.Index,
    best: JointOutcome,
    own: Sequence[JointOutcome],
    seq: Sequential,
    bound: Sequence[Binding],
) -> pd.DataFrame:
    """One row per programme: its sites, values, what it gives up and to whom.

    A site lost to no other programme names the shared rules that, dropped, give it back (the
    binding re-solves already made), else ``rules``.
    """
    placed = _placed(joint, best)
    rows = []
    for k, p in enumerate(joint.programmes):
        mine = set(p.sites[best.selected[k]].tolist())
        wanted = set(p.sites[own[k].selected[k]].tolist())
        lost = []
        for s in sorted(wanted - mine):
            here = [q for q in placed.get(s, []) if q != k]
            # another programme holds the town only if it keeps this one out of it
            full = len(here) >= joint.per_site
            holders = [
                joint.programmes[q].name
                for q in here
                if full
                or (joint.compatible is not None and (min(k, q), max(k, q)) not in joint.compatible)
            ]
            if not holders:
                holders = [
                    b.family
                    for b in bound
                    if b.binds and s in set(p.sites[b.without.selected[k]].tolist())
                ] or ["rules"]
            lost.append(f"{ids[s]}→{'+'.join(holders)}")
        value, value_alone = float(best.values[k]), float(own[k].values[k])
        given = value_alone - value
        seq_value = seq.value(k)
        rows.append(
            {
                "programme": p.name,
                "sites": ";".join(
                    str(ids[s]) for s in sorted(mine, key=lambda s: -_score_at(p, s))
                ),
                "value": value,
                "value_alone": value_alone,
                "given_up": given,
                "given_up_percent": 100 * given / value_alone if value_alone else 0.0,
                "value_sequential": seq_value,
                "lost": ";".join(lost),
                "gained": ";".join(str(ids[s]) for s in sorted(mine - wanted)),
                "weight": p.weight,
            }
        )
    return pd.DataFrame(rows)


def _score_at(p: Programme, site: int) -> float:
    row = int(np.flatnonzero(p.sites == site)[0])
    return float(p.rules.scores[row])


def _draws(
    joint: JointRules,
    runs: Sequence[Results],
    ids: pd.Index,
    best: JointOutcome,
    n: int,
    seed: int,
) -> tuple[dict[tuple[int, int], float] | None, float | None]:
    """How often each (programme, town) of the optimum survives weight draws.

    Each draw gives every programme new criteria weights, uniform on the simplex (as the
    robustness analysis of a study draws them), scores its kept candidates by the weighted sum
    of their values (the robustness analysis's footing, whatever the study's method) and
    solves the joint program again.
    """
    if n <= 0:
        return None, None
    rng = np.random.default_rng(seed)
    values = []
    for k, p in enumerate(joint.programmes):
        run = runs[k]
        rows = ids[p.sites]
        values.append(run.values.loc[rows].to_numpy(float))
    target = {
        (k, int(s)) for k, rows in enumerate(best.selected) for s in joint.programmes[k].sites[rows]
    }
    hits: dict[tuple[int, int], int] = {}
    same = 0
    solved = 0
    for _ in range(n):
        progs = []
        for k, p in enumerate(joint.programmes):
            w = sample_weights(values[k].shape[1], 1, rng=rng)[0]
            progs.append(dataclasses.replace(p, rules=p.rules.with_scores(values[k] @ w)))
        outcome = solve_joint(dataclasses.replace(joint, programmes=tuple(progs)))
        if not outcome.feasible:
            continue
        solved += 1
        got = {
            (k, int(s))
            for k, rows in enumerate(outcome.selected)
            for s in joint.programmes[k].sites[rows]
        }
        same += got == target
        for key in got & target:
            hits[key] = hits.get(key, 0) + 1
    if not solved:
        return None, None
    return {key: hits.get(key, 0) / solved for key in target}, same / solved
