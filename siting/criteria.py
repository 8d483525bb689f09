"""Load a criteria file (YAML) into a validated :class:`~siting.spec.Study`.

Every problem in the file is collected and reported together, each as
``path:line: key: what is wrong; how to fix it``.  Line numbers come from
ruamel.yaml's round-trip loader, which remembers where each key and item was
read; pydantic's error locations are mapped back onto those positions.
"""

from __future__ import annotations

import difflib
import json
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from siting.errors import CriteriaError
from siting.spec import Study

Loc = tuple[str | int, ...]

SCHEMA_URL = "../schema/criteria.schema.json"


@dataclass(frozen=True)
class StudyFile:
    """A validated study together with where it came from.

    Attributes
    ----------
    study
        The validated study.
    path
        The criteria file, absolute.
    lines
        1-based line of every key and item of the file, by location
        (``("criteria", 0, "weight")``), so that later stages (layers,
        features) can point at the line that caused a problem.
    shown
        The path as the user gave it, used in messages (defaults to ``path``).
    """

    study: Study
    path: Path
    lines: dict[Loc, int]
    shown: Path | None = None

    @property
    def folder(self) -> Path:
        """The folder that relative paths in the file are resolved against."""
        return self.path.parent

    def resolve(self, relative: Path) -> Path:
        """Resolve a path written in the file against the file's folder."""
        return (self.folder / relative).resolve()

    def where(self, loc: Loc) -> str:
        """``path:line`` of the deepest known part of ``loc``."""
        return f"{self.shown or self.path}:{_line_of(self.lines, loc)}"

    def problem(self, loc: Loc, text: str) -> str:
        """Format a problem found after loading, in the file's usual ``path:line: key: ...`` form."""
        return f"{self.where(loc)}: {format_loc(loc)}: {text}"


def load(path: str | Path) -> StudyFile:
    """Read and validate a criteria file.

    Parameters
    ----------
    path
        The YAML criteria file.

    Returns
    -------
    StudyFile
        The study, its absolute path and the line of every key.

    Raises
    ------
    CriteriaError
        With one message per problem: malformed YAML, unknown keys (with a
        "did you mean"), wrong types, missing keys, inconsistent references.
    """
    shown = Path(path)
    path = shown.resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        msg = f"{path}: criteria file not found; check the path"
        raise CriteriaError(msg) from exc
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot read the criteria file ({exc}); save it as UTF-8 text"
        raise CriteriaError(msg) from exc
    data = _parse_yaml(text, shown)
    lines = _collect_lines(data)
    problems = _reference_problems(data, shown, lines)
    study: Study | None = None
    try:
        study = Study.model_validate(_plain(data))
    except ValidationError as exc:
        problems = _translate(exc, data, shown, lines) + problems
    else:
        problems += _study_problems(study, shown, lines)
    if problems or study is None:
        raise CriteriaError(sorted(_dedupe(problems), key=_line_key))
    return StudyFile(study=study, path=path, lines=lines, shown=shown)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of criteria files, for editors (yaml-language-server) and other tools."""
    schema = Study.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "siting criteria file"
    return schema


def json_schema_text() -> str:
    """:func:`json_schema` as stable, indented JSON text."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


# --- YAML with positions -------------------------------------------------------------------------


def _parse_yaml(text: str, path: Path) -> CommentedMap:
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "malformed YAML"
        msg = (
            f"{path}:{line}: YAML syntax: {what}; check the indentation, colons and quotes "
            "on this line and the one before"
        )
        raise CriteriaError(msg) from exc
    except Exception as exc:  # ruamel raises several unrelated types for broken input
        msg = f"{path}:1: YAML syntax: {exc}; check the file is valid YAML"
        raise CriteriaError(msg) from exc
    if data is None:
        msg = f"{path}:1: the file is empty; start from a shipped file in criteria/ (see docs/criteria.md)"
        raise CriteriaError(msg)
    if not isinstance(data, CommentedMap):
        kind = "a list" if isinstance(data, CommentedSeq) else f"a single value ({data!r})"
        msg = (
            f"{path}:1: the file must be a mapping of keys (study:, candidates:, criteria:, ...), "
            f"not {kind}; start from a shipped file in criteria/"
        )
        raise CriteriaError(msg)
    return data


def _collect_lines(node: Any, loc: Loc = (), out: dict[Loc, int] | None = None) -> dict[Loc, int]:
    out = {} if out is None else out
    if isinstance(node, CommentedMap):
        for key in node:
            line, _col = node.lc.key(key)
            out[(*loc, key)] = line + 1
            _collect_lines(node[key], (*loc, key), out)
    elif isinstance(node, CommentedSeq):
        for i, item in enumerate(node):
            line, _col = node.lc.item(i)
            out[(*loc, i)] = line + 1
            _collect_lines(item, (*loc, i), out)
    if loc == () and node is not None:
        out[()] = 1
    return out


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _line_of(lines: dict[Loc, int], loc: Loc) -> int:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def format_loc(loc: Loc) -> str:
    """``("criteria", 2, "weight")`` → ``criteria[2].weight``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


# --- pydantic errors → planner messages -----------------------------------------------------------


def _data_loc(loc: tuple[Any, ...], data: Any) -> tuple[Loc, Loc]:
    """Split a pydantic location into the part that exists in the data and the rest.

    pydantic adds union-member and validator tags (``'str'``, ``'function-after[...]'``) to
    locations; only components that index the data are kept.
    """
    kept: list[str | int] = []
    node = data
    rest: list[str | int] = []
    for part in loc:
        if rest:
            rest.append(part)
            continue
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            kept.append(part)
            node = node[part]
        elif (
            isinstance(part, str) and (part.startswith(("function-", "tagged-")) or "[" in part)
        ) or (isinstance(part, str) and part in _TYPE_TAGS):
            continue
        else:
            rest.append(part)
    return tuple(kept), tuple(rest)


_TYPE_TAGS = {"str", "float", "int", "bool", "list", "dict", "none", "tuple", "is-instance[Path]"}


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The pydantic model class that validates the mapping at ``loc``, if there is one."""
    annotation: Any = Study
    for part in loc:
        model = _unwrap_model(annotation, part)
        if model is None:
            return None
        annotation = model
    return _as_model(annotation)


def _as_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _as_model(arg)
        if found is not None:
            return found
    return None


def _unwrap_model(annotation: Any, part: str | int) -> Any:
    """Descend one step into a type annotation: a model's field, a list item or a dict value."""
    model = _as_model(annotation) if not _is_container(annotation) else None
    if model is not None and isinstance(part, str):
        for name, info in model.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    for candidate in _union_args(annotation):
        origin = typing.get_origin(candidate)
        if origin is list and isinstance(part, int):
            return typing.get_args(candidate)[0]
        if origin is dict and isinstance(part, str):
            return typing.get_args(candidate)[1]
    return None


def _union_args(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return list(typing.get_args(annotation))
    return [annotation]


def _is_container(annotation: Any) -> bool:
    return any(typing.get_origin(a) in (list, dict) for a in _union_args(annotation))


def _allowed_keys(loc: Loc) -> list[str]:
    model = _model_at(loc)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _translate(exc: ValidationError, data: Any, path: Path, lines: dict[Loc, int]) -> list[str]:
    grouped: dict[Loc, list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        kept, rest = _data_loc(tuple(err["loc"]), data)
        grouped.setdefault((*kept, *rest), []).append(err | {"kept": kept, "rest": rest})
    out = []
    for loc, errs in grouped.items():
        kept = errs[0]["kept"]
        line = _line_of(lines, kept)
        out.append(f"{path}:{line}: {format_loc(loc)}: {_explain(errs, loc)}")
    return out


def _explain(errs: list[dict[str, Any]], loc: Loc) -> str:
    types_ = {e["type"] for e in errs}
    first = errs[0]
    value = first.get("input")
    key = loc[-1] if loc else ""
    if "extra_forbidden" in types_:
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.5)
        hint = (
            f"did you mean {close[0]!r}?" if close else f"allowed keys here: {', '.join(allowed)}"
        )
        return f"unknown key {key!r}; {hint}"
    if "missing" in types_:
        return f"required key {key!r} is missing; add it (see docs/criteria.md)"
    if len(errs) > 1 and not types_ & {"value_error", "assertion_error"}:
        expected = sorted({_expected(e) for e in errs})
        return f"{value!r} has the wrong type; expected {' or '.join(expected)}"
    etype = first["type"]
    if etype in ("value_error", "assertion_error"):
        text = first["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return text
    if etype == "literal_error":
        options = first.get("ctx", {}).get("expected", "")
        close = difflib.get_close_matches(str(value), _literal_options(options), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{value!r} is not allowed{hint}; use one of {options}"
    if etype in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"{value!r} is out of range: {first['msg'].lower()}; change the value"
    if etype == "string_pattern_mismatch":
        return (
            f"{value!r} is not a valid id; use lower-case letters, digits and _ , starting with "
            "a letter (for example university_km)"
        )
    if etype == "too_short":
        return f"{first['msg'].lower()}; add at least one entry"
    return f"expected {_expected(first)}, got {value!r}; write {_expected(first)} here"


def _expected(err: dict[str, Any]) -> str:
    etype = err["type"]
    table = {
        "float_parsing": "a number",
        "float_type": "a number",
        "int_parsing": "a whole number",
        "int_type": "a whole number",
        "int_from_float": "a whole number",
        "string_type": "text",
        "bool_type": "true or false",
        "bool_parsing": "true or false",
        "list_type": "a list ([a, b] or lines starting with -)",
        "dict_type": "a mapping (key: value lines)",
        "model_type": "a mapping (key: value lines)",
        "model_attributes_type": "a mapping (key: value lines)",
        "path_type": "a file path",
        "tuple_type": "a pair [x, y]",
        "none_required": "nothing",
    }
    return table.get(etype, err["msg"].lower())


def _literal_options(expected: str) -> list[str]:
    return [part.strip(" '\"") for part in expected.replace(" or ", ",").split(",") if part.strip()]


def _line_key(problem: str) -> int:
    """Sort key: the line number of a ``path:line: ...`` message."""
    try:
        return int(problem.split(":", 2)[1])
    except (IndexError, ValueError):
        return 0


def _dedupe(problems: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for p in problems:
        seen.setdefault(p, None)
    return list(seen)


# --- references between parts of the file ---------------------------------------------------------


def _raw_scheme(data: CommentedMap, group: object) -> object:
    """The weighting method that applies to a criterion of ``group``, read from the raw file."""
    weights = data.get("weights")
    if not isinstance(weights, dict):
        return "direct"
    within = weights.get("within")
    if isinstance(within, dict) and isinstance(within.get(group), dict):
        return within[group].get("method", "direct")
    criteria = weights.get("criteria")
    return criteria.get("method", "direct") if isinstance(criteria, dict) else "direct"


def _reference_problems(data: CommentedMap, path: Path, lines: dict[Loc, int]) -> list[str]:
    """Check names that refer to other parts of the file (layers, groups, criteria).

    Done on the raw mapping, not the validated model, so that these problems are reported
    in the same run as type errors elsewhere in the file.
    """
    problems: list[str] = []

    def report(loc: Loc, text: str) -> None:
        problems.append(f"{path}:{_line_of(lines, loc)}: {format_loc(loc)}: {text}")

    layers = data.get("layers") if isinstance(data.get("layers"), dict) else {}
    groups = data.get("groups") if isinstance(data.get("groups"), dict) else None
    criteria = data.get("criteria") if isinstance(data.get("criteria"), list) else []
    ids: list[str] = []
    for i, crit in enumerate(criteria):
        if not isinstance(crit, dict):
            continue
        cid = crit.get("id")
        if isinstance(cid, str):
            if cid in ids:
                report(
                    ("criteria", i, "id"),
                    f"id {cid!r} is used twice; give each criterion its own id",
                )
            ids.append(cid)
        measure = crit.get("measure")
        if isinstance(measure, dict):
            for kind in ("nearest", "count", "sum", "access"):
                layer = measure.get(kind)
                if isinstance(layer, str) and layer not in layers:
                    close = difflib.get_close_matches(layer, list(layers), n=1)
                    hint = (
                        f"did you mean {close[0]!r}?"
                        if close
                        else f"known layers: {sorted(layers)}"
                    )
                    report(
                        ("criteria", i, "measure", kind),
                        f"layer {layer!r} is not defined under `layers`; {hint}",
                    )
        group = crit.get("group")
        if groups is not None and "group" in crit and group not in groups:
            close = difflib.get_close_matches(str(group), list(groups), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known groups: {sorted(groups)}"
            report(
                ("criteria", i, "group"), f"group {group!r} is not defined under `groups`; {hint}"
            )
        if groups is not None and "group" not in crit:
            report(
                ("criteria", i), f"criterion {cid!r} has no `group`; add one of {sorted(groups)}"
            )
        if "weight" not in crit and _raw_scheme(data, group) == "direct":
            report(
                ("criteria", i),
                f"criterion {cid!r} has no `weight`; add `weight: 1` (or another number), "
                "or derive the weights under `weights:`",
            )
    weights = data.get("weights") if isinstance(data.get("weights"), dict) else {}
    group_scheme = weights.get("groups") if isinstance(weights.get("groups"), dict) else {}
    if groups is not None and group_scheme.get("method", "direct") == "direct":
        for g, spec in groups.items():
            if isinstance(spec, dict) and "weight" not in spec:
                report(
                    ("groups", g),
                    f"group {g!r} has no `weight`; add one, or derive group weights with "
                    "`weights: {groups: {method: ahp, ...}}`",
                )
    exclude = data.get("exclude") if isinstance(data.get("exclude"), list) else []
    for i, rule in enumerate(exclude):
        if isinstance(rule, dict) and isinstance(rule.get("criterion"), str):
            name = rule["criterion"]
            if name not in ids:
                close = difflib.get_close_matches(name, ids, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"criteria: {ids}"
                report(("exclude", i, "criterion"), f"criterion {name!r} is not defined; {hint}")
    return problems


# --- consistency of a structurally valid study ---------------------------------------------------


def _study_problems(study: Study, path: Path, lines: dict[Loc, int]) -> list[str]:
    """Checks that need the validated study: weights per scheme, judgements, method options."""
    problems: list[str] = []

    def report(loc: Loc, text: str) -> None:
        problems.append(f"{path}:{_line_of(lines, loc)}: {format_loc(loc)}: {text}")

    ids = [c.id for c in study.criteria]
    w = study.weights
    if study.groups is None:
        scopes = {"criteria": (w.criteria, ids, ("weights", "criteria"))}
        if w.within:
            report(("weights", "within"), "`within` needs `groups`; define groups or remove it")
    else:
        scopes = {}
        for g in study.groups:
            members = [c.id for c in study.criteria if c.group == g]
            loc: Loc = ("weights", "within", g) if g in w.within else ("weights", "criteria")
            scopes[g] = (w.within.get(g, w.criteria), members, loc)
        for g in w.within:
            if g not in study.groups:
                close = difflib.get_close_matches(g, list(study.groups), n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"groups: {list(study.groups)}"
                report(("weights", "within", g), f"{g!r} is not a group; {hint}")
        if w.groups.method in ("entropy", "critic"):
            report(
                ("weights", "groups", "method"),
                f"{w.groups.method} weights are computed from "
                "criteria values and cannot weight groups; use direct, equal, ahp or rank_*",
            )
        _scheme_names(w.groups, list(study.groups), ("weights", "groups"), report)
    for i, crit in enumerate(study.criteria):
        scope = "criteria" if study.groups is None else crit.group
        scheme = scopes[scope][0] if scope in scopes else w.criteria
        if scheme.method == "direct" and crit.weight is None:
            report(
                ("criteria", i),
                f"criterion {crit.id!r} has no `weight`; add `weight: 1` (or "
                "another number), or derive the weights under `weights:`",
            )
    for scheme, names, loc in scopes.values():
        _scheme_names(scheme, names, loc, report)
    if study.sensitivity is not None:
        sens = study.sensitivity
        for key in ("weights", "uncertainty"):
            for cid in getattr(sens, key):
                if cid not in ids:
                    close = difflib.get_close_matches(cid, ids, n=1)
                    hint = f"did you mean {close[0]!r}?" if close else f"criteria: {ids}"
                    report(("sensitivity", key, cid), f"{cid!r} is not a criterion; {hint}")
        for cid, (lo, hi) in sens.weights.items():
            if not 0 <= lo <= hi <= 1:
                report(
                    ("sensitivity", "weights", cid),
                    f"range [{lo}, {hi}] must satisfy 0 <= lo <= hi <= 1",
                )
        if sens.order is not None and sorted(sens.order) != sorted(ids):
            report(("sensitivity", "order"), f"`order` must list each criterion once: {ids}")
    method = study.method
    for key in ("preference", "q", "p", "s"):
        value = getattr(method.promethee_ii, key)
        if isinstance(value, dict):
            missing = [c for c in ids if c not in value]
            unknown = [c for c in value if c not in ids]
            if missing or unknown:
                report(
                    ("method", "promethee_ii", key),
                    f"give one value per criterion id; missing {missing}, unknown {unknown}",
                )
    if "owa" in method.all:
        ow = method.owa.order_weights
        if ow is None or len(ow) != len(ids):
            got = "none" if ow is None else f"{len(ow)}"
            report(
                ("method", "owa"),
                f"owa needs `order_weights`, one per criterion ({len(ids)}), "
                f"got {got}; e.g. equal weights give the weighted average",
            )
    return problems


def _scheme_names(scheme: Any, names: list[str], loc: Loc, report: Any) -> None:
    """Names used by judgements and orders must be the ones of the scheme's scope."""
    for j, (a, b, x) in enumerate(scheme.judgements or []):
        for name in (a, b):
            if name not in names:
                close = difflib.get_close_matches(name, names, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"use one of {names}"
                report((*loc, "judgements", j), f"{name!r} is not compared here; {hint}")
        if x <= 0:
            report(
                (*loc, "judgements", j), f"judgement {x} must be positive (Saaty 1..9 or 1/9..1)"
            )
    if scheme.method == "ahp" and len(names) > 1:
        given = {frozenset((a, b)) for a, b, _ in scheme.judgements or []}
        needed = {frozenset((a, b)) for k, a in enumerate(names) for b in names[k + 1 :]}
        missing = [sorted(pair) for pair in needed - given]
        if missing:
            report(
                (*loc, "judgements"),
                f"AHP needs a judgement for every pair of {names}; missing {sorted(missing)}",
            )
    if scheme.order is not None and sorted(scheme.order) != sorted(names):
        report((*loc, "order"), f"`order` must list each of {names} once, got {scheme.order}")
