"""Fuzzing criteria files: whatever a planner's editor leaves in a file, ``siting validate``
exits 0 or 2 with messages located at ``file:line``, never with a traceback.

The shipped profiles (criteria/*.yaml) and the tiny fixture are mutated at the text level
(lines deleted, duplicated, swapped or re-indented; tabs and odd characters; numbers replaced by
.inf, .nan or huge ones; anchors, aliases and merge keys; an exponential "billion laughs" block;
path values the file system refuses) and at the level of the parsed tree (keys deleted,
misspelt or not text; values of the wrong type; numbers negated, zeroed, scaled or set to edge
values; nodes shared through aliases; whole sections replaced by ones that reach the later stages:
objective weights, other methods, exclusions that leave nothing, infeasible portfolios).  Each mutated file is written beside the original in a copy of the repository's
criteria and data, so that its relative paths still resolve, and validated through the CLI.

The default run is small and derandomised, so that CI is reproducible.  A larger, randomised
campaign: ``SITING_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz_criteria.py``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedKeySeq, CommentedMap, CommentedSeq
from typer.testing import CliRunner

from siting.cli import app

ROOT = Path(__file__).resolve().parent.parent
TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
PROFILES = sorted(p.stem for p in (ROOT / "criteria").glob("*.yaml"))
SOURCES = [*PROFILES, "tiny"]

#: Examples per run; most mutated files fail while loading (milliseconds), a valid one runs
#: every stage (0.1 s for most profiles, 1.7 s for novosibirsk with its Pareto front).
CAMPAIGN = int(os.environ.get("SITING_FUZZ_EXAMPLES", "0"))
EXAMPLES = CAMPAIGN or 250

runner = CliRunner()

# --- what goes into the files ---------------------------------------------------------------------

NUMBER_TOKENS = [
    ".inf", "-.inf", ".nan", ".NaN", "1e400", "-1e400", "1e308", "9" * 40, "-1", "0", "-0.0",
    "1e-320", "0x10", "0o7", "1_000", "2.5", "1e15", "1e16", "true", "null", "'5'", "[1, 2]",
    "{a: 1}", "~", "4294967296", "1000001", "10002", "100001",
]  # fmt: skip
ODD_CHARS = [
    "\t", "\u00a0", "\ufeff", "\u200b", "é", "Қ", "😀", ":", "#", "-", "{", "}", "[", "]", "&",
    "*", "!", "|", ">", "'", '"', "%", "@", "`", "\\", "\x07", "\r", "\u2028", "?", ",", " ",
]  # fmt: skip
PATH_VALUES = [
    '""', "'.'", "'..'", "/", '"cand\\0idates.geojson"', "a" * 5000 + ".geojson", "loop",
    "loop/x.geojson", "/nonexistent/x.geojson", "study.yaml", '"\\ud800.geojson"', "'~'",
    "../data", "[a.geojson]", "{a: b}", "5",
]  # fmt: skip
ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2.5, -1e308, 1e308, 10**30, -(10**30), float("nan"),
    float("inf"), float("-inf"), 5e-324, "", " ", "text", "Қазақстан ünï 😀", "\t", "1/0",
    "x" * 5000, [], {}, [1, "a"], {"x": 1}, [[1, 2], [3]], [[0, 0], [float("nan"), 1]],
    "minmax", "cost", "benefit", "ahp", "direct", "../data/candidates.geojson", [0.5, 0.5],
]  # fmt: skip
ODD_KEYS: list[Any] = [1, None, 1.5, True, ("a", "b"), "Ünï", "", " ", "x" * 300, "<<"]
#: Numbers at the edges of what the later stages compute with.
EDGE_NUMBERS = [0, -0.0, 5e-324, 1e-300, 1e-9, 1, 2, 3, 1e6, 1e15, -1e15, 10**15 + 1, -1]
#: Whole sections, valid or nearly so, that take a file into the later stages: objective
#: weights, other methods, exclusions that leave nothing, infeasible portfolios, odd layers.
#: ``{c0}``, ``{c1}`` are the file's first criterion ids, ``{n}`` its number of criteria.
SECTIONS: list[tuple[str, str]] = [
    ("weights", "{criteria: {method: entropy}}"),
    ("weights", "{criteria: {method: critic}, groups: {method: equal}}"),
    ("weights", "{criteria: {method: rank_order_centroid, order: [{c1}, {c0}]}}"),
    ("weights", "{criteria: {method: ahp, judgements: [[{c0}, {c1}, 9]]}}"),
    ("method", "{name: topsis, compare: [vikor, promethee_ii, weighted_product]}"),
    ("method", "{name: owa, owa: {order_weights: [{ones}]}}"),
    (
        "method",
        "{name: promethee_ii, promethee_ii: {preference: gaussian, s: 0.1, q: 0.3, p: 0.1}}",
    ),
    ("method", "{name: promethee_ii, promethee_ii: {preference: level, q: 0, p: 0}}"),
    ("method", "{name: vikor, vikor: {v: 0}}"),
    ("exclude", "[{criterion: {c0}, above: 0}, {criterion: {c0}, below: 0}]"),
    ("exclude", "[{field: population, equals: 5}]"),
    ("exclude", "[{field: name, equals: Almaty}]"),
    ("portfolio", "{sites: 3, exactly: false, budget: {field: population, limit: 1}}"),
    ("portfolio", "{sites: 2, equity: {within_km: 10}}"),
    ("portfolio", "{sites: 2, coverage: {radius_km: 1e-9}, pareto: {points: 3}}"),
    ("portfolio", "{sites: 500}"),
    ("portfolio", "{sites: 2, at_least_per: {field: macro_region, count: 1}}"),
    ("portfolio", "{sites: 2, must_include: [almaty, astana, nowhere]}"),
    ("portfolio", "{sites: 2, alternatives: {count: 20, differ_by: 2}}"),
    ("portfolio", "{sites: 2, min_spacing_km: 100000, solver: highs}"),
    ("portfolio", "{sites: 2, coverage: {demand: candidates, weight: 1e6, radius_km: 50}}"),
    ("groups", "{science: {weight: 0}, education: {weight: 0}, enablers: {weight: 0}}"),
    ("sensitivity", "{samples: 100, steps: 3, portfolio_draws: 0, top_n: 10000}"),
    ("reference", "../data/reference.geojson"),
    ("reference", "candidates.geojson"),
    ("boundaries", "candidates.geojson"),
    ("candidates", "../data/settlements.geojson"),
    ("candidates", "../data/README.md"),
    ("candidates", "../criteria/novosibirsk.yaml"),
]

VALUES = st.one_of(
    st.sampled_from(range(len(ODD_VALUES))).map(lambda i: ODD_VALUES[i]),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=3),
)

INDEX = st.integers(min_value=0, max_value=10_000)

TEXT_MUTATIONS = st.one_of(
    st.tuples(st.just("delete_line"), INDEX),
    st.tuples(st.just("duplicate_line"), INDEX),
    st.tuples(st.just("swap_lines"), INDEX, INDEX),
    st.tuples(st.just("indent"), INDEX, st.sampled_from([-4, -2, -1, 1, 2, 4])),
    st.tuples(st.just("insert_char"), INDEX, INDEX, st.sampled_from(ODD_CHARS)),
    st.tuples(st.just("number"), INDEX, st.sampled_from(NUMBER_TOKENS)),
    st.tuples(st.just("alias"), INDEX, INDEX),
    st.tuples(st.just("merge"), INDEX, INDEX),
    st.tuples(st.just("laughs"), st.integers(2, 9), st.integers(2, 12)),
    st.tuples(st.just("truncate"), INDEX),
    st.tuples(st.just("path"), INDEX, st.sampled_from(PATH_VALUES)),
)
TREE_MUTATIONS = st.one_of(
    st.tuples(st.just("tree_delete"), INDEX),
    st.tuples(
        st.just("tree_rename"),
        INDEX,
        st.sampled_from(["drop", "double", "swap", "replace", "upper"]),
        INDEX,
    ),
    st.tuples(st.just("tree_set"), INDEX, VALUES),
    st.tuples(st.just("tree_key"), INDEX, st.sampled_from(range(len(ODD_KEYS)))),
    st.tuples(
        st.just("tree_scale"),
        INDEX,
        st.sampled_from([-1.0, 0.0, 1e-9, 1e6, 1e300, float("inf"), float("nan")]),
    ),
    st.tuples(st.just("tree_share"), INDEX, INDEX),
    st.tuples(st.just("tree_dup_item"), INDEX),
    st.tuples(st.just("tree_number"), INDEX, st.sampled_from(EDGE_NUMBERS)),
    st.tuples(st.just("tree_section"), st.sampled_from(range(len(SECTIONS)))),
)


@dataclass(frozen=True)
class Case:
    """One fuzz case: a source file and the mutations applied to it, in order."""

    source: str
    mutations: tuple[tuple[Any, ...], ...]


CASES = st.builds(
    Case,
    source=st.sampled_from(SOURCES),
    mutations=st.lists(st.one_of(TEXT_MUTATIONS, TREE_MUTATIONS), min_size=1, max_size=3).map(
        tuple
    ),
)


# --- applying mutations ---------------------------------------------------------------------------

KEY_LINE = re.compile(r"^(\s*(?:- )?)([A-Za-z_][\w-]*):(\s+)(\S.*)?$")
NUMBER = re.compile(r"(?<![\w.])-?\d+(\.\d+)?([eE][-+]?\d+)?(?![\w.])")


def _pick(items: list[Any], i: int) -> Any:
    return items[i % len(items)]


def _delete_line(lines: list[str], i: int) -> None:
    del lines[i % len(lines)]


def _duplicate_line(lines: list[str], i: int) -> None:
    i %= len(lines)
    lines.insert(i, lines[i])


def _swap_lines(lines: list[str], i: int, j: int) -> None:
    i, j = i % len(lines), j % len(lines)
    lines[i], lines[j] = lines[j], lines[i]


def _indent(lines: list[str], i: int, delta: int) -> None:
    i %= len(lines)
    lines[i] = " " * delta + lines[i] if delta > 0 else lines[i][-delta:]


def _insert_char(lines: list[str], i: int, pos: int, char: str) -> None:
    i %= len(lines)
    pos %= len(lines[i]) + 1
    lines[i] = lines[i][:pos] + char + lines[i][pos:]


def _number(lines: list[str], i: int, token: str) -> None:
    found = [k for k, line in enumerate(lines) if NUMBER.search(line.split("#")[0])]
    if found:
        k = _pick(found, i)
        lines[k] = NUMBER.sub(token, lines[k], count=1)


def _alias(lines: list[str], i: int, j: int) -> None:
    keyed = [k for k, line in enumerate(lines) if KEY_LINE.match(line)]
    if keyed:
        i, j = _pick(keyed, i), _pick(keyed, j)
        lines[j] = KEY_LINE.sub(r"\1\2:\3*fz", lines[j])
        lines[i] = KEY_LINE.sub(lambda m: f"{m[1]}{m[2]}:{m[3]}&fz {m[4] or ''}", lines[i])


def _merge(lines: list[str], i: int, j: int) -> None:
    """Anchor a flow mapping or a list item, merge it into another mapping with ``<<: *fz``."""
    flow = re.compile(r":(\s+)\{")
    sources = [k for k, line in enumerate(lines) if flow.search(line) or "- " in line]
    targets = [k for k, line in enumerate(lines) if KEY_LINE.match(line)]
    if not (sources and targets):
        return
    i, j = _pick(sources, i), _pick(targets, j)
    match = KEY_LINE.match(lines[j])
    assert match is not None
    if flow.search(lines[i]):
        lines[i] = flow.sub(r":\1&fz {", lines[i], count=1)
    elif i == j:  # an item anchored on this line would split it, leaving no key to merge into
        return
    else:
        lines[i] = lines[i].replace("- ", "- &fz\n" + " " * (lines[i].index("- ") + 2), 1)
    indent = " " * len(match[1])
    lines.insert(j, f"{indent}<<: *fz")
    if match[1].endswith("- "):  # the merge key becomes the item's first key
        lines[j] = f"{match[1]}<<: *fz"
        lines[j + 1] = indent + lines[j + 1][len(indent) :]


def _laughs(lines: list[str], depth: int, width: int) -> None:
    lines.append(f"fz0: &fz0 [{', '.join(['lol'] * width)}]")
    for d in range(1, depth):
        lines.append(f"fz{d}: &fz{d} [{', '.join([f'*fz{d - 1}'] * width)}]")


def _path(lines: list[str], i: int, value: str) -> None:
    paths = [k for k, line in enumerate(lines) if re.search(r"\.geojson\s*(#.*)?$", line)]
    if paths:
        k = _pick(paths, i)
        lines[k] = re.sub(r"(:\s*)\S+\.geojson", lambda m: m[1] + value, lines[k], count=1)


TEXT_EDITS: dict[str, Callable[..., None]] = {
    "delete_line": _delete_line,
    "duplicate_line": _duplicate_line,
    "swap_lines": _swap_lines,
    "indent": _indent,
    "insert_char": _insert_char,
    "number": _number,
    "alias": _alias,
    "merge": _merge,
    "laughs": _laughs,
    "path": _path,
}


def _text_mutation(text: str, mutation: tuple[Any, ...]) -> str:
    kind, *args = mutation
    if kind == "truncate":
        return text[: args[0] % (len(text) + 1)]
    lines = text.split("\n")
    TEXT_EDITS[kind](lines, *args)
    return "\n".join(lines)


def _entries(root: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) of the tree, depth first, each container once."""
    found: list[tuple[Any, Any]] = []
    seen: set[int] = set()

    def walk(node: Any) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, CommentedMap):
            for key in list(node.keys()):
                found.append((node, key))
                walk(node[key])
        elif isinstance(node, CommentedSeq):
            for i, item in enumerate(node):
                found.append((node, i))
                walk(item)

    walk(root)
    return found


def _misspell(key: str, op: str, pos: int) -> str:
    if not key:
        return "x"
    i = pos % len(key)
    if op == "drop":
        return key[:i] + key[i + 1 :] or "x"
    if op == "double":
        return key[:i] + key[i] + key[i:]
    if op == "swap" and len(key) > 1:
        i = min(i, len(key) - 2)
        return key[:i] + key[i + 1] + key[i] + key[i + 2 :]
    if op == "replace":
        return key[:i] + ("q" if key[i] != "q" else "z") + key[i + 1 :]
    return key.upper()


def _numbers(entries: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [
        (parent, key)
        for parent, key in entries
        if isinstance(parent[key], int | float) and not isinstance(parent[key], bool)
    ]


def _section(root: Any, index: int) -> None:
    """Replace (or add) a whole top-level section by one of SECTIONS."""
    key, text = SECTIONS[index]
    ids = [c.get("id") for c in root.get("criteria") or [] if isinstance(c, dict)] + ["x", "y"]
    text = text.replace("{c0}", str(ids[0])).replace("{c1}", str(ids[1]))
    text = text.replace("{ones}", ", ".join(["1"] * (len(ids) - 2)))
    root[key] = YAML(typ="rt").load(text)


def _tree_mutation(root: Any, mutation: tuple[Any, ...]) -> None:
    kind, *args = mutation
    if kind == "tree_section":
        _section(root, args[0])
        return
    entries = _entries(root)
    if kind in ("tree_scale", "tree_number"):
        entries = _numbers(entries)
    if not entries:
        return
    parent, key = _pick(entries, args[0])
    value = parent[key]
    if kind == "tree_delete":
        del parent[key]
    elif kind == "tree_rename" and isinstance(parent, CommentedMap) and isinstance(key, str):
        parent.insert(list(parent).index(key), _misspell(key, args[1], args[2]), value)
        del parent[key]
    elif kind in ("tree_set", "tree_number"):
        parent[key] = args[1]
    elif kind == "tree_key":
        target = value if isinstance(value, CommentedMap) else parent
        if isinstance(target, CommentedMap):
            odd = ODD_KEYS[args[1]]
            target[CommentedKeySeq(odd) if isinstance(odd, tuple) else odd] = 1
    elif kind == "tree_scale":
        parent[key] = value * args[1]
    elif kind == "tree_share":
        other_parent, other_key = _pick(entries, args[1])
        parent[key] = other_parent[other_key]  # the same object twice: dumped as &anchor, *alias
    elif kind == "tree_dup_item" and isinstance(parent, CommentedSeq):
        parent.insert(key, YAML(typ="rt").load(_dump(value)) if _is_node(value) else value)


def _is_node(value: Any) -> bool:
    return isinstance(value, CommentedMap | CommentedSeq)


def _dump(data: Any) -> str:
    stream = io.StringIO()
    YAML(typ="rt").dump(data, stream)
    return stream.getvalue()


def mutate(text: str, mutations: tuple[tuple[Any, ...], ...]) -> str:
    """Apply the mutations in order; a tree mutation of text that no longer parses is skipped."""
    for mutation in mutations:
        if not mutation[0].startswith("tree_"):
            text = _text_mutation(text, mutation)
            continue
        try:
            root = YAML(typ="rt").load(text)
            _tree_mutation(root, mutation)
            text = _dump(root)
        except Exception:  # the fuzzer's own parse or dump failed: this mutation does not apply
            continue
    return text


# --- the property ---------------------------------------------------------------------------------


def check(path: Path, output: str, exit_code: int, exception: BaseException | None) -> None:
    """The property: exit 0 or 2, no traceback, every problem about the file located."""
    trace = "".join(traceback.format_exception(exception)) if exception is not None else ""
    assert exit_code in (0, 2), f"exit {exit_code}\n{output}\n{trace}"
    assert "Traceback" not in output, output
    if exit_code == 0:
        return
    lines = output.split("\n")
    start = next(i for i, line in enumerate(lines) if re.match(r"error: \d+ problem", line))
    # "note:" lines say which checks could not run; they are not problems.
    problems = [
        line for line in lines[start + 1 :] if line.strip() and not line.startswith("note: ")
    ]
    assert problems, output
    located = re.compile(re.escape(str(path)) + r":\d+: \S")
    for problem in problems:
        if problem.startswith(str(path)):
            assert located.match(problem), f"no line number: {problem!r}"
        else:  # a problem of a data layer names that file first
            assert Path(problem.split(":", 1)[0]).is_file(), f"unlocated: {problem!r}"


def _sandbox(base: Path) -> dict[str, Path]:
    """A copy of the shipped criteria and data, and of the tiny fixture, with a symlink loop."""
    shutil.copytree(ROOT / "criteria", base / "criteria")
    shutil.copytree(ROOT / "data", base / "data")
    shutil.copytree(TINY, base / "tiny")
    for folder in ("criteria", "tiny"):
        (base / folder / "loop").symlink_to("loop")
    sources = {stem: base / "criteria" / f"{stem}.yaml" for stem in PROFILES}
    return sources | {"tiny": base / "tiny" / "study.yaml"}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _sandbox(tmp_path_factory.mktemp("fuzz"))


def run_case(sources: dict[str, Path], case: Case) -> tuple[Path, Any]:
    """Write the mutated file beside its source and validate it through the CLI."""
    original = sources[case.source]
    path = original.with_name("fuzz.yaml")
    text = mutate(original.read_text(encoding="utf-8"), case.mutations)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path, runner.invoke(app, ["validate", str(path)])


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not CAMPAIGN,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=CASES)
def test_a_mutated_criteria_file_gets_located_messages_never_a_traceback(
    sandbox: dict[str, Path], case: Case
) -> None:
    path, result = run_case(sandbox, case)
    check(path, result.output, result.exit_code, result.exception)


def test_every_kind_of_mutation_changes_the_file(sandbox: dict[str, Path]) -> None:
    # a mutation that silently does nothing would leave a crash class untested
    text = sandbox["tiny"].read_text(encoding="utf-8")
    kinds: list[tuple[Any, ...]] = [
        ("delete_line", 3), ("duplicate_line", 3), ("swap_lines", 3, 9), ("indent", 9, 2),
        ("insert_char", 9, 2, "\t"), ("number", 2, ".nan"), ("alias", 1, 5), ("merge", 4, 7),
        ("laughs", 3, 3), ("truncate", 100), ("path", 0, "loop"), ("tree_delete", 2),
        ("tree_rename", 2, "drop", 1), ("tree_set", 2, None), ("tree_key", 0, 0),
        ("tree_scale", 20, float("nan")), ("tree_share", 3, 20), ("tree_dup_item", 12),
        ("tree_number", 4, 1e-300), ("tree_section", 0),
    ]  # fmt: skip
    unchanged = [m for m in kinds if mutate(text, (m,)) == text]
    assert not unchanged
