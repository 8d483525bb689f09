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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from siting import features
from siting.criteria import Draft, Loc, StudyFile
from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.layers import SHOWN, and_more, json_kind, read_layer, shown_path, unreadable
from siting.messages import Joined, Located, did_you_mean, either, plural
from siting.spec import Study, Where

#: Fields that data/README.md documents as counts of people or things; whatever a study does
#: with them, a negative value is a mistake in the data.
COUNTS = frozenset({"population", "students", "staff", "employees", "residents"})

CANDIDATES = "candidates"


def read_layers(source: StudyFile) -> tuple[gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame]]:
    """Read the candidates and every facility layer, then check the fields the criteria use.

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
            frames[str(loc[-1])] = read_layer(
                resolved, name=str(loc[-1]), required=("name",), problems=problems
            )
        except DataError as exc:
            problems += exc.problems
    # The fields of the layers that could be read are checked even when another layer failed,
    # so that a planner sees every problem in one run.
    problems += _field_problems(source, frames, _labels(source))
    if problems:
        raise DataError(problems)
    candidates = frames.pop(CANDIDATES)
    return candidates, frames


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
        ``number`` (must hold numbers), ``group`` (labels that group features) or ``filter``
        (compared with ``in`` / ``equals``; only its presence is checked).
    count
        The values cannot be negative (a count, a population, a cost).
    yes_no
        A field of only true/false is accepted (read as 1 and 0).
    missing
        Why a feature without a value is a problem, with the fix; None when it is allowed.
    where
        Only the features passing this filter are checked (the ones a measure reads).
    wanted
        The values an ``in`` / ``equals`` filter looks for, and where they are written.
    """

    loc: Loc
    frame: str
    field: str
    kind: Literal["number", "group", "filter"]
    count: bool = False
    yes_no: bool = False
    missing: Msg | None = None
    where: Where | None = None
    wanted: tuple[Loc, list[Any]] | None = None


def _uses(study: Study, *, criteria_only: bool = False) -> list[_Use]:
    """Every use of a layer field by the study, in the order of the file."""
    uses: list[_Use] = []
    for i, crit in enumerate(study.criteria):
        m = crit.measure
        base: Loc = ("criteria", i, "measure")
        if m.kind == "attribute":
            name = str(m.attribute)
            uses.append(
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
                )
            )
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
            uses.append(_Use(("portfolio", key, "field"), CANDIDATES, part.field, "group"))
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
    source: StudyFile, frames: dict[str, gpd.GeoDataFrame], labels: dict[str, _Label]
) -> list[str]:
    study = source.study
    found = _Found(source)
    for use in _uses(study):
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
            ),
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
    blank = (kinds == "null") | (values.astype(str).str.strip() == "").to_numpy()
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


# --- reference and boundaries -------------------------------------------------------------------


def read_reference(
    source: StudyFile, layers: dict[str, gpd.GeoDataFrame]
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
        ref = read_layer(path, name="reference", required=("name", "layer"))
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


def read_boundaries(source: StudyFile) -> gpd.GeoDataFrame | None:
    """Read the polygons drawn under maps, when the study names them."""
    rel = source.study.boundaries
    if rel is None:
        return None
    problems: list[str] = []
    path = layer_file(source, ("boundaries",), rel, problems)
    if path is None:
        raise DataError(problems)
    return read_layer(path, name="boundaries", points=False)


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
        if isinstance(attribute, str):
            out.append(((*base, "attribute"), CANDIDATES, attribute))
        layer = next(
            (measure[k] for k in ("nearest", "count", "sum", "access") if k in measure), None
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
