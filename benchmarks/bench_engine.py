"""The page's engine: from "weights set" to "portfolio solved" in headless chromium, beside Python.

Usage::

    .venv/bin/python benchmarks/bench_engine.py [--weightings 200] [--loads 5] [--peers DIR]

For every shipped profile (``criteria/*.yaml``, run without the robustness analysis) the script
builds :func:`siting.outputs.engine.page_model` and a page holding only the engine's scripts
(:func:`siting.outputs.engine.engine_assets`) under the map's kind of CSP, opened as a file in
headless chromium (/usr/bin/chromium) with every request but the page itself blocked.  For
``--weightings`` seeded Dirichlet(1) weightings it times, in the page, ``SitingEngine.score``
with the study's main method followed by ``SitingEngine.solve`` with everything ``siting run``
computes (the optimum, a re-solve without each rule family for the binding rules, the study's
alternatives), and reports the median and the 95th percentile.  The same work in Python is
``mcda.score_study`` then ``optimise.alternatives_for(rules, k=alternatives + 1)`` with HiGHS
(highspy, in process), whose first solve explains the binding rules; the ratio is page / Python.

It also reports the WebAssembly start (decompress + compile + instantiate, median of
``--loads`` page loads, and the navigation-to-ready time) and the bytes the engine's scripts add
to a page.

``--peers DIR`` also solves the same programs (the LP text the page hands HiGHS) in Node with
glpk.js and javascript-lp-solver, and counts how many optima each reaches (against enumeration
of every feasible portfolio).  DIR must hold the packages unpacked from npm::

    mkdir -p DIR && cd DIR
    for p in glpk.js@5.0.0 javascript-lp-solver@1.0.3; do
      npm pack "$p" && mkdir -p "${p%@*}" && tar xzf "${p%@*}"-*.tgz -C "${p%@*}"; done

Target (issue 12): p95 below 250 ms for every profile.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from playwright.sync_api import Page, sync_playwright

import siting.pipeline
from siting import features, mcda, optimise
from siting.choice import portfolio_rules
from siting.optimise import alternatives_for
from siting.optimise.rules import PortfolioRules
from siting.outputs import offline
from siting.outputs.engine import (
    HIGHS_NPM,
    MODEL_VERSION,
    WASM_UNSAFE_EVAL,
    engine_assets,
    engine_constants,
    page_model,
    portfolio_model,
)
from siting.results import Results
from siting.spec import Portfolio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the browser launcher shared with the tests
from tests.chromium import launch  # noqa: E402

TIMED = """async ([m, ws]) => {
  const out = [];
  for (const w of ws) {
    const t0 = performance.now();
    const s = SitingEngine.score(m, w);
    const r = await SitingEngine.solve(m, s.scores);
    out.push([performance.now() - t0, r.ok ? r.objective : null, r.solves]);
  }
  return out;
}"""


def run(path: Path) -> Results:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return siting.pipeline.run(path, sensitivity=False)


def page_file(directory: Path) -> str:
    assets = engine_assets()
    policy = offline.csp(list(assets.scripts), extra_script_src=WASM_UNSAFE_EVAL)
    html = (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}"></head>'
        f"<body>{assets.html}</body></html>"
    )
    path = directory / "engine.html"
    path.write_text(html, encoding="utf-8")
    return path.as_uri()


def open_page(browser: Any, url: str) -> tuple[Page, list[str]]:
    page = browser.new_page()
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url == url:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url)
    return page, blocked


def python_solve(results: Results, rules: PortfolioRules, w: np.ndarray) -> tuple[float, float]:
    """Seconds and objective of what the page does, in Python: score, solve, explain, alternatives."""
    start = time.perf_counter()
    weights = pd.Series(w / w.sum(), index=results.values.columns)
    kept = results.ranking.index[results.ranking["excluded_reason"] == ""]
    name = results.study.method.name
    scores = mcda.score_study(
        results.values, weights, results.study.method, methods=[name], kept=kept
    )
    s = scores[name].reindex(kept).to_numpy(dtype=float)
    spec = results.study.portfolio
    k = 1 + (spec.alternatives.count if spec and spec.alternatives else 0)
    differ = spec.alternatives.differ_by if spec and spec.alternatives else 1
    found = alternatives_for(rules.with_scores(s), k=k, min_difference=differ)
    return time.perf_counter() - start, found[0].objective


def feasible(rules: PortfolioRules, selected: list[int]) -> bool:
    """Whether a portfolio keeps every rule (checked on the arrays, not by a solver)."""
    sel = np.asarray(sorted(selected), dtype=np.intp)
    if sel.size > rules.count.n or (rules.count.exact and sel.size != rules.count.n):
        return False
    sp = rules.spacing
    if sp is not None and np.any(np.triu(sp.distances_km[np.ix_(sel, sel)] < sp.min_km, k=1)):
        return False
    g = rules.groups
    if g is not None:
        counts = g.counts(sel)
        if g.at_most is not None and counts.max(initial=0) > g.at_most:
            return False
        if g.at_least is not None and counts.min() < g.at_least:
            return False
    if rules.budget is not None and rules.budget.costs[sel].sum() > rules.budget.limit:
        return False
    if not set(rules.lock.include.tolist()) <= set(sel.tolist()):
        return False
    if set(rules.lock.exclude.tolist()) & set(sel.tolist()):
        return False
    eq = rules.equity
    return eq is None or bool(
        sel.size and np.all(eq.centre_distances_km[:, sel].min(axis=1) <= eq.within_km)
    )


def synthetic(size: int = 300, sites: int = 10) -> tuple[str, dict[str, Any], PortfolioRules]:
    """A larger program: random sites over Kazakhstan's extent, 150 km apart, 3 per group of 6."""
    rng = np.random.default_rng(5)
    xy = np.column_stack([rng.uniform(50, 85, size), rng.uniform(41, 54, size)])
    rules = optimise.prepare(
        np.zeros(size),
        n=sites,
        distances_km=features.haversine_km(xy, xy),
        min_spacing_km=150,
        groups=rng.integers(0, 6, size).astype(str),
        at_most_per_group=3,
        solver="highs",
    )
    ids = [f"site{j}" for j in range(size)]
    model = {
        "version": MODEL_VERSION,
        "candidates": {"id": ids, "name": ids, "kept": [True] * size},
        "portfolio": portfolio_model(rules),
    }
    name = f"synthetic: {size} candidates, {sites} sites, 150 km apart, 3 per group"
    return name, model, rules


def harder(results: Results) -> dict[str, Results]:
    """Two programs harder than the shipped ones, on the default study's candidates."""
    cases = {
        "every rule family, at most 5 sites, population term": {
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
        },
        "8 sites, 200 km apart, 3 per macro-region, population term": {
            "sites": 8,
            "min_spacing_km": 200,
            "at_most_per": {"field": "macro_region", "count": 3},
            "coverage": {"demand": "settlements", "radius_km": 150, "weight": 1.0},
        },
        "12 sites, 150 km apart, 4 per macro-region, population term": {
            "sites": 12,
            "min_spacing_km": 150,
            "at_most_per": {"field": "macro_region", "count": 4},
            "coverage": {"demand": "settlements", "radius_km": 100, "weight": 3.0},
        },
    }
    out = {}
    for name, portfolio in cases.items():
        study = results.study.model_copy(update={"portfolio": Portfolio.model_validate(portfolio)})
        out[name] = dataclasses.replace(results, study=study)
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weightings", type=int, default=200)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--peers", type=Path, default=None)
    args = parser.parse_args()

    assets = engine_assets()
    wasm = resources.files("siting.outputs").joinpath("vendor", "highs", "highs.wasm").read_bytes()
    print(f"{platform.platform()}, Python {platform.python_version()}, {HIGHS_NPM}")
    print(
        f"engine scripts: {assets.size:,} bytes in the page "
        f"(wasm {len(wasm):,} → gzip {len(gzip.compress(wasm, 9, mtime=0)):,} → base64 "
        f"{len(assets.scripts[0]):,}; loader {len(assets.scripts[1]):,}; engine.js "
        f"{len(assets.scripts[2]):,})"
    )

    profiles = sorted((ROOT / "criteria").glob("*.yaml"))
    runs = {p.stem: run(p) for p in profiles}
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        url = page_file(Path(tmp))
        browser = launch(pw)
        starts, readies = [], []
        for _ in range(args.loads):
            page, blocked = open_page(browser, url)
            info = page.evaluate("SitingEngine.ready")
            readies.append(page.evaluate("SitingEngine.ready.then(() => performance.now())"))
            starts.append(info["initMs"])
            assert not blocked, blocked
            page.close()
        print(
            f"HiGHS start in the page (inflate, compile, instantiate): median "
            f"{statistics.median(starts):.0f} ms; navigation to ready {statistics.median(readies):.0f} ms "
            f"({args.loads} loads)"
        )
        page, blocked = open_page(browser, url)
        page.evaluate("SitingEngine.ready")
        for seed, (stem, results) in enumerate(runs.items()):
            model = page_model(results)
            rules = portfolio_rules(results, solver="highs")
            rng = np.random.default_rng(2025 + seed)
            ws = rng.dirichlet(np.ones(len(model["criteria"])), args.weightings)
            page.evaluate(TIMED, [model, ws[:10].tolist()])  # warm-up: the JIT, not the solver
            timed = page.evaluate(TIMED, [model, ws.tolist()])
            page_ms = [t[0] for t in timed]
            py = [python_solve(results, rules, w) for w in ws]
            py_ms = [1000 * t for t, _ in py]
            worst = max(abs(t[1] - o) for t, (_, o) in zip(timed, py, strict=True))
            rows.append(
                (
                    stem,
                    rules.size,
                    ", ".join(rules.families) or "–",
                    timed[0][2],
                    statistics.median(page_ms),
                    pct(page_ms, 95),
                    max(page_ms),
                    statistics.median(py_ms),
                    worst,
                )
            )
        assert not blocked, blocked
        browser.close()

    print(f"\n{args.weightings} weightings per profile; page: score + solve (binding rules and")
    print("alternatives included); Python: score_study + alternatives_for, HiGHS in process\n")
    print(
        "| profile | kept | rule families | solves | page median ms | page p95 ms | page max ms "
        "| Python median ms | page / Python | max objective difference |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for stem, size, families, solves, med, p95, top, py_med, worst in rows:
        print(
            f"| {stem} | {size} | {families} | {solves} | {med:.1f} | {p95:.1f} | {top:.1f} "
            f"| {py_med:.1f} | {med / py_med:.2f} | {worst:.1e} |"
        )
    if args.peers is not None:
        peers(args.peers, runs)


# Node script for --peers: the page's LP text (SitingEngine.lp, engine.js run in Node's vm with
# no HiGHS), solved by HiGHS (the vendored build), glpk.js (GLPK) and javascript-lp-solver.
PEERS_JS = r"""
// Solve the same portfolio programs with HiGHS (the engine's), glpk.js and javascript-lp-solver.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import vm from "node:vm";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [jobsFile, outFile, engineJs, highsJs, highsWasm, peersDir] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const jobs = JSON.parse(readFileSync(jobsFile, "utf8"));

// The engine's LP text (SitingEngine.lp), read in Node's vm with no HiGHS.
const ctx = { SitingEngineAssets: { constants: jobs.constants }, performance, console };
ctx.globalThis = ctx;
vm.createContext(ctx);
vm.runInContext(readFileSync(engineJs, "utf8"), ctx);
const engine = ctx.SitingEngine;

function parseLp(text) {
  const out = { objective: {}, rows: [], bounds: {}, integers: [] };
  let section = "";
  const term = /([+-])\s+(?:(\S+)\s+)?([xy]\d+)/g;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (["Minimize", "Subject To", "Bounds", "Generals", "End"].includes(line)) { section = line; continue; }
    if (!line) continue;
    if (section === "Minimize") {
      for (const m of line.split(":")[1].matchAll(term)) out.objective[m[3]] = (m[1] === "-" ? -1 : 1) * Number(m[2]);
    } else if (section === "Subject To") {
      const [name, body] = [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)];
      const m = body.match(/(.*)\s(<=|>=|=)\s(\S+)$/);
      const terms = {};
      for (const t of m[1].matchAll(term)) terms[t[3]] = (t[1] === "-" ? -1 : 1) * (t[2] === undefined ? 1 : Number(t[2]));
      out.rows.push({ name, terms, sense: m[2], rhs: Number(m[3]) });
    } else if (section === "Bounds") {
      const [lo, , name, , hi] = line.split(/\s+/);
      out.bounds[name] = [Number(lo), Number(hi)];
    } else if (section === "Generals") {
      out.integers.push(...line.split(/\s+/));
    }
  }
  return out;
}

function glpkModel(g, lp) {
  const kind = { "<=": g.GLP_UP, ">=": g.GLP_LO, "=": g.GLP_FX };
  return {
    name: "portfolio",
    objective: { direction: g.GLP_MIN, name: "obj", vars: Object.entries(lp.objective).map(([name, coef]) => ({ name, coef })) },
    subjectTo: lp.rows.map((r) => ({
      name: r.name,
      vars: Object.entries(r.terms).map(([name, coef]) => ({ name, coef })),
      bnds: { type: kind[r.sense], lb: r.rhs, ub: r.rhs },
    })),
    bounds: Object.entries(lp.bounds).map(([name, [lo, hi]]) => ({ name, type: lo === hi ? g.GLP_FX : g.GLP_DB, lb: lo, ub: hi })),
    generals: lp.integers,
  };
}

function jslpModel(lp) {
  const variables = {}, constraints = {}, ints = {};
  for (const name of Object.keys(lp.bounds)) variables[name] = { obj: lp.objective[name] || 0 };
  for (const r of lp.rows) {
    constraints[r.name] = r.sense === "<=" ? { max: r.rhs } : r.sense === ">=" ? { min: r.rhs } : { equal: r.rhs };
    for (const [v, c] of Object.entries(r.terms)) variables[v][r.name] = c;
  }
  for (const [name, [lo, hi]] of Object.entries(lp.bounds)) {
    constraints["ub_" + name] = lo === hi ? { equal: lo } : { min: lo, max: hi };
    variables[name]["ub_" + name] = 1;
  }
  for (const v of lp.integers) ints[v] = 1;
  return { optimize: "obj", opType: "min", constraints, variables, ints, options: { tolerance: 0, timeout: 20000 } };
}

function selectionOf(values, size) {
  const sel = [];
  for (let j = 0; j < size; j++) if ((values["x" + j] || 0) > 0.5) sel.push(j);
  return sel;
}

const highsFactory = require(path.resolve(highsJs));
const wasm = readFileSync(highsWasm);
const highs = await highsFactory({ instantiateWasm(imports, receive) { WebAssembly.instantiate(wasm, imports).then((r) => receive(r.instance)); return {}; } });
const GLPK = (await import(pathToFileURL(path.join(peersDir, "glpk.js", "package", "dist", "glpk.js")).href)).default;
const glpk = await GLPK();
const jslp = require(path.join(peersDir, "javascript-lp-solver", "package", "dist", "index.cjs"));

const solvers = {
  highs: (lp, text) => {
    const r = highs.solve(text, { ...engine.highsOptions });
    const v = {};
    for (const [k, c] of Object.entries(r.Columns)) v[k] = c.Primal;
    return { ok: r.Status === "Optimal", values: v };
  },
  glpk: (lp) => {
    const r = glpk.solve(glpkModel(glpk, lp), { msglev: glpk.GLP_MSG_OFF, presol: true, mipgap: 0 });
    return { ok: r.result.status === glpk.GLP_OPT, values: r.result.vars };
  },
  "javascript-lp-solver": (lp) => {
    const r = jslp.Solve(jslpModel(lp));
    return { ok: !!r.feasible, values: r };
  },
};

const out = {};
for (const [name, solve] of Object.entries(solvers)) {
  out[name] = [];
  for (const prof of jobs.profiles) {
    for (const s of prof.scores) {
      const text = engine.lp(prof.model, s.concat(new Array(prof.model.candidates.id.length - s.length).fill(null)));
      const lp = parseLp(text);
      const t0 = performance.now();
      let r;
      try { r = solve(lp, text); } catch (e) { r = { ok: false, error: String(e) }; }
      const ms = performance.now() - t0;
      const sel = r.ok ? selectionOf(r.values, prof.model.portfolio.size) : [];
      out[name].push({ profile: prof.name, ok: r.ok, ms, selected: sel });
    }
  }
}
writeFileSync(outFile, JSON.stringify(out));
"""


def peers(directory: Path, runs: dict[str, Results], *, per_case: int = 40) -> None:
    """Solve the same programs with HiGHS, glpk.js and javascript-lp-solver in Node.

    Each solver's answer is checked on the arrays (every rule kept) and valued as the run values
    a portfolio (:meth:`PortfolioRules.value`); the reference is the best of the three, which
    HiGHS proves optimal (MIP gap 0).
    """
    cases = {**runs, **harder(runs["novosibirsk"])}
    jobs: dict[str, Any] = {"profiles": [], "constants": engine_constants()}
    checks: list[tuple[str, PortfolioRules]] = []
    for seed, (name, results) in enumerate(cases.items()):
        model = page_model(results)
        rules = portfolio_rules(results, solver="highs")
        kept = results.ranking.index[results.ranking["excluded_reason"] == ""]
        rng = np.random.default_rng(77 + seed)
        scores = []
        for w in rng.dirichlet(np.ones(len(model["criteria"])), per_case):
            table = mcda.score_study(
                results.values,
                pd.Series(w, index=results.values.columns),
                results.study.method,
                methods=[results.study.method.name],
                kept=kept,
            )
            s = table[results.study.method.name].reindex(kept).to_numpy(dtype=float)
            scores.append(s.tolist())
            checks.append((name, rules.with_scores(s)))
        jobs["profiles"].append({"name": name, "model": model, "scores": scores})
    name, model, rules = synthetic()
    rng = np.random.default_rng(99)
    scores = [rng.uniform(0, 1, rules.size).tolist() for _ in range(per_case)]
    checks += [(name, rules.with_scores(s)) for s in scores]
    jobs["profiles"].append({"name": name, "model": model, "scores": scores})
    cases[name] = runs["novosibirsk"]  # only its name is used below
    # Near-ties: the default study's program with scores within 1e-6 of each other, where a
    # solver that stops at a tolerance instead of proving the optimum shows it.
    near = "novosibirsk, scores within 1e-6 of each other"
    model = page_model(runs["novosibirsk"])
    rules = portfolio_rules(runs["novosibirsk"], solver="highs")
    scores = [(0.5 + 1e-6 * rng.uniform(0, 1, rules.size)).tolist() for _ in range(per_case)]
    checks += [(near, rules.with_scores(s)) for s in scores]
    jobs["profiles"].append({"name": near, "model": model, "scores": scores})
    cases[near] = runs["novosibirsk"]
    vendor = resources.files("siting.outputs").joinpath("vendor", "highs")
    engine_js = resources.files("siting.outputs").joinpath("templates", "engine.js")
    with tempfile.TemporaryDirectory() as tmp:
        script, src, out = Path(tmp) / "peers.mjs", Path(tmp) / "jobs.json", Path(tmp) / "out.json"
        script.write_text(PEERS_JS, encoding="utf-8")
        src.write_text(json.dumps(jobs), encoding="utf-8")
        command = [
            "node",
            str(script),
            str(src),
            str(out),
            str(engine_js),
            str(vendor.joinpath("highs.js")),
            str(vendor.joinpath("highs.wasm")),
            str(directory.resolve()),
        ]
        subprocess.run(command, check=True)
        solved = json.loads(out.read_text(encoding="utf-8"))
    values: dict[str, list[float]] = {}
    for solver, answers in solved.items():
        values[solver] = [
            rules.value(np.array(r["selected"], dtype=np.intp))
            if r["ok"] and feasible(rules, r["selected"])
            else -np.inf
            for (_, rules), r in zip(checks, answers, strict=True)
        ]
    best = np.max(np.array(list(values.values())), axis=0)
    licence = {"highs": "MIT", "glpk": "GPL-3.0", "javascript-lp-solver": "Unlicense"}
    print("\nthe same programs in Node (the LP text of SitingEngine.lp); reference: the best")
    print(f"feasible answer of the three ({per_case} weightings per program)\n")
    print(
        "| solver | licence | program | optimum | not optimal or failed | largest shortfall | median ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for solver, answers in solved.items():
        for case in cases:
            idx = [i for i, (name, _) in enumerate(checks) if name == case]
            got = np.array([values[solver][i] for i in idx])
            short = best[idx] - got
            good = int(np.sum(short <= 1e-9))
            ms = statistics.median(answers[i]["ms"] for i in idx)
            print(
                f"| {solver} | {licence[solver]} | {case} | {good}/{len(idx)} | {len(idx) - good} "
                f"| {float(short.max()):.3g} | {ms:.1f} |"
            )


if __name__ == "__main__":
    main()
