"""Every message `siting validate` can print is translatable, and prints in the reader's language.

A problem is built as a :class:`siting.i18n.Msg` (a template marked with ``N_`` and its values)
where it is found, long before the reader's language is known; the CLI renders it.  These tests
provoke a battery of mistakes (in criteria files, layers, weights, methods and portfolio rules),
record every message built on the way, and check that

- each renders in English exactly as its text reads (what the tests elsewhere assert on),
- each template can be extracted into the catalogs (no unmarked or f-string template),
- with a Russian catalog, ``siting validate --lang ru`` prints them in Russian, the locations
  (``path:line: key:``) untouched and in the file's order, and never a traceback.
"""

from __future__ import annotations

import ast
import io
import pickle
import shutil
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from pydantic import BaseModel, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from typer.testing import CliRunner

import siting
from siting import criteria, i18n, mcda, pipeline
from siting import weights as weighting
from siting.cli import app
from siting.errors import SitingError
from siting.i18n import N_, Msg, extract_messages, render, translator
from siting.messages import (
    Integer,
    Joined,
    Located,
    PluralMsg,
    all_of,
    did_you_mean,
    either,
    listing,
    plural,
    render_text,
)
from siting.optimise import rules as portfolio_rules
from siting.optimise import select_portfolio

TINY = Path(__file__).parent / "fixtures" / "tiny"
PACKAGE = Path(siting.__file__).parent
EN = translator("en")
runner = CliRunner()


# --- a battery of mistakes -------------------------------------------------------------------------


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(TINY, target)
    return target / "study.yaml"


def _edit(path: Path, *pairs: tuple[str, str]) -> Path:
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return path


#: Edits of the tiny study, each making a file with mistakes that some stage reports.
STUDY_EDITS: dict[str, list[tuple[str, str]]] = {
    "structure": [
        ("    weight: 1\n  - id: institutes_100km", "    wieght: 1\n  - id: institutes_100km"),
        ("enablers: {weight: 2}", "enablers: {weight: -2}"),
        ("exclude:", "method: {name: electre}\nexclude:"),
        ("candidates: candidates.geojson", "candidates: towns.geojson"),
        ("where: {students: {min: 5000}}", "where: {studnets: {min: 5000}}"),
        (
            "  institutes: institutes.geojson",
            "  institutes: institutes.geojson\n  ports: p.geojson",
        ),
    ],
    "values": [
        ("value: {linear: {best: 0, worst: 500}}", "value: {linear: {best: 500, worst: 0}}"),
        ("{count: institutes, within_km: 100}", "{count: institutes, within_km: -5, decay_km: 3}"),
        ("value: {piecewise: {points: [[0, 0], [1000000, 1]]}}", "value: linar"),
        ("  sites: 2", "  sites: 20000\n  must_include: [astana, nowhere]\n  pareto: {}"),
        ("- id: population", "- id: Population Count"),
        ("unit: people", "unit: {fr: gens}"),
        ("unit: institutes\n    weight: 1", "unit: institutes\n    weight: .inf"),
        ("exclude:", "seed: 4294967296\nweights: {within: {nope: {method: equal}}}\nexclude:"),
        ("study: Tiny fixture", "study: !!binary Tiny\n1: one\nnull: two"),
    ],
    "text": [
        ("description: Six", 'description: "Six\\u0007"\nnote: [1, 2]\ndesc: Six'),
        ("groups:", "sensitivity: {samples: 5, weights: {nope: [0.5, 0.2]}, order: [a]}\ngroups:"),
        ("exclude:", "method: {name: owa, compare: [topsis, vikr]}\nexclude:"),
    ],
    "fields": [
        ("{attribute: population}", "{attribute: pop}"),
        ("{count: institutes, within_km: 100}", "{sum: institutes, field: name, within_km: 100}"),
        (
            "{field: population, below: 50000,",
            "{field: macro_region, equals: North, below: 3,",
        ),
        ("at_most_per: {field: macro_region, count: 1}", "budget: {field: cost, limit: 5}"),
    ],
    "ahp": [
        (
            "groups:",
            "weights:\n  groups:\n    method: ahp\n    judgements: [[education, science, 9],"
            " [science, enablers, 9], [enablers, education, 9]]\ngroups:",
        ),
    ],
    "entropy_groups": [("groups:", "weights: {groups: {method: entropy}}\ngroups:")],
    "nothing_left": [("below: 50000", "below: 50000000")],
    "too_few": [("  sites: 2", "  sites: 5")],
    "infeasible": [("min_spacing_km: 300", "min_spacing_km: 3000")],
    "excluded_lock": [("  sites: 2", "  sites: 2\n  must_include: [kyzylorda]")],
    "zero": [
        ("enablers: {weight: 2}", "enablers: {weight: 2}\n  empty: {}"),
        ("education: {weight: 1}", "education: {weight: 0}"),
        ("science: {weight: 1}", "science: {weight: 0}"),
        ("enablers: {weight: 2}", "enablers: {weight: 0}"),
    ],
}

#: Whole files that are not even a study.
BROKEN_FILES: dict[str, bytes] = {
    "flow": b"study: x\nbroken: [\n",
    "tab": b"study: x\n\tcandidates: c.geojson\n",
    "duplicate": b"study: x\nstudy: y\n",
    "alias": b"study: *nope\n",
    "colon": b"study: a: b\n",
    "empty": b"",
    "list": b"- a\n- b\n",
    "scalar": b"just text\n",
    "latin1": b"study: caf\xe9\n",
    "anchors": b"a: &n 1\nb: &n 2\nstudy: x\n",
    "merge": b"a: 1\nb: {<<: 5}\n",
    "control": b"study: x\x07y\n",
}

#: Layer files with mistakes inside: (file, text).
BAD_CANDIDATES = """{"type": "FeatureCollection", "features": [
{"type": "Feature", "properties": {"id": "a", "name": "A", "macro_region": "n", "population": 1},
 "geometry": {"type": "Point", "coordinates": [200, 95]}},
{"type": "Feature", "properties": {"id": "a", "name": "", "macro_region": "n", "population": 2},
 "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
{"type": "Feature", "properties": {"id": "", "name": "C", "macro_region": 3, "population": -4},
 "geometry": null}
]}
"""


def _api_errors() -> Iterator[Callable[[], Any]]:
    """Calls of the numeric cores with bad inputs (what a Python user can get wrong)."""
    yield lambda: weighting.direct(pd.Series({"a": -1.0, "b": float("nan"), "c": "x"}))
    yield lambda: weighting.direct(pd.Series({"a": 0.0}), what="group")
    yield lambda: weighting.hierarchy(
        pd.Series({"u": 1.0, "v": -1.0}),
        pd.Series({"u": "g", "w": "h"}),
        pd.Series({"k": 1.0}),
    )
    yield lambda: weighting.pairwise_matrix({("a", "a"): 2, ("a", "b"): -1}, ["a", "b", "c"])
    yield lambda: weighting.ahp([[1, 2], [3, 2]], criteria=["a", "b"])
    yield lambda: weighting.ahp(np.ones((11, 11)) * 1.0, ri=[0.0])
    yield lambda: weighting.entropy(np.array([[-1.0, 0.0], [2.0, 0.0]]), criteria=["a", "b"])
    yield lambda: weighting.critic(np.array([[1.0, 2.0], [1.0, 3.0]]), types=[1, 2])
    yield lambda: mcda.topsis([[1.0, np.nan], [2.0, 3.0]], [0.5, 0.7], [1, 3])
    yield lambda: mcda.topsis([1.0, 2.0], [1.0], [1])
    yield lambda: mcda.vikor([[1.0, 2.0]], [0.5, 0.5], [1, 1], v=2.0)
    yield lambda: mcda.promethee_ii(
        [[1.0, 2.0], [2.0, 1.0]], [0.5, 0.5], [1, 1], preference="wiggly"
    )
    yield lambda: mcda.owa([[1.0, 2.0], [2.0, 1.0]], [0.5, 0.5], [1, 1], order_weights=[2, 0, 1])
    yield lambda: mcda.rank([1.0, np.nan, np.nan])
    yield lambda: mcda.check_options("topsis", {"v": 1, "return_steps": True})
    yield lambda: mcda.method_info("electre")
    yield lambda: portfolio_rules.prepare(
        np.array([1.0, 2.0, np.nan]),
        n=0,
        names=["a"],
        distances_km=np.ones((2, 2)),
        min_spacing_km=5,
        groups=np.array(["x", None, "y"], dtype=object),
        at_most_per_group=1,
        costs=[1.0, -1.0, 2.0],
        budget=3,
        must_include=[7],
        centre_distances_km=np.ones((1, 2)),
        equity_km=5,
    )
    yield lambda: select_portfolio(
        [3.0, 2.0, 1.0, 0.5],
        n=3,
        distances_km=np.full((4, 4), 10.0) - 10 * np.eye(4),
        min_spacing_km=50,
    )
    yield lambda: select_portfolio(
        [3.0, 2.0, 1.0],
        n=2,
        groups=["x", "x", "y"],
        at_least_per_group=2,
        must_include=[0, 1],
        must_exclude=[1],
    )


def provoke(tmp_path: Path) -> list[SitingError]:
    """Every error the battery raises (each expected to raise one)."""
    errors: list[SitingError] = []

    def expect(call: Callable[[], Any]) -> None:
        with pytest.raises(SitingError) as info:
            call()
        errors.append(info.value)

    for name, edits in STUDY_EDITS.items():
        path = _edit(_copy(tmp_path, name), *edits)
        expect(lambda path=path: pipeline.validate(path))
    for name, data in BROKEN_FILES.items():
        path = tmp_path / f"{name}.yaml"
        path.write_bytes(data)
        expect(lambda path=path: pipeline.validate(path))
    layers = _copy(tmp_path, "layers")
    (layers.parent / "candidates.geojson").write_text(BAD_CANDIDATES, encoding="utf-8")
    (layers.parent / "universities.geojson").write_text("{not json", encoding="utf-8")
    (layers.parent / "institutes.csv").write_text("id,name\na,A\n", encoding="utf-8")
    _edit(layers, ("institutes.geojson", "institutes.csv"))
    expect(lambda: pipeline.validate(layers))
    expect(lambda: pipeline.validate(tmp_path / "missing.yaml"))
    expect(lambda: pipeline.validate(tmp_path))
    for call in _api_errors():
        expect(call)
    return errors


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[Msg]:
    """Every message built while the test runs, nested ones included."""
    made: list[Msg] = []

    def spy(cls: type[Msg]) -> None:
        original = cls.__dict__["__new__"]
        build = original.__func__ if isinstance(original, staticmethod) else original

        def new(kind: type[Msg], /, *args: Any, **kwargs: Any) -> Msg:
            out = build(kind, *args, **kwargs)
            made.append(out)
            return out

        monkeypatch.setattr(cls, "__new__", staticmethod(new))

    for cls in (Msg, Located, PluralMsg, Joined, Integer):
        spy(cls)
    return made


@pytest.fixture(scope="module")
def catalog_ids() -> set[Any]:
    """The ids of every message the extractor finds in siting's code."""
    return {m.id for m in extract_messages() if m.id}


# --- (a) English renders as the text reads ------------------------------------------------------------


def test_every_problem_is_a_message_that_renders_in_english_as_it_reads(
    tmp_path: Path, recorded: list[Msg]
) -> None:
    errors = provoke(tmp_path)
    problems = [p for e in errors for p in [*e.problems, *e.notes]]
    assert len(problems) > 100
    plain = [p for p in problems if not isinstance(p, Msg)]
    assert not plain, plain[:5]
    assert len(recorded) > 300
    kinds = {type(m) for m in recorded}
    assert kinds == {Msg, Located, PluralMsg, Joined, Integer}
    wrong = [(str(m), render(m, EN)) for m in recorded if render(m, EN) != str(m)]
    assert not wrong, wrong[:5]


def test_no_library_english_is_passed_through(tmp_path: Path) -> None:
    # pydantic's and ruamel's own sentences start with a capital or carry their error types
    text = "\n".join(p for e in provoke(tmp_path) for p in e.problems)
    for phrase in ("Input should", "Value error,", "List should", "malformed YAML ("):
        assert phrase not in text


# --- (b) every template can be extracted into the catalogs ---------------------------------------------


def test_every_template_built_is_in_the_extracted_catalog(
    tmp_path: Path, recorded: list[Msg], catalog_ids: set[Any]
) -> None:
    provoke(tmp_path)
    templates = {m.template for m in recorded if type(m) is Msg}
    plurals = {(m.template, m.plural) for m in recorded if isinstance(m, PluralMsg)}
    assert len(templates) > 100
    assert len(plurals) >= 10
    assert not templates - catalog_ids
    assert not plurals - catalog_ids


def _calls(tree: ast.AST, name: str) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called == name:
                yield node


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def test_no_message_template_is_written_unmarked() -> None:
    unmarked = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = f"{path.relative_to(PACKAGE.parent)}"
        for call in _calls(tree, "Msg"):
            first = call.args[0] if call.args else None
            # A template is N_("..."), or a name bound to one (checked when built, above); a
            # literal or an f-string here would never reach the catalogs.
            if first is None or _literal(first) or isinstance(first, ast.JoinedStr):
                unmarked.append(f"{where}:{call.lineno}")
        for call in _calls(tree, "N_"):
            if len(call.args) != 1 or not _literal(call.args[0]):
                unmarked.append(f"{where}:{call.lineno} N_ of a non-literal")
        for call in _calls(tree, "plural"):
            if isinstance(call.func, ast.Name) and not all(_literal(a) for a in call.args[:2]):
                unmarked.append(f"{where}:{call.lineno} plural of non-literals")
    assert not unmarked


MINE = (
    "criteria.py", "spec.py", "inputs.py", "layers.py", "scoring.py", "choice.py", "pipeline.py",
    "weights.py", "mcda.py", "features.py", "messages.py", "cli.py", "rules.py", "infeasible.py",
    "portfolio.py",
)  # fmt: skip


def test_placeholders_are_plain_names_a_translator_can_move() -> None:
    # No {x!r}, {x:g} or {0}: values are formatted before they are placed, so that a translator
    # sees names only; the location of each message is in the catalog for context.
    bad = []
    for message in extract_messages():
        if not any(Path(file).name in MINE for file, _ in message.locations):
            continue
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            for _, field, spec, conversion in string.Formatter().parse(text):
                if field is not None and (not field.isidentifier() or spec or conversion):
                    bad.append(text)
    assert not bad


# --- building blocks ------------------------------------------------------------------------------------


def test_located_keeps_the_location_and_translates_the_rest() -> None:
    m = Located("s.yaml:3", Msg(N_("did you mean {name}?"), name="'a'"), key=Msg(N_("(file)")))
    assert str(m) == "s.yaml:3: (file): did you mean 'a'?" == m.render(EN)
    assert Located("s.yaml:3", "x").render(EN) == "s.yaml:3: x"


def test_plural_joined_lists_and_numbers_read_in_english() -> None:
    assert str(plural("{n} site", "{n} sites", 1)) == "1 site"
    assert str(plural("{n} site", "{n} sites", 1234)) == "1,234 sites"
    assert str(Integer(1_000_000)) == "1,000,000" == Integer(1_000_000).render(EN)
    assert str(Joined(["a", Msg(N_("the weights"))], "; ")) == "a; the weights"
    assert str(either(["a", "b", "c"])) == "a or b or c"
    assert str(listing(["'a'", "'b'", "'c'"])) == "'a', 'b' or 'c'"
    assert str(all_of(["a", "b", "c"])) == "a, b and c"
    assert str(all_of(["a"])) == "a"
    assert str(did_you_mean("weight")) == "did you mean 'weight'?"


def test_messages_survive_pickling() -> None:
    for m in (
        Located("f:1", Msg(N_("did you mean {name}?"), name="'x'"), key="k"),
        plural("{n} site", "{n} sites", 3),
        Joined(["a", "b"], ", "),
        Integer(12345),
    ):
        back = pickle.loads(pickle.dumps(m))
        assert type(back) is type(m)
        assert back == m
        assert back.render(EN) == m.render(EN)


def test_bounds_read_as_pydantic_writes_them() -> None:
    # the English of an out-of-range message stays what it was when pydantic wrote it
    class Model(BaseModel):
        a: float = Field(0, ge=0)
        b: float = Field(1, gt=0.5)
        c: float = Field(0, le=1e15)
        d: int = Field(200, lt=100)
        e: float = Field(1, ge=1e-7)

    for key, value in {"a": -1, "b": 0, "c": 1e16, "d": 200, "e": 0}.items():
        with pytest.raises(ValidationError) as info:
            Model(**{key: value})
        (err,) = info.value.errors()
        bound = criteria._BOUNDS[err["type"]]
        text = Msg(bound[1], limit=criteria._bound_text(err["ctx"][bound[0]]))
        assert text == err["msg"].lower()


@pytest.mark.parametrize(
    "text",
    [
        "a: [\n",
        "a:\n\t- 1\n",
        "a: b: c\n",
        "a: *x\n",
        "a: 1\na: 2\n",
        "- a\nb: 1\n",
        'a: "\\q"\n',
        "a: 'x\n",
        "<<: 5\n",
        "a: {b: 1\n",
        "a: [1\nb: 2\n",
        "a: 1\n--- b\n",
    ],
)
def test_yaml_syntax_errors_are_worded_by_siting(text: str) -> None:
    # in ruamel's own words (which planners search for), but through siting's catalog
    with pytest.raises(MarkedYAMLError) as info:
        YAML(typ="rt").load(text)
    what = (info.value.problem or info.value.context or "").strip()
    worded = criteria._yaml_problem(what)
    assert worded.template != "malformed YAML ({detail})", what
    if what == "but found another document":  # ruamel puts the first half in its context
        what = f"{info.value.context}, {what}"
    assert worded == what.replace("intendation", "indentation")


# --- (c) printed in the reader's language ---------------------------------------------------------------

RUSSIAN: dict[Any, Any] = {
    "unknown key {key}; {hint}": "неизвестный ключ {key}; {hint}",
    "did you mean {name}?": "может быть, {name}?",
    "{value} is out of range: {bound}; change the value": (
        "{value} вне допустимого диапазона: {bound}; измените значение"
    ),
    "input should be greater than or equal to {limit}": "значение должно быть не меньше {limit}",
    "{value} is not allowed; use one of {options}": (
        "{value} не допускается; используйте одно из: {options}"
    ),
    "{items} or {last}": "{items} или {last}",
    "file {name} {reason}": "файл {name} {reason}",
    "not found (looked at {path}); check the path": "не найден (искали в {path}); проверьте путь",
    "note: {note}": "примечание: {note}",
    "not checked until the problems above are fixed: {checks}": (
        "не проверено, пока не исправлены проблемы выше: {checks}"
    ),
    "measuring the criteria": "измерение критериев",
    "YAML syntax: {problem}; {fix}": "синтаксис YAML: {problem}; {fix}",
    "OK ({details})": "ОК ({details})",
    "portfolio feasible": "портфель допустим",
    ("error: {n} problem", "error: {n} problems"): (
        "ошибка: {n} проблема",
        "ошибка: {n} проблемы",
        "ошибка: {n} проблем",
    ),
    ("{n} criterion", "{n} criteria"): ("{n} критерий", "{n} критерия", "{n} критериев"),
    ("{n} layer", "{n} layers"): ("{n} слой", "{n} слоя", "{n} слоёв"),
    ("{kept} of {n} candidate kept", "{kept} of {n} candidates kept"): (
        "{kept} из {n} кандидата оставлено",
        "{kept} из {n} кандидатов оставлено",
        "{kept} из {n} кандидатов оставлено",
    ),
}


def _po(entries: dict[Any, Any]) -> str:
    catalog = Catalog(locale="ru", domain="siting")
    for msgid, text in entries.items():
        catalog.add(msgid, text)
    out = io.BytesIO()
    write_po(out, catalog)
    return out.getvalue().decode("utf-8")


@pytest.fixture
def russian(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[dict[Any, Any]], None]]:
    """Install a Russian catalog of the given entries in place of the shipped one."""
    real = i18n.catalog_text

    def install(entries: dict[Any, Any]) -> None:
        text = _po(entries)
        monkeypatch.setattr(i18n, "catalog_text", lambda lang: text if lang == "ru" else real(lang))
        i18n._translations.cache_clear()

    yield install
    i18n._translations.cache_clear()  # the next test compiles the shipped catalog again


def _validate(*args: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output.splitlines()


def _four_mistakes(tmp_path: Path) -> Path:
    return _edit(
        _copy(tmp_path, "ru"),
        ("    weight: 1\n  - id: institutes_100km", "    wieght: 1\n  - id: institutes_100km"),
        ("enablers: {weight: 2}", "enablers: {weight: -2}"),
        ("exclude:", "method: {name: electre}\nexclude:"),
        ("candidates: candidates.geojson", "candidates: towns.geojson"),
    )


def test_validate_prints_the_problems_in_russian_with_their_locations(
    tmp_path: Path, russian: Callable[[dict[Any, Any]], None]
) -> None:
    russian(RUSSIAN)
    study = _four_mistakes(tmp_path)
    code, lines = _validate(str(study), "--lang", "ru")
    assert code == 2
    assert lines[0] == "ошибка: 5 проблем"
    problems = lines[1:-1]
    assert len(problems) == 5
    expected = [
        "criteria[0].wieght: неизвестный ключ 'wieght'; может быть, 'weight'?",
        "groups.enablers.weight: -2 вне допустимого диапазона: значение должно быть не меньше 0; "
        "измените значение",
        "method.name: 'electre' не допускается; используйте одно из: 'weighted_sum', "
        "'weighted_product', 'topsis', 'vikor', 'promethee_ii' или 'owa'",
        f"candidates: файл 'towns.geojson' не найден (искали в {study.parent / 'towns.geojson'}); "
        "проверьте путь",
    ]
    for text in expected:
        assert any(line.endswith(": " + text) for line in problems), (text, problems)
    numbers = []
    for line in problems:  # the location first, as in English, in the order of the file
        assert line.startswith(f"{study}:"), line
        numbers.append(int(line[len(str(study)) + 1 :].split(":", 1)[0]))
    assert numbers == sorted(numbers)
    # a message without a translation yet is printed in English, never dropped
    assert lines[-1].startswith(
        "примечание: не проверено, пока не исправлены проблемы выше: измерение критериев, the "
        "exclusions"
    )


def test_the_language_defaults_to_the_study_s_and_lang_overrides_it(
    tmp_path: Path, russian: Callable[[dict[Any, Any]], None]
) -> None:
    russian(RUSSIAN)
    study = _edit(_four_mistakes(tmp_path), ("study: Tiny", "language: ru\nstudy: Tiny"))
    _, lines = _validate(str(study))
    assert lines[0] == "ошибка: 5 проблем"
    _, lines = _validate(str(study), "--lang", "en")
    assert lines[0] == "error: 5 problems"
    assert any(line.endswith("unknown key 'wieght'; did you mean 'weight'?") for line in lines)


def test_a_file_not_read_that_far_is_reported_in_english(
    tmp_path: Path, russian: Callable[[dict[Any, Any]], None]
) -> None:
    russian(RUSSIAN)
    study = tmp_path / "broken.yaml"
    study.write_text("language: ru\nstudy: x\nbroken: [\n", encoding="utf-8")
    code, lines = _validate(str(study))
    assert code == 2
    assert lines[0] == "error: 1 problem"
    code, lines = _validate(str(study), "--lang", "ru")
    assert lines[0] == "ошибка: 1 проблема"
    assert lines[1].startswith(f"{study}:4: синтаксис YAML: expected the node content")


def test_a_data_error_carries_the_study_s_language(tmp_path: Path) -> None:
    study = _edit(
        _copy(tmp_path, "kk"),
        ("study: Tiny", "language: kk\nstudy: Tiny"),
        ("where: {students: {min: 5000}}", "where: {studnets: {min: 5000}}"),
    )
    with pytest.raises(SitingError) as info:
        pipeline.validate(study)
    assert info.value.language == "kk"
    with pytest.raises(SitingError) as info:
        siting.run(study)
    assert info.value.language == "kk"


def test_a_valid_file_says_ok_in_the_reader_s_language(
    tmp_path: Path, russian: Callable[[dict[Any, Any]], None]
) -> None:
    russian(RUSSIAN)
    code, lines = _validate(str(TINY / "study.yaml"), "--lang", "ru")
    assert code == 0

    # the console wraps the line at its width, at a space (where depends on the path's length)
    def flat(text: str) -> str:
        return "".join(text.split())

    assert flat("".join(lines)).endswith(
        flat(": ОК (3 критерия, 2 слоя, 5 из 6 кандидатов оставлено, портфель допустим)")
    )
    _, lines = _validate(str(TINY / "study.yaml"))
    assert flat("".join(lines)).endswith(
        flat(": OK (3 criteria, 2 layers, 5 of 6 candidates kept, portfolio feasible)")
    )


def test_plural_forms_follow_the_language(russian: Callable[[dict[Any, Any]], None]) -> None:
    russian(RUSSIAN)
    ru = translator("ru")
    forms = {n: plural("{n} layer", "{n} layers", n).render(ru) for n in (1, 2, 5, 21, 1000)}
    assert forms == {
        1: "1 слой",
        2: "2 слоя",
        5: "5 слоёв",
        21: "21 слой",
        1000: "1\xa0000 слоёв",
    }


def test_a_broken_translation_falls_back_to_english(
    tmp_path: Path, russian: Callable[[dict[Any, Any]], None]
) -> None:
    russian(RUSSIAN | {"did you mean {name}?": "может быть, {nmae}?"})
    code, lines = _validate(str(_four_mistakes(tmp_path)), "--lang", "ru")
    assert code == 2
    assert any(line.endswith(": unknown key 'wieght'; did you mean 'weight'?") for line in lines)
    assert render_text(Msg(N_("did you mean {name}?"), name="'x'"), translator("ru")) == (
        "did you mean 'x'?"
    )
