"""Load a criteria file (YAML) into a validated :class:`~siting.spec.Study`.

Every problem in the file is collected and reported together, each as
``path:line: key: what is wrong; how to fix it``: a :class:`siting.messages.Located` whose
location is kept as it is and whose text is a translatable :class:`siting.i18n.Msg`.  The
English that pydantic and ruamel.yaml write into their errors is never shown: each error is
explained in siting's own words, by its type and context.  Line numbers come from
ruamel.yaml's round-trip loader, which remembers where each key and item was
read; pydantic's error locations are mapped back onto those positions.

Anchors, aliases and merge keys (``<<: *base``) work as in any YAML file.  A key
merged in from an anchored mapping, or an item reached through an alias, is
located where it is written: at the anchored mapping.  So that a small file cannot
expand to billions of items through nested aliases, the expanded size is bounded
(:data:`MAX_NODES`) before anything walks the tree.
"""

from __future__ import annotations

import decimal
import difflib
import itertools
import json
import os
import re
import stat
import types
import typing
import warnings
from collections.abc import Mapping, Sequence, Set
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning
from ruamel.yaml.reader import ReaderError

from siting import weights as weighting
from siting.errors import CriteriaError, DataError
from siting.i18n import N_, Msg
from siting.messages import Integer, Joined, Located, did_you_mean, either, listing, plural
from siting.spec import (
    MAX_MAGNITUDE,
    STAKEHOLDER_KINDS,
    Stakeholder,
    Stakeholders,
    Study,
    Weights,
    Why,
)

Loc = tuple[str | int, ...]

SCHEMA_URL = "../schema/criteria.schema.json"

#: Keys and items a criteria file may hold once its aliases (``*name``) are followed.  The
#: largest shipped profile has about 500; a few nested aliases can expand a 1 kB file to
#: billions of items ("billion laughs") and exhaust the memory of whatever walks it.
MAX_NODES = 100_000

#: Largest criteria file read, in bytes.  The shipped profiles are 5–10 kB; a file a hundred
#: times larger is not a criteria file (and would take the YAML parser minutes).
MAX_FILE_BYTES = 1_000_000

#: Longest value quoted in a message.
_SHOWN_CHARS = 80


@dataclass(frozen=True)
class _Located:
    """A criteria file read, with the line of every key: what locates a later problem."""

    path: Path
    lines: dict[Loc, int]
    shown: Path | None = None
    #: The study was changed in code after its file was read (:meth:`siting.Study.replace`):
    #: its keys have no line in the file, so problems name the key alone.
    changed: bool = field(default=False, kw_only=True)

    @property
    def folder(self) -> Path:
        """The folder that relative paths in the file are resolved against."""
        return self.path.parent

    def resolve(self, relative: Path) -> Path:
        """Resolve a path written in the file against the file's folder.

        :func:`load` refuses paths the file system cannot resolve (a symlink loop, a NUL
        character, a name too long), so the fallback, the absolute path without following
        symlinks, only serves a :class:`StudyFile` built by hand.
        """
        joined = self.folder / relative
        try:
            return joined.resolve()
        except (OSError, RuntimeError, ValueError):
            return Path(os.path.abspath(joined))

    def where(self, loc: Loc) -> str:
        """``path:line`` of the deepest known part of ``loc`` (line 0 for a study changed in code)."""
        if self.changed:
            return f"{self.shown or self.path}:0"
        return f"{self.shown or self.path}:{_line_of(self.lines, loc)}"

    def problem(self, loc: Loc, text: str) -> Located:
        """A problem found after loading, in the file's usual ``path:line: key: ...`` form.

        For a study changed in code the place is ``path, as changed in code`` and the key.
        """
        if self.changed:
            return Located(changed_in_code(self.shown or self.path), text, key=format_loc(loc))
        return Located(self.where(loc), text, key=format_loc(loc))


@dataclass(frozen=True)
class StudyFile(_Located):
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

    study: Study = field(kw_only=True)


@dataclass(frozen=True)
class Draft(_Located):
    """A criteria file that read as YAML but is not a valid study: its data, as written.

    :func:`load` attaches it to the :class:`~siting.errors.CriteriaError` it raises, so that
    ``siting validate`` can still check what the broken file names (its layer files and their
    fields) and report those problems in the same run.
    """

    data: dict[str, Any] = field(kw_only=True)


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
        "did you mean"), wrong types, non-finite or out-of-range numbers, missing
        keys, inconsistent references, paths the file system cannot use.
    """
    shown = Path(path)
    try:
        path = shown.resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        msg = Located(
            shown,
            Msg(
                N_("cannot use this path to a criteria file ({reason}); check the path"),
                reason=str(exc),
            ),
        )
        raise CriteriaError(msg) from exc
    text = _read(path, shown)
    out = _Problems(shown)
    data = _parse_yaml(text, out)
    _check_expansion(data, shown)
    plain = _walk(data, (), 1, out)
    out.lines[()] = 1
    study = _validate(plain, path.parent, out)
    if out.found or study is None:
        error = CriteriaError(out.messages(), language=_language(plain))
        error.draft = Draft(path=path, lines=out.lines, shown=shown, data=plain)
        raise error
    return StudyFile(study=study, path=path, lines=out.lines, shown=shown)


def from_data(
    data: Mapping[str, Any], *, like: StudyFile, problems: Sequence[Located] = ()
) -> StudyFile:
    """Validate a study given as data in a criteria file's form, as :func:`load` validates a file.

    The same checks run in the same order (references between parts, paths, types and ranges,
    weights, methods); only the place of a problem differs: the data has no lines, so each
    problem names the key (``criteria[2].weight``) after ``<file>, as changed in code``.

    Parameters
    ----------
    data
        The study as plain data (mappings, lists, text and numbers), keys as in a criteria file.
    like
        The study it was changed from: relative paths are resolved against its file's folder.
    problems
        Problems already found by the caller (in the arguments of a change), reported together
        with the ones found here.

    Returns
    -------
    StudyFile
        The study, marked as changed in code (``changed``), with no lines.

    Raises
    ------
    CriteriaError
        Every problem, the caller's first.
    """
    shown = like.shown or like.path
    out = _Problems(shown, changed=True)
    out.found += [(0, problem) for problem in problems]
    _check_expansion(dict(data), shown)
    plain = _walk(dict(data), (), 1, out)
    study = _validate(plain, like.folder, out)
    if out.found or study is None:
        language = _language(plain) or like.study.language
        raise CriteriaError(out.messages(), language=language)
    return StudyFile(study=study, path=like.path, lines={}, shown=like.shown, changed=True)


def changed_in_code(path: str | Path) -> Msg:
    """Where a problem of a study changed in code is: ``<file>, as changed in code``."""
    return Msg(N_("{file}, as changed in code"), file=str(path))


def _validate(plain: dict[str, Any], folder: Path, out: _Problems) -> Study | None:
    """Every check of a study's plain data, problems into ``out``; the study when it is valid."""
    _reference_problems(plain, out)
    _path_problems(plain, folder, out)
    try:
        study = Study.model_validate(plain)
    except ValidationError as exc:
        _translate(exc, plain, out)
        return None
    _study_problems(study, out)
    return study


def _language(plain: dict[str, Any]) -> str | None:
    """The study's language when the data gives a valid one (for the error's messages)."""
    language = plain.get("language")
    return language if language in _LANGS else None


#: The values of ``language:`` a broken file may still give its messages in.
_LANGS = typing.get_args(Study.model_fields["language"].annotation)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of criteria files, for editors (yaml-language-server) and other tools."""
    schema = Study.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "siting criteria file"
    return schema


def json_schema_text() -> str:
    """:func:`json_schema` as stable, indented JSON text."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


# --- collecting problems -------------------------------------------------------------------------


@dataclass
class _Problems:
    """Every problem found in one file, each with its line, and the line of every key."""

    path: Path
    lines: dict[Loc, int] = field(default_factory=dict)
    found: list[tuple[int, Located]] = field(default_factory=list)
    #: The data was changed in code (:func:`from_data`): problems name the key, not a line.
    changed: bool = False
    #: Locations already explained (a tag, a set); pydantic's errors at or under them repeat it.
    explained: set[Loc] = field(default_factory=set)

    def add(self, loc: Loc, text: str, line: int | None = None) -> None:
        """Record ``path:line: key: text``; the line defaults to the deepest known part of ``loc``."""
        if self.changed:
            self.found.append((0, Located(changed_in_code(self.path), text, key=format_loc(loc))))
            return
        at = _line_of(self.lines, loc) if line is None else line
        self.found.append((at, Located(f"{self.path}:{at}", text, key=format_loc(loc))))

    def add_file(self, line: int, text: str) -> None:
        """Record a problem of the file as a whole (its YAML), ``path:line: text``."""
        self.found.append((line, Located(f"{self.path}:{line}", text)))

    def messages(self) -> list[str]:
        """The messages in line order, each once."""
        ordered = sorted(self.found, key=lambda item: item[0])
        return list(dict.fromkeys(text for _, text in ordered))


def _show(value: Any) -> str:
    """A value as quoted in a message: its repr, cut short."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**20:
        return Msg(N_("a {digits}-digit number"), digits=len(str(abs(value))))
    try:
        text = repr(value)
    except Exception:  # a repr can fail on exotic YAML values; the type still says what it is
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


# --- YAML with positions -------------------------------------------------------------------------


def _read(path: Path, shown: Path) -> str:
    """The file's text, or a :class:`CriteriaError` saying why it cannot be read."""
    try:
        # read one byte past the limit rather than trust the size: a device such as /dev/zero
        # reports 0 bytes and never ends
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        msg = Located(path, Msg(N_("criteria file not found; check the path")))
        raise CriteriaError(msg) from exc
    except IsADirectoryError as exc:
        msg = Located(
            shown, Msg(N_("is a folder; give the path of a criteria file (.yaml) inside it"))
        )
        raise CriteriaError(msg) from exc
    except OSError as exc:
        msg = Located(
            shown,
            Msg(
                N_(
                    "cannot read the criteria file ({reason}); check the path and that you "
                    "may read the file"
                ),
                reason=str(exc.strerror or exc),
            ),
        )
        raise CriteriaError(msg) from exc
    if len(raw) > MAX_FILE_BYTES:
        msg = Located(
            shown,
            Msg(
                N_(
                    "the file has more than the {limit} bytes a criteria file may have (the "
                    "shipped ones have about 10,000); check that this is the criteria file"
                ),
                limit=Integer(MAX_FILE_BYTES),
            ),
        )
        raise CriteriaError(msg)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        msg = Located(
            f"{shown}:{line}",
            Msg(
                N_(
                    "the file is not UTF-8 text (byte {byte} on this line); save it as UTF-8 "
                    "in your editor"
                ),
                byte=f"0x{raw[exc.start]:02x}",
            ),
        )
        raise CriteriaError(msg) from exc


def _parse_yaml(text: str, out: _Problems) -> dict[Any, Any]:
    """The file's top-level mapping, with ruamel's positions; stops at a syntax error."""
    path = out.path
    yaml = YAML(typ="rt")
    try:
        # ruamel warns (instead of failing) on some ambiguities; a criteria file must not have
        # them, and the test suite turns warnings into errors, so they are caught either way.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = yaml.load(text)
    except MarkedYAMLError as exc:
        raise CriteriaError(_yaml_message(exc, path, text)) from exc
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else 0
        msg = Located(
            f"{path}:{line}",
            Msg(
                N_(
                    "YAML syntax: the character {char} is not allowed in YAML; delete it (it is "
                    "often invisible: copy the line again by hand)"
                ),
                char=f"U+{char:04X}",
            ),
        )
        raise CriteriaError(msg) from exc
    except RecursionError as exc:
        msg = Located(
            f"{path}:1",
            Msg(
                N_(
                    "YAML syntax: the file is nested too deeply to read; a criteria file nests "
                    "a few levels (criteria: - measure: where: ...), check the brackets"
                )
            ),
        )
        raise CriteriaError(msg) from exc
    except Exception as exc:  # ruamel raises several unrelated types for broken input
        msg = Located(
            f"{path}:1",
            Msg(
                N_(
                    "YAML: the file cannot be read ({error}); check the anchors (&name), "
                    "aliases (*name) and merge keys (<<: *name): a mapping cannot merge itself"
                ),
                # An unexpected failure of the parser: its own words are the only detail.
                error=f"{type(exc).__name__}: {exc}",
            ),
        )
        raise CriteriaError(msg) from exc
    for warning in caught:
        if issubclass(warning.category, ReusedAnchorWarning):
            found = re.findall(r"line (\d+)", str(warning.message))
            name = re.search(r"duplicate anchor '([^']*)'", str(warning.message))
            line = int(found[-1]) if found else 1
            shown = f"&{name.group(1)}" if name else Msg(N_("an anchor"))
            out.add_file(
                line,
                Msg(
                    N_(
                        "YAML: the anchor {anchor} is defined twice (also on line {first}); give "
                        "each anchor its own name, otherwise its aliases take the later one"
                    ),
                    anchor=shown,
                    first=found[0] if found else "?",
                ),
            )
    if data is None:
        msg = Located(
            f"{path}:1",
            Msg(
                N_(
                    "the file is empty; start from a shipped file in criteria/ (see docs/criteria.md)"
                )
            ),
        )
        raise CriteriaError(msg)
    if not isinstance(data, dict):
        kind = (
            Msg(N_("a list"))
            if isinstance(data, CommentedSeq)
            else Msg(N_("a single value ({value})"), value=_show(data))
        )
        msg = Located(
            f"{path}:1",
            Msg(
                N_(
                    "the file must be a mapping of keys (study:, candidates:, criteria:, ...), "
                    "not {kind}; start from a shipped file in criteria/"
                ),
                kind=kind,
            ),
        )
        raise CriteriaError(msg)
    return data


def _yaml_message(exc: MarkedYAMLError, path: Path, text: str = "") -> Located:
    """A located message for a YAML syntax error: what is wrong in plain words, and the fix.

    The common slips are recognised by the parser's description and the file's own lines: a tab,
    a key without its colon, a quote that is never closed, a line indented differently from the
    keys around it, a bracket left open, a second colon on one line.  The message quotes the
    line it points at.  Anything else keeps the parser's own description (in siting's words).
    """
    lines = text.splitlines()
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    what = exc.problem or exc.context or "malformed YAML"
    diagnosis = None if isinstance(exc, DuplicateKeyError) else _diagnose(exc, lines)
    if diagnosis is not None:
        line, problem, fix = diagnosis
    else:
        problem = _yaml_problem(what)
        fix = _yaml_fix(exc, what, line)
    return Located(
        f"{path}:{line}",
        Msg(N_("YAML syntax: {problem}; {fix}"), problem=problem, fix=_quoted(fix, lines, line)),
    )


def _yaml_fix(exc: MarkedYAMLError, what: str, line: int) -> Msg:
    """The usual fix of a syntax error the file's lines do not explain further."""
    if isinstance(exc, DuplicateKeyError):
        first = exc.context_mark.line + 1 if exc.context_mark is not None else line
        return Msg(
            N_(
                "each key appears once in a mapping (this one starts on line {first}); "
                "delete or rename one of them"
            ),
            first=first,
        )
    if "\t" in what or "'\\t'" in what:
        return _TAB_FIX
    if "merg" in what:
        return Msg(
            N_(
                "`<<: *name` merges a mapping anchored with &name (or a list of them); fix the alias"
            )
        )
    if "alias" in what:
        return Msg(N_("define the anchor (&name) before its alias (*name), or fix the spelling"))
    return Msg(N_("check the indentation, colons and quotes on this line and the one before"))


_TAB_FIX = Msg(
    N_("YAML does not allow tabs for indentation or after a colon; replace them with spaces")
)


def _quoted(fix: Msg, lines: list[str], line: int) -> Msg:
    """``fix (line 20 reads '    unit km')``: the fix, then the line it is about as written."""
    if not lines:
        return fix
    if 1 <= line <= len(lines):
        return Msg(
            N_("{fix} (line {line} reads {text})"), fix=fix, line=line, text=_show(lines[line - 1])
        )
    return Msg(N_("{fix} (the file ends on line {last})"), fix=fix, last=len(lines))


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _content_above(lines: list[str], line: int) -> list[tuple[int, str]]:
    """The lines before ``line`` (1-based) that hold YAML, nearest first, with their numbers."""
    return [
        (k, lines[k - 1])
        for k in range(min(line, len(lines) + 1) - 1, 0, -1)
        if lines[k - 1].strip() and not lines[k - 1].lstrip().startswith("#")
    ]


#: A value that opens a quote: after ``key: ``, ``- `` or a flow bracket.
_OPENS_QUOTE = re.compile(r"""(?:^\s*-\s+|:\s+|[\[{,]\s*)(["'])""")


def _unclosed_quote(lines: list[str], upto: int) -> tuple[int, int, str] | None:
    """The first line up to ``upto`` whose value opens a quote that the line does not close."""
    for k in range(1, min(upto, len(lines)) + 1):
        text = lines[k - 1]
        if text.lstrip().startswith("#"):
            continue
        for match in _OPENS_QUOTE.finditer(text):
            quote, start = match.group(1), match.end(1)
            rest = text[start:]
            closed = (
                re.search(r'(?<!\\)"', rest) is not None
                if quote == '"'
                else re.search(r"'(?!')", rest.replace("''", "")) is not None
            )
            if not closed:
                return k, start, quote
    return None


def _diagnose(exc: MarkedYAMLError, lines: list[str]) -> tuple[int, Msg, Msg] | None:
    """Line, problem and fix of a common slip, read from the error and the file's lines."""
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    where = exc.problem_mark
    at = exc.context_mark
    line = where.line + 1 if where is not None else 1
    if "\t" in problem or "'\\t'" in problem:
        column = where.column + 1 if where is not None else 1
        return line, Msg(N_("a tab at column {column}"), column=column), _TAB_FIX
    if context == "while scanning a quoted scalar" and at is not None:
        return _unclosed(at.line + 1, at.column + 1, lines)
    if problem == "could not find expected ':'" and at is not None:
        return (
            at.line + 1,
            Msg(N_("the key on this line has no colon after it")),
            Msg(
                N_(
                    "write `key: value`, a colon and a space after the key; if the line "
                    "continues the text above it, put that text in quotes"
                )
            ),
        )
    # A quote left open swallows the lines after it; the parser stumbles only later.
    unclosed = _unclosed_quote(lines, line)
    if unclosed is not None and (unclosed[0] < line or (at is not None and unclosed[0] == line)):
        return _unclosed(*unclosed[:2], lines)
    if (
        context.startswith("while parsing a flow")
        and at is not None
        and problem.startswith("expected ','")
    ):
        opened = lines[at.line][at.column] if at.line < len(lines) else "["
        close = {"[": "]", "{": "}"}.get(opened, "]")
        return (
            at.line + 1,
            Msg(
                N_("the {bracket} at column {column} is not closed where it should be"),
                bracket=opened,
                column=at.column + 1,
            ),
            Msg(
                N_(
                    "close it with {close} on this line and separate its items with commas; "
                    "quote a value that holds a comma, a colon or a bracket"
                ),
                close=close,
            ),
        )
    if (
        problem.startswith("expected <block end>")
        or problem == "mapping values are not allowed here"
    ):
        return _layout(problem, line, where.column if where is not None else 0, lines)
    return None


def _unclosed(line: int, column: int, lines: list[str]) -> tuple[int, Msg, Msg]:
    quote = lines[line - 1][column - 1] if line <= len(lines) else '"'
    return (
        line,
        Msg(
            N_("the quote {quote} at column {column} is never closed"),
            quote=quote,
            column=column,
        ),
        Msg(
            N_(
                "end the text with {quote} on the same line (inside '...' an apostrophe is "
                'written \'\', inside "..." a quote is written \\")'
            ),
            quote=quote,
        ),
    )


def _layout(problem: str, line: int, column: int, lines: list[str]) -> tuple[int, Msg, Msg] | None:
    """A line indented unlike its neighbours, a dash without a space, or two colons on a line."""
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1]
    above = _content_above(lines, line)
    if not above:
        return None
    prev_line, prev = above[0]
    dash = next(
        ((k, t) for k, t in [(line, text), above[0]] if re.match(r"^\s*-[^\s\-.\d]", t)), None
    )
    if dash is not None:
        return (
            dash[0],
            Msg(N_("a dash without a space after it is text, not a list item")),
            Msg(N_("write a dash and a space, `- `, before each item of a list")),
        )
    indent, prev_indent = _indent(text), _indent(prev)
    levels = sorted({_indent(t) for _, t in above})
    first_colon = text.find(": ")
    if problem == "mapping values are not allowed here" and 0 <= first_colon < column:
        return (
            line,
            Msg(N_("a second colon on one line")),
            Msg(
                N_("a text that holds a colon and a space must be quoted, for example {example}"),
                example='label: "Science: institutes and campuses"',
            ),
        )
    opens_block = prev.rstrip().endswith(":") or re.match(r"^\s*-\s*$", prev) is not None
    if indent == prev_indent or (opens_block and indent > prev_indent):
        return None
    more = indent > prev_indent
    return (
        line,
        Msg(
            N_("this line is indented by {spaces} spaces, line {above} above it by {prev}"),
            spaces=indent,
            above=prev_line,
            prev=prev_indent,
        )
        if not more or problem != "mapping values are not allowed here"
        else Msg(
            N_(
                "this line is indented by {spaces} spaces, more than line {above} above it "
                "({prev}), so YAML reads it as more of that line's text and then finds its colon"
            ),
            spaces=indent,
            above=prev_line,
            prev=prev_indent,
        ),
        Msg(
            N_(
                "keys of one mapping, and items of one list, start in the same column: indent "
                "it like the key it belongs with (the lines above use {levels} spaces)"
            ),
            levels=", ".join(str(n) for n in levels),
        ),
    )


#: ruamel.yaml's descriptions of syntax errors, in siting's words (kept close to ruamel's, which
#: planners search the web for).  Matched in order against the whole description; the named
#: groups are the values quoted (a character or a token, as ruamel quotes it).
_YAML_PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.DOTALL), m)
    for p, m in [
        (
            r"found character (?P<char>.+) that cannot start any token",
            N_("found character {char} that cannot start any token"),
        ),
        (r"mapping values are not allowed here", N_("mapping values are not allowed here")),
        (r"mapping keys are not allowed here", N_("mapping keys are not allowed here")),
        (r"sequence entries are not allowed here", N_("sequence entries are not allowed here")),
        (r"could not find expected ':'", N_("could not find expected ':'")),
        (r"found unexpected ':'", N_("found unexpected ':'")),
        (r"found unexpected end of stream", N_("found unexpected end of stream")),
        (r"found unexpected document separator", N_("found unexpected document separator")),
        (
            r"expected a single document in the stream",
            N_("expected a single document in the stream"),
        ),
        (r"found duplicate YAML directive", N_("found duplicate YAML directive")),
        (
            r"but found another document",
            N_("expected a single document in the stream, but found another document"),
        ),
        (r"found undefined alias (?P<name>.+)", N_("found undefined alias {name}")),
        (r"found undefined tag handle (?P<name>.+)", N_("found undefined tag handle {name}")),
        (
            r"found unknown escape character (?P<char>.+)",
            N_("found unknown escape character {char}"),
        ),
        (
            r"found duplicate key (?P<key>.+?) with value (?P<value>.+?) "
            r"\(original value: (?P<first>.+)\)",
            N_("found duplicate key {key} with value {value} (original value: {first})"),
        ),
        (
            r"expected <block end>, but found (?P<token>.+)",
            N_("expected <block end>, but found {token}"),
        ),
        (
            r"expected '<document start>', but found (?P<token>.+)",
            N_("expected '<document start>', but found {token}"),
        ),
        (
            r"expected the node content, but found (?P<token>.+)",
            N_("expected the node content, but found {token}"),
        ),
        (
            r"expected ',' or '\]', but got (?P<token>.+)",
            N_("expected ',' or ']', but got {token}"),
        ),
        (
            r"expected ',' or '}', but got (?P<token>.+)",
            N_("expected ',' or '}}', but got {token}"),
        ),
        (
            r"expected a comment or a line break, but found (?P<char>.+)",
            N_("expected a comment or a line break, but found {char}"),
        ),
        (
            r"expected alphabetic or numeric character, but found (?P<char>.+)",
            N_("expected alphabetic or numeric character, but found {char}"),
        ),
        (r"expected ' ', but found (?P<char>.+)", N_("expected ' ', but found {char}")),
        (
            r"expected a mapping or list of mappings for merging, but found (?P<kind>.+)",
            N_("expected a mapping or list of mappings for merging, but found {kind}"),
        ),
        (
            r"expected a mapping for merging, but found (?P<kind>.+)",
            N_("expected a mapping for merging, but found {kind}"),
        ),
        (
            r"invalid intendation or unclosed (?P<brackets>'\[' or '\{')",
            N_("invalid indentation or unclosed {brackets}"),
        ),
        (
            r"expected chomping or indentation indicators, but found (?P<char>.+)",
            N_("expected chomping or indentation indicators, but found {char}"),
        ),
        (
            r"expected indentation indicator in the range 1-9, but found 0",
            N_("expected indentation indicator in the range 1-9, but found 0"),
        ),
        (
            r"more indented follow up line than first in a block scalar",
            N_("more indented follow up line than first in a block scalar"),
        ),
        (
            r"expected escape sequence of (?P<count>\d+) hexadecimal numbers, but found "
            r"(?P<char>.+)",
            N_("expected escape sequence of {count} hexadecimal numbers, but found {char}"),
        ),
        (r"expected a digit, but found (?P<char>.+)", N_("expected a digit, but found {char}")),
        (
            r"expected a digit or '\.', but found (?P<char>.+)",
            N_("expected a digit or '.', but found {char}"),
        ),
        (r"expected URI, but found (?P<char>.+)", N_("expected URI, but found {char}")),
        (
            r"expected URI escape sequence of 2 hexdecimal numbers, but found (?P<char>.+)",
            N_("expected URI escape sequence of 2 hexadecimal numbers, but found {char}"),
        ),
        (r"expected '!',? but found (?P<char>.+)", N_("expected '!', but found {char}")),
        (r"expected '>',? but found (?P<char>.+)", N_("expected '>', but found {char}")),
        (r"duplicate tag handle (?P<name>.+)", N_("duplicate tag handle {name}")),
        (
            r"found incompatible YAML document \(version 1\.\* is required\)",
            N_("found incompatible YAML document (version 1.* is required)"),
        ),
        (
            r"found non-comment content after document end marker.*",
            N_("found non-comment content after document end marker"),
        ),
        (r"found unconstructable recursive node", N_("found unconstructable recursive node")),
        (r"found unhashable key", N_("found unhashable key")),
        (r"while (?:scanning|parsing|composing|constructing) .*", N_("malformed YAML")),
    ]
]


def _yaml_problem(what: str) -> Msg:
    """The description ruamel.yaml gives of a syntax error, in siting's (translatable) words."""
    for pattern, template in _YAML_PROBLEMS:
        match = pattern.fullmatch(what.strip())
        if match:
            return Msg(template, **match.groupdict())
    # A description not in the table: say the YAML is malformed, quoting the parser's words.
    return Msg(N_("malformed YAML ({detail})"), detail=what.strip())


def _children(node: Any) -> list[Any]:
    """The nodes under ``node``: values and composite keys of a mapping, items of a list."""
    if isinstance(node, Mapping):
        return [k for k in node if isinstance(k, Mapping | tuple)] + list(node.values())
    if isinstance(node, list | tuple | Set):
        return list(node)
    return []


def _check_expansion(data: dict[Any, Any], path: Path) -> None:
    """Refuse a file whose aliases expand beyond :data:`MAX_NODES`, before anything walks it.

    The expanded size of each distinct node is counted once (memoised by identity), so this
    costs the size of the file as written, not as expanded.
    """
    sizes: dict[int, int] = {}
    cap = MAX_NODES + 1

    def size(node: Any) -> int:
        if not isinstance(node, Mapping | list | tuple | Set):
            return 1
        key = id(node)
        if key not in sizes:
            sizes[key] = cap  # a node met again while it is being counted contains itself
            total = 1
            for child in _children(node):
                total = min(cap, total + size(child))
            sizes[key] = total
        return sizes[key]

    if size(data) <= MAX_NODES:
        return
    worst = max(data, key=lambda k: size(data[k]))
    line = (_key_line(data, worst) or 1) if isinstance(worst, str) else 1
    msg = Located(
        f"{path}:{line}",
        Msg(
            N_(
                "the file expands to more than {limit} keys and items once its aliases (*name) "
                "are followed (an alias of a list that holds aliases multiplies at every level); "
                "write the repeated part out once, or use fewer nested aliases"
            ),
            limit=Integer(MAX_NODES),
        ),
        key=worst if isinstance(worst, str) else _FILE,
    )
    raise CriteriaError(msg)


def _position(node: Any, key: Any) -> int | None:
    """1-based line ruamel recorded for ``key`` of a mapping (or index of a list), if any."""
    try:
        data = node.lc.data
        pos = data.get(key) if isinstance(data, dict) else None
    except (AttributeError, TypeError):
        return None
    if isinstance(pos, list | tuple) and pos and isinstance(pos[0], int):
        return pos[0] + 1
    return None


def _key_line(node: Any, key: Any, seen: frozenset[int] = frozenset()) -> int | None:
    """Line of ``key`` in a mapping; a merged key is found in the mapping it was merged from."""
    line = _position(node, key)
    if line is not None or id(node) in seen:
        return line
    merged = getattr(node, "merge", None)
    for source in getattr(merged, "value", merged) or ():
        mapping = source[1] if isinstance(source, tuple) else source  # older ruamel: (pos, map)
        if isinstance(mapping, Mapping) and key in mapping:
            found = _key_line(mapping, key, seen | {id(node)})
            if found is not None:
                return found
    return None


def _kind(value: Any) -> Msg:
    if value is None:
        return Msg(N_("empty"))
    if isinstance(value, bool):
        return Msg(N_("true/false"))
    if isinstance(value, int | float):
        return Msg(N_("a number"))
    if isinstance(value, Mapping):
        return Msg(N_("a mapping"))
    if isinstance(value, tuple | list):
        return Msg(N_("a list"))
    return Msg(N_("a {type}"), type=type(value).__name__)


def _walk(node: Any, loc: Loc, line: int, out: _Problems) -> Any:
    """The file as plain dicts, lists and scalars, recording the line of every key and item.

    Keys that are not text (``1:``, ``null:``, ``[a, b]:``) are reported and left out, so that
    everything after this step can rely on text keys; ruamel's scalar subclasses become plain
    Python values.
    """
    if isinstance(node, TaggedScalar):
        tag = getattr(node.tag, "value", node.tag)
        out.add(
            loc, Msg(N_("the tag {tag} is not used in criteria files; remove it"), tag=tag), line
        )
        out.explained.add(loc)
        return str(node.value)
    if isinstance(node, Mapping):
        plain: dict[str, Any] = {}
        for key in node:
            key_line = _key_line(node, key) or line
            if not isinstance(key, str):
                shown = "null" if key is None else _show(key)
                shown = str(key).lower() if isinstance(key, bool) else shown
                out.add(
                    loc,
                    Msg(
                        N_(
                            "key {key} is {kind}, not a name; keys are names such as `weight` or "
                            "a criterion id (quote it, '...', if the name is meant)"
                        ),
                        key=shown,
                        kind=_kind(key),
                    ),
                    key_line,
                )
                continue
            odd = _odd_character(key)
            if odd is not None:
                out.add(loc, _odd_message(Msg(N_("key {key}"), key=_show(key)), odd), key_line)
                continue
            name = str(key)
            out.lines[(*loc, name)] = key_line
            plain[name] = _walk(node[key], (*loc, name), key_line, out)
        return plain
    if isinstance(node, list | tuple):
        items = []
        for i, item in enumerate(node):
            item_line = _position(node, i) or line
            out.lines[(*loc, i)] = item_line
            items.append(_walk(item, (*loc, i), item_line, out))
        return items
    if isinstance(node, Set):
        out.add(loc, Msg(N_("a set (!!set) is not used here; write a list [a, b]")), line)
        out.explained.add(loc)
        return None
    if isinstance(node, bool):  # ruamel's ScalarBoolean is an int
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        odd = _odd_character(node)
        if odd is None:
            return str(node)
        out.add(loc, _odd_message(_show(node), odd), line)
        out.explained.add(loc)
        return "".join(c for c in node if _odd_character(c) is None)
    return node


def _odd_character(text: str) -> int | None:
    r"""The first character of ``text`` that no output can carry (its code point), if any.

    Control characters (other than a line break) are invisible in an editor and garble tables,
    charts and pages; a lone surrogate (half of a UTF-16 pair, written as an escape such as
    ``"\ud800"``) cannot be written as UTF-8 at all.
    """
    for char in text:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF or (code < 0x20 and char != "\n") or 0x7F <= code <= 0x9F:
            return code
    return None


def _odd_message(what: str, code: int) -> Msg:
    """What is wrong with ``what`` (a key or a value) that holds the character ``code``."""
    if 0xD800 <= code <= 0xDFFF:
        return Msg(
            N_(
                "{what} holds {char}, half of a character pair, which no file can store; "
                "retype the text"
            ),
            what=what,
            char=f"U+{code:04X}",
        )
    names = {0: "NUL", 9: Msg(N_("tab")), 13: Msg(N_("carriage return"))}
    return Msg(
        N_(
            "{what} holds an invisible {name} ({char}); delete it, or retype the text if you "
            "cannot see it"
        ),
        what=what,
        name=names.get(code, Msg(N_("control character"))),
        char=f"U+{code:04X}",
    )


def _line_of(lines: dict[Loc, int], loc: Loc) -> int:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def format_loc(loc: Loc) -> str:
    """``("criteria", 2, "weight")`` → ``criteria[2].weight``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif (
            not _NAME.match(part) or len(part) > 40
        ):  # a key such as ' ' or 'a.b' would make the path unreadable
            out += f"[{_show(part)}]"
        else:
            out += f".{part}" if out else part
    return out or _FILE


_NAME = re.compile(r"^[^\W\d]\w*$")
#: The "key" of a problem of the file as a whole.
_FILE = Msg(N_("(file)"))


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
            isinstance(node, list | tuple) and isinstance(part, int) and 0 <= part < len(node)
        ):
            kept.append(part)
            node = node[part]
        elif isinstance(part, str) and (part in _TYPE_TAGS or _TAG.match(part)):
            continue
        else:
            rest.append(part)
    return tuple(kept), tuple(rest)


_TYPE_TAGS = {"str", "float", "int", "bool", "list", "dict", "none", "tuple"}
#: pydantic's schema tags (``function-after[...]``, ``constrained-str``, ``lax-or-strict[...]``):
#: never a key of a criteria file that is missing from the data, whose keys are snake_case.
_TAG = re.compile(r"^[a-z]+(-[a-z]+)+(\[.*\])?$|.*\[.*\]$")


#: The model a file is validated against: a study, or another file kind (:func:`read_model`).
_ROOT: ContextVar[type[BaseModel]] = ContextVar("_ROOT", default=Study)


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The pydantic model class that validates the mapping at ``loc``, if there is one."""
    annotation: Any = _ROOT.get()
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


def _why(loc: Loc) -> str | None:
    """The reason a field at ``loc`` has its upper bound (:class:`siting.spec.Why`), if given."""
    if not loc or not isinstance(loc[-1], str):
        return None
    model = _model_at(loc[:-1])
    if model is None:
        return None
    for name, info in model.model_fields.items():
        if loc[-1] in (name, info.alias):
            # on the field itself, or inside an optional type (``SiteCount | None``)
            extras = [getattr(a, "__metadata__", ()) for a in _union_args(info.annotation)]
            found = [m for m in (*info.metadata, *itertools.chain(*extras)) if isinstance(m, Why)]
            return found[0].text if found else None
    return None


def _translate(exc: ValidationError, data: Any, out: _Problems) -> None:
    grouped: dict[Loc, list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        kept, rest = _data_loc(tuple(err["loc"]), data)
        if any(kept[: len(done)] == done for done in out.explained):
            continue
        grouped.setdefault((*kept, *rest), []).append(err | {"kept": kept, "rest": rest})
    # A text given per language ({en: ..., ru: ...}) fails the union's plain-text branch too;
    # when its own keys or values are wrong, that is the problem to report, not "expected text".
    for loc in [
        loc
        for loc in grouped
        if any(other[: len(loc)] == loc and other != loc for other in grouped)
    ]:
        grouped[loc] = [e for e in grouped[loc] if e["type"] != "string_type"]
        if not grouped[loc]:
            del grouped[loc]
    for loc, errs in grouped.items():
        out.add(loc, _explain(errs, loc), _line_of(out.lines, errs[0]["kept"]))


def _not_finite(value: Any) -> Msg:
    return Msg(
        N_(
            "{value} is not a finite number; write an ordinary number here (for example 1 or "
            "0.5): .inf, .nan and numbers too large to store would turn every score into NaN or 0"
        ),
        value=_show(value),
    )


def _explain(errs: list[dict[str, Any]], loc: Loc) -> str:
    """The errors pydantic found at one location, explained in siting's (translatable) words."""
    types_ = {e["type"] for e in errs}
    first = errs[0]
    value = first.get("input")
    key = loc[-1] if loc else ""
    if "extra_forbidden" in types_:
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.5)
        hint = (
            did_you_mean(close[0])
            if close
            else Msg(N_("allowed keys here: {keys}"), keys=", ".join(allowed))
        )
        return Msg(N_("unknown key {key}; {hint}"), key=_show(key), hint=hint)
    if "missing" in types_:
        if isinstance(key, int):
            return Msg(
                N_(
                    "item {number} is missing from this list; write every item (see docs/criteria.md)"
                ),
                number=key + 1,
            )
        return Msg(
            N_("required key {key} is missing; add it (see docs/criteria.md)"), key=repr(key)
        )
    if "finite_number" in types_:
        return _not_finite(value)
    huge = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) > MAX_MAGNITUDE
    )
    if huge and types_ & {"float_type", "int_parsing_size"}:
        return Msg(
            N_(
                "{value} is too large: numbers in a criteria file lie within ±{limit}, beyond "
                "which sums and differences of them lose their digits; use a larger unit, for "
                "example thousands"
            ),
            value=_show(value),
            limit=f"{MAX_MAGNITUDE:g}",
        )
    custom = [e for e in errs if e["type"] in ("value_error", "assertion_error")]
    if custom and (len(errs) == 1 or len(custom) == 1):
        return _custom(custom[0])
    if len(errs) > 1:
        expected = sorted({_expected(e) for e in errs})
        return Msg(
            N_("{value} has the wrong type; expected {expected}; write one of them here"),
            value=_show(value),
            expected=either(expected),
        )
    return _explain_one(first, loc)


def _explain_one(err: dict[str, Any], loc: Loc) -> Msg:
    """The one pydantic error at a location, by its type and context."""
    etype = err["type"]
    value = err.get("input")
    ctx = err.get("ctx", {})
    if etype == "literal_error":
        options = [repr(o) for o in _literal_options(ctx.get("expected", ""))]
        close = difflib.get_close_matches(
            str(value), _literal_options(ctx.get("expected", "")), n=1
        )
        if close:
            return Msg(
                N_("{value} is not allowed (did you mean {name}?); use one of {options}"),
                value=_show(value),
                name=repr(close[0]),
                options=listing(options),
            )
        return Msg(
            N_("{value} is not allowed; use one of {options}"),
            value=_show(value),
            options=listing(options),
        )
    if etype in _BOUNDS:
        limit = ctx.get(_BOUNDS[etype][0])
        why = _why(loc) if etype in ("less_than_equal", "less_than") else None
        if why is not None:
            return Msg(
                N_("{value} is too large: the most is {limit}, because {why}; lower it"),
                value=_show(value),
                limit=Integer(limit) if isinstance(limit, int) else f"{limit:,}",
                why=why,
            )
        return Msg(
            N_("{value} is out of range: {bound}; change the value"),
            value=_show(value),
            bound=Msg(_BOUNDS[etype][1], limit=_bound_text(limit)),
        )
    if etype == "string_pattern_mismatch":
        return Msg(
            N_(
                "{value} is not a valid id; use lower-case letters, digits and _ , starting "
                "with a letter (for example university_km)"
            ),
            value=_show(value),
        )
    if etype in ("too_short", "too_long"):
        kind = _SIZED.get(str(ctx.get("field_type", "")).lower(), _SIZED["value"])
        actual = ctx.get("actual_length")
        if etype == "too_short":
            return Msg(
                N_("{size}; add at least one entry"),
                size=plural(
                    "{kind} should have at least {n} item after validation, not {actual}",
                    "{kind} should have at least {n} items after validation, not {actual}",
                    int(ctx.get("min_length", 1)),
                    kind=kind,
                    actual=actual,
                ),
            )
        return Msg(
            N_("{size}; remove the extra items"),
            size=plural(
                "{kind} should have at most {n} item after validation, not {actual}",
                "{kind} should have at most {n} items after validation, not {actual}",
                int(ctx.get("max_length", 0)),
                kind=kind,
                actual=actual,
            ),
        )
    expected = _expected(err)
    return Msg(
        N_("expected {expected}, got {value}; write {expected} here"),
        expected=expected,
        value=_show(value),
    )


#: pydantic's bound errors: the context key of the bound, and how siting states the bound.
_BOUNDS = {
    "less_than_equal": ("le", N_("input should be less than or equal to {limit}")),
    "less_than": ("lt", N_("input should be less than {limit}")),
    "greater_than_equal": ("ge", N_("input should be greater than or equal to {limit}")),
    "greater_than": ("gt", N_("input should be greater than {limit}")),
}


def _bound_text(limit: Any) -> str:
    """A field's bound written out in full, as pydantic's own message does (0, 0.5, 0.0000001)."""
    if isinstance(limit, float):
        return str(int(limit)) if limit.is_integer() else format(decimal.Decimal(repr(limit)), "f")
    return str(limit)


#: What a too-short or too-long collection is, by pydantic's ``field_type``.
_SIZED = {
    "list": Msg(N_("list")),
    "tuple": Msg(N_("tuple")),
    "set": Msg(N_("set")),
    "dictionary": Msg(N_("dictionary")),
    "value": Msg(N_("value")),
}


def _custom(err: dict[str, Any]) -> str:
    """The message of one of siting's own validators (a :class:`~siting.i18n.Msg`, kept as is).

    pydantic wraps the validator's exception in its error's context; its first argument is the
    message as siting wrote it, translatable.  Text from elsewhere loses pydantic's prefix.
    """
    error = err.get("ctx", {}).get("error")
    message = error.args[0] if isinstance(error, Exception) and error.args else None
    if isinstance(message, str):
        return message
    text = str(err["msg"])
    return text.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _expected(err: dict[str, Any]) -> Msg:
    """What a value of the wrong type should have been, by pydantic's error type."""
    return _EXPECTED.get(err["type"], _EXPECTED["value_error"])


_EXPECTED = {
    "float_parsing": Msg(N_("a number")),
    "float_type": Msg(N_("a number")),
    "finite_number": Msg(N_("a finite number")),
    "int_parsing": Msg(N_("a whole number")),
    "int_type": Msg(N_("a whole number")),
    "int_from_float": Msg(N_("a whole number")),
    "int_parsing_size": Msg(N_("a whole number of sensible size")),
    "string_type": Msg(N_("text")),
    "string_pattern_mismatch": Msg(N_("text of the right form")),
    "bool_type": Msg(N_("true or false")),
    "bool_parsing": Msg(N_("true or false")),
    "list_type": Msg(N_("a list ([a, b] or lines starting with -)")),
    "dict_type": Msg(N_("a mapping (key: value lines)")),
    "model_type": Msg(N_("a mapping (key: value lines)")),
    "model_attributes_type": Msg(N_("a mapping (key: value lines)")),
    "path_type": Msg(N_("a file path")),
    "tuple_type": Msg(N_("a pair [x, y]")),
    "none_required": Msg(N_("nothing")),
    "literal_error": Msg(N_("one of the listed names")),
    # Also every error type not listed: pydantic's own sentence would be English only.
    "value_error": Msg(N_("a valid value")),
}


def _literal_options(expected: str) -> list[str]:
    return [part.strip(" '\"") for part in expected.replace(" or ", ",").split(",") if part.strip()]


# --- references between parts of the file ---------------------------------------------------------


def _raw_scheme(data: dict[str, Any], group: object) -> object:
    """The weighting method that applies to a criterion of ``group``, read from the raw file."""
    if isinstance(data.get("stakeholders"), dict):
        return "stakeholders"  # the stakeholders give the weights (see _stakeholder_problems)
    weights = data.get("weights")
    if not isinstance(weights, dict):
        return "direct"
    within = weights.get("within")
    if isinstance(within, dict) and isinstance(group, str) and isinstance(within.get(group), dict):
        return within[group].get("method", "direct")
    criteria = weights.get("criteria")
    return criteria.get("method", "direct") if isinstance(criteria, dict) else "direct"


def _section(data: dict[str, Any], key: str, kind: type) -> Any:
    value = data.get(key)
    return value if isinstance(value, kind) else None


def _reference_problems(data: dict[str, Any], out: _Problems) -> None:
    """Check names that refer to other parts of the file (layers, groups, criteria).

    Done on the plain data (text keys only), not the validated model, so that these problems
    are reported in the same run as type errors elsewhere in the file.  Values may have any
    type here: only text names are looked up, the rest is left to the type checks.
    """
    layers: dict[str, Any] = _section(data, "layers", dict) or {}
    groups: dict[str, Any] | None = _section(data, "groups", dict)
    ids: list[str] = []
    for i, crit in enumerate(_section(data, "criteria", list) or []):
        if isinstance(crit, dict):
            _criterion_references(data, i, crit, layers, groups, ids, out)
    weights: dict[str, Any] = _section(data, "weights", dict) or {}
    group_scheme = weights.get("groups")
    derived = isinstance(group_scheme, dict) and group_scheme.get("method", "direct") != "direct"
    derived = derived or isinstance(data.get("stakeholders"), dict)
    for g, spec in (groups or {}).items():
        if not derived and isinstance(spec, dict) and "weight" not in spec:
            out.add(
                ("groups", g),
                Msg(
                    N_(
                        "group {group} has no `weight`; add one, or derive group weights with "
                        "`weights: {{groups: {{method: ahp, ...}}}}`"
                    ),
                    group=repr(g),
                ),
            )
    _stakeholder_references(data, ids, out)
    for i, rule in enumerate(_section(data, "exclude", list) or []):
        name = rule.get("criterion") if isinstance(rule, dict) else None
        if isinstance(name, str) and name not in ids:
            out.add(
                ("exclude", i, "criterion"),
                Msg(
                    N_("criterion {name} is not defined; {hint}"),
                    name=_show(name),
                    hint=_hint(name, ids, N_("criteria: {names}"), shown=ids),
                ),
            )


def _stakeholder_references(data: dict[str, Any], ids: list[str], out: _Problems) -> None:
    """Criteria named by each stakeholder's ``weights``, ``order`` and ``judgements`` exist."""
    panel = _section(data, "stakeholders", dict) or {}
    members = panel.get("members")
    for k, member in enumerate(members if isinstance(members, list) else []):
        if not isinstance(member, dict):
            continue
        loc: Loc = ("stakeholders", "members", k)
        named: list[tuple[Loc, object]] = []
        if isinstance(member.get("weights"), dict):
            named += [((*loc, "weights", n), n) for n in member["weights"]]
        if isinstance(member.get("order"), list):
            named += [((*loc, "order", j), n) for j, n in enumerate(member["order"])]
        if isinstance(member.get("judgements"), list):
            for j, item in enumerate(member["judgements"]):
                if isinstance(item, list):
                    named += [((*loc, "judgements", j), n) for n in item[:2]]
        for at, name in named:
            if isinstance(name, str) and name not in ids:
                out.add(
                    at,
                    Msg(
                        N_("{name} is not a criterion; {hint}"),
                        name=_show(name),
                        hint=_hint(name, ids, N_("criteria: {names}"), shown=ids),
                    ),
                )


def _hint(name: str, names: list[str], fallback: str, *, shown: object) -> Msg:
    """``did you mean 'x'?`` for the closest of ``names``, else ``fallback`` listing ``shown``."""
    close = difflib.get_close_matches(name, names, n=1)
    return did_you_mean(close[0]) if close else Msg(fallback, names=shown)


def _criterion_references(
    data: dict[str, Any],
    i: int,
    crit: dict[str, Any],
    layers: dict[str, Any],
    groups: dict[str, Any] | None,
    ids: list[str],
    out: _Problems,
) -> None:
    """One criterion's id (unique), layer, group and weight; its id is appended to ``ids``."""
    cid = crit.get("id")
    if isinstance(cid, str):
        if cid in ids:
            out.add(
                ("criteria", i, "id"),
                Msg(N_("id {id} is used twice; give each criterion its own id"), id=repr(cid)),
            )
        ids.append(cid)
    measure = crit.get("measure")
    measure = measure if isinstance(measure, dict) else {}
    for kind in ("nearest", "count", "sum", "access", "gravity"):
        layer = measure.get(kind)
        if isinstance(layer, str) and layer not in layers:
            out.add(
                ("criteria", i, "measure", kind),
                Msg(
                    N_("layer {name} is not defined under `layers`; {hint}"),
                    name=_show(layer),
                    hint=_hint(
                        layer, list(layers), N_("known layers: {names}"), shown=sorted(layers)
                    ),
                ),
            )
    group = crit.get("group")
    if groups is None and group is not None:
        # Without `groups:` every criterion is weighted on its own: a group named here would be
        # silently ignored, and the weights would not be what the planner meant.
        out.add(
            ("criteria", i, "group"),
            Msg(
                N_(
                    "group {name} is not defined: the file has no `groups:` section, so the "
                    "group would be ignored; add `groups:` with each group's weight (for example "
                    "{example}), or remove `group:`"
                ),
                name=_show(group),
                example=f"groups: {{{group}: {{weight: 1}}}}"
                if isinstance(group, str)
                else "groups: {science: {weight: 1}}",
            ),
        )
    if groups is not None and isinstance(group, str) and group not in groups:
        out.add(
            ("criteria", i, "group"),
            Msg(
                N_("group {name} is not defined under `groups`; {hint}"),
                name=_show(group),
                hint=_hint(group, list(groups), N_("known groups: {names}"), shown=sorted(groups)),
            ),
        )
    name = (
        _show(cid)
        if isinstance(cid, str)
        else Msg(N_("number {number} (it has no `id`)"), number=i + 1)
    )
    if groups is not None and crit.get("group") is None:  # missing, or `group:` left empty
        out.add(
            ("criteria", i),
            Msg(
                N_("criterion {name} has no `group`; add one of {groups}"),
                name=name,
                groups=sorted(groups),
            ),
        )
    if "weight" not in crit and _raw_scheme(data, group) == "direct":
        out.add(("criteria", i), _no_weight(name))


def _no_weight(name: str) -> Msg:
    return Msg(
        N_(
            "criterion {name} has no `weight`; add `weight: 1` (or another number), or derive "
            "the weights under `weights:`"
        ),
        name=name,
    )


# --- consistency of a structurally valid study ---------------------------------------------------

#: The weights of one scope (all criteria, or one group's): its scheme, its names, its location.
_Scope = tuple[Any, list[str], Loc]


def _study_problems(study: Study, out: _Problems) -> None:
    """Checks that need the validated study: weights per scheme, judgements, method options."""
    ids = [c.id for c in study.criteria]
    scopes = _weight_scopes(study, out)
    if study.stakeholders is not None:
        _stakeholder_problems(study, out)
    else:
        for i, crit in enumerate(study.criteria):
            scope = "criteria" if study.groups is None else crit.group
            scheme = scopes[scope][0] if scope in scopes else study.weights.criteria
            if scheme.method == "direct" and crit.weight is None:
                out.add(("criteria", i), _no_weight(repr(crit.id)))
        _zero_weights(study, scopes, out)
    for scheme, names, loc in scopes.values():
        _scheme_names(scheme, names, loc, out)
    _sensitivity_problems(study, ids, out)
    _method_problems(study, ids, out)
    _surface_problems(study, ids, out)


def _zero_weights(study: Study, scopes: dict[str | None, _Scope], out: _Problems) -> None:
    """Direct weights that are all 0 where something must be shared out among them.

    Weights are relative: all 0 leave nothing to normalise (criteria), or a group whose weight
    cannot be shared among its criteria.  A group whose own weight is 0 may have zero weights.
    """
    position = {c.id: i for i, c in enumerate(study.criteria)}
    groups = study.groups
    if groups is not None and study.weights.groups.method == "direct":
        given = {g: spec.weight for g, spec in groups.items() if spec.weight is not None}
        if given and all(w == 0 for w in given.values()):
            out.add(
                ("groups", next(iter(given)), "weight"),
                Msg(
                    N_(
                        "every group weight is 0 ({groups}); weights are relative, so give at "
                        "least one group a weight > 0"
                    ),
                    groups=", ".join(given),
                ),
            )
    for scope, (scheme, names, _) in scopes.items():
        weights = [study.criteria[position[n]].weight for n in names]
        if scheme.method != "direct" or not names or any(w is None or w > 0 for w in weights):
            continue
        group_weight = groups[scope].weight if groups is not None and scope in groups else None
        if group_weight == 0:
            continue
        listed = ", ".join(names)
        out.add(
            ("criteria", position[names[0]], "weight"),
            Msg(
                N_(
                    "every criterion weight is 0 ({names}); weights are relative, so nothing "
                    "can be shared out: give at least one of them a weight > 0"
                ),
                names=listed,
            )
            if groups is None
            else Msg(
                N_(
                    "every criterion weight of group {group} is 0 ({names}); weights are "
                    "relative, so nothing can be shared out: give at least one of them a "
                    "weight > 0, or set the group's weight to 0"
                ),
                group=repr(scope),
                names=listed,
            ),
        )


def _weight_scopes(study: Study, out: _Problems) -> dict[str | None, _Scope]:
    """The weight scheme of each scope; checks the group level and ``within`` on the way."""
    w = study.weights
    if study.groups is None:
        if w.within:
            out.add(
                ("weights", "within"),
                Msg(N_("`within` needs `groups`; define groups or remove it")),
            )
        return {"criteria": (w.criteria, [c.id for c in study.criteria], ("weights", "criteria"))}
    scopes: dict[str | None, _Scope] = {}
    for g in study.groups:
        members = [c.id for c in study.criteria if c.group == g]
        loc: Loc = ("weights", "within", g) if g in w.within else ("weights", "criteria")
        scopes[g] = (w.within.get(g, w.criteria), members, loc)
    for g in w.within:
        if g not in study.groups:
            out.add(
                ("weights", "within", g),
                Msg(
                    N_("{name} is not a group; {hint}"),
                    name=repr(g),
                    hint=_hint(
                        g, list(study.groups), N_("groups: {names}"), shown=list(study.groups)
                    ),
                ),
            )
    if w.groups.method in ("entropy", "critic"):
        out.add(
            ("weights", "groups", "method"),
            Msg(
                N_(
                    "{method} weights are computed from criteria values and cannot weight "
                    "groups; use direct, equal, ahp or rank_*"
                ),
                method=w.groups.method,
            ),
        )
    _scheme_names(w.groups, list(study.groups), ("weights", "groups"), out)
    return scopes


def _sensitivity_problems(study: Study, ids: list[str], out: _Problems) -> None:
    sens = study.sensitivity
    if sens is None:
        return
    named = {"weights": list(sens.weights), "uncertainty": list(sens.uncertainty)}
    for key, names in named.items():
        for cid in names:
            if cid not in ids:
                out.add(
                    ("sensitivity", key, cid),
                    Msg(
                        N_("{name} is not a criterion; {hint}"),
                        name=repr(cid),
                        hint=_hint(cid, ids, N_("criteria: {names}"), shown=ids),
                    ),
                )
    for cid, (lo, hi) in sens.weights.items():
        if not 0 <= lo <= hi <= 1:
            out.add(
                ("sensitivity", "weights", cid),
                Msg(
                    N_(
                        "range {range} must satisfy 0 <= lo <= hi <= 1; write global weights "
                        "such as [0.05, 0.3]"
                    ),
                    range=f"[{lo:g}, {hi:g}]",
                ),
            )
    if sens.order is not None and sorted(sens.order) != sorted(ids):
        out.add(
            ("sensitivity", "order"),
            Msg(N_("`order` must list each criterion once: {names}"), names=ids),
        )


def _method_problems(study: Study, ids: list[str], out: _Problems) -> None:
    method = study.method
    for key in ("preference", "q", "p", "s"):
        value = getattr(method.promethee_ii, key)
        if isinstance(value, dict):
            missing = [c for c in ids if c not in value]
            unknown = [c for c in value if c not in ids]
            if missing or unknown:
                out.add(
                    ("method", "promethee_ii", key),
                    Msg(
                        N_("give one value per criterion id; missing {missing}, unknown {unknown}"),
                        missing=missing,
                        unknown=unknown,
                    ),
                )
    if "owa" in method.all:
        ow = method.owa.order_weights
        if ow is None or len(ow) != len(ids):
            out.add(
                ("method", "owa"),
                Msg(
                    N_(
                        "owa needs `order_weights`, one per criterion ({count}), got {got}; "
                        "e.g. equal weights give the weighted average"
                    ),
                    count=len(ids),
                    got=Msg(N_("none")) if ow is None else len(ow),
                ),
            )


def _scheme_names(scheme: Any, names: list[str], loc: Loc, out: _Problems) -> None:
    """Names used by judgements and orders must be the ones of the scheme's scope."""
    for j, (a, b, x) in enumerate(scheme.judgements or []):
        for name in (a, b):
            if name not in names:
                out.add(
                    (*loc, "judgements", j),
                    Msg(
                        N_("{name} is not compared here; {hint}"),
                        name=repr(name),
                        hint=_hint(name, names, N_("use one of {names}"), shown=names),
                    ),
                )
        if x <= 0:
            out.add(
                (*loc, "judgements", j),
                Msg(N_("judgement {value} must be positive (Saaty 1..9 or 1/9..1)"), value=x),
            )
    if scheme.method == "ahp" and len(names) > 1:
        given = {frozenset((a, b)) for a, b, _ in scheme.judgements or []}
        needed = {frozenset((a, b)) for k, a in enumerate(names) for b in names[k + 1 :]}
        missing = [sorted(pair) for pair in needed - given]
        if missing:
            out.add(
                (*loc, "judgements"),
                Msg(
                    N_("AHP needs a judgement for every pair of {names}; missing {missing}"),
                    names=names,
                    missing=sorted(missing),
                ),
            )
    if scheme.order is not None and sorted(scheme.order) != sorted(names):
        out.add(
            (*loc, "order"),
            Msg(
                N_("`order` must list each of {names} once, got {order}"),
                names=names,
                order=scheme.order,
            ),
        )


# --- stakeholders ---------------------------------------------------------------------------------


def _stakeholder_problems(study: Study, out: _Problems) -> None:
    """A ``stakeholders:`` section: what it replaces, who is in it, and each member's weights.

    Every problem is located at the key that causes it (the member's ``weights``, ``order``,
    ``judgements`` or ``matrix``, a row of the matrix, a judgement).
    """
    panel = study.stakeholders
    if panel is None:
        return
    ids = [c.id for c in study.criteria]
    ignored = Msg(
        N_(
            "the weights come from the stakeholders, so this weight would be ignored; remove it, "
            "or remove `stakeholders:` to use the file's own weights"
        )
    )
    for i, crit in enumerate(study.criteria):
        if crit.weight is not None:
            out.add(("criteria", i, "weight"), ignored)
    for g, spec in (study.groups or {}).items():
        if spec.weight is not None:
            out.add(("groups", g, "weight"), ignored)
    if study.weights != Weights():
        out.add(
            ("weights",),
            Msg(
                N_(
                    "the weights come from the stakeholders, so this section would be ignored; "
                    "remove it, or remove `stakeholders:`"
                )
            ),
        )
    seen: set[str] = set()
    for k, member in enumerate(panel.members):
        if member.id in seen:
            out.add(
                ("stakeholders", "members", k, "id"),
                Msg(
                    N_("id {id} is used twice; give each stakeholder their own id"),
                    id=repr(member.id),
                ),
            )
        seen.add(member.id)
        _member_problems(member, ids, ("stakeholders", "members", k), out)
    if all(m.voice == 0 for m in panel.members):
        out.add(
            ("stakeholders", "members"),
            Msg(N_("every stakeholder's voice is 0; give at least one a voice > 0 (default 1)")),
        )
    _kind_problems(panel, out)


def _kind_problems(panel: Stakeholders, out: _Problems) -> None:
    """The aggregation must suit every member's kind of weights: AHP routes need judgements."""
    ahp = [m.kind == "ahp" for m in panel.members]
    if panel.aggregate is None and any(ahp) and not all(ahp):
        names = [m.id for m, a in zip(panel.members, ahp, strict=True) if not a]
        out.add(
            ("stakeholders", "members"),
            Msg(
                N_(
                    "the stakeholders mix AHP judgements with direct or rank weights ({names} "
                    "give no judgements); give every one the same kind, judgements or weights"
                ),
                names=Joined([repr(n) for n in names], ", "),
            ),
        )
        return
    method = panel.method
    for k, member in enumerate(panel.members):
        key = next(kind for kind in STAKEHOLDER_KINDS if getattr(member, kind) is not None)
        if method in ("aij", "aip") and member.kind != "ahp":
            out.add(
                ("stakeholders", "members", k, key),
                Msg(
                    N_(
                        "aggregate: {method} combines AHP judgements, but {id} gives `{key}`; give "
                        "`judgements` (or `matrix`), or aggregate weights by `geometric` or "
                        "`arithmetic` mean"
                    ),
                    method=method,
                    id=repr(member.id),
                    key=key,
                ),
            )
        elif method in ("geometric", "arithmetic") and member.kind == "ahp":
            out.add(
                ("stakeholders", "members", k, key),
                Msg(
                    N_(
                        "aggregate: {method} averages direct or rank weights, but {id} gives AHP "
                        "`{key}`; aggregate judgements by `aij` or `aip`, or give `weights`"
                    ),
                    method=method,
                    id=repr(member.id),
                    key=key,
                ),
            )


def _member_problems(member: Stakeholder, ids: list[str], loc: Loc, out: _Problems) -> None:
    """One stakeholder's weights name every criterion once and can be turned into weights."""
    # Names that are not criteria were reported from the plain data (_stakeholder_references).
    if member.weights is not None:
        missing = [c for c in ids if c not in member.weights]
        if missing:
            out.add(
                (*loc, "weights"),
                Msg(
                    N_("no weight for {names}; give every criterion a weight (0 leaves it out)"),
                    names=missing,
                ),
            )
        elif all(member.weights[c] == 0 for c in ids):
            out.add(
                (*loc, "weights"),
                Msg(N_("every weight is 0; weights are relative, so give one a weight > 0")),
            )
    if member.order is not None and sorted(member.order) != sorted(ids):
        out.add(
            (*loc, "order"),
            Msg(
                N_("`order` must list each of {names} once, got {order}"),
                names=ids,
                order=member.order,
            ),
        )
    if member.judgements is not None:
        _judgement_list_problems(member.judgements, ids, (*loc, "judgements"), out)
    if member.matrix is not None:
        _matrix_problems(member.matrix, ids, (*loc, "matrix"), out)


def _judgement_list_problems(
    judgements: list[tuple[str, str, Any]], ids: list[str], loc: Loc, out: _Problems
) -> None:
    """Judgements on known, distinct criteria, each pair once, every pair judged."""
    seen: set[frozenset[str]] = set()
    for j, (a, b, _) in enumerate(judgements):
        if a not in ids or b not in ids:
            continue  # reported from the plain data (_stakeholder_references)
        pair = frozenset((a, b))
        if a == b:
            out.add(
                (*loc, j),
                Msg(
                    N_("{name} is compared with itself; compare two different criteria"),
                    name=repr(a),
                ),
            )
        elif pair in seen:
            out.add(
                (*loc, j),
                Msg(
                    N_("{a} vs {b} is judged twice; keep one judgement per pair"),
                    a=repr(a),
                    b=repr(b),
                ),
            )
        seen.add(pair)
    missing = [
        [a, b] for k, a in enumerate(ids) for b in ids[k + 1 :] if frozenset((a, b)) not in seen
    ]
    if missing:
        out.add(
            loc,
            Msg(
                N_("AHP needs a judgement for every pair of {names}; missing {missing}"),
                names=ids,
                missing=missing,
            ),
        )


def _matrix_problems(matrix: list[list[Any]], ids: list[str], loc: Loc, out: _Problems) -> None:
    """An n × n matrix in the criteria's order, reciprocal, with 1 on the diagonal."""
    n = len(ids)
    shape_ok = len(matrix) == n
    if not shape_ok:
        out.add(
            loc,
            Msg(
                N_(
                    "the matrix has {rows} rows; give one row per criterion ({n}), in the "
                    "file's order: {names}"
                ),
                rows=len(matrix),
                n=n,
                names=ids,
            ),
        )
    for i, row in enumerate(matrix):
        if len(row) != n:
            shape_ok = False
            out.add(
                (*loc, i),
                Msg(
                    N_("row {row} has {count} numbers; give {n}, one per criterion"),
                    row=i + 1,
                    count=len(row),
                    n=n,
                ),
            )
    if not shape_ok:
        return
    try:
        weighting.ahp(matrix, criteria=ids)
    except DataError as exc:
        for problem in exc.problems:
            out.add(loc, problem)


# --- paths the file system must accept -----------------------------------------------------------


def _path_problems(data: dict[str, Any], folder: Path, out: _Problems) -> None:
    """Refuse paths that the file system cannot even look up, before any stage opens them.

    A missing file is left to the layer reader, which says where it looked; here are the paths
    that would make pathlib raise (a NUL character, a name over 255 bytes, a symlink loop, no
    permission) or that name a folder.  Read from the plain data, so that they are reported in
    the same run as type errors elsewhere; values that are not text are left to the type checks.
    """
    paths: list[tuple[Loc, Any]] = [((key,), data.get(key)) for key in _PATH_KEYS]
    layers = _section(data, "layers", dict) or {}
    paths += [(("layers", name), value) for name, value in layers.items()]
    for loc, value in paths:
        if isinstance(value, str):
            problem = _unusable(folder, Path(value))
            if problem is not None:
                out.add(loc, problem)


_PATH_KEYS = ("candidates", "reference", "boundaries")


def _unusable(folder: Path, relative: Path) -> Msg | None:
    text = str(relative)
    fix = Msg(N_("fix the path, which is relative to the criteria file"))
    if "\x00" in text:
        return Msg(
            N_("the path {path} holds a NUL character (\\x00), which no file name can; {fix}"),
            path=_show(text),
            fix=fix,
        )
    if text in ("", "."):
        return Msg(
            N_(
                "the path {path} names no file; write the path of the layer's file, relative to "
                "the criteria file"
            ),
            path=_show(text),
        )
    try:
        long_parts = [p for p in relative.parts if len(os.fsencode(p)) > 255]
    except UnicodeError:
        return Msg(
            N_("the path {path} holds characters no file name can; {fix}"),
            path=_show(text),
            fix=fix,
        )
    if long_parts:
        return Msg(
            N_("the name {name} is {size} bytes long; file names have at most 255; {fix}"),
            name=_show(long_parts[0]),
            size=Integer(len(os.fsencode(long_parts[0]))),
            fix=fix,
        )
    try:
        resolved = (folder / relative).resolve()
        mode = resolved.stat().st_mode
    except FileNotFoundError:
        return None  # the layer reader reports it, with the folder it looked in
    except (OSError, RuntimeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Msg(
            N_("the path {path} cannot be used ({reason}); {fix}"),
            path=_show(text),
            reason=reason,
            fix=fix,
        )
    if stat.S_ISDIR(mode):
        return Msg(
            N_("{path} is a folder; name the layer's file inside it (.geojson, .gpkg or .csv)"),
            path=_show(text),
        )
    if not stat.S_ISREG(mode):  # a device or a pipe would block the reader, or never end
        return Msg(
            N_("{path} is not a regular file (a device or a pipe); {fix}"),
            path=_show(text),
            fix=fix,
        )
    return None


# --- other files in the criteria files' form -------------------------------------------------------


@dataclass(frozen=True)
class ModelFile:
    """A YAML file read with the line of every key, validated against a pydantic model.

    What :func:`read_model` returns: ``value`` is the validated model, or None when the file
    has problems (``problems``, in line order, each ``path:line: key: text``).
    """

    path: Path
    shown: Path
    lines: dict[Loc, int]
    data: dict[str, Any]
    value: BaseModel | None
    problems: list[str]

    def problem(self, loc: Loc, text: str) -> Located:
        """A problem found after reading, at the line of ``loc`` (``path:line: key: text``)."""
        return Located(f"{self.shown}:{_line_of(self.lines, loc)}", text, key=format_loc(loc))


def read_model(path: str | Path, model: type[BaseModel]) -> ModelFile:
    """Read a YAML file other than a criteria file (a programme file) as :func:`load` reads one.

    The same reading (size and encoding limits, YAML slips in plain words, alias expansion
    bounded, keys with lines) and the same explanations of type and range errors, against
    ``model`` instead of a study.

    Parameters
    ----------
    path
        The YAML file.
    model
        The pydantic model of the file (``extra="forbid"``, so that misspelt keys are found).

    Returns
    -------
    ModelFile
        Its data, the line of every key, the model when valid and every problem found.

    Raises
    ------
    CriteriaError
        The file cannot be read or is not YAML at all (nothing else can be checked).
    """
    shown = Path(path)
    try:
        resolved = shown.resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        msg = Located(
            shown,
            Msg(N_("cannot use this path ({reason}); check the path"), reason=str(exc)),
        )
        raise CriteriaError(msg) from exc
    text = _read(resolved, shown)
    out = _Problems(shown)
    data = _parse_yaml(text, out)
    _check_expansion(data, shown)
    plain = _walk(data, (), 1, out)
    out.lines[()] = 1
    value: BaseModel | None = None
    token = _ROOT.set(model)
    try:
        value = model.model_validate(plain)
    except ValidationError as exc:
        _translate(exc, plain, out)
    finally:
        _ROOT.reset(token)
    return ModelFile(
        path=resolved,
        shown=shown,
        lines=out.lines,
        data=plain,
        value=value if not out.found else None,
        problems=out.messages(),
    )


# --- the surface ---------------------------------------------------------------------------------


def _surface_problems(study: Study, ids: list[str], out: _Problems) -> None:
    """What a grid cell cannot have: attributes, candidate fields; names the surface uses."""
    spec = study.surface
    if spec is None:
        return
    if study.boundaries is None and (spec.area == "boundaries" or spec.area.region is not None):
        out.add(
            ("surface", "area"),
            Msg(
                N_(
                    "the surface covers the `boundaries` layer, but the file names none; add "
                    "`boundaries: ../data/boundaries.geojson`, or give `area: {{around: "
                    "candidates, km: 50}}`"
                )
            ),
        )
    for cid, m in spec.measure.items():
        loc: Loc = ("surface", "measure", cid)
        if cid not in ids:
            out.add(
                loc,
                Msg(
                    N_("{name} is not a criterion; {hint}"),
                    name=repr(cid),
                    hint=_hint(cid, ids, N_("criteria: {names}"), shown=ids),
                ),
            )
        if m.kind == "attribute" and m.coordinate is None:
            out.add(
                (*loc, "attribute"),
                Msg(
                    N_(
                        "a grid cell has no attribute {name}; measure it from a layer, for "
                        "example {example}"
                    ),
                    name=repr(m.attribute),
                    example=_spatial_example(study, str(m.attribute)),
                ),
            )
        elif m.layer is not None and m.layer not in study.layers:
            out.add(
                (*loc, m.kind),
                Msg(
                    N_("layer {name} is not defined under `layers`; {hint}"),
                    name=repr(m.layer),
                    hint=_hint(
                        m.layer,
                        list(study.layers),
                        N_("known layers: {names}"),
                        shown=sorted(study.layers),
                    ),
                ),
            )
    for k, cid in enumerate(spec.without):
        if cid not in ids:
            out.add(
                ("surface", "without", k),
                Msg(
                    N_("{name} is not a criterion; {hint}"),
                    name=repr(cid),
                    hint=_hint(cid, ids, N_("criteria: {names}"), shown=ids),
                ),
            )
    if ids and set(ids) <= set(spec.without):
        out.add(
            ("surface", "without"),
            Msg(N_("every criterion is left out of the surface; keep at least one")),
        )
    for i, crit in enumerate(study.criteria):
        m = crit.measure
        if (
            m.kind == "attribute"
            and m.coordinate is None
            and crit.id not in spec.measure
            and crit.id not in spec.without
        ):
            out.add(
                ("criteria", i, "measure"),
                Msg(
                    N_(
                        "criterion {id} reads the candidate's own attribute {name}, which a "
                        "grid cell does not have; give the surface a spatial equivalent, "
                        "for example `surface: {{measure: {{{id}: {example}}}}}`, or leave "
                        "it out with `surface: {{without: [{id}]}}`"
                    ),
                    id=crit.id,
                    name=repr(m.attribute),
                    example=_spatial_example(study, str(m.attribute)),
                ),
            )
    _surface_rules(study, ids, out)
    name = study.method.name
    if spec.method is None and name not in ("weighted_sum", "owa"):
        out.add(
            ("method", "name"),
            Msg(
                N_(
                    "the surface scores each cell on its own, which {method} cannot do (its "
                    "score of one alternative depends on all the others); add `surface: "
                    "{{method: weighted_sum}}` (or owa)"
                ),
                method=name,
            ),
        )


def _surface_rules(study: Study, ids: list[str], out: _Problems) -> None:
    """The cells' exclusions: a candidate field must be a criterion the surface measures."""
    spec = study.surface
    assert spec is not None
    own = spec.exclude is not None
    rules = spec.exclude if spec.exclude is not None else study.exclude
    base: Loc = ("surface", "exclude") if own else ("exclude",)
    measured = {
        str(c.measure.attribute)
        for c in study.criteria
        if c.measure.kind == "attribute" and c.id in spec.measure
    }
    for k, rule in enumerate(rules):
        if rule.field is not None and rule.field not in measured:
            out.add(
                (*base, k, "field"),
                Msg(
                    N_(
                        "a grid cell has no field {name}, so the surface cannot apply this "
                        "rule; give the surface its own rules under `surface: {{exclude: "
                        "[...]}}` (on criteria), or measure {name} for the cells under "
                        "`surface: {{measure: ...}}`"
                    ),
                    name=repr(rule.field),
                ),
            )
        cid = rule.criterion
        if cid is not None and cid in spec.without:
            out.add(
                (*base, k, "criterion"),
                Msg(
                    N_(
                        "criterion {name} is left out of the surface (`surface.without`), so "
                        "this rule cannot exclude cells; keep the criterion, or give the "
                        "surface its own rules under `surface: {{exclude: [...]}}`"
                    ),
                    name=repr(cid),
                ),
            )
        elif own and cid is not None and cid not in ids:
            out.add(
                (*base, k, "criterion"),
                Msg(
                    N_("criterion {name} is not defined; {hint}"),
                    name=repr(cid),
                    hint=_hint(cid, ids, N_("criteria: {names}"), shown=ids),
                ),
            )


def _spatial_example(study: Study, attribute: str) -> str:
    """A spatial measure a cell can have in place of a candidate's attribute, as YAML."""
    layers = list(study.layers)
    layer = next((n for n in layers if "settlement" in n), layers[0] if layers else "settlements")
    if attribute.lower() in ("population", "residents", "people"):
        return f"{{sum: {layer}, field: {attribute}, within_km: 30}}"
    return f"{{count: {layer}, within_km: 15}}"
