"""The page's engine against the Python it mirrors, in headless Debian chromium.

One page carries only the engine's scripts (``engine_assets``) under a CSP like the map's
(scripts by hash, ``'wasm-unsafe-eval'``, nothing fetched); HiGHS starts once per page and each
``page.evaluate`` scores or solves many weightings.  For every shipped profile and every method
of :data:`siting.mcda.REGISTRY` (OWA with order weights given in a variant study), seeded random
weightings (Dirichlet, sparse with zeros, unnormalised, one-hot) must give the scores of
:func:`siting.mcda.score_study` to 1e-9 and the ranks of :func:`siting.mcda.rank`; the portfolio,
its binding rules and its first alternative must be those of
:func:`siting.optimise.solve_rules` and :func:`siting.optimise.alternatives_for`, the optimum
checked against enumeration of every feasible portfolio too.  The LP text the page hands HiGHS
is compared row by row with the model :func:`siting.optimise.model.build` makes.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import siting
from siting import mcda
from siting.choice import portfolio_rules
from siting.errors import DataError, OutputError
from siting.optimise import alternatives_for, solve_rules
from siting.optimise.frontier import _no_good_cuts
from siting.optimise.model import Variant, build
from siting.optimise.rules import PortfolioRules
from siting.outputs import engine as engine_module
from siting.outputs import offline
from siting.outputs.engine import WASM_UNSAFE_EVAL, engine_assets, page_model
from siting.results import Results
from siting.spec import Method, Portfolio
from tests.builders import ROOT
from tests.chromium import CHROMIUM, launch

pytestmark = pytest.mark.browser


if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip("headless chromium is not installed at /usr/bin/chromium", allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402

PROFILES = sorted((ROOT / "criteria").glob("*.yaml"))
TOL = 1e-9
SCORES_PER_METHOD = 10  # × 5 profiles × 5 methods, plus the option variants below
PORTFOLIO_WEIGHTINGS = 40  # × 5 profiles


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def runs() -> dict[str, Results]:
    return {p.stem: siting.run(p, sensitivity=False) for p in PROFILES}


@dataclasses.dataclass
class EnginePage:
    page: Page
    url: str
    requests: list[str]
    errors: list[str]

    def call(self, script: str, arg: Any = None) -> Any:
        out = self.page.evaluate(script, arg)
        assert self.errors == [], self.errors
        assert self.requests == [self.url], f"the page made requests: {self.requests}"
        return out


def write_page(directory: Path, *, wasm: bool = True) -> str:
    """A page with only the engine's scripts, under the map's kind of CSP; its file:// URL."""
    assets = engine_assets()
    scripts = list(assets.scripts)
    policy = offline.csp(scripts, extra_script_src=WASM_UNSAFE_EVAL if wasm else "")
    html = (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        f"<title>engine</title></head><body>{assets.html}</body></html>"
    )
    path = directory / ("engine.html" if wasm else "engine-no-wasm.html")
    path.write_text(html, encoding="utf-8")
    return path.as_uri()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EnginePage]:
    url = write_page(tmp_path_factory.mktemp("engine"))
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context()
        page = context.new_page()
        out = EnginePage(page, url, [], [])
        page.on("request", lambda r: out.requests.append(r.url))
        page.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
        page.on("console", lambda m: out.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: out.errors.append(str(exc)))
        page.goto(url)
        info = page.evaluate("SitingEngine.ready")
        assert info["version"].startswith("1.15"), info
        yield out
        context.close()
        browser.close()


# --------------------------------------------------------------------------- helpers


def weightings(m: int, count: int, seed: int) -> list[list[float]]:
    """Dirichlet(1) draws, sparse ones with zeros, unnormalised ones and one-hot vectors."""
    rng = np.random.default_rng(seed)
    out = []
    for q in range(count):
        w = rng.dirichlet(np.ones(m))
        kind = q % 5
        if kind == 2:
            zero = rng.random(m) < 0.5
            zero[rng.integers(m)] = False
            w[zero] = 0.0
        elif kind == 3:
            w = w * rng.uniform(0.01, 1000.0)
        elif kind == 4:
            w = np.zeros(m)
            w[rng.integers(m)] = rng.uniform(0.5, 5.0)
        out.append(w.tolist())
    return out


def kept_ids(results: Results) -> pd.Index:
    return results.ranking.index[results.ranking["excluded_reason"] == ""]


def python_scores(results: Results, name: str, raw: list[float]) -> np.ndarray | None:
    """score_study's scores in ranking order (NaN where not scored), None where it refuses."""
    w = pd.Series(raw, index=results.values.columns)
    w = w / w.sum()
    try:
        table = mcda.score_study(
            results.values, w, results.study.method, methods=[name], kept=kept_ids(results)
        )
    except DataError:
        return None
    return table[name].reindex(results.ranking.index).to_numpy(dtype=float)


def with_method(results: Results, method: dict[str, Any], *, shift: bool = False) -> Results:
    """``results`` scored under another method section (values in 0.05..0.95 with ``shift``)."""
    study = results.study.model_copy(update={"method": Method.model_validate(method)})
    values = results.values * 0.9 + 0.05 if shift else results.values
    return dataclasses.replace(results, study=study, values=values)


SCORE_JOBS = """([m, jobs]) => jobs.map(([method, w]) => {
  const r = SitingEngine.score(m, w, method);
  return r.ok ? {ok: true, scores: r.scores, ranks: r.ranks} : {ok: false, code: r.error.code};
})"""


def check_scores(engine: EnginePage, results: Results, jobs: list[tuple[str, list[float]]]) -> int:
    """Score ``jobs`` (method, weights) in the page and in Python; return how many agreed."""
    model = page_model(results)
    got = engine.call(SCORE_JOBS, [model, jobs])
    kept = (results.ranking["excluded_reason"] == "").to_numpy()
    compared = 0
    for (name, w), page in zip(jobs, got, strict=True):
        expected = python_scores(results, name, w)
        if expected is None:
            assert not page["ok"], (name, w)
            assert page["code"] in ("method-input", "no-weight-on-varied"), page
            continue
        assert page["ok"], (name, w, page)
        js = np.array([np.nan if v is None else v for v in page["scores"]], dtype=float)
        np.testing.assert_array_equal(np.isnan(js), np.isnan(expected), err_msg=name)
        np.testing.assert_allclose(js, expected, rtol=0, atol=TOL, err_msg=name)
        ranks = mcda.rank(expected[kept])
        assert page["ranks"][: kept.sum()] == ranks.tolist(), name
        assert all(r is None for r in page["ranks"][kept.sum() :])
        compared += 1
    return compared


# --------------------------------------------------------------------------- scores


def test_page_model_is_json_and_lines_up_with_the_run(runs: dict[str, Results]) -> None:
    for results in runs.values():
        model = page_model(results)
        json.dumps(model, allow_nan=False)
        kept = model["candidates"]["kept"]
        assert kept == sorted(kept, reverse=True), "kept candidates first"
        assert model["candidates"]["id"] == [str(i) for i in results.ranking.index]
        assert model["criteria"] == list(results.values.columns)
        np.testing.assert_allclose(model["weights"], results.weights.to_numpy())
        assert set(model["methods"]) == set(mcda.REGISTRY) - {"owa"}  # no order weights given
        assert model["method"] == results.study.method.name
        if model["portfolio"] is not None:
            assert model["portfolio"]["size"] == sum(kept)


def test_scores_and_ranks_agree_with_score_study(
    engine: EnginePage, runs: dict[str, Results]
) -> None:
    compared = 0
    for p, (stem, results) in enumerate(runs.items()):
        model = page_model(results)
        jobs = []
        for q, name in enumerate(model["methods"]):
            ws = weightings(len(model["criteria"]), SCORES_PER_METHOD, seed=100 * p + q)
            jobs += [(name, w) for w in ws]
        compared += check_scores(engine, results, jobs)
        # The study's own weights give the run's own ranking.
        main = engine.call(
            "([m]) => SitingEngine.score(m, m.weights)", [model]
        )  # default method: the main one
        ranking = results.ranking
        expected = ranking["score"].to_numpy(dtype=float)
        js = np.array([np.nan if v is None else v for v in main["scores"]], dtype=float)
        np.testing.assert_allclose(js, expected, rtol=0, atol=TOL, err_msg=stem)
        assert main["ranks"] == [None if pd.isna(r) else int(r) for r in ranking["rank"]]
    assert compared >= 200


OPTION_VARIANTS: list[tuple[str, dict[str, Any], bool]] = [
    *[
        ("topsis", {"name": "topsis", "topsis": {"normalisation": k}}, True)
        for k in ("vector", "minmax", "max", "sum", "zscore")
    ],
    ("topsis", {"name": "topsis", "topsis": {"normalisation": "sum"}}, False),  # zeros: refused
    ("vikor", {"name": "vikor", "vikor": {"v": 0.2}}, False),
    ("vikor", {"name": "vikor", "vikor": {"v": 1.0}}, False),
    ("promethee_ii", {"name": "promethee_ii", "promethee_ii": {"preference": "usual"}}, False),
    (
        "promethee_ii",
        {"name": "promethee_ii", "promethee_ii": {"preference": "ushape", "q": 0.1}},
        False,
    ),
    (
        "promethee_ii",
        {"name": "promethee_ii", "promethee_ii": {"preference": "vshape", "p": 0.3}},
        False,
    ),
    (
        "promethee_ii",
        {"name": "promethee_ii", "promethee_ii": {"preference": "level", "q": 0.1, "p": 0.4}},
        False,
    ),
    (
        "promethee_ii",
        {"name": "promethee_ii", "promethee_ii": {"preference": "linear", "q": 0.05, "p": 0.5}},
        False,
    ),
    (
        "promethee_ii",
        {"name": "promethee_ii", "promethee_ii": {"preference": "gaussian", "s": 0.2}},
        False,
    ),
]


def per_criterion_promethee(criteria: list[str]) -> dict[str, Any]:
    kinds = ["usual", "ushape", "vshape", "level", "linear", "gaussian"]
    pref = {c: kinds[k % len(kinds)] for k, c in enumerate(criteria)}
    return {
        "name": "promethee_ii",
        "promethee_ii": {
            "preference": pref,
            "q": {c: 0.02 * (k % 4) for k, c in enumerate(criteria)},
            "p": {c: 0.3 + 0.05 * (k % 3) for k, c in enumerate(criteria)},
            "s": {c: 0.1 + 0.1 * (k % 2) for k, c in enumerate(criteria)},
        },
    }


def owa_variants(m: int) -> list[list[float]]:
    linear = np.arange(m, 0, -1, dtype=float)
    return [
        (np.ones(m) / m).tolist(),
        (linear / linear.sum()).tolist(),  # optimistic
        (linear[::-1] / linear.sum()).tolist(),  # pessimistic
        [1.0] + [0.0] * (m - 1),  # OR: 0 / 0 for some sparse weightings, refused by both
    ]


def test_every_method_option_agrees(engine: EnginePage, runs: dict[str, Results]) -> None:
    compared = 0
    for p, stem in enumerate(("novosibirsk", "technopark")):
        results = runs[stem]
        m = results.values.shape[1]
        variants = [
            *OPTION_VARIANTS,
            ("promethee_ii", per_criterion_promethee(list(results.values.columns)), False),
            *[
                ("owa", {"name": "owa", "owa": {"order_weights": v}}, False)
                for v in owa_variants(m)
            ],
        ]
        for q, (name, method, shift) in enumerate(variants):
            variant = with_method(results, method, shift=shift)
            jobs = [(name, w) for w in weightings(m, 6, seed=1000 + 100 * p + q)]
            compared += check_scores(engine, variant, jobs)
    assert compared >= 150


def test_a_criterion_constant_among_the_kept_is_left_out(
    engine: EnginePage, runs: dict[str, Results]
) -> None:
    results = runs["technopark"]
    values = results.values.copy()
    kept = kept_ids(results)
    column = values.columns[1]
    values.loc[kept, column] = 0.5  # the excluded candidates keep their values
    variant = dataclasses.replace(results, values=values)
    model = page_model(variant)
    assert model["varied"][1] is False
    for name in ("topsis", "vikor", "promethee_ii"):
        assert 1 not in model["methods"][name]["criteria"]
    m = values.shape[1]
    one_hot = [0.0] * m
    one_hot[1] = 1.0
    jobs = [(name, w) for name in model["methods"] for w in [*weightings(m, 5, seed=7), one_hot]]
    check_scores(engine, variant, jobs)
    refused = engine.call(
        "([m, w]) => SitingEngine.score(m, w, 'topsis').error.code", [model, one_hot]
    )
    assert refused == "no-weight-on-varied"


def test_bad_weights_give_an_error_object(engine: EnginePage, runs: dict[str, Results]) -> None:
    model = page_model(runs["novosibirsk"])
    m = len(model["criteria"])
    codes = engine.call(
        """([model, m]) => {
          const nan = new Array(m).fill(0.1); nan[2] = NaN;
          const inf = new Array(m).fill(0.1); inf[0] = Infinity;
          const neg = new Array(m).fill(0.1); neg[1] = -0.1;
          const txt = new Array(m).fill(0.1); txt[3] = "0.1";
          return [new Array(m).fill(0), nan, inf, neg, txt, [1, 2], null].map((w) => {
            const r = SitingEngine.score(model, w);
            return r.ok ? "ok" : [r.error.code, r.error.message];
          });
        }""",
        [model, m],
    )
    assert [c[0] for c in codes] == [
        "weights-all-zero",
        "weights-not-finite",
        "weights-not-finite",
        "weights-negative",
        "weights-not-finite",
        "weights-length",
        "weights-length",
    ]
    assert "every weight is 0" in codes[0][1]


def test_rank_has_the_one_tie_rule(engine: EnginePage) -> None:
    scores = [0.9, 0.5, 0.9, 0.1, 0.9 - 1e-12, None, 0.5 - 2e-9]
    got = engine.call("(s) => SitingEngine.rank(s)", scores)
    expected = mcda.rank(np.array([s for s in scores if s is not None]))
    assert [r for r in got if r is not None] == expected.tolist()
    assert got[5] is None


# --------------------------------------------------------------------------- portfolio


def feasible_sets(rules: PortfolioRules) -> np.ndarray:
    """Every portfolio of exactly ``n`` sites the rules allow (the profiles' rules)."""
    assert rules.count.exact and rules.budget is None and rules.equity is None
    sets = np.array(list(itertools.combinations(range(rules.size), rules.count.n)), dtype=np.intp)
    ok = np.ones(len(sets), dtype=bool)
    if rules.spacing is not None:
        # The profiles' rules are small: the full matrix of the candidates is the reference.
        close = rules.spacing.among(np.arange(rules.size)) < rules.spacing.min_km
        for a, b in itertools.combinations(range(rules.count.n), 2):
            ok &= ~close[sets[:, a], sets[:, b]]
    g = rules.groups
    if g is not None:
        codes = g.codes[sets]
        for k in range(len(g.labels)):
            count = (codes == k).sum(axis=1)
            if g.at_most is not None:
                ok &= count <= g.at_most
            if g.at_least is not None:
                ok &= count >= g.at_least
    for j in rules.lock.include:
        ok &= (sets == j).any(axis=1)
    for j in rules.lock.exclude:
        ok &= ~(sets == j).any(axis=1)
    return sets[ok]


SOLVE_JOBS = """async ([m, ws]) => {
  const out = [];
  for (const w of ws) {
    const s = SitingEngine.score(m, w);
    if (!s.ok) { out.push({ok: false, code: s.error.code}); continue; }
    const r = await SitingEngine.solve(m, s.scores, {alternatives: 1});
    out.push(r);
  }
  return out;
}"""


def same_choice(
    js: list[int], py: list[int], value: float, sets: np.ndarray, s: np.ndarray
) -> None:
    """The same sites, or (only when the optimum is tied) another set of the same value."""
    if sorted(js) == sorted(py):
        return
    values = s[sets].sum(axis=1)
    tied = sets[np.abs(values - value) <= TOL]
    assert len(tied) > 1, f"{js} and {py} differ but the optimum {value} is unique"
    assert any(sorted(js) == t.tolist() for t in tied)


def test_portfolio_agrees_with_solve_rules(engine: EnginePage, runs: dict[str, Results]) -> None:
    solved = 0
    for p, (stem, results) in enumerate(runs.items()):
        model = page_model(results)
        rules = portfolio_rules(results, solver="highs")
        sets = feasible_sets(rules)
        spec = results.study.portfolio
        assert spec is not None
        differ = spec.alternatives.differ_by if spec.alternatives else 1
        ws = weightings(len(model["criteria"]), PORTFOLIO_WEIGHTINGS, seed=500 + p)
        got = engine.call(SOLVE_JOBS, [model, ws])
        for w, js in zip(ws, got, strict=True):
            scores = python_scores(results, results.study.method.name, w)
            if scores is None:
                assert not js["ok"]
                continue
            s = scores[: rules.size]
            assert js["ok"], js
            brute = float(s[sets].sum(axis=1).max())
            assert abs(js["objective"] - brute) <= TOL, (stem, w)
            best = solve_rules(rules.with_scores(s))
            assert abs(js["objective"] - best.objective) <= TOL, (stem, w)
            same_choice(js["selected"], best.selected.tolist(), best.objective, sets, s)
            details = {d["rule"]: d for d in best.binding_details}
            assert [b["rule"] for b in js["binding"]] == list(rules.families)
            for b in js["binding"]:
                d = details[b["rule"]]
                assert b["binds"] == d["binds"], (stem, b["rule"], w)
                without = rules.with_scores(s).value(np.array(d["selected_without"], dtype=int))
                assert abs(b["objective_without"] - without) <= TOL
            found = alternatives_for(
                rules.with_scores(s), k=2, min_difference=differ, explain_binding=False
            )
            assert len(js["alternatives"]) == len(found) - 1
            if len(found) > 1:
                assert abs(js["alternatives"][0]["objective"] - found[1].objective) <= TOL
            solved += 1
    assert solved >= 200


def test_the_run_reproduced_at_the_study_weights(
    engine: EnginePage, runs: dict[str, Results]
) -> None:
    for results in runs.values():
        model = page_model(results)
        js = engine.call(
            "async ([m]) => SitingEngine.solve(m, SitingEngine.score(m, m.weights).scores)",
            [model],
        )
        assert results.portfolio is not None
        assert js["status"] == results.portfolio.status == "Optimal"
        assert abs(js["objective"] - results.portfolio.objective) <= TOL
        rules = portfolio_rules(results)
        s = rules.scores
        sets = feasible_sets(rules)
        ids = [str(i) for i in results.ranking.index]
        same_choice(
            js["selected"], [ids.index(c) for c in results.portfolio.ids], js["objective"], sets, s
        )
        binds = {d["rule"]: d["binds"] for d in results.portfolio.binding_details}
        assert {b["rule"]: b["binds"] for b in js["binding"]} == binds
        assert len(js["alternatives"]) == len(results.alternatives)
        for a, b in zip(js["alternatives"], results.alternatives, strict=True):
            assert abs(a["objective"] - b.objective) <= TOL


def every_rule(results: Results) -> Results:
    """Novosibirsk with every rule family, a population term in the objective and alternatives."""
    portfolio = Portfolio.model_validate(
        {
            "sites": 5,
            "exactly": False,
            "min_spacing_km": 250,
            "at_most_per": {"field": "macro_region", "count": 2},
            "at_least_per": {"field": "macro_region", "count": 1},
            "budget": {"field": "population", "limit": 6_000_000},
            "must_include": ["almaty"],
            "must_exclude": ["karaganda"],
            "coverage": {"demand": "settlements", "radius_km": 150, "weight": 0.6},
            "equity": {"field": "macro_region", "within_km": 700, "demand": "settlements"},
            "alternatives": {"count": 2, "differ_by": 2},
        }
    )
    study = results.study.model_copy(update={"portfolio": portfolio})
    return dataclasses.replace(results, study=study)


def test_every_rule_family_agrees(engine: EnginePage, runs: dict[str, Results]) -> None:
    results = every_rule(runs["novosibirsk"])
    model = page_model(results)
    rules = portfolio_rules(results, solver="highs")
    assert rules.families == (
        "must_include",
        "must_exclude",
        "min_spacing_km",
        "at_most_per_group",
        "at_least_per_group",
        "budget",
        "equity_km",
    )
    ws = weightings(len(model["criteria"]), 20, seed=900)
    got = engine.call(SOLVE_JOBS, [model, ws])
    for w, js in zip(ws, got, strict=True):
        scores = python_scores(results, results.study.method.name, w)
        assert scores is not None
        s = scores[: rules.size]
        best = solve_rules(rules.with_scores(s))
        assert js["ok"], js
        assert abs(js["objective"] - best.objective) <= TOL
        assert sorted(js["selected"]) == best.selected.tolist()
        assert js["population_covered"] == pytest.approx(
            rules.covered_population(best.selected), rel=1e-12
        )
        details = {d["rule"]: d for d in best.binding_details}
        for b in js["binding"]:
            assert b["binds"] == details[b["rule"]]["binds"], b["rule"]
        found = alternatives_for(rules.with_scores(s), k=2, min_difference=2, explain_binding=False)
        assert abs(js["alternatives"][0]["objective"] - found[1].objective) <= TOL


# --------------------------------------------------------------------------- the LP text

TERM = re.compile(r"([+-])\s+(?:(\S+)\s+)?([xy]\d+)")
SENSE = {"<=": -1, "=": 0, ">=": 1}


def parse_lp(text: str) -> dict[str, Any]:
    """The LP text the engine writes: objective, rows, bounds and integer columns."""
    section = ""
    out: dict[str, Any] = {"objective": [], "rows": [], "bounds": {}, "generals": set()}
    for line in text.splitlines():
        head = line.strip()
        if head in ("Minimize", "Subject To", "Bounds", "Generals", "End"):
            section = head
            continue
        if section == "Minimize":
            body = head.split(":", 1)[1]
            out["objective"] = [
                (v, float(c) * (-1 if s == "-" else 1)) for s, c, v in TERM.findall(body)
            ]
        elif section == "Subject To":
            name, body = head.split(":", 1)
            lhs, sense, rhs = re.match(r"(.*)\s(<=|>=|=)\s(\S+)$", body).groups()  # type: ignore[union-attr]
            terms = {v: float(c or 1) * (-1 if s == "-" else 1) for s, c, v in TERM.findall(lhs)}
            terms = {v: c for v, c in terms.items() if c != 0}
            out["rows"].append((name, terms, SENSE[sense], float(rhs)))
        elif section == "Bounds":
            lo, _, name, _, hi = head.split()
            out["bounds"][name] = (float(lo), float(hi))
        elif section == "Generals":
            out["generals"] |= set(head.split())
    return out


def pulp_model(rules: PortfolioRules, variant: Variant) -> dict[str, Any]:
    prob = build(rules, variant).prob
    rows = []
    for c in prob.constraints():
        terms = {v.name: float(a) for v, a in c.items() if a != 0}
        rows.append((c.name, terms, int(c.sense), float(-c.constant)))
    return {
        "columns": [v.name for v in prob.variables()],
        "objective": {v.name: float(a) for v, a in prob.objective.items() if a != 0},
        "rows": rows,
        "bounds": {v.name: (float(v.lowBound), float(v.upBound)) for v in prob.variables()},
        "generals": {v.name for v in prob.variables() if v.cat == "Integer"},
    }


def test_the_page_builds_the_program_python_builds(
    engine: EnginePage, runs: dict[str, Results]
) -> None:
    cases = [runs[p.stem] for p in PROFILES] + [every_rule(runs["novosibirsk"])]
    for results in cases:
        model = page_model(results)
        rules = portfolio_rules(results)
        scores = np.asarray(model["scores"][: rules.size], dtype=float)
        scores[::7] = 0.0  # zero scores leave the objective, as in build
        variants: list[tuple[list[str], list[list[int]]]] = [([], [])]
        variants += [([f], []) for f in rules.families]
        variants += [([], [[0, 1], [2, 3]][: rules.count.n]), ([], [[1]])]
        texts = engine.call(
            """([m, scores, variants]) => variants.map(([omit, cuts]) =>
                 SitingEngine.lp(m, scores, {omit: omit, cuts: cuts}))""",
            [model, [*scores.tolist(), *[None] * (len(model["scores"]) - rules.size)], variants],
        )
        for (omit, cuts), text in zip(variants, texts, strict=True):
            differ = results.study.portfolio.alternatives  # type: ignore[union-attr]
            extra = (
                _no_good_cuts(rules, [np.array(c) for c in cuts], differ.differ_by if differ else 1)
                if cuts
                else None
            )
            py = pulp_model(rules.with_scores(scores), Variant(omit=frozenset(omit), extra=extra))
            js = parse_lp(text)
            assert [v for v, _ in js["objective"]] == py["columns"]
            assert {v: -c for v, c in js["objective"] if c != 0} == py["objective"]
            assert js["bounds"] == py["bounds"]
            assert js["generals"] == py["generals"]
            # the same rows in the same order (clique rows are named by position in the page)
            strip = [(n if not n.startswith("cl") else "cl", t, s, r) for n, t, s, r in js["rows"]]
            want = [(n if not n.startswith("cl") else "cl", t, s, r) for n, t, s, r in py["rows"]]
            assert strip == want, (omit, cuts)


# --------------------------------------------------------------------------- the page


def test_assets_are_hashed_and_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    assets = engine_assets()
    assert len(assets.scripts) == 3
    assert assets.csp_sources[-1] == WASM_UNSAFE_EVAL
    assert list(assets.csp_sources[:-1]) == [f"'{offline.script_hash(s)}'" for s in assets.scripts]
    assert all("</script" not in s for s in assets.scripts)
    assert "MIT License" in assets.scripts[1]
    assert 1_500_000 < assets.size < 2_000_000
    monkeypatch.setitem(engine_module._VENDOR_SHA256, "highs.js", "0" * 64)
    engine_assets.cache_clear()
    try:
        with pytest.raises(OutputError, match="not the pinned"):
            engine_assets()
    finally:
        monkeypatch.undo()
        engine_assets.cache_clear()


def test_without_wasm_unsafe_eval_scores_still_and_says_why_it_cannot_solve(
    engine: EnginePage, runs: dict[str, Results], tmp_path: Path
) -> None:
    url = write_page(tmp_path, wasm=False)
    page = engine.page.context.new_page()
    try:
        page.goto(url)
        model = page_model(runs["technopark"])
        out = page.evaluate(
            """async ([m]) => {
              const s = SitingEngine.score(m, m.weights);
              const r = await SitingEngine.solve(m, s.scores);
              return [s.ok, r.ok, r.error && r.error.code];
            }""",
            [model],
        )
    finally:
        page.close()
    assert out == [True, False, "not-ready"]
