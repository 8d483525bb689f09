"""What a study reads: its layers, reference sites and boundaries, checked against the criteria.

Everything here reads files named by a criteria file and reports every problem together, each
pointing at the line of the criteria file that caused it.  A path the file system refuses is
reported at the line that names the file; a field the study uses is checked for presence, type
and range at the line that uses it, naming the layer file and the features that hold a wrong
value.  After this stage the pipeline works on GeoDataFrames and plain pandas objects only.
Every message is a :class:`siting.messages.Located` with translatable text.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import ConvexHull, QhullError

from siting import features
from siting import value as value_functions
from siting.criteria import Draft, Loc, StudyFile
from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.layers import SHOWN, and_more, json_kind, read_layer, shown_path, unreadable
from siting.messages import Integer, Joined, Located, did_you_mean, either, plural
from siting.spec import COORDINATES, Criterion, Grouping, Study, Where

#: Fields that data/README.md documents as counts of people or things; whatever a study does
#: with them, a negative value is a mistake in the data.
COUNTS = frozenset({"population", "students", "staff", "employees", "residents"})

CANDIDATES = "candidates"


def read_layers(
    source: StudyFile, *, read: Callable[..., gpd.GeoDataFrame] = read_layer
) -> tuple[gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame]]:
    """Read the candidates and every facility layer, then check the fields the criteria use.

    ``read`` reads one file (:func:`siting.layers.read_layer` or a cache in front of it,
    :class:`siting.study.Study`'s).

    Raises
    ------
    DataError
        With every problem of every layer: paths that cannot be read (at the criteria line
        that names them), problems inside a file (at the file and feature), and fields the
        criteria use that are missing or hold wrong values (at the criteria line that uses
        them).
    """
    study = source.study
    problems: list[str] = []
    paths = {(CANDIDATES,): study.candidates} | {
        ("layers", name): p for name, p in study.layers.items()
    }
    frames: dict[str, gpd.GeoDataFrame] = {}
    for loc, rel in paths.items():
        resolved = layer_file(source, loc, rel, problems)
        if resolved is None:
            continue
        try:
            frames[str(loc[-1])] = read(
                resolved, name=str(loc[-1]), required=("name",), problems=problems
            )
        except DataError as exc:
            problems += exc.problems
    broken: set[str] = set()
    if study.groupings:
        frames, found = apply_groupings(
            study.groupings, frames, problem=source.problem, labels=_labels(source)
        )
        problems += [p for listed in found.values() for p in listed]
        # A grouping with a problem leaves features without a group; the rules that use it
        # would report the same gap a second time.
        broken = {name for name, listed in found.items() if listed}
    # The fields of the layers that could be read are checked even when another layer failed,
    # so that a planner sees every problem in one run.
    problems += _field_problems(source, frames, _labels(source), skip=broken)
    if not problems:
        # Where the points lie is judged only on layers that read cleanly: a swapped file would
        # otherwise be reported as far from everything, at the exclusions.
        problems += swapped_problems(source, frames, _study_area(source, read=read))
        problems += distance_problems(source, frames)
    if problems:
        raise DataError(problems)
    candidates = frames.pop(CANDIDATES)
    return candidates, frames


def apply_groupings(
    groupings: dict[str, Grouping],
    frames: dict[str, gpd.GeoDataFrame],
    *,
    problem: Callable[[Loc, Any], str],
    labels: dict[str, _Label] | None = None,
    base: Loc = ("groupings",),
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, list[str]]]:
    """The frames with each grouping added as a text field, and every problem of each grouping.

    A grouping is a field of every frame that has its ``from`` field: each feature's value is
    the group its ``from`` value is listed in.  It is computed once, here, so that portfolio
    rules, value functions, filters and every output read it as any other field.  The
    candidates must have the ``from`` field, every value of it must be listed in a group (a
    candidate left out would silently escape a rule), every listed member must be a value some
    candidate has (a typo would do the same), and the grouping's name must not hide a field the
    candidates already have.  In other layers a value no group lists is left empty (``None``).

    Parameters
    ----------
    groupings
        The study's (or programme file's) ``groupings:``, by name.
    frames
        ``candidates`` and the other layers, by name; not modified (the result holds copies).
    problem
        Locates a message at a key path of the file (``StudyFile.problem``).
    labels
        How messages name each frame and its file.
    base
        The key path of the ``groupings:`` section.
    """
    out = dict(frames)
    found: dict[str, list[str]] = {name: [] for name in groupings}
    candidates = frames.get(CANDIDATES)
    if candidates is None:  # could not be read: reported already
        return out, found
    labels = labels or {}
    what = labels.get(CANDIDATES, _Label(_layer_label(CANDIDATES), CANDIDATES))
    for name, grouping in groupings.items():
        problems = found[name]
        loc = (*base, name)
        field = grouping.from_
        if name in candidates.columns:
            problems.append(
                problem(
                    loc,
                    Msg(
                        N_(
                            "the candidates already have a field {name} ({file}); give the "
                            "grouping another name, or use their field and drop the grouping"
                        ),
                        name=repr(name),
                        file=what.file,
                    ),
                )
            )
            continue
        if field not in candidates.columns:
            problems.append(
                problem(
                    (*loc, "from"),
                    Msg(
                        N_("the candidates have no field {field} ({file}); {hint}"),
                        field=repr(field),
                        file=what.file,
                        hint=_field_hint(field, candidates),
                    ),
                )
            )
            continue
        mapping = grouping.mapping()
        values = candidates[field]
        text = values.where(values.isna(), values.astype(str))
        unlisted = text.notna() & ~text.isin(list(mapping))
        if unlisted.any():
            left = list(dict.fromkeys(text[unlisted].tolist()))
            ids = [str(i) for i in candidates.index[unlisted]]
            problems.append(
                problem(
                    (*loc, "groups"),
                    plural(
                        "{values} of field {field} is in no group (candidates {ids}); add it to "
                        "a group, so that every candidate is counted by the rules",
                        "{values} of field {field} are in no group (candidates {ids}); add them "
                        "to the groups, so that every candidate is counted by the rules",
                        len(left),
                        values=_join([repr(v) for v in left]),
                        field=repr(field),
                        ids=and_more(ids[:SHOWN], len(ids)),
                    ),
                )
            )
        present = set(text.dropna())
        for group, members in grouping.groups.items():
            for i, member in enumerate(members.members):
                if member in present:
                    continue
                close = difflib.get_close_matches(member, sorted(present), n=1)
                hint = (
                    did_you_mean(close[0])
                    if close
                    else Msg(N_("its values are {values}"), values=sorted(present)[:20])
                )
                problems.append(
                    problem(
                        (*loc, "groups", group, "members", i),
                        Msg(
                            N_("{value} is not a value of field {field} of the candidates; {hint}"),
                            value=repr(member),
                            field=repr(field),
                            hint=hint,
                        ),
                    )
                )
        out = {key: with_grouping(frame, name, grouping) for key, frame in out.items()}
    return out, found


def with_grouping(frame: gpd.GeoDataFrame, name: str, grouping: Grouping) -> gpd.GeoDataFrame:
    """``frame`` with the field ``name``, each feature's group.

    ``None`` where no group lists the feature's value; ``frame`` itself when it has no
    ``from`` field.
    """
    if grouping.from_ not in frame.columns:
        return frame
    values = frame[grouping.from_]
    groups = values.astype(str).map(grouping.mapping())
    return frame.assign(**{name: groups.where(values.notna() & groups.notna(), None)})


def layer_file(source: StudyFile, loc: Loc, rel: Path, problems: list[str]) -> Path | None:
    """The file a criteria-file path names, or None after adding why it cannot be read.

    Parameters
    ----------
    source
        The criteria file.
    loc
        Where the path is written (``("layers", "universities")``).
    rel
        The path as written, relative to the criteria file.
    problems
        Receives the located problem when the file cannot be read.
    """
    try:
        resolved = source.resolve(rel)
    except (OSError, RuntimeError, ValueError):
        # resolve() refuses NUL bytes, over-long names and symbolic link loops;
        # unreadable() below says which, on the path as written.
        resolved = source.folder / rel
    reason = unreadable(resolved)
    if reason is None:
        return resolved
    problems.append(source.problem(loc, _file_problem(rel, reason)))
    return None


def _file_problem(rel: str | Path, reason: str) -> Msg:
    """``file 'x.geojson' not found (...)``: why a file named by the criteria cannot be read."""
    return Msg(N_("file {name} {reason}"), name=repr(shown_path(rel)), reason=reason)


# --- which fields a study uses, and how ------------------------------------------------------


@dataclass(frozen=True)
class _Use:
    """One place where a criteria file uses a field of a layer.

    Attributes
    ----------
    loc
        Where the criteria file uses the field.
    frame
        ``candidates`` or the name of a layer.
    field
        The field's name.
    kind
        ``number`` (must hold numbers), ``group`` (labels that group features), ``filter``
        (compared with ``in`` / ``equals``; only its presence is checked) or ``category``
        (text labels a categorical value function gives values).
    count
        The values cannot be negative (a count, a population, a cost).
    yes_no
        A field of only true/false is accepted (read as 1 and 0).
    missing
        Why a feature without a value is a problem, with the fix; None when it is allowed.
    where
        Only the features passing this filter are checked (the ones a measure reads).
    wanted
        The values an ``in`` / ``equals`` filter (or the categories of a value function) looks
        for, and where they are written.
    attribute
        The field is a candidate attribute a criterion measures (its fix for text differs).
    blank_ok
        A group field may leave a feature's label empty (``""``): that feature is in no group.
    categories
        For ``category``: where the categories are written, their values and the default
        (None: every category present must be listed).
    """

    loc: Loc
    frame: str
    field: str
    kind: Literal["number", "group", "filter", "category"]
    count: bool = False
    yes_no: bool = False
    missing: Msg | None = None
    where: Where | None = None
    wanted: tuple[Loc, list[Any]] | None = None
    attribute: bool = False
    blank_ok: bool = False
    categories: tuple[Loc, dict[str, float], float | None] | None = None


def _uses(study: Study, *, criteria_only: bool = False) -> list[_Use]:
    """Every use of a layer field by the study, in the order of the file."""
    uses: list[_Use] = []
    for i, crit in enumerate(study.criteria):
        m = crit.measure
        base: Loc = ("criteria", i, "measure")
        if m.kind == "attribute":
            uses += _attribute_uses(i, crit)
            continue
        layer = str(m.layer)
        if m.field is not None:
            uses.append(
                _Use(
                    (*base, "field"),
                    layer,
                    m.field,
                    "number",
                    count=True,
                    missing=Msg(
                        N_(
                            "`{kind}` would count them as 0; fill in the values (0 where there is "
                            "none), or leave them out with `where: {{{field}: {{min: 0}}}}`"
                        ),
                        kind=m.kind,
                        field=m.field,
                    ),
                    where=m.where,
                )
            )
        for name, test in (m.where or {}).items():
            loc = (*base, "where", name)
            wanted = [*(test.in_ or []), *([] if test.equals is None else [test.equals])]
            numeric = test.min is not None or test.max is not None
            bounds = ", ".join(
                f"{key}: {value:g}"
                for key, value in (("min", test.min), ("max", test.max))
                if value is not None
            )
            uses.append(
                _Use(
                    loc,
                    layer,
                    name,
                    "number" if numeric else "filter",
                    count=name.lower() in COUNTS,
                    yes_no=True,
                    # An unknown value would silently fail the filter and drop the feature.
                    missing=Msg(
                        N_(
                            "the filter cannot tell whether they pass {{{bounds}}}; fill in the values"
                        ),
                        bounds=bounds,
                    )
                    if numeric
                    else None,
                    wanted=(loc, wanted) if wanted else None,
                )
            )
    if criteria_only:
        return uses
    for i, rule in enumerate(study.exclude):
        if rule.field is None:
            continue
        numeric = rule.above is not None or rule.below is not None
        bounds = either(
            [
                Msg(side, value=f"{value:g}")
                for side, value in (
                    (N_("above {value}"), rule.above),
                    (N_("below {value}"), rule.below),
                )
                if value is not None
            ]
        )
        uses.append(
            _Use(
                ("exclude", i, "field"),
                CANDIDATES,
                rule.field,
                "number" if numeric else "filter",
                count=rule.field.lower() in COUNTS,
                yes_no=True,
                missing=Msg(
                    N_("the rule cannot tell whether they are {bounds}; fill in the values"),
                    bounds=bounds,
                )
                if numeric
                else None,
                wanted=(("exclude", i, "equals"), [rule.equals])
                if rule.equals is not None
                else None,
            )
        )
    rules = study.portfolio
    if rules is None:
        return uses
    for key in ("at_most_per", "at_least_per"):
        part = getattr(rules, key)
        if part is not None:
            # A candidate whose label is "" is in no group (free of the cap): data/README.md
            # writes "" for "no agglomeration", never a group of its own.
            uses.append(
                _Use(("portfolio", key, "field"), CANDIDATES, part.field, "group", blank_ok=True)
            )
    if rules.budget is not None:
        uses.append(
            _Use(
                ("portfolio", "budget", "field"),
                CANDIDATES,
                rules.budget.field,
                "number",
                count=True,
                missing=Msg(N_("every candidate needs a cost for the budget; fill in the values")),
            )
        )
    for key, part in (("coverage", rules.coverage), ("equity", rules.equity)):
        if part is None:
            continue
        demand = getattr(part, "demand", None) or (
            rules.coverage.demand if rules.coverage else CANDIDATES
        )
        uses.append(
            _Use(
                ("portfolio", key, "population_field"),
                demand,
                part.population_field,
                "number",
                count=True,
                missing=Msg(
                    N_(
                        "a demand point without a population cannot be weighed; fill in the "
                        "values (0 where nobody lives)"
                    )
                ),
            )
        )
        if rules.equity is not None and key == "equity":
            uses.append(_Use(("portfolio", key, "field"), demand, rules.equity.field, "group"))
    return uses


def _attribute_uses(i: int, crit: Criterion) -> list[_Use]:
    """How a criterion's ``attribute`` reads the candidates: a number, a category or a label."""
    m = crit.measure
    base: Loc = ("criteria", i, "measure")
    if m.coordinate is not None:
        return []  # read from the geometry, which the layer checks cover
    name = str(m.attribute)
    if m.in_ is not None:
        # 1 when listed, else 0: text or numbers, a missing value is simply not listed
        return [
            _Use((*base, "attribute"), CANDIDATES, name, "filter", wanted=((*base, "in"), m.in_))
        ]
    value = crit.value
    if value.categories is not None:
        at: Loc = ("criteria", i, "value", "categories")
        return [
            _Use(
                (*base, "attribute"),
                CANDIDATES,
                name,
                "category",
                wanted=(at, list(value.categories)),
                categories=(at, dict(value.categories), value.default),
            )
        ]
    return [
        _Use(
            (*base, "attribute"),
            CANDIDATES,
            name,
            "number",
            count=name.lower() in COUNTS,
            yes_no=True,
            missing=Msg(
                N_("{id} cannot be measured for them; fill in the values"), id=repr(crit.id)
            ),
            attribute=True,
        )
    ]


# --- checking the uses against the layers ---------------------------------------------------


@dataclass
class _Found:
    """Problems found so far, each reported once at the first line that uses its field."""

    source: StudyFile
    seen: dict[tuple[Any, ...], tuple[int, int]] = dataclasses.field(default_factory=dict)
    #: Where each problem is, and what it says.
    texts: list[tuple[Loc, str]] = dataclasses.field(default_factory=list)
    also: dict[int, list[int]] = dataclasses.field(default_factory=dict)

    def add(self, loc: Loc, text: str, key: tuple[Any, ...] | None = None) -> None:
        """Add a problem at ``loc``, unless one with the same ``key`` is already reported."""
        line = int(self.source.where(loc).rsplit(":", 1)[1])
        if key is not None and key in self.seen:
            first, first_line = self.seen[key]
            if line != first_line:
                self.also.setdefault(first, []).append(line)
            return
        if key is not None:
            self.seen[key] = (len(self.texts), line)
        self.texts.append((loc, text))

    def messages(self) -> list[str]:
        """The problems, each with the other lines that use the same field."""
        out: list[str] = []
        for i, (loc, text) in enumerate(self.texts):
            lines = sorted(set(self.also.get(i, [])))
            if lines:
                text = Msg(
                    N_("{problem} (also used on {lines})"),
                    problem=text,
                    lines=plural("line {lines}", "lines {lines}", len(lines), lines=_join(lines)),
                )
            out.append(self.source.problem(loc, text))
        return out


@dataclass(frozen=True)
class _Label:
    """How messages name a frame: ``layer 'universities'`` and the file it came from."""

    what: str
    file: str


def _layer_label(name: str) -> Msg:
    """``candidates`` or ``layer 'universities'``, as messages name a layer of the study."""
    return Msg(N_("candidates")) if name == CANDIDATES else Msg(N_("layer {name}"), name=repr(name))


def _labels(source: StudyFile) -> dict[str, _Label]:
    """How messages name the candidates and each layer of the study."""
    study = source.study
    out = {CANDIDATES: _Label(_layer_label(CANDIDATES), shown_path(study.candidates))}
    for name, rel in study.layers.items():
        out[name] = _Label(_layer_label(name), shown_path(rel))
    return out


def field_problems(
    source: StudyFile, candidates: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]
) -> list[str]:
    """Every field the criteria file uses that a layer lacks, or holds wrong values in.

    Presence everywhere; for numbers, that every value is a number (not text, not true/false
    unless the whole field is yes/no), finite, not negative for counts, populations and costs,
    and present where a missing value would change the answer; for group fields, that every
    feature has a label of one kind; for ``in`` / ``equals`` filters, that the values exist.
    Each problem is located at the criteria line that uses the field and names the layer file
    and the first few features.
    """
    return _field_problems(source, {CANDIDATES: candidates, **layers}, _labels(source))


def _field_problems(
    source: StudyFile,
    frames: dict[str, gpd.GeoDataFrame],
    labels: dict[str, _Label],
    *,
    skip: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    study = source.study
    found = _Found(source)
    for use in _uses(study):
        if use.field in skip:
            continue
        if use.frame != CANDIDATES and use.frame not in study.layers:
            key = use.loc[1]
            found.add(
                (*use.loc[:2], "demand"),
                Msg(
                    N_(
                        "demand layer {name} is not under `layers` ({layers}); add it there or "
                        "use `candidates`"
                    ),
                    name=repr(use.frame),
                    layers=sorted(study.layers),
                ),
                key=("demand", key),
            )
            continue
        frame = frames.get(use.frame)
        if frame is not None:  # else it could not be read, which is reported already
            _check_use(found, use, frame, labels[use.frame])
    candidates = frames.get(CANDIDATES)
    rules = study.portfolio
    if rules is not None and candidates is not None:
        for key in ("must_include", "must_exclude"):
            for i, cid in enumerate(getattr(rules, key)):
                if cid not in candidates.index:
                    close = difflib.get_close_matches(cid, list(candidates.index), n=1)
                    hint = did_you_mean(close[0]) if close else Msg(N_("use a candidate id"))
                    found.add(
                        ("portfolio", key, i),
                        Msg(N_("{id} is not a candidate id; {hint}"), id=repr(cid), hint=hint),
                    )
    return found.messages()


def _check_use(found: _Found, use: _Use, frame: pd.DataFrame, label: _Label) -> None:
    """Check one use of a field: that the field exists, then its values."""
    if use.field not in frame.columns:
        found.add(
            use.loc,
            Msg(
                N_("{layer} ({file}) has no field {field}; {hint}"),
                layer=label.what,
                file=label.file,
                field=repr(use.field),
                hint=_field_hint(use.field, frame),
            ),
            key=("no field", use.frame, use.field),
        )
        return
    values = frame[use.field]
    rows = _rows(frame, use.where)
    if use.kind == "number":
        for bad in _number_problems(use, values, rows, label):
            _add_values(found, use, frame, label, bad)
    elif use.kind == "group":
        for bad in _group_problems(use, values, label):
            _add_values(found, use, frame, label, bad)
    elif use.kind == "category" and use.categories is not None:
        at = use.categories[0]
        for bad in _category_problems(use, values, label):
            _add_values(found, replace(use, loc=at), frame, label, bad)
    if use.wanted is not None:
        loc, wanted = use.wanted
        absent = _absent_values(use.field, wanted, values, label.what)
        if absent:
            found.add(loc, absent)


def _field_hint(name: str, frame: pd.DataFrame) -> Msg:
    """``did you mean 'students'?``, else the fields the layer has."""
    fields = [str(c) for c in frame.columns if c != "geometry"]
    close = difflib.get_close_matches(name, fields, n=1)
    return did_you_mean(close[0]) if close else Msg(N_("its fields are {fields}"), fields=fields)


def _rows(frame: pd.DataFrame, where: Where | None) -> np.ndarray:
    """The features a measure reads: those passing its filter, or all when it cannot be applied."""
    every = np.ones(len(frame), dtype=bool)
    if not where or any(name not in frame.columns for name in where):
        return every
    try:
        return features.where_mask(frame, where)
    except DataError:  # a filter on text; reported by the filter's own use
        return every


def _value_kinds(values: pd.Series) -> np.ndarray:
    """The kind of every value of a field: ``null``, ``bool``, ``number``, ``text`` or ``other``.

    A field of only text (a CSV column, or GeoJSON that quotes every number) counts text that
    reads as a number as a number; in a field that mixes JSON types, text is text.
    """
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        kinds = np.full(len(values), "bool", dtype=object)
    elif pd.api.types.is_numeric_dtype(dtype):
        kinds = np.full(len(values), "number", dtype=object)
    else:
        kinds = values.map(json_kind).to_numpy(dtype=object)
        if np.isin(kinds, ["text", "null"]).all():
            numeric = pd.to_numeric(values, errors="coerce").notna().to_numpy()
            kinds[(kinds == "text") & numeric] = "number"
    kinds[values.isna().to_numpy()] = "null"
    return kinds


@dataclass(frozen=True)
class _Bad:
    """One way a field's values fail a use.

    ``template`` says so in full, with ``{field}``, ``{layer}`` and ``{file}``, and either
    ``{values}`` (the first few features and their values) or ``{features}`` (how many
    features, and their ids); ``extra`` fills its other placeholders.
    """

    kind: str
    rows: np.ndarray
    template: str
    values: bool = True  # show the first values (else only how many features, and their ids)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


def _number_problems(use: _Use, values: pd.Series, rows: np.ndarray, label: _Label) -> list[_Bad]:
    """Every way ``values`` fail a numeric use, on the features ``rows``."""
    kinds = _value_kinds(values)
    present = kinds[rows & (kinds != "null")]
    yes_no = use.yes_no and present.size > 0 and bool((present == "bool").all())
    numbers = pd.to_numeric(
        values.where(pd.Series(kinds == "number", index=values.index)), errors="coerce"
    ).to_numpy(dtype=float, na_value=np.nan)
    out = [
        _Bad(
            "text",
            rows & (kinds == "text"),
            N_(
                "field {field} of {layer} must hold numbers but has text ({values}); write plain "
                "numbers in {file}, or use `in` / `equals` to filter text"
            )
            if not use.attribute
            else N_(
                "field {field} of {layer} must hold numbers but has text ({values}); to value "
                "text labels give the criterion `value: {example}` (a value 0..1 per label), "
                "or score 1 for listed labels with `in: [...]` beside `attribute`; else write "
                "plain numbers in {file}"
            ),
            extra={"example": "{categories: {south: 1, north: 0.3}, default: 0}"}
            if use.attribute
            else {},
        ),
        _Bad(
            "bool",
            rows & (kinds == "bool") & (not yes_no),
            N_(
                "field {field} of {layer} must hold numbers but has true/false ({values}); write "
                "the number in {file} (true/false is not a number)"
            ),
        ),
        _Bad(
            "other",
            rows & (kinds == "other"),
            N_(
                "field {field} of {layer} must hold numbers but has lists or objects ({values}); "
                "write one number per feature in {file}"
            ),
        ),
        _Bad(
            "infinite",
            rows & np.isinf(numbers),
            N_(
                "field {field} of {layer} must hold finite numbers but has ({values}); write the "
                "real value in {file}"
            ),
        ),
    ]
    if use.count:
        out.append(
            _Bad(
                "negative",
                rows & (numbers < 0),
                N_(
                    "field {field} of {layer} is a count, a population or a cost and cannot be "
                    "negative, but has ({values}); correct the values in {file}"
                ),
            )
        )
    if use.missing is not None:
        out.append(
            _Bad(
                "missing",
                rows & (kinds == "null"),
                N_("field {field} of {layer} has no value for {features} in {file}: {why}"),
                values=False,
                extra={"why": use.missing},
            )
        )
    return [bad for bad in out if bad.rows.any()]


#: The kinds of value :func:`_value_kinds` tells apart, as messages name them.
_KINDS = {
    "text": Msg(N_("text")),
    "number": Msg(N_("number")),
    "bool": Msg(N_("bool")),
    "other": Msg(N_("other")),
    "null": Msg(N_("null")),
}


def _group_problems(use: _Use, values: pd.Series, label: _Label) -> list[_Bad]:
    """Every way the values of a field that groups features fail."""
    kinds = _value_kinds(values)
    empty = (kinds != "null") & (values.astype(str).str.strip() == "").to_numpy()
    blank = (kinds == "null") | empty
    out = [
        _Bad(
            "missing",
            blank,
            N_(
                "field {field} of {layer} has no value for {features} in {file}; the portfolio "
                "groups the sites by {field}, so give every feature a value"
            ),
            values=False,
        )
        if not use.blank_ok
        else _Bad(
            "missing",
            kinds == "null",
            N_(
                "field {field} of {layer} has no value for {features} in {file} (null); write "
                'the group, or "" for a feature in no group (it is then free of the rule)'
            ),
            values=False,
        )
    ]
    present = kinds[~blank]
    if len(set(present)) > 1:
        # Labels of one kind: a stray number or true/false among text is a typo, and would
        # form a group of its own.
        common = pd.Series(present).mode().iloc[0]
        out.append(
            _Bad(
                "mixed",
                ~blank & (kinds != common),
                N_(
                    "field {field} of {layer} mixes {kind} with other kinds of value ({values}); "
                    "write every {name} the same way in {file}"
                ),
                extra={"kind": _KINDS.get(str(common), str(common)), "name": use.field},
            )
        )
    return [bad for bad in out if bad.rows.any()]


def _category_problems(use: _Use, values: pd.Series, label: _Label) -> list[_Bad]:
    """Every way a field fails a categorical value function: labels that are not text, or not listed."""
    _, listed, default = use.categories or ((), {}, None)
    kinds = _value_kinds(values)
    out = [
        _Bad(
            "not text",
            np.isin(kinds, ["number", "bool", "other"]),
            N_(
                "field {field} of {layer} holds numbers or other values that are not labels "
                "({values}); `categories` gives text labels their values: value numbers with "
                "linear, piecewise or threshold, or write the labels as text in {file}"
            ),
        )
    ]
    if default is None:
        text = values.where(values.notna(), "").astype(str)
        text = text.where(text.str.strip() != "", "")
        unlisted = ((kinds == "text") | (kinds == "null")) & ~text.isin(list(listed)).to_numpy()
        out.append(
            _Bad(
                "unlisted",
                unlisted,
                N_(
                    "field {field} of {layer} has labels that `categories` does not list "
                    "({values}); list them, or give `default:` the value of every label not "
                    "listed (an empty one too)"
                ),
            )
        )
    return [bad for bad in out if bad.rows.any()]


def _add_values(found: _Found, use: _Use, frame: pd.DataFrame, label: _Label, bad: _Bad) -> None:
    """Report one problem of a field, naming its first few features (and their values)."""
    ids = frame.index[bad.rows]
    detail: dict[str, Any] = {}
    if bad.values:
        first = frame[use.field][bad.rows].iloc[:SHOWN]
        detail["values"] = and_more(
            [f"{i!r}: {_show_value(v)}" for i, v in first.items()], len(ids)
        )
    else:
        detail["features"] = plural(
            "{count} of {n} feature ({ids})",
            "{count} of {n} features ({ids})",
            len(frame),
            count=len(ids),
            ids=and_more([repr(i) for i in ids[:SHOWN]], len(ids)),
        )
    found.add(
        use.loc,
        Msg(
            bad.template,
            field=repr(use.field),
            layer=label.what,
            file=label.file,
            **detail,
            **bad.extra,
        ),
        key=(use.frame, use.field, bad.kind, tuple(ids)),
    )


def _show_value(value: Any) -> str:
    """A value as the planner wrote it in the file: true, not True; inf, not np.float64(inf)."""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return repr(value)


def _join(items: list[Any]) -> str:
    return ", ".join(str(i) for i in items)


def _absent_values(field: str, wanted: list[Any], values: pd.Series, what: str) -> Msg | None:
    """A problem when a filter names values that no feature has (a typo filters silently)."""
    present = list(dict.fromkeys(values.dropna().tolist()))
    missing = [v for v in wanted if v not in present]
    if not missing:
        return None
    hints = []
    for v in missing:
        close = difflib.get_close_matches(str(v), [str(p) for p in present], n=1)
        hints.append(
            Msg(N_("{value} ({hint})"), value=repr(v), hint=did_you_mean(close[0]))
            if close
            else repr(v)
        )
    listed = sorted(map(str, present))
    shown = listed if len(listed) <= 20 else [*listed[:20], "..."]
    return plural(
        "{values} matches no value of field {field} in {layer}; its values are {present}",
        "{values} match no value of field {field} in {layer}; its values are {present}",
        len(missing),
        values=Joined(hints, ", "),
        field=repr(field),
        layer=what,
        present=shown,
    )


# --- where the points lie: swapped coordinates, distances beyond the study --------------------


@dataclass(frozen=True)
class _Area:
    """Where a study's points belong: its boundaries, or the box of its other layers.

    Attributes
    ----------
    shape
        The boundaries' union, or the box of the other layers.
    margin
        How far (degrees) outside ``shape`` a point still counts as inside it: :data:`NEAR_DEG`
        for boundaries (a coastal point just off a coarse border is not misplaced), 0 for a box
        that is widened already.
    label
        How messages name it.
    """

    shape: Any
    margin: float
    label: Msg

    def outside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Which points lie farther than ``margin`` outside the area."""
        far = ~shapely.contains_xy(self.shape, x, y)
        if self.margin > 0 and far.any():
            # A distance test on the few points outside rather than a buffered copy of the
            # boundaries: buffering a country's outline costs a quarter of a second every run.
            near = shapely.dwithin(self.shape, shapely.points(x[far], y[far]), self.margin)
            far[np.flatnonzero(far)[near]] = False
        return far


#: How far outside a study's area (degrees) a point must lie before its coordinates are doubted.
NEAR_DEG = 0.5
#: Without boundaries, the box of the other layers is widened by this share of its span on each
#: side (at least 1°): a facility across a border is plausible, one a continent away is not.
BOX_MARGIN = 0.25


def _study_area(
    source: StudyFile, *, read: Callable[..., gpd.GeoDataFrame] = read_layer
) -> _Area | None:
    """The union of the study's boundaries, when it names boundaries that can be read."""
    rel = source.study.boundaries
    if rel is None:
        return None
    try:
        path = source.resolve(rel)
        if unreadable(path) is not None:
            return None  # reported where the boundaries are read
        frame = read(path, name="boundaries", points=False)
        shape = shapely.union_all(frame.geometry.to_numpy())
    except (DataError, OSError, ValueError, shapely.errors.ShapelyError):
        return None  # the boundaries' own problems are reported when they are read
    if shape.is_empty:
        return None
    shapely.prepare(shape)
    return _Area(
        shape=shape,
        margin=NEAR_DEG,
        label=Msg(N_("the study's boundaries ({file})"), file=shown_path(rel)),
    )


def _box_area(others: np.ndarray) -> _Area | None:
    """The box around the other layers' points, widened by :data:`BOX_MARGIN`."""
    if len(others) == 0:
        return None
    lo, hi = others.min(axis=0), others.max(axis=0)
    pad = np.maximum((hi - lo) * BOX_MARGIN, 1.0)
    west, south = lo - pad
    east, north = hi + pad
    box = shapely.box(west, south, east, north)
    return _Area(
        shape=box,
        margin=0.0,
        label=Msg(
            N_(
                "the area of the study's other layers (longitude {lon}, latitude {lat}, widened "
                "by a quarter on each side)"
            ),
            lon=f"{lo[0]:.1f}..{hi[0]:.1f}",
            lat=f"{lo[1]:.1f}..{hi[1]:.1f}",
        ),
    )


def swapped_problems(
    source: StudyFile, frames: dict[str, gpd.GeoDataFrame], area: _Area | None
) -> list[str]:
    """Layers whose points lie outside the study and would lie inside with lon and lat swapped.

    A CSV whose ``lat`` and ``lon`` columns are exchanged puts Kazakhstan at 46–87° N, 40–56° E:
    still valid degrees, so no single file betrays it.  Against the study's boundaries (or,
    without them, the box of the study's other layers) it does: such points are reported at the
    line of the criteria file that names the file, with the features and the fix.

    Parameters
    ----------
    source
        The criteria file.
    frames
        The candidates and the facility layers, read and checked.
    area
        The study's boundaries (:func:`_study_area`); None to judge each layer by the others.
    """
    study = source.study
    where: dict[str, tuple[Loc, Path]] = {CANDIDATES: ((CANDIDATES,), study.candidates)}
    where |= {name: (("layers", name), rel) for name, rel in study.layers.items()}
    xy = {name: features.lonlat(frame) for name, frame in frames.items()}
    problems: list[str] = []
    for name, frame in frames.items():
        if name not in where or len(frame) == 0:
            continue
        judge = area
        if judge is None:
            others = [pts for other, pts in xy.items() if other != name]
            judge = _box_area(np.concatenate(others)) if others else None
        if judge is None:
            continue
        x, y = xy[name][:, 0], xy[name][:, 1]
        wrong = judge.outside(x, y) & shapely.contains_xy(judge.shape, y, x)
        if not wrong.any():
            continue
        loc, rel = where[name]
        problems.append(source.problem(loc, _swapped_message(frame, wrong, rel, judge)))
    return problems


def _swapped_message(frame: gpd.GeoDataFrame, wrong: np.ndarray, rel: Path, area: _Area) -> Msg:
    xy = features.lonlat(frame)
    rows = np.flatnonzero(wrong)
    shown: list[str] = [
        Msg(
            N_("{id} at longitude {lon}, latitude {lat}"),
            id=repr(str(frame.index[k])),
            lon=f"{xy[k, 0]:g}",
            lat=f"{xy[k, 1]:g}",
        )
        for k in rows[:SHOWN]
    ]
    fix = (
        Msg(
            N_(
                "the columns are exchanged: latitude (north-south, 40 to 56 in Kazakhstan) "
                "belongs in `lat`, longitude (west-east, 46 to 88) in `lon`; swap the two column "
                "names in the file's first line"
            )
        )
        if Path(rel).suffix.lower() == ".csv"
        else Msg(
            N_(
                "GeoJSON and GeoPackage points are written [longitude, latitude], east first; "
                "swap the two numbers of each point, or export the layer again with x = longitude"
            )
        )
    )
    return plural(
        "{n} point of {file} (of {total}) lies outside {area} but would lie inside with "
        "longitude and latitude swapped ({points}); {fix}",
        "{n} points of {file} (of {total}) lie outside {area} but would lie inside with "
        "longitude and latitude swapped ({points}); {fix}",
        len(rows),
        total=Integer(len(frame)),
        file=shown_path(rel),
        area=area.label,
        points=and_more(shown, len(rows)),
        fix=fix,
    )


#: Points whose pairwise distances are all computed for the study's extent; beyond this the
#: extent is measured between the points on the convex hull of their longitudes and latitudes.
EXACT_EXTENT = 2_500


def extent_km(points: np.ndarray) -> float:
    """The largest great-circle distance between two of ``points`` (lon/lat degrees), in km.

    Exact up to :data:`EXACT_EXTENT` distinct points (in blocks, so memory stays small); for
    more, taken between the vertices of their convex hull in longitude and latitude, which for
    a country-sized study holds the two farthest points.
    """
    pts = np.unique(np.asarray(points, dtype=float), axis=0)
    if len(pts) < 2:
        return 0.0
    if len(pts) > EXACT_EXTENT:
        try:
            pts = pts[ConvexHull(pts).vertices]
        except QhullError:  # all on one line: the ends of the line are in the set anyway
            pts = pts[[int(np.argmin(pts[:, 0])), int(np.argmax(pts[:, 0]))]]
    best = 0.0
    for start in range(0, len(pts), 512):
        block = features.haversine_km(pts[start : start + 512], pts)
        best = max(best, float(block.max()))
    return best


#: A distance is refused when it exceeds the study's extent by more than this factor: room for
#: a round number a little beyond the extent (1,200 km in a study 1,008 km across), none for a
#: distance written in metres (a thousand times too large) or with a zero too many.
EXTENT_SLACK = 1.5


def distance_problems(source: StudyFile, frames: dict[str, gpd.GeoDataFrame]) -> list[str]:
    """Distances in the criteria file far larger than any distance in the study (metres for km?).

    A radius, a decay distance, a spacing, a coverage or equity distance, an exclusion bound
    on a distance, or a value function all of whose distances exceed the largest distance
    between two points of the study (candidates and facilities) by more than
    :data:`EXTENT_SLACK` cannot mean what it says: it reaches everything, excludes nothing (or
    everything), or gives every candidate the same value.  The usual cause is metres written
    as kilometres.
    """
    if not frames:
        return []
    extent = extent_km(np.concatenate([features.lonlat(f) for f in frames.values()]))
    if extent <= 0:
        return []
    problems: list[str] = []
    for loc, km, effect in _distances(source.study):
        if km > EXTENT_SLACK * extent:
            problems.append(source.problem(loc, _too_far(km, extent, effect)))
    return problems


def _distances(study: Study) -> list[tuple[Loc, float, str]]:
    """Every distance the criteria file writes: where, how many km, what it does if too large."""
    out: list[tuple[Loc, float, str]] = []
    reach = N_("it reaches every point of the study")
    flat = N_("the decay is flat over the whole study")
    nearest: set[str] = set()
    for i, crit in enumerate(study.criteria):
        m = crit.measure
        base: Loc = ("criteria", i, "measure")
        if m.within_km is not None:
            out.append(((*base, "within_km"), m.within_km, reach))
        if m.decay_km is not None:
            out.append(((*base, "decay_km"), m.decay_km, flat))
        if m.decay is not None:
            for key, km in m.decay.distances.items():
                if key != "full_km":  # full_km < zero_km: zero_km says it first
                    out.append(((*base, "decay", m.decay.kind, key), km, flat))
        points = _value_points(crit) if m.kind == "nearest" else None
        if m.kind == "nearest":
            nearest.add(crit.id)
        if points is not None:
            same = N_("every candidate gets the same value")
            out.append((("criteria", i, "value", points[0]), min(points[1]), same))
    for i, rule in enumerate(study.exclude):
        if rule.criterion in nearest:
            if rule.above is not None:
                out.append((("exclude", i, "above"), rule.above, N_("the rule excludes nobody")))
            if rule.below is not None:
                out.append(
                    (("exclude", i, "below"), rule.below, N_("the rule excludes every candidate"))
                )
    return out + _portfolio_distances(study)


def _portfolio_distances(study: Study) -> list[tuple[Loc, float, str]]:
    """The portfolio's distances: spacing, coverage radius, equity distance."""
    rules = study.portfolio
    if rules is None:
        return []
    reach = N_("it reaches every point of the study")
    out: list[tuple[Loc, float, str]] = []
    if rules.min_spacing_km:
        spacing = N_("no two sites can be that far apart")
        out.append((("portfolio", "min_spacing_km"), rules.min_spacing_km, spacing))
    if rules.coverage is not None:
        out.append((("portfolio", "coverage", "radius_km"), rules.coverage.radius_km, reach))
    if rules.equity is not None:
        out.append((("portfolio", "equity", "within_km"), rules.equity.within_km, reach))
    return out


def _value_points(crit: Criterion) -> tuple[str, list[float]] | None:
    """The distances a value function of a distance names (all must be too large to refuse)."""
    v = crit.value
    if v.linear is not None:
        return "linear", [v.linear.best, v.linear.worst]
    if v.threshold is not None:
        return "threshold", [v.threshold.at]
    if v.piecewise is not None:
        return "piecewise", [p[0] for p in v.piecewise.points]
    return None


def _too_far(km: float, extent: float, effect: str) -> Msg:
    metres = km / 1000
    fix = (
        Msg(
            N_(
                "was it written in metres? {value} m would be {km} km: distances in criteria "
                "files are in kilometres"
            ),
            value=f"{km:g}",
            km=f"{metres:g}",
        )
        if km >= 1000 and metres <= extent
        else Msg(
            N_("write a distance within the study, in kilometres (at most {extent} km)"),
            extent=Integer(round(extent)),
        )
    )
    return Msg(
        N_(
            "{value} km is more than the largest distance between two points of the study "
            "({extent} km), so {effect}; {fix}"
        ),
        value=f"{km:g}",
        extent=Integer(round(extent)),
        effect=Msg(effect),
        fix=fix,
    )


# --- reference and boundaries -------------------------------------------------------------------


def read_reference(
    source: StudyFile,
    layers: dict[str, gpd.GeoDataFrame],
    *,
    read: Callable[..., gpd.GeoDataFrame] = read_layer,
) -> tuple[gpd.GeoDataFrame | None, dict[str, gpd.GeoDataFrame]]:
    """Read the reference layer and split it into sites and facilities per study layer.

    A reference feature joins a study layer when its ``layer`` field is the layer's name in the
    criteria file or the stem of the layer's file (``research_institutes`` for
    ``../data/research_institutes.geojson``); ``candidates`` marks the reference sites.  The
    fields the criteria measure are checked on the reference's own features as on the study's.
    """
    study = source.study
    if study.reference is None:
        return None, {}
    problems: list[str] = []
    path = layer_file(source, ("reference",), study.reference, problems)
    if path is None:
        raise DataError(problems)
    try:
        ref = read(path, name="reference", required=("name", "layer"))
    except DataError as exc:
        # The reference's `layer` field says which study layer each feature joins.
        raise DataError([source.problem(("reference",), p) for p in exc.problems]) from exc
    kinds = ref["layer"].astype(str)
    sites = ref[kinds == CANDIDATES]
    if sites.empty:
        msg = Located(
            path, Msg(N_("no feature has layer 'candidates'; mark the reference sites with it"))
        )
        raise DataError(source.problem(("reference",), msg))
    facilities = {}
    for name, rel in study.layers.items():
        mine = ref[kinds.isin([name, Path(rel).stem])]
        if not mine.empty:
            facilities[name] = mine
    for name, grouping in study.groupings.items():
        # The reference lies outside the study's groups (its region is Russian): it gets the
        # field, empty where no group lists its value, and is never counted by a rule.
        sites = with_grouping(sites, name, grouping)
        facilities = {k: with_grouping(f, name, grouping) for k, f in facilities.items()}
    file = shown_path(study.reference)
    labels = {CANDIDATES: _Label(Msg(N_("the reference")), file)} | {
        name: _Label(Msg(N_("layer {name} of the reference"), name=repr(name)), file)
        for name in facilities
    }
    found = _Found(source)
    frames = {CANDIDATES: sites, **facilities}
    for use in _uses(study, criteria_only=True):
        if use.frame in frames:
            # Filters name the study's values; the reference need not have every one of them.
            _check_use(found, replace(use, wanted=None), frames[use.frame], labels[use.frame])
    if found.texts:
        raise DataError(found.messages())
    return sites, facilities


def read_boundaries(
    source: StudyFile, *, read: Callable[..., gpd.GeoDataFrame] = read_layer
) -> gpd.GeoDataFrame | None:
    """Read the polygons drawn under maps, when the study names them."""
    rel = source.study.boundaries
    if rel is None:
        return None
    problems: list[str] = []
    path = layer_file(source, ("boundaries",), rel, problems)
    if path is None:
        raise DataError(problems)
    return read(path, name="boundaries", points=False)


def with_reference(
    layers: dict[str, gpd.GeoDataFrame], extra: dict[str, gpd.GeoDataFrame]
) -> dict[str, gpd.GeoDataFrame]:
    """The study's layers with the reference's own facilities added (for measuring the reference)."""
    out = dict(layers)
    for name, frame in extra.items():
        out[name] = pd.concat(
            [layers[name], frame[frame.columns.intersection(layers[name].columns)]]
        )
    return out


def measure_all(
    source: StudyFile, candidates: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]
) -> pd.DataFrame:
    """Raw value of every criterion for every candidate: candidate id × criterion id."""
    sites = features.lonlat(candidates)
    columns: dict[str, np.ndarray] = {}
    problems: list[str] = []
    for i, crit in enumerate(source.study.criteria):
        m = crit.measure
        facilities = fac_xy = None
        if m.layer is not None:
            facilities = layers[m.layer]
            if m.where:
                try:
                    mask = features.where_mask(facilities, m.where)
                except DataError as exc:
                    problems += [
                        source.problem(("criteria", i, "measure", "where"), p) for p in exc.problems
                    ]
                    continue
                facilities = facilities[mask]
            if len(facilities) == 0:
                text = (
                    N_(
                        "no feature of layer {name} is left to measure after `where`; loosen the filter"
                    )
                    if m.where
                    else N_("no feature of layer {name} is left to measure; add features")
                )
                problems.append(
                    source.problem(("criteria", i, "measure"), Msg(text, name=repr(m.layer)))
                )
                continue
            fac_xy = features.lonlat(facilities)
        if crit.value.categories is not None and m.kind == "attribute":
            # Text travels no further than here: the raw value is the category's value.
            raw = value_functions.categories(
                candidates[str(m.attribute)],
                values=crit.value.categories,
                default=crit.value.default,
            )
        else:
            raw = features.measure(
                m, sites=sites, candidates=candidates, facilities=facilities, facility_lonlat=fac_xy
            )
        missing = candidates.index[np.isnan(raw)]
        if len(missing):
            problems.append(
                source.problem(
                    ("criteria", i, "measure"),
                    plural(
                        "candidate {ids} has no numeric value for {id}; fill the attribute in "
                        "the candidates layer",
                        "candidates {ids} have no numeric value for {id}; fill the attribute in "
                        "the candidates layer",
                        len(missing),
                        ids=list(missing),
                        id=repr(crit.id),
                    ),
                )
            )
        columns[crit.id] = raw
    if problems:
        raise DataError(problems)
    return pd.DataFrame(columns, index=candidates.index)


def input_hashes(source: StudyFile) -> dict[Path, str]:
    """SHA-256 of the criteria file and of every file it names, taken where the inputs are read.

    The manifest records these, so that it says what this run read (not what the files hold
    when the outputs are written) and no writer has to open an input.

    Returns
    -------
    dict
        Absolute path → hex digest, the criteria file first, then candidates, layers,
        reference and boundaries (each file once).
    """
    study = source.study
    named = [study.candidates, *study.layers.values(), study.reference, study.boundaries]
    paths = [source.path.resolve(), *(source.resolve(Path(p)) for p in named if p is not None)]
    paths += [part.path for part in source.parts.values()]  # stakeholders' own files
    return {path: _sha256(path) for path in dict.fromkeys(paths)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- a criteria file that is not yet a valid study ---------------------------------------------


def draft_problems(draft: Draft) -> list[str]:
    """What can still be checked in a criteria file whose structure is wrong.

    ``siting validate`` reports every problem of a file in one run: when the file is not a
    valid study, the layer files it names are still read and every field its criteria,
    exclusions and portfolio name is looked up in them, as far as the file says where.  Paths
    that cannot be read are already reported by :func:`siting.criteria.load`.

    Parameters
    ----------
    draft
        The file's data as written (from the :class:`~siting.errors.CriteriaError`).

    Returns
    -------
    list of str
        Located problems: layers that cannot be read, fields they lack.
    """
    data = draft.data
    problems: list[str] = []
    named: dict[str, tuple[Loc, Any]] = {
        key: ((key,), data.get(key)) for key in (CANDIDATES, "reference", "boundaries")
    }
    layers = data.get("layers")
    if isinstance(layers, dict):
        named |= {str(k): (("layers", str(k)), v) for k, v in layers.items()}
    frames: dict[str, pd.DataFrame] = {}
    for name, (loc, rel) in named.items():
        if not isinstance(rel, str) or not rel.strip():
            continue
        path = draft.resolve(Path(rel))
        if _missing(path):
            problems.append(draft.problem(loc, _file_problem(rel, unreadable(path) or "")))
            continue
        if unreadable(path) is not None or name in ("reference", "boundaries"):
            continue  # load() has reported why it cannot be read; the others need a study
        try:
            frames[name] = read_layer(path, name=name, required=("name",))
        except DataError as exc:
            problems += [draft.problem(loc, p) for p in exc.problems]
    for loc, frame, field_name in _draft_fields(data):
        if frame in frames and field_name not in frames[frame].columns:
            problems.append(
                draft.problem(
                    loc,
                    Msg(
                        N_("{layer} has no field {field}; {hint}"),
                        layer=_layer_label(frame),
                        field=repr(field_name),
                        hint=_field_hint(field_name, frames[frame]),
                    ),
                )
            )
    return problems


def _missing(path: Path) -> bool:
    """Whether nothing is at ``path`` (other path troubles are reported by the loader)."""
    try:
        path.lstat()
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False
    return False


def _draft_fields(data: dict[str, Any]) -> list[tuple[Loc, str, str]]:
    """(where, layer, field) for every field the file names, as far as its structure says."""
    out: list[tuple[Loc, str, str]] = []
    criteria = data.get("criteria")
    for i, crit in enumerate(criteria if isinstance(criteria, list) else []):
        measure = crit.get("measure") if isinstance(crit, dict) else None
        if not isinstance(measure, dict):
            continue
        base: Loc = ("criteria", i, "measure")
        attribute = measure.get("attribute")
        if isinstance(attribute, str) and attribute not in COORDINATES:
            out.append(((*base, "attribute"), CANDIDATES, attribute))
        layer = next(
            (measure[k] for k in ("nearest", "count", "sum", "access", "gravity") if k in measure),
            None,
        )
        if not isinstance(layer, str):
            continue
        if isinstance(measure.get("field"), str):
            out.append(((*base, "field"), layer, measure["field"]))
        where = measure.get("where")
        if isinstance(where, dict):
            out += [((*base, "where", str(k)), layer, str(k)) for k in where]
    exclude = data.get("exclude")
    for i, rule in enumerate(exclude if isinstance(exclude, list) else []):
        if isinstance(rule, dict) and isinstance(rule.get("field"), str):
            out.append((("exclude", i, "field"), CANDIDATES, rule["field"]))
    portfolio = data.get("portfolio")
    if isinstance(portfolio, dict):
        for key in ("at_most_per", "at_least_per", "budget"):
            part = portfolio.get(key)
            if isinstance(part, dict) and isinstance(part.get("field"), str):
                out.append((("portfolio", key, "field"), CANDIDATES, part["field"]))
    return out
