/* siting engine: the study's own scoring method and its portfolio integer program, in the page.
 *
 * window.SitingEngine mirrors, on the model of siting.outputs.engine.page_model:
 *   score  siting.mcda.score_study: every method of siting.mcda.REGISTRY with the study's
 *          options, the constant-column rule and the weighted product's floor;
 *   rank   siting.mcda.rank: competition ranks, scores within SCORE_TIE tied;
 *   solve  siting.optimise.solve_rules: the program of siting.optimise.model.build, solved
 *          exactly by HiGHS compiled to WebAssembly (MIP gap 0), the binding rules of
 *          siting.optimise.explain and the alternatives of
 *          siting.optimise.frontier.alternatives_for.
 * tests/test_engine.py checks every number against the Python it mirrors; docs/engine.md
 * describes the API.  Nothing here fetches, evaluates text as code or touches the page.
 */
(function () {
  "use strict";

  const assets = globalThis.SitingEngineAssets || {};
  // The binary (1.6 MB of text) is needed once; do not keep it reachable from the page.
  delete globalThis.SitingEngineAssets;
  const CONST = assets.constants || {};
  const MODEL_VERSION = CONST.modelVersion;
  // What the page asks of HiGHS: silence and a proved optimum, with no relative or absolute
  // gap and HiGHS's tightest feasibility tolerances.  With the defaults (1e-7 on reduced costs,
  // 1e-6 on integrality) HiGHS returned a portfolio up to 3.4e-7 short of the optimum on 35 of
  // 40 programs whose scores lay within 1e-6 of each other (benchmarks/bench_engine.py
  // --peers); with these, on none.
  const HIGHS_OPTIONS = Object.freeze({
    output_flag: false,
    mip_rel_gap: 0,
    mip_abs_gap: 0,
    primal_feasibility_tolerance: 1e-10,
    dual_feasibility_tolerance: 1e-10,
    mip_feasibility_tolerance: 1e-10
  });

  // ------------------------------------------------------------------ results and errors
  // Errors are values, not exceptions: the page shows error.message (English) or its own text
  // for error.code, and keeps the last good result on the map.
  function fail(code, message, details) {
    return { ok: false, error: Object.assign({ code: code, message: message }, details || {}) };
  }

  function checkModel(model) {
    if (!model || typeof model !== "object" || !Array.isArray(model.criteria)) {
      return fail("model", "no engine model given; pass siting.outputs.engine.page_model's dict");
    }
    if (MODEL_VERSION !== undefined && model.version !== MODEL_VERSION) {
      return fail("model", "the engine model has version " + model.version + "; this engine reads " +
        MODEL_VERSION + "; write the page again with one version of siting");
    }
    return null;
  }

  function isNumber(x) {
    return typeof x === "number" && Number.isFinite(x);
  }

  // ------------------------------------------------------------------ weights
  // Any non-negative weights; divided by their sum as the study's global weights are.
  function globalWeights(model, weights) {
    const K = model.criteria.length;
    if (weights === null || weights === undefined || typeof weights.length !== "number") {
      return fail("weights-length", "give one weight per criterion (" + K + ")", { expected: K });
    }
    if (weights.length !== K) {
      return fail("weights-length", weights.length + " weights given for " + K +
        " criteria; give one per criterion", { expected: K, got: weights.length });
    }
    const bad = [], negative = [];
    for (let k = 0; k < K; k++) {
      const x = weights[k];
      if (!isNumber(x)) bad.push(model.criteria[k]);
      else if (x < 0) negative.push(model.criteria[k]);
    }
    if (bad.length) {
      return fail("weights-not-finite", "weights must be finite numbers; not so for " +
        bad.join(", "), { criteria: bad });
    }
    if (negative.length) {
      return fail("weights-negative", "weights must be 0 or more; negative for " +
        negative.join(", "), { criteria: negative });
    }
    let total = 0;
    for (let k = 0; k < K; k++) total += weights[k];
    if (!(total > 0)) {
      return fail("weights-all-zero", "every weight is 0, so nothing can be scored; give at " +
        "least one criterion some weight");
    }
    if (!Number.isFinite(total)) {
      return fail("weights-not-finite", "the weights are too large to add up; scale them down",
        { criteria: [] });
    }
    const w = new Array(K);
    for (let k = 0; k < K; k++) w[k] = weights[k] / total;
    return { ok: true, w: w };
  }

  // ------------------------------------------------------------------ normalisation
  // siting.mcda.normalise on value columns (every criterion a benefit: values are oriented).
  // Returns the normalised rows, or an error naming the criterion.
  function column(x, k) {
    const out = new Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i][k];
    return out;
  }

  function extent(col) {
    let lo = Infinity, hi = -Infinity;
    for (const v of col) { if (v < lo) lo = v; if (v > hi) hi = v; }
    return [lo, hi];
  }

  function normalise(x, names, kind) {
    const n = x.length, m = names.length;
    if (kind === "none") return { ok: true, z: x };
    const a = new Array(m), b = new Array(m), sums = new Array(m);
    for (let k = 0; k < m; k++) {
      const col = column(x, k);
      const lh = extent(col);
      if (kind === "minmax") {
        if (lh[0] === lh[1]) return constantColumn(names[k], lh[0], "min-max");
        a[k] = lh[0]; b[k] = lh[1] - lh[0];
      } else if (kind === "vector") {
        let ss = 0;
        for (const v of col) ss += v * v;
        const norm = Math.sqrt(ss);
        if (norm === 0) return zeroColumn(names[k], "vector");
        a[k] = 0; b[k] = norm;
      } else if (kind === "max") {
        if (lh[0] < 0) return notPositive(names[k], "max normalisation", ">= 0", lh[0]);
        if (lh[1] === 0) return zeroColumn(names[k], "max");
        a[k] = 0; b[k] = lh[1];
      } else if (kind === "zscore") {
        let s = 0;
        for (const v of col) s += v;
        const mean = s / n;
        let ss = 0;
        for (const v of col) ss += (v - mean) * (v - mean);
        const sd = Math.sqrt(ss / n);
        if (sd === 0) return constantColumn(names[k], mean, "z-score");
        a[k] = mean; b[k] = sd;
      } else if (kind === "sum") {
        if (lh[0] <= 0) return notPositive(names[k], "sum normalisation", "> 0", lh[0]);
        let s = 0;
        for (const v of col) s += v;
        sums[k] = s;
      } else {
        return fail("method-input", "unknown normalisation " + JSON.stringify(kind) +
          "; siting knows minmax, vector, sum, max, zscore and none");
      }
    }
    const z = new Array(n);
    for (let i = 0; i < n; i++) {
      const row = new Array(m);
      for (let k = 0; k < m; k++) {
        // (x - a) / b + 0: the + 0 turns a -0 into 0, as mcda._apply does.
        row[k] = kind === "sum" ? x[i][k] / sums[k] : (x[i][k] - a[k]) / b[k] + 0;
      }
      z[i] = row;
    }
    return { ok: true, z: z };
  }

  function constantColumn(name, value, method) {
    return fail("method-input", "criterion " + name + ": every alternative has the same value (" +
      value + "), so " + method + " normalisation divides by zero", { criterion: name });
  }

  function zeroColumn(name, method) {
    return fail("method-input", "criterion " + name + ": every value is 0, so " + method +
      " normalisation divides by zero", { criterion: name });
  }

  function notPositive(name, method, need, lo) {
    return fail("method-input", "criterion " + name + ": " + method + " needs values " + need +
      ", found " + lo, { criterion: name });
  }

  // ------------------------------------------------------------------ the methods
  // Each takes the rows scored (x: alternatives × used criteria), the weights of the used
  // criteria (summing to 1), their names and the method's options; it returns {ok, s}.

  function dot(row, w) {
    let s = 0;
    for (let k = 0; k < w.length; k++) s += row[k] * w[k];
    return s;
  }

  function weightedSum(x, w, names, options) {
    const r = normalise(x, names, options.normalisation || "minmax");
    if (!r.ok) return r;
    return { ok: true, s: r.z.map(function (row) { return dot(row, w); }) };
  }

  function weightedProduct(x, w, names) {
    const m = w.length;
    const best = new Array(m);
    for (let k = 0; k < m; k++) {
      const lh = extent(column(x, k));
      if (lh[0] <= 0) return notPositive(names[k], "the weighted product", "> 0", lh[0]);
      best[k] = lh[1];
    }
    // exp(Σ w ln(x / best)), as mcda.weighted_product computes Π (x / best)^w
    return { ok: true, s: x.map(function (row) {
      let t = 0;
      for (let k = 0; k < m; k++) t += Math.log(row[k] / best[k]) * w[k];
      return Math.exp(t);
    }) };
  }

  function topsis(x, w, names, options) {
    const r = normalise(x, names, options.normalisation || "vector");
    if (!r.ok) return r;
    const m = w.length;
    const v = r.z.map(function (row) { return row.map(function (z, k) { return z * w[k]; }); });
    const ideal = new Array(m), anti = new Array(m);
    for (let k = 0; k < m; k++) {
      const lh = extent(column(v, k));
      anti[k] = lh[0]; ideal[k] = lh[1];
    }
    const s = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      let dp = 0, dm = 0;
      for (let k = 0; k < m; k++) {
        dp += (v[i][k] - ideal[k]) * (v[i][k] - ideal[k]);
        dm += (v[i][k] - anti[k]) * (v[i][k] - anti[k]);
      }
      const plus = Math.sqrt(dp), minus = Math.sqrt(dm);
      const total = plus + minus;
      if (!(total > 0)) {
        return fail("method-input", "every alternative has the same weighted values, so " +
          "TOPSIS's ideal and anti-ideal points coincide");
      }
      s[i] = minus / total;
    }
    return { ok: true, s: s };
  }

  function ratio(num, den) {
    // mcda._ratio: num / den, or zeros when every value tied (den == 0)
    return den > 0 ? num.map(function (a) { return a / den; }) : num.map(function () { return 0; });
  }

  function vikor(x, w, names, options) {
    const v = options.v === undefined || options.v === null ? 0.5 : options.v;
    const n = x.length, m = w.length;
    if (!(v >= 0 && v <= 1)) return fail("method-input", "VIKOR's v = " + v + " must lie between 0 and 1");
    if (n < 2) return fail("method-input", "VIKOR needs at least two alternatives, got " + n);
    const best = new Array(m), worst = new Array(m);
    for (let k = 0; k < m; k++) {
      const lh = extent(column(x, k));
      if (lh[0] === lh[1]) return constantColumn(names[k], lh[1], "VIKOR's");
      best[k] = lh[1]; worst[k] = lh[0];
    }
    const S = new Array(n), R = new Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0, r = -Infinity;
      for (let k = 0; k < m; k++) {
        const g = w[k] * ((best[k] - x[i][k]) / (best[k] - worst[k]));
        s += g;
        if (g > r) r = g;
      }
      S[i] = s; R[i] = r;
    }
    const es = extent(S), er = extent(R);
    const qs = ratio(S.map(function (a) { return a - es[0]; }), es[1] - es[0]);
    const qr = ratio(R.map(function (a) { return a - er[0]; }), er[1] - er[0]);
    return { ok: true, s: qs.map(function (a, i) { return 1.0 - (v * a + (1 - v) * qr[i]); }) };
  }

  const NEEDS = {
    usual: [], ushape: ["q"], vshape: ["p"], level: ["q", "p"], linear: ["q", "p"], gaussian: ["s"]
  };

  function preferenceOf(name, given, q, p, s, problems) {
    if (given === null || given === undefined) {
      problems.push("criterion " + name + ": no preference function given");
      return null;
    }
    const kind = String(given).toLowerCase().replace(/[-_ ]/g, "");
    if (!Object.prototype.hasOwnProperty.call(NEEDS, kind)) {
      problems.push("criterion " + name + ": unknown preference function " + JSON.stringify(given));
      return null;
    }
    const raw = { q: q, p: p, s: s }, val = {};
    NEEDS[kind].forEach(function (key) {
      const x = raw[key];
      if (!isNumber(x)) problems.push("criterion " + name + ": the " + kind +
        " preference function needs a number " + key);
      val[key] = x;
    });
    const qv = "q" in val ? val.q : 0, pv = "p" in val ? val.p : 1, sv = "s" in val ? val.s : 1;
    if ("q" in val && qv < 0) problems.push("criterion " + name + ": q = " + qv + " must be >= 0");
    if (kind === "vshape" && pv <= 0) problems.push("criterion " + name + ": p = " + pv + " must be > 0");
    if ((kind === "level" || kind === "linear") && !(pv > qv)) {
      problems.push("criterion " + name + ": p = " + pv + " must be greater than q = " + qv);
    }
    if (kind === "gaussian" && sv <= 0) problems.push("criterion " + name + ": s = " + sv + " must be > 0");
    return { kind: kind, q: qv, p: pv, s: sv };
  }

  function clip01(x) { return Math.min(Math.max(x, 0), 1); }

  function preference(f, d) {
    switch (f.kind) {
      case "usual": return d > 0 ? 1 : 0;
      case "ushape": return d > f.q ? 1 : 0;
      case "vshape": return clip01(d / f.p);
      case "level": return d > f.p ? 1 : d > f.q ? 0.5 : 0;
      case "linear": return clip01((d - f.q) / (f.p - f.q));
      default: return d > 0 ? -Math.expm1(-(d * d) / (2.0 * f.s * f.s)) : 0;  // gaussian
    }
  }

  function perCriterion(value, m) {
    return Array.isArray(value) ? value : new Array(m).fill(value === undefined ? null : value);
  }

  function prometheeII(x, w, names, options) {
    const n = x.length, m = w.length;
    const kinds = perCriterion(options.preference, m), qs = perCriterion(options.q, m);
    const ps = perCriterion(options.p, m), ss = perCriterion(options.s, m);
    const problems = [];
    if (n < 2) problems.push("PROMETHEE needs at least two alternatives, got " + n);
    const f = names.map(function (name, k) {
      return preferenceOf(name, kinds[k], qs[k], ps[k], ss[k], problems);
    });
    if (problems.length) return fail("method-input", problems.join("; "), { problems: problems });
    // Σ_b P_k(a, b) and Σ_a P_k(a, b) per criterion, then the flows / (n - 1)
    const rowSum = [], colSum = [];
    for (let i = 0; i < n; i++) { rowSum.push(new Array(m).fill(0)); colSum.push(new Array(m).fill(0)); }
    for (let k = 0; k < m; k++) {
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) {
          const pr = preference(f[k], x[a][k] - x[b][k]);
          rowSum[a][k] += pr;
          colSum[b][k] += pr;
        }
      }
    }
    return { ok: true, s: rowSum.map(function (row, i) {
      return dot(row, w) / (n - 1) - dot(colSum[i], w) / (n - 1);
    }) };
  }

  function owa(x, w, names, options) {
    const m = w.length;
    const v = options.order_weights;
    if (!Array.isArray(v) || v.length !== m) {
      return fail("method-input", (Array.isArray(v) ? v.length : 0) + " order weights given for " +
        m + " criteria; give one per rank");
    }
    if (!v.every(function (a) { return isNumber(a) && a >= 0; })) {
      return fail("method-input", "order weights must be finite numbers >= 0");
    }
    let vs = 0;
    for (const a of v) vs += a;
    if (Math.abs(vs - 1) > CONST.weightSum) {
      return fail("method-input", "the order weights sum to " + vs + ", not 1; rescale them");
    }
    const r = normalise(x, names, options.normalisation || "minmax");
    if (!r.ok) return r;
    const s = new Array(r.z.length);
    const order = new Array(m);
    for (let i = 0; i < r.z.length; i++) {
      const z = r.z[i];
      for (let k = 0; k < m; k++) order[k] = k;
      // best value first; ties keep column order (numpy's stable argsort of -z)
      order.sort(function (a, b) { return z[b] - z[a] || a - b; });
      let den = 0, num = 0;
      for (let k = 0; k < m; k++) {
        const uv = w[order[k]] * v[k];
        den += uv;
        num += uv * z[order[k]];
      }
      if (!(den > 0)) {
        return fail("method-input", "an alternative has only zero-weight criteria in the " +
          "positions that carry order weight, so OWA is 0 / 0; give those criteria a weight " +
          "or spread the order weights");
      }
      s[i] = num / den;
    }
    return { ok: true, s: s };
  }

  const METHODS = {
    weighted_sum: weightedSum,
    weighted_product: weightedProduct,
    topsis: topsis,
    vikor: vikor,
    promethee_ii: prometheeII,
    owa: owa
  };

  /**
   * Score every candidate with a method of the study (default its main method).
   * @param {object} model page_model(results)
   * @param {number[]} weights one non-negative number per criterion (any scale)
   * @param {string} [method] a key of model.methods
   * @returns {{ok: true, method: string, scores: (number|null)[], ranks: (number|null)[],
   *           weights: number[]} | {ok: false, error: {code: string, message: string}}}
   *   scores: one per candidate (model.candidates order), null where the method does not
   *   score it (excluded candidates under every method but the pointwise ones); ranks: the
   *   kept candidates' competition ranks (null for the excluded); weights: the global
   *   weights (summing to 1).
   */
  function score(model, weights, method) {
    const bad = checkModel(model);
    if (bad) return bad;
    const name = method === undefined || method === null ? model.method : method;
    const info = model.methods[name];
    if (!info || !METHODS[name]) {
      return fail("unknown-method", "the study cannot score with " + JSON.stringify(name) +
        "; it can with " + Object.keys(model.methods).join(", "), { method: name });
    }
    const g = globalWeights(model, weights);
    if (!g.ok) return g;
    const used = info.criteria;
    let total = 0;
    for (const j of used) total += g.w[j];
    if (!(total > 0)) {
      return fail("no-weight-on-varied", "under " + info.label + " no criterion that carries " +
        "weight tells the kept candidates apart (each has the same value for all of them), so " +
        "it cannot rank them; give weight to a criterion that varies", { method: name });
    }
    const w = used.map(function (j) { return g.w[j] / total; });
    const names = used.map(function (j) { return model.criteria[j]; });
    const rows = [];
    const kept = model.candidates.kept;
    for (let i = 0; i < kept.length; i++) if (info.pointwise || kept[i]) rows.push(i);
    const floor = model.product_floor;
    const x = [];
    for (const i of rows) {
      const row = new Array(used.length);
      for (let k = 0; k < used.length; k++) {
        const value = model.values[i][used[k]];
        if (!isNumber(value)) {
          return fail("values-missing", "candidate " + model.candidates.id[i] + " has no value " +
            "for " + names[k], { candidate: model.candidates.id[i], criterion: names[k] });
        }
        row[k] = info.needs_positive ? floor + (1 - floor) * value : value;
      }
      x.push(row);
    }
    const r = METHODS[name](x, w, names, info.options || {});
    if (!r.ok) {
      r.error.method = name;
      return r;
    }
    const scores = new Array(kept.length).fill(null);
    rows.forEach(function (i, q) { scores[i] = r.s[q]; });
    // Ranks among the kept candidates only, as ranking.csv has them.
    const ranks = rank(scores.map(function (v, i) { return kept[i] ? v : null; }), model.score_tie);
    return { ok: true, method: name, scores: scores, ranks: ranks, weights: g.w };
  }

  /**
   * Competition ranks ("1224") with siting's one tie rule: walking down the scores from the
   * best, a score within `tie` of the one before it shares its rank.  Entries that are not
   * finite numbers (null) get null.
   * @param {(number|null)[]} scores
   * @param {number} [tie] default SCORE_TIE
   * @returns {(number|null)[]}
   */
  function rank(scores, tie) {
    const t = tie === undefined ? CONST.scoreTie : tie;
    if (!isNumber(t)) throw new TypeError("SitingEngine.rank needs the tie tolerance");
    const idx = [];
    for (let i = 0; i < scores.length; i++) if (isNumber(scores[i])) idx.push(i);
    idx.sort(function (a, b) { return scores[b] - scores[a] || a - b; });
    const ranks = new Array(scores.length).fill(null);
    let pos = 0;
    idx.forEach(function (i, r) {
      if (r === 0 || scores[idx[r - 1]] - scores[i] > t) pos = r;
      ranks[i] = pos + 1;
    });
    return ranks;
  }

  // ------------------------------------------------------------------ the integer program
  // The CPLEX LP text of siting.optimise.model.build(rules, variant): the same columns and
  // rows in the same order, and the same sense, as PuLP hands to highspy (columns sorted by
  // name, rows in the order build adds them, minimising the negated objective), so that
  // HiGHS sees the program the Python run solves.

  function fmtNum(x) {
    return String(x);  // the shortest text that reads back as the same double
  }

  function linear(terms) {
    // terms: [[coefficient, column], ...]; an empty row keeps its place with a 0 term
    if (!terms.length) return " 0 x0";
    let out = "";
    for (const t of terms) {
      const c = t[0];
      out += (c < 0 ? " - " : " + ") + (Math.abs(c) === 1 ? "" : fmtNum(Math.abs(c)) + " ") + t[1];
    }
    return out;
  }

  function ones(indices) {
    return indices.map(function (j) { return [1, "x" + j]; });
  }

  function buildLp(P, s, omit, cuts) {
    const size = P.size;
    const has = {};
    P.families.forEach(function (f) { has[f] = !omit.has(f); });
    const cov = P.coverage;
    const cost = {};
    const columns = [];
    for (let j = 0; j < size; j++) {
      columns.push("x" + j);
      if (s[j] !== 0) cost["x" + j] = s[j];
    }
    if (cov) {
      const scale = cov.weight / cov.total;
      for (let k = 0; k < cov.demand.length; k++) {
        columns.push("y" + k);
        if (scale * cov.population[k] !== 0) cost["y" + k] = scale * cov.population[k];
      }
    }
    columns.sort();  // PuLP's order: by name
    const rows = [];
    if (cov) {
      cov.cover_sets.forEach(function (set, k) {
        rows.push("cover" + cov.demand[k] + ":" + linear(ones(set).concat([[-1, "y" + k]])) + " >= 0");
      });
    }
    const all = [];
    for (let j = 0; j < size; j++) all.push(j);
    rows.push("count:" + linear(ones(all)) + (P.count.exact ? " = " : " <= ") + P.count.n);
    if (has.min_spacing_km && P.spacing) {
      P.spacing.pairs.forEach(function (p) {
        rows.push("sp" + p[0] + "_" + p[1] + ":" + linear(ones([p[0], p[1]])) + " <= 1");
      });
      P.spacing.cliques.forEach(function (c, q) {
        rows.push("cl" + q + ":" + linear(ones(c)) + " <= 1");
      });
    }
    const g = P.groups;
    if (g) {
      groupMembers(g).forEach(function (idx, k) {
        // a cap no smaller than the group cannot bind: build leaves its row out
        if (has.at_most_per_group && g.at_most !== null && idx.length > g.at_most) {
          rows.push("atmost" + k + ":" + linear(ones(idx)) + " <= " + g.at_most);
        }
        if (has.at_least_per_group && g.at_least !== null) {
          rows.push("atleast" + k + ":" + linear(ones(idx)) + " >= " + g.at_least);
        }
      });
    }
    if (has.budget && P.budget) {
      const terms = [];
      P.budget.costs.forEach(function (c, j) { if (c) terms.push([c, "x" + j]); });
      rows.push("budget:" + linear(terms) + " <= " + fmtNum(P.budget.limit));
    }
    if (has.equity_km && P.equity) {
      P.equity.reach.forEach(function (idx, k) {
        rows.push("equity" + k + ":" + linear(ones(idx)) + " >= 1");
      });
    }
    cuts.forEach(function (sel, q) {
      // the no-good cuts of siting.optimise.frontier (Balas and Jeroslow 1972)
      const inside = new Set(sel);
      const M = P.alternatives ? P.alternatives.differ_by : 1;
      if (P.count.exact) {
        rows.push("ng" + q + ":" + linear(ones(sel)) + " <= " + (inside.size - M));
      } else {
        const terms = all.map(function (j) { return [inside.has(j) ? -1 : 1, "x" + j]; });
        rows.push("ng" + q + ":" + linear(terms) + " >= " + (M - inside.size));
      }
    });
    const lockIn = new Set(has.must_include ? P.lock.include : []);
    const lockOut = new Set(has.must_exclude ? P.lock.exclude : []);
    const bounds = [];
    for (const name of columns) {
      const j = name[0] === "x" ? Number(name.slice(1)) : -1;
      const lo = j >= 0 && lockIn.has(j) ? 1 : 0;
      const hi = j >= 0 && lockOut.has(j) ? 0 : 1;
      bounds.push(" " + lo + " <= " + name + " <= " + hi);
    }
    // Every column in the objective, in PuLP's order, fixes HiGHS's column order.
    const objective = columns.map(function (c) { return [-(cost[c] || 0), c]; });
    let obj = "";
    for (const t of objective) obj += (t[0] < 0 ? " - " : " + ") + fmtNum(Math.abs(t[0])) + " " + t[1];
    return "Minimize\n obj:" + obj + "\nSubject To\n " + rows.join("\n ") + "\nBounds\n" +
      bounds.join("\n") + "\nGenerals\n " + columns.filter(function (c) { return c[0] === "x"; })
        .join(" ") + "\nEnd\n";
  }

  function groupMembers(g) {
    const members = g.labels.map(function () { return []; });
    // code -1: an empty label, in no group (siting.optimise.rules.NO_GROUP)
    g.codes.forEach(function (code, j) { if (code >= 0) members[code].push(j); });
    return members;
  }

  function coveredPopulation(P, selected) {
    const cov = P.coverage;
    if (!cov) return null;
    const chosen = new Set(selected);
    let total = 0;
    cov.cover_sets.forEach(function (set, k) {
      if (set.some(function (j) { return chosen.has(j); })) total += cov.population[k];
    });
    return total;
  }

  function valueOf(P, s, selected) {
    // PortfolioRules.value: total score plus the population term
    let total = 0;
    for (const j of selected) total += s[j];
    const cov = P.coverage;
    if (cov && cov.weight) total += cov.weight * (coveredPopulation(P, selected) / cov.total);
    return total;
  }

  function same(P, a, b) {
    // siting.optimise._core.same: equal up to the solver's tolerance
    return Math.abs(a - b) <= P.objective_rel * Math.max(1, Math.abs(a), Math.abs(b)) + P.objective_abs;
  }

  function runLp(highs, P, s, omit, cuts) {
    const text = buildLp(P, s, omit, cuts);
    const r = highs.solve(text, HIGHS_OPTIONS);
    if (r.Status !== "Optimal") return { feasible: false, status: r.Status, selected: [] };
    const selected = [];
    for (let j = 0; j < P.size; j++) {
      const col = r.Columns["x" + j];
      if (col && col.Primal > 0.5) selected.push(j);
    }
    return { feasible: true, status: r.Status, selected: selected, objective: valueOf(P, s, selected) };
  }

  // ------------------------------------------------------------------ binding rules
  function ruleValue(model, P, family) {
    const ids = model.candidates.id;
    switch (family) {
      case "min_spacing_km": return P.spacing.min_km;
      case "at_most_per_group": return P.groups.at_most;
      case "at_least_per_group": return P.groups.at_least;
      case "budget": return P.budget.limit;
      case "equity_km": return P.equity.within_km;
      case "must_include": return P.lock.include.map(function (j) { return ids[j]; });
      default: return P.lock.exclude.map(function (j) { return ids[j]; });
    }
  }

  // What the optimum without a rule does that the rule forbids (siting.optimise.explain._WHY),
  // with candidate ids as in PortfolioChoice.binding_details.
  function why(model, P, family, sel) {
    const ids = model.candidates.id;
    const chosen = new Set(sel);
    const g = P.groups;
    switch (family) {
      case "min_spacing_km": {
        const pairs = P.spacing.pairs.filter(function (p) {
          return chosen.has(p[0]) && chosen.has(p[1]) && p[2] < P.spacing.min_km;
        }).sort(function (a, b) { return a[2] - b[2]; });
        return { pairs: pairs.map(function (p) { return [ids[p[0]], ids[p[1]], p[2]]; }) };
      }
      case "at_most_per_group":
      case "at_least_per_group": {
        const counts = g.labels.map(function () { return 0; });
        sel.forEach(function (j) { if (g.codes[j] >= 0) counts[g.codes[j]] += 1; });
        const over = family === "at_most_per_group";
        const cap = over ? g.at_most || 0 : g.at_least || 0;
        return { groups: g.labels.filter(function (_, k) { return over ? counts[k] > cap : counts[k] < cap; }) };
      }
      case "budget": {
        let spent = 0;
        sel.forEach(function (j) { spent += P.budget.costs[j]; });
        return { cost_without: spent };
      }
      case "must_include":
        return { dropped: P.lock.include.filter(function (j) { return !chosen.has(j); })
          .map(function (j) { return ids[j]; }) };
      case "must_exclude":
        return { added: P.lock.exclude.filter(function (j) { return chosen.has(j); })
          .map(function (j) { return ids[j]; }) };
      default: {  // equity_km
        if (!sel.length) return {};
        const far = [];
        P.equity.distances_km.forEach(function (row, k) {
          let near = Infinity;
          sel.forEach(function (j) { near = Math.min(near, row[j]); });
          if (near > P.equity.within_km) far.push(P.equity.centres[k]);
        });
        return { centres: far };
      }
    }
  }

  function byScore(model, s, selected) {
    return selected.slice().sort(function (a, b) { return s[b] - s[a] || a - b; })
      .map(function (j) { return model.candidates.id[j]; });
  }

  // ------------------------------------------------------------------ HiGHS in the page
  const info = { highs: CONST.highs || null, version: null, initMs: null, wasmBytes: null };

  function fromBase64(text) {
    if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  async function gunzip(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  async function start() {
    const t0 = performance.now();
    if (assets.highs === undefined && assets.highsWasm === undefined) {
      // A page that keeps the study's portfolio carries no solver (engine_assets(solver=False)):
      // scoring and ranking work; solve() answers not-ready.
      info.solver = false;
      return null;
    }
    if (typeof assets.highs !== "function" || typeof assets.highsWasm !== "string") {
      throw new Error("HiGHS is not in this page: put engine_assets()'s scripts before engine.js");
    }
    if (typeof DecompressionStream !== "function") {
      throw new Error("this browser cannot decompress the solver (no DecompressionStream); " +
        "open the page in a current browser");
    }
    const bytes = await gunzip(fromBase64(assets.highsWasm));
    const factory = assets.highs;
    // The loader takes the module through its instantiateWasm hook: this build ignores
    // `wasmBinary`, and `locateFile` would make it fetch.
    const highs = await new Promise(function (resolve, reject) {
      factory({
        print: function () {},
        printErr: function () {},
        instantiateWasm: function (imports, receive) {
          WebAssembly.instantiate(bytes, imports).then(function (r) { receive(r.instance); }, reject);
          return {};
        }
      }).then(resolve, reject);
    });
    info.version = highs.version ? highs.version.string : null;
    info.wasmBytes = bytes.length;
    info.initMs = performance.now() - t0;
    return highs;
  }

  const solver = start();
  const ready = solver.then(function () { return info; });
  // The page reports a failed start through solve()'s error; no unhandled rejection.
  ready.catch(function () {});

  function checkScores(model, scores) {
    const P = model.portfolio;
    if (!P) return fail("no-portfolio", "the study has no portfolio section");
    if (!scores || scores.length !== model.candidates.id.length) {
      return fail("scores-length", "give one score per candidate (" + model.candidates.id.length + ")");
    }
    const bad = [];
    for (let j = 0; j < P.size; j++) if (!isNumber(scores[j])) bad.push(model.candidates.id[j]);
    if (bad.length) {
      return fail("scores-not-finite", "every kept candidate needs a finite score; not so for " +
        bad.join(", "), { candidates: bad });
    }
    return null;
  }

  /**
   * Choose the portfolio exactly for these scores, say which rules bind and find the
   * alternatives, as `siting run` does.
   * @param {object} model page_model(results)
   * @param {(number|null)[]} scores one per candidate (score(...).scores); kept ones finite
   * @param {{explain?: boolean, alternatives?: number}} [options] re-solve without each rule
   *   (default true); how many alternatives (default: the study's portfolio.alternatives.count)
   * @returns {Promise<object>} {ok: true, status, ids, selected, objective, total_score,
   *   population_covered, binding: [{rule, value, binds, objective, objective_without,
   *   selected_without, ...}], alternatives: [{ids, selected, objective, total_score,
   *   population_covered, gap}], solves, ms} or {ok: false, error}
   */
  async function solve(model, scores, options) {
    const bad = checkModel(model) || checkScores(model, scores);
    if (bad) return bad;
    let highs;
    try {
      highs = await solver;
    } catch (e) {
      return fail("not-ready", "the solver could not start: " + (e && e.message ? e.message : e));
    }
    if (highs === null) return fail("not-ready", "this page carries no solver; the study keeps its portfolio");
    const opts = options || {};
    const P = model.portfolio;
    const s = Array.prototype.slice.call(scores, 0, P.size);
    const t0 = performance.now();
    let solves = 0;
    function run(omit, cuts) {
      solves += 1;
      return runLp(highs, P, s, omit, cuts);
    }
    try {
      const best = run(new Set(), []);
      if (!best.feasible) {
        return fail("infeasible", "no portfolio satisfies the rules (" + best.status + ")",
          { status: best.status });
      }
      const binding = [];
      if (opts.explain === undefined || opts.explain) {
        for (const family of P.families) {
          const without = run(new Set([family]), []);
          const entry = {
            rule: family,
            value: ruleValue(model, P, family),
            objective: best.objective,
            objective_without: without.feasible ? without.objective : null,
            selected_without: without.selected.map(function (j) { return model.candidates.id[j]; }),
            binds: without.feasible && !same(P, without.objective, best.objective)
          };
          if (without.feasible) Object.assign(entry, why(model, P, family, without.selected));
          binding.push(entry);
        }
      }
      const wanted = opts.alternatives === undefined
        ? (P.alternatives ? P.alternatives.count : 0) : opts.alternatives;
      const alternatives = [];
      const found = [best.selected];
      while (alternatives.length < wanted) {
        const next = run(new Set(), found);
        if (!next.feasible) break;
        found.push(next.selected);
        alternatives.push(portfolio(model, P, s, next, best.objective - next.objective));
      }
      return Object.assign({ ok: true, status: best.status }, portfolio(model, P, s, best, 0), {
        binding: binding, alternatives: alternatives, solves: solves, ms: performance.now() - t0
      });
    } catch (e) {
      return fail("solver", "HiGHS failed: " + (e && e.message ? e.message : e));
    }
  }

  function portfolio(model, P, s, out, gap) {
    let total = 0;
    for (const j of out.selected) total += s[j];
    return {
      ids: byScore(model, s, out.selected),
      selected: out.selected,
      objective: out.objective,
      total_score: total,
      population_covered: coveredPopulation(P, out.selected),
      gap: gap
    };
  }

  /**
   * The CPLEX LP text the engine hands HiGHS (for tests and for reading the model).
   * @param {object} model page_model(results)
   * @param {number[]} scores one per candidate
   * @param {{omit?: string[], cuts?: number[][]}} [variant] rule families left out; selections
   *   to cut off (alternatives)
   */
  function lp(model, scores, variant) {
    const v = variant || {};
    const P = model.portfolio;
    return buildLp(P, Array.prototype.slice.call(scores, 0, P.size), new Set(v.omit || []), v.cuts || []);
  }

  /**
   * Score rows of values with one method entry (model.methods[name], or the surface's): the
   * method's function itself, on the entry's options, with the weighted product's floor.  For
   * a pointwise method one row is scored alone (a click on the surface, siting.outputs.map.surface).
   * @param {string} name a method of siting.mcda.REGISTRY
   * @param {object} entry {options, needs_positive}
   * @param {number[][]} x rows × the entry's criteria
   * @param {number[]} w weights of those criteria (summing to 1)
   * @param {string[]} names their ids
   * @param {number} floor the weighted product's floor (siting.mcda.PRODUCT_FLOOR)
   * @returns {{ok: true, s: number[]} | {ok: false, error: object}}
   */
  function aggregate(name, entry, x, w, names, floor) {
    if (!METHODS[name]) return fail("unknown-method", "no method " + JSON.stringify(name), { method: name });
    const rows = entry.needs_positive
      ? x.map(function (row) { return row.map(function (v) { return floor + (1 - floor) * v; }); })
      : x;
    return METHODS[name](rows, w, names, entry.options || {});
  }

  globalThis.SitingEngine = Object.freeze({
    ready: ready,
    aggregate: aggregate,
    info: function () { return Object.assign({}, info); },
    score: score,
    rank: rank,
    solve: solve,
    lp: lp,
    highsOptions: HIGHS_OPTIONS
  });
})();
