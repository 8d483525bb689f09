/* siting map: the page script.
 *
 * folium's generated script makes the map, its base pane, the boundaries, the (empty) layers
 * and the layer control; then this script is called once:
 *
 *   sitingPage({map: L.Map, control: L.Control.Layers, layers: {role: L.Layer}})
 *
 * It fills the layers from the page's data, writes the panel and answers the sliders.
 *
 * Texts: every text a person reads is a message of this script, written t("...") or
 * tn("...", "...", n) so that the catalogs' extractor finds it, looked up in the catalogs the
 * page carries for kk, ru and en; or data in the reader's language (place names, the study's
 * labels, the sentences siting.outputs.words wrote about the study in each language). Numbers
 * are written as siting's Python outputs write them, with the locale's CLDR symbols carried in
 * the page (DATA.formats), so that a number reads the same here and in the report. Text from
 * data enters the page through textContent (or, for the layer control, which takes HTML,
 * through esc()), never as markup: a candidate whose name is an HTML tag is shown as those
 * characters.
 *
 * Weights: the sliders set shares (a group's share of the total, a criterion's share within its
 * group), each thumb showing the share it sets; moving one rescales its siblings so that they
 * still sum to 100 %. A criterion's weight is its group's share times its share within the
 * group. With the in-page engine (window.SitingEngine), every change re-scores with the study's
 * method and options, re-ranks and re-solves the portfolio's integer program; without it the
 * page re-ranks by the weighted sum and keeps the study's portfolio.
 */
// The page's data stores each fact once (siting.outputs.map.payload.compact, whose docstring
// gives the form); read back here, once, into the shape the page and the engine read: the
// engine's value matrix is the markers' own rows (one answer everywhere), an exclusion reason and
// its sentences are looked up in their table, a language whose names are another's takes them.
// A column of numbers: JSON, or {f64: base64 of little-endian doubles, NaN where missing}.
function sitingNumbers(column) {
  "use strict";
  if (Array.isArray(column)) return column;
  var bytes = atob(column.f64), n = bytes.length / 8;
  var view = new DataView(new ArrayBuffer(bytes.length));
  for (var b = 0; b < bytes.length; b++) view.setUint8(b, bytes.charCodeAt(b));
  var out = new Array(n);
  for (var i = 0; i < n; i++) {
    var x = view.getFloat64(8 * i, true);
    out[i] = x === x ? x : null;
  }
  return out;
}

function sitingUnpack(data) {
  "use strict";
  var C = data.candidates;
  if (C.v_columns) {
    var columns = C.v_columns.map(sitingNumbers);
    C.v = C.id.map(function (id, i) { return columns.map(function (col) { return col[i]; }); });
    delete C.v_columns;
    C.score = sitingNumbers(C.score);
  }
  var excluded = C.excluded;
  if (excluded && !Array.isArray(excluded)) {
    var index = excluded.index, texts = C.excluded_text, out = {};
    C.excluded = index.map(function (k) { return excluded.table[k]; });
    Object.keys(texts).forEach(function (code) {
      var table = texts[code];
      out[code] = index.map(function (k) { return table[k]; });
    });
    C.excluded_text = out;
  }
  Object.keys(C.name).forEach(function (code) {
    if (typeof C.name[code] === "string") C.name[code] = C.name[C.name[code]];
  });
  var M = data.model;
  if (M && M.shared) {
    var source = M.shared.values;
    if (source) {
      var same = source.length === data.criteria.length &&
        source.every(function (k, m) { return k === m; });
      M.values = same ? C.v : C.v.map(function (row) {
        return source.map(function (k) { return row[k]; });
      });
    }
    M.scores = C.score;
    M.candidates = {
      id: C.id,
      name: M.shared.names || C.name.en,
      kept: C.excluded.map(function (r) { return r === ""; })
    };
    delete M.shared;
  }
  return data;
}

function sitingPage(env) {
  "use strict";

  var DATA = sitingUnpack(JSON.parse(document.getElementById("siting-data").textContent));
  var map = env.map;
  var LAYERS = env.layers || {};
  var C = DATA.candidates;
  var N = C.id.length;
  var K = DATA.criteria.length;
  var ROB = DATA.robustness;
  var MEMBERSHIP = ROB ? ROB.membership : null;
  var STAKE = DATA.stakeholders;
  var REC = DATA.recommendation;
  var PORTFOLIO = DATA.portfolio;
  var LOCALES = { kk: "kk-KZ", ru: "ru-RU", en: "en" };
  var ENGINE = DATA.engine && window.SitingEngine ? window.SitingEngine : null;
  var LIVE = !!(DATA.live && ENGINE && PORTFOLIO);
  var POINTS = DATA.points || 2;  // siting.recommendation.POINTS: strengths named per site
  var RING = "#d62728";
  var ALT_COLOURS = ["#9467bd", "#17becf", "#8c564b", "#bcbd22", "#7f7f7f", "#1b9e77"];
  var PARETO_COLOUR = "#d01c8b";  // apart from the membership discs' orange
  var LAYER_COLOURS = ["#1f77b4", "#2ca02c", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
    "#17becf", "#ff7f0e"];
  var lang = DATA.messages[DATA.lang] ? DATA.lang : "en";

  // ------------------------------------------------------------------ texts
  function catalog() { return DATA.messages[lang] || {}; }

  // A message in the reader's language (the English text when the catalog lacks it).
  function t(msgid) {
    var text = catalog()[msgid];
    return typeof text === "string" && text ? text : msgid;
  }

  // The locale's CLDR formats (number symbols, plural forms), carried by the page:
  // a browser's own locale data may lack the language (Chromium has no Kazakh numbers).
  function formatsOf() { return (DATA.formats || {})[lang] || null; }

  // The form of a count message that fits n: the catalog's plural form for n (from CLDR, as
  // the page carries it), else the locale's plural category through Intl.PluralRules.
  function tn(singular, plural, n) {
    var forms = catalog()[singular];
    if (Array.isArray(forms) && forms.length) {
      var table = formatsOf() ? formatsOf().plural : null;
      var k;
      if (table && n >= 0 && Math.floor(n) === n) k = table[n < 200 ? n : 100 + n % 100];
      else {
        var categories = catalog().__forms__ || ["one", "other"];
        k = categories.indexOf(new Intl.PluralRules(LOCALES[lang] || lang).select(n));
      }
      var text = forms[k < 0 || k === undefined ? forms.length - 1 : k];
      if (text) return text;
    }
    return n === 1 ? singular : plural;
  }

  // {placeholders} filled after translation, so that a translator can move them.
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  var formats = {};
  // Intl's digits and grouping for the locale, with CLDR's decimal and group symbols.
  function numberFormat(key, options) {
    var id = lang + "|" + key;
    if (!formats[id]) {
      var intl = new Intl.NumberFormat(LOCALES[lang] || lang, options);
      var cldr = formatsOf();
      formats[id] = {
        format: function (x) {
          if (!cldr) return intl.format(x);
          return intl.formatToParts(x).map(function (part) {
            if (part.type === "decimal") return cldr.decimal;
            if (part.type === "group") return cldr.group;
            return part.value;
          }).join("");
        }
      };
    }
    return formats[id];
  }
  function finite(x) { return typeof x === "number" && isFinite(x); }

  // Numbers as siting's Python outputs write them (siting.i18n.Translator, through Babel), so
  // that a number in a sentence reads the same in the page and in the report: the shortest
  // decimal that reads back as x (Python's str and JavaScript's String write the same digits),
  // rounded half to even, grouped in threes, with the locale's CLDR symbols. (Intl rounds the
  // binary value half away from zero: it would write 0.001 where the report writes 0.000.)
  // Returns the digits of |x| × 10^scale rounded to `digits` decimals: {whole, fraction}.
  function decimalDigits(x, digits, scale) {
    var m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(x)));
    var fraction = m[2] || "";
    var mantissa = m[1] + fraction;
    // |x| × 10^(scale + digits) = mantissa × 10^shift
    var shift = (m[3] ? Number(m[3]) : 0) - fraction.length + scale + digits;
    var all;
    if (shift >= 0) all = mantissa + "0".repeat(shift);
    else {
      var cut = mantissa.length + shift;
      var keep = cut > 0 ? mantissa.slice(0, cut) : "0";
      var rest = cut > 0 ? mantissa.slice(cut) : "0".repeat(-cut) + mantissa;
      var last = Number(keep.charAt(keep.length - 1));
      var above = /[1-9]/.test(rest.slice(1));
      if (rest.charAt(0) > "5" || (rest.charAt(0) === "5" && (above || last % 2 === 1))) keep = increment(keep);
      all = keep;
    }
    all = all.replace(/^0+(?=\d)/, "");
    while (all.length <= digits) all = "0" + all;
    return { whole: all.slice(0, all.length - digits), fraction: all.slice(all.length - digits) };
  }
  function increment(digits) {
    var out = digits.split(""), k = out.length - 1;
    while (k >= 0 && out[k] === "9") { out[k] = "0"; k--; }
    if (k < 0) out.unshift("1");
    else out[k] = String(Number(out[k]) + 1);
    return out.join("");
  }
  function symbols() { return formatsOf() || { decimal: ".", group: ",", minus: "-" }; }
  function decimalText(x, digits, scale) {
    var d = decimalDigits(x, digits, scale), sym = symbols();
    var whole = d.whole.replace(/\B(?=(\d{3})+$)/g, function () { return sym.group; });
    // Babel keeps the sign of a negative number that rounds to 0 ("-0.000"), as here
    var sign = x < 0 || Object.is(x, -0) ? sym.minus : "";
    return sign + whole + (digits > 0 ? sym.decimal + d.fraction : "");
  }
  // x with `digits` decimals (Translator.number); "–" when missing.
  function fixed(x, digits) { return finite(x) ? decimalText(x, digits, 0) : "–"; }
  // A whole number (Translator.integer: Python's round, half to even; a whole number has no -0).
  function integer(x) {
    if (!finite(x)) return "–";
    var text = decimalText(x, 0, 0);
    return /[1-9]/.test(text) ? text : decimalText(0, 0, 0);
  }
  // A number for people: grouped whole numbers from 100 up, else three significant digits.
  function fmt(x) {
    if (!finite(x)) return "–";
    var a = Math.abs(x);
    if (a >= 100) return integer(x);
    if (a >= 10) return numberFormat("d1", { maximumFractionDigits: 1 }).format(x);
    return numberFormat("s3", { maximumSignificantDigits: 3 }).format(x);
  }
  // A share as a percentage, as siting's Python outputs write it (Translator.percent): "33.3 %"
  // (a no-break space), the share's decimal digits moved two places, not multiplied by 100.
  function pct(p, digits) { return finite(p) ? decimalText(p, digits === undefined ? 1 : digits, 2) + "\u00a0%" : "–"; }
  // A probability for people: never "0.0 %" for something that happened, nor "100.0 %"
  // for something that did not always happen.
  function share(p) {
    if (!finite(p)) return "–";
    if (p <= 0) return pct(0, 0);
    if (p >= 1) return pct(1, 0);
    if (p < 0.001) return "< " + pct(0.001, 1);
    if (p > 0.999) return "> " + pct(0.999, 1);
    return pct(p, 1);
  }
  // Items joined as siting's Python outputs join them (Words.both): "A, B and C", with the
  // catalog's conjunction, so that a list of sites reads the same here and in the report.
  function listText(items) {
    items = items.map(String);
    if (items.length < 2) return items.join("");
    return fill(t("{first} and {last}"), { first: items.slice(0, -1).join(", "), last: items[items.length - 1] });
  }

  // ------------------------------------------------------------------ helpers
  function h(tag, props, children) {
    var node = document.createElement(tag);
    props = props || {};
    Object.keys(props).forEach(function (key) {
      var value = props[key];
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key === "style") Object.assign(node.style, value);
      else node.setAttribute(key, value);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }
  function byId(id) { return document.getElementById(id); }
  function setText(id, text) { var el = byId(id); if (el) el.textContent = text; }
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function sum(xs) { return xs.reduce(function (s, x) { return s + x; }, 0); }

  // viridis, five stops: dark (low score) to yellow (high score)
  var STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  function viridis(x) {
    x = Math.max(0, Math.min(1, x)) * (STOPS.length - 1);
    var i = Math.min(Math.floor(x), STOPS.length - 2);
    var f = x - i;
    var a = STOPS[i], b = STOPS[i + 1];
    var c = [0, 1, 2].map(function (j) { return Math.round(a[j] + f * (b[j] - a[j])); });
    return "rgb(" + c.join(",") + ")";
  }

  function kept(i) { return C.excluded[i] === ""; }
  function place(i) { return C.name[lang][i]; }
  var indexOf = {};
  C.id.forEach(function (id, j) { indexOf[id] = j; });
  function placeOf(id) { return indexOf[id] === undefined ? String(id) : place(indexOf[id]); }
  function places(ids) { return ids.map(placeOf); }
  function label(k) { return DATA.criteria[k].label[lang]; }
  function unit(k) { return DATA.criteria[k].unit[lang]; }
  function excludedText(i) { return C.excluded_text[lang][i]; }

  function methodName(name) {
    switch (name) {
      case "weighted_sum": return t("weighted sum");
      case "weighted_product": return t("weighted product");
      case "topsis": return t("TOPSIS");
      case "vikor": return t("VIKOR");
      case "promethee_ii": return t("PROMETHEE II");
      case "owa": return t("ordered weighted averaging");
      default: return name;
    }
  }
  // Terms of the trade, glossed once per page in plain words.
  function methodGloss(name) {
    switch (name) {
      case "weighted_sum": return t("Weighted sum: each criterion's value (0 to 1) times its weight, added up.");
      case "weighted_product": return t("Weighted product: the values multiplied, each raised to its weight, so that a very weak criterion cannot be made up by the others.");
      case "topsis": return t("TOPSIS: how close a candidate is to an ideal one that is best on every criterion, and how far from one that is worst on every criterion.");
      case "vikor": return t("VIKOR: a compromise between the best total and the smallest worst shortfall on any one criterion.");
      case "promethee_ii": return t("PROMETHEE II: how much a candidate is preferred to the others, criterion by criterion, minus how much they are preferred to it.");
      case "owa": return t("Ordered weighted averaging: the values sorted from best to worst and weighted by position.");
      default: return name;
    }
  }
  function layerName(layer) {
    switch (layer.name) {
      case "universities": return t("Universities");
      case "research_institutes": case "institutes": return t("Research institutes");
      case "research_infrastructure": return t("Large research facilities");
      case "industry": return t("Industry");
      case "airports": return t("Airports");
      case "settlements": return t("Settlements");
      default: return layer.label;  // a layer the study names itself: its name, as data
    }
  }
  function ordinalSite(k) {
    switch (k) {
      case 0: return t("First site");
      case 1: return t("Second site");
      case 2: return t("Third site");
      case 3: return t("Fourth site");
      case 4: return t("Fifth site");
      default: return fill(t("Site {n}"), { n: integer(k + 1) });
    }
  }

  // ------------------------------------------------------------------ weights and scores
  // Slider positions: shares in %, summing to 100 among siblings (groups; a group's criteria).
  function shares(values, members) {
    var out = values.slice();
    var total = sum(members.map(function (j) { return values[j]; }));
    members.forEach(function (j) { out[j] = total > 0 ? 100 * values[j] / total : 100 / members.length; });
    return out;
  }
  var ALL_GROUPS = DATA.groups.map(function (g, gi) { return gi; });
  var initialGroup = shares(DATA.groups.map(function (g) { return g.share; }), ALL_GROUPS);
  var initialCrit = DATA.criteria.map(function (c) { return c.local; });
  DATA.groups.forEach(function (g) { initialCrit = shares(initialCrit, g.criteria); });
  var studyWeights = DATA.criteria.map(function (c) { return c.weight; });

  var state = {
    group: initialGroup.slice(),
    crit: initialCrit.slice(),
    modified: false,
    weights: studyWeights.slice(),
    scores: C.score.slice(),
    ranks: C.rank.slice(),
    portfolio: PORTFOLIO ? PORTFOLIO.ids.slice() : [],
    binding: PORTFOLIO ? PORTFOLIO.binding : [],
    alternatives: null,
    objective: PORTFOLIO ? PORTFOLIO.objective : null,
    solving: false,
    error: "",
    tilesFailed: false
  };

  function sliderWeights() {
    var w = new Array(K).fill(0);
    var gsum = sum(state.group);
    DATA.groups.forEach(function (g, gi) {
      var lsum = sum(g.criteria.map(function (ci) { return state.crit[ci]; }));
      if (gsum <= 0 || lsum <= 0) return;
      g.criteria.forEach(function (ci) { w[ci] = (state.group[gi] / gsum) * (state.crit[ci] / lsum); });
    });
    return w;
  }

  function weightedSum(row, w) {
    var s = 0;
    for (var k = 0; k < K; k++) if (row[k] !== null) s += w[k] * row[k];
    return s;
  }

  // Scores and ranks of every candidate under weights w: the study's method through the
  // engine; without it the weighted sum (null where not scored or ranked).
  function scoreWith(w) {
    if (ENGINE) return engineScores(w);
    var scores = C.v.map(function (row) { return weightedSum(row, w); });
    return { scores: scores, ranks: rankWith(scores) };
  }

  // Competition ranks with siting's one tie rule (siting.mcda.rank): a score within DATA.tie
  // of the one before it shares its rank (1, 2, 2, 4); equal scores keep the study's order.
  function rankWith(scores) {
    var order = [];
    for (var i = 0; i < N; i++) if (kept(i) && scores[i] !== null) order.push(i);
    order.sort(function (a, b) { return scores[b] - scores[a] || a - b; });
    var ranks = new Array(N).fill(null);
    order.forEach(function (i, r) {
      var prev = r > 0 ? order[r - 1] : null;
      ranks[i] = prev !== null && scores[prev] - scores[i] <= DATA.tie ? ranks[prev] : r + 1;
    });
    return ranks;
  }

  // ------------------------------------------------------------------ the in-page engine
  // window.SitingEngine (siting/outputs/engine.py, templates/engine.js) mirrors
  // siting.mcda.score_study (every method, the study's options) and siting.mcda.rank, and
  // solves the portfolio's integer program exactly (HiGHS) with its binding rules and
  // alternatives, on DATA.model (its candidates in the ranking's order, as C).
  var MODEL = DATA.model || null;
  var modelRow = {}, modelCriteria = [];
  if (MODEL) {
    MODEL.candidates.id.forEach(function (id, j) { modelRow[id] = j; });
    modelCriteria = MODEL.criteria.map(function (id) {
      for (var k = 0; k < K; k++) if (DATA.criteria[k].id === id) return k;
      return -1;
    });
  }

  // The engine's errors (codes, English messages) in the reader's words.
  function engineError(error) {
    var code = error && error.code, text;
    if (code === "weights-all-zero") text = t("Every weight is 0: give at least one criterion some weight.");
    else if (code === "no-weight-on-varied") {
      text = fill(t("Under {method} no criterion that carries weight tells the candidates apart: give weight to a criterion that varies."),
        { method: methodName(DATA.method.name) });
    } else if (code === "infeasible") text = t("No portfolio satisfies the rules with these scores.");
    else if (code === "not-ready") text = t("The solver could not start in this browser.");
    else text = fill(t("The engine stopped: {reason}"), { reason: error && error.message ? error.message : String(error) });
    var e = new Error(text);
    e.code = code;
    return e;
  }

  // Scores and ranks of every candidate under weights w (null where not scored or ranked).
  function engineScores(w) {
    var weights = modelCriteria.map(function (k) { return k >= 0 ? w[k] : 0; });
    var r = ENGINE.score(MODEL, weights);
    if (!r.ok) throw engineError(r.error);
    return {
      scores: C.id.map(function (id) { var x = r.scores[modelRow[id]]; return finite(x) ? x : null; }),
      ranks: C.id.map(function (id) { var x = r.ranks[modelRow[id]]; return finite(x) ? x : null; })
    };
  }
  function engineSolve(scores) {
    var row = MODEL.candidates.id.map(function (id) { return scores[indexOf[id]]; });
    return engineReady().then(function () { return ENGINE.solve(MODEL, row); }).then(function (res) {
      if (!res.ok) throw engineError(res.error);
      return res;
    });
  }
  function engineReady() { return ENGINE ? Promise.resolve(ENGINE.ready) : Promise.resolve(); }

  // ------------------------------------------------------------------ map panes and layers
  // Panes, bottom to top: tiles (200), border and regions (250, made by folium), facilities (350),
  // the membership discs (380), the candidates and rings (overlay pane, 400), labels (450).
  map.createPane("facilities").style.zIndex = 350;
  map.createPane("membership").style.zIndex = 380;
  var labelPane = map.createPane("labels");
  labelPane.style.zIndex = 450;
  labelPane.style.pointerEvents = "none";
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Leaflet");
  var facilityRenderer = L.svg({ padding: 0.3, pane: "facilities" });

  function layer(role) { return LAYERS[role] || L.featureGroup(); }

  // Popups fit the screen: never wider or taller than the map leaves room for.
  function popupOptions() {
    var size = map.getSize();
    var width = Math.max(200, Math.min(420, size.x - 40));
    return {
      maxWidth: width, minWidth: Math.min(300, width), maxHeight: Math.max(160, Math.min(380, size.y - 70)),
      autoPanPadding: [10, 10], keepInView: true, className: "siting-popup"
    };
  }
  var popupHolders = [];
  function bindPopup(target, content) {
    target.bindPopup(content, popupOptions());
    popupHolders.push(target);
    return target;
  }
  map.on("resize", function () {
    var opts = popupOptions();
    popupHolders.forEach(function (m) { var p = m.getPopup(); if (p) L.Util.setOptions(p, opts); });
  });

  // ------------------------------------------------------------------ facility layers
  DATA.layers.forEach(function (fl, li) {
    var colour = LAYER_COLOURS[li % LAYER_COLOURS.length];
    var group = layer("facility:" + fl.name);
    for (var j = 0; j < fl.lat.length; j++) {
      (function (j) {
        L.circleMarker([fl.lat[j], fl.lon[j]], {
          renderer: facilityRenderer, pane: "facilities", radius: 3, weight: 0.5, color: "#fff",
          fillColor: colour, fillOpacity: 0.8
        }).bindTooltip(function () { return h("span", { text: fl.names[j] + " (" + layerName(fl) + ")" }); })
          .addTo(group);
      })(j);
    }
  });

  // ------------------------------------------------------------------ candidates
  var keptLayer = layer("candidates");
  var excludedLayer = layer("excluded");
  var markers = [];
  for (var ci = 0; ci < N; ci++) {
    (function (i) {
      var marker = L.circleMarker([C.lat[i], C.lon[i]], {
        radius: kept(i) ? 7 : 5, weight: 1, color: kept(i) ? "#222" : "#777", fillColor: "#999",
        fillOpacity: kept(i) ? 0.95 : 0.5, dashArray: kept(i) ? null : "2,2",
        className: "candidate-marker cand-" + i + (kept(i) ? "" : " excluded-marker")
      });
      bindPopup(marker, function () { return popupContent(i); });
      marker.bindTooltip(function () {
        return h("span", { text: kept(i) ? place(i) : fill(t("{name} (excluded: {reason})"), { name: place(i), reason: excludedText(i) }) });
      });
      marker.addTo(kept(i) ? keptLayer : excludedLayer);
      markers.push(marker);
    })(ci);
  }

  function rankedOrder() {
    var order = [];
    for (var i = 0; i < N; i++) if (kept(i) && state.ranks[i] !== null) order.push(i);
    order.sort(function (a, b) { return state.ranks[a] - state.ranks[b] || a - b; });
    return order;
  }

  function scoreRange() {
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < N; i++) {
      var s = state.scores[i];
      if (kept(i) && s !== null) { lo = Math.min(lo, s); hi = Math.max(hi, s); }
    }
    return lo === Infinity ? [0, 1] : [lo, hi];
  }

  function colourOf(i, range) {
    var s = state.scores[i];
    if (s === null) return "#999";
    return viridis(range[1] > range[0] ? (s - range[0]) / (range[1] - range[0]) : 1);
  }

  function inPortfolio(id) { return state.portfolio.indexOf(id) >= 0; }

  function popupContent(i) {
    var rank = state.ranks[i];
    var head = [h("h3", { text: place(i) })];
    var meta;
    if (kept(i)) {
      meta = fill(t("Rank {rank} of {count} · score {score}"), {
        rank: rank === null ? "–" : integer(rank), count: integer(rankedOrder().length), score: fmt(state.scores[i])
      });
      if (state.modified) meta += " " + t("(your priorities)");
    } else {
      meta = t("Not ranked");
    }
    head.push(h("div", { className: "meta", text: meta }));
    if (!kept(i)) head.push(h("div", { className: "excluded", text: fill(t("Excluded: {reason}"), { reason: excludedText(i) }) }));
    if (inPortfolio(C.id[i])) head.push(h("div", { className: "meta", text: t("In the chosen portfolio.") }));
    var robust = robustnessLines(i);
    if (robust.length) {
      head.push(h("div", { className: "robustness" }, robust.map(function (line) { return h("div", { text: line }); })));
    }
    var table = criteriaTable(C.raw[i], C.v[i], state.weights);
    var how = DATA.method.name === "weighted_sum"
      ? t("Score = Σ weight × value.")
      : fill(t("Score by {method}; the table shows the weighted-sum parts."), { method: methodName(DATA.method.name) });
    var note = h("div", { className: "meta", text: how + " " + t("Bar length: the weight; filled part: the value (0–1).") });
    return h("div", { className: "popup" }, head.concat([table, note]));
  }

  // Under the study's weights, drawn at random (SMAA): how sure is this candidate's place?
  function robustnessLines(i) {
    var lines = [];
    if (ROB && ROB.first[i] !== null) {
      lines.push(fill(tn("Rank 1 in {first} and top {k} in {top} of {n} random weight draw.",
        "Rank 1 in {first} and top {k} in {top} of {n} random weight draws.", ROB.draws), {
        first: share(ROB.first[i]), k: integer(ROB.top_k), top: share(ROB.top[i]), n: integer(ROB.draws)
      }));
    }
    if (MEMBERSHIP && MEMBERSHIP.p[i] !== null) lines.push(membershipSentence(MEMBERSHIP.p[i], MEMBERSHIP.draws));
    return lines;
  }

  function membershipSentence(p, draws) {
    return fill(tn("In the optimal portfolio in {share} of {n} weight draw.",
      "In the optimal portfolio in {share} of {n} weight draws.", draws), { share: share(p), n: integer(draws) });
  }

  function valueText(c) {
    var v = c.value;
    if (v.kind === "linear") return fill(t("linear: {worst} → 0, {best} → 1"), { worst: fmt(v.worst), best: fmt(v.best) });
    if (c.binary && v.kind === "threshold") {
      var yes = c.direction === "benefit" ? (1 >= v.at ? 1 : v.below) : (1 <= v.at ? 1 : v.below);
      var no = c.direction === "benefit" ? (0 >= v.at ? 1 : v.below) : (0 <= v.at ? 1 : v.below);
      return fill(t("value {yes} for yes, {no} for no"), { yes: fmt(yes), no: fmt(no) });
    }
    if (v.kind === "threshold") {
      return fill(c.direction === "benefit" ? t("threshold: 1 from {at} up, else {below}") : t("threshold: 1 up to {at}, else {below}"),
        { at: fmt(v.at), below: fmt(v.below) });
    }
    if (v.kind === "piecewise") {
      return fill(t("piecewise: {points}"), { points: v.points.map(function (p) { return fmt(p[0]) + " → " + fmt(p[1]); }).join(", ") });
    }
    return t("min-max over the candidates");
  }

  // A yes/no fact in words (Words.yes_no).
  function yesNo(x) {
    if (x === null || x === undefined || !isFinite(x)) return "–";
    return x >= 0.5 ? t("yes") : t("no");
  }

  function criteriaTable(rawRow, vRow, weights) {
    var wmax = Math.max.apply(null, weights.concat([1e-12]));
    var rows = DATA.criteria.map(function (c, k) {
      var v = vRow[k];
      var w = weights[k];
      var contrib = v === null ? null : w * v;
      var track = h("div", { className: "bar-track", style: { width: (100 * w / wmax) + "%" } }, [
        h("div", { className: "bar-fill", style: { width: (v === null ? 0 : 100 * v) + "%" } })
      ]);
      var u = unit(k);
      return h("tr", { className: "crit-row", "data-criterion": c.id }, [
        h("td", { text: label(k), title: valueText(c) }),
        h("td", { className: "num", text: c.binary ? yesNo(rawRow[k]) : fmt(rawRow[k]) + (u ? " " + u : "") }),
        h("td", { className: "num", text: fmt(v) }),
        h("td", { className: "num", text: pct(w) }),
        h("td", { className: "num contribution", text: fmt(contrib) }),
        h("td", { className: "bar" }, [track])
      ]);
    });
    return h("div", { className: "table-scroll" }, [h("table", { className: "popup-table" }, [
      h("thead", {}, [h("tr", {}, [
        h("th", { text: t("Criterion") }), h("th", { text: t("Raw") }), h("th", { text: t("Value") }),
        h("th", { text: t("Weight") }), h("th", { text: t("Contrib.") }),
        h("th", { title: t("bar width: weight; filled part: value") })
      ])]),
      h("tbody", {}, rows)
    ])]);
  }

  // ------------------------------------------------------------------ portfolio, coverage, rings
  var ringLayer = layer("portfolio");
  var coverageLayer = layer("coverage");
  function drawRings() {
    ringLayer.clearLayers();
    coverageLayer.clearLayers();
    state.portfolio.forEach(function (id) {
      var j = indexOf[id];
      if (j === undefined) return;
      L.circleMarker([C.lat[j], C.lon[j]], {
        radius: 12, weight: 3, color: RING, fill: false, interactive: false, className: "portfolio-ring"
      }).addTo(ringLayer);
      if (PORTFOLIO && PORTFOLIO.radius_km) {
        L.circle([C.lat[j], C.lon[j]], {
          radius: 1000 * PORTFOLIO.radius_km, weight: 1, color: RING, fillColor: RING,
          fillOpacity: 0.06, interactive: false
        }).addTo(coverageLayer);
      }
    });
  }

  // ------------------------------------------------------------------ labels
  // Town names that never overlap: chosen sites first (always labelled), then the ranking from
  // the top, then the rest; a label that would touch one already placed, a portfolio ring or a
  // chosen site's marker tries the other sides, else hides until the reader zooms in.
  var RING_R = 12 + 3;   // the ring's radius plus its stroke, in pixels
  var MARKER_R = 7 + 1;
  var labelLayer = L.Layer.extend({
    onAdd: function () {
      this._box = L.DomUtil.create("div", "town-labels leaflet-zoom-hide", map.getPane("labels"));
      this._nodes = C.id.map(function (id, i) {
        return L.DomUtil.create("div", "town-label" + (kept(i) ? "" : " excluded-label"), this._box);
      }, this);
      this._nodes.forEach(function (node, i) { node.setAttribute("data-id", C.id[i]); });
      this._sizes = null;
      map.on("zoomend viewreset resize", this.layout, this);
      this.relabel();
    },
    onRemove: function () {
      map.off("zoomend viewreset resize", this.layout, this);
      L.DomUtil.remove(this._box);
      this._box = null;
    },
    relabel: function () {
      if (!this._box) return;
      this._nodes.forEach(function (node, i) { node.textContent = place(i); });
      this._sizes = null;
      this.layout();
    },
    // Sizes of the labels in ``which`` (all when omitted), cached until the language or the
    // chosen sites (set in bold) change.  The text is measured on a canvas in the label's own
    // font, so that thousands of labels cost no layout of the page; the box adds the label's
    // padding, and the layout a pixel of slack around it.
    _measure: function (which) {
      var nodes = this._nodes;
      if (!this._sizes) this._sizes = nodes.map(function () { return null; });
      which = which || nodes.map(function (n, i) { return i; });
      var ctx = (this._canvas = this._canvas || document.createElement("canvas")).getContext("2d");
      var styles = {}, byStyle = {};
      var sizes = this._sizes;
      which.forEach(function (i) {
        var node = nodes[i], key = node.className;
        if (!styles[key]) {
          node.style.display = "block";
          var css = window.getComputedStyle(node);
          // (the line height, not offsetHeight: reading a box would lay the page out now)
          styles[key] = {
            font: css.fontStyle + " " + css.fontWeight + " " + css.fontSize + " " + css.fontFamily,
            pad: parseFloat(css.paddingLeft) + parseFloat(css.paddingRight),
            height: Math.ceil(parseFloat(css.lineHeight) + parseFloat(css.paddingTop) + parseFloat(css.paddingBottom))
          };
          node.style.display = "none";
          byStyle[key] = [];
        }
        byStyle[key].push(i);
      });
      // one font at a time: setting the canvas's font parses it
      Object.keys(byStyle).forEach(function (key) {
        var style = styles[key];
        ctx.font = style.font;
        byStyle[key].forEach(function (i) {
          sizes[i] = [Math.ceil(ctx.measureText(nodes[i].textContent).width + style.pad), style.height];
        });
      });
    },
    layout: function () {
      if (!this._box) return;
      var chosenNow = {};
      chosenIds().forEach(function (id) { if (indexOf[id] !== undefined) chosenNow[indexOf[id]] = true; });
      var changed = [];
      this._nodes.forEach(function (node, i) {
        if (node.classList.contains("chosen-label") !== !!chosenNow[i]) {
          node.classList.toggle("chosen-label", !!chosenNow[i]);
          changed.push(i);
        }
      });
      if (!this._sizes) this._measure();
      else if (changed.length) this._measure(changed);
      // Two grids of boxes: what no label may touch (labels, rings), and what a label had
      // rather not cover (the candidates' markers; a name over a dot is still read).
      var CELL = 64;
      function Grid() { this.cells = {}; }
      Grid.prototype.visit = function (b, fn) {
        for (var gx = Math.floor(b[0] / CELL); gx <= Math.floor(b[2] / CELL); gx++) {
          for (var gy = Math.floor(b[1] / CELL); gy <= Math.floor(b[3] / CELL); gy++) {
            if (fn(gx + ":" + gy) === true) return true;
          }
        }
        return false;
      };
      Grid.prototype.free = function (b, except) {
        var cells = this.cells;
        return !this.visit(b, function (key) {
          var list = cells[key] || [];
          for (var q = 0; q < list.length; q++) {
            var o = list[q];
            if (o !== except && b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]) return true;
          }
          return false;
        });
      };
      Grid.prototype.add = function (b) {
        var cells = this.cells;
        this.visit(b, function (key) { (cells[key] = cells[key] || []).push(b); });
        return b;
      };
      var hard = new Grid(), soft = new Grid();
      var chosen = chosenIds().map(function (id) { return indexOf[id]; }).filter(function (j) { return j !== undefined; });
      var isChosen = {};
      chosen.forEach(function (j) { isChosen[j] = true; });
      var points = C.id.map(function (id, i) { return map.latLngToLayerPoint([C.lat[i], C.lon[i]]); });
      // the rings are obstacles no label may cover
      chosen.forEach(function (j) {
        var p = points[j];
        hard.add([p.x - RING_R, p.y - RING_R, p.x + RING_R, p.y + RING_R]);
      });
      var dots = points.map(function (p, i) {
        var r = kept(i) ? 7 : 5;
        return soft.add([p.x - r, p.y - r, p.x + r, p.y + r]);
      });
      var order = chosen.slice();
      rankedOrder().forEach(function (i) { if (!isChosen[i]) order.push(i); });
      for (var i = 0; i < N; i++) if (!kept(i) || state.ranks[i] === null) order.push(i);
      var nodes = this._nodes, sizes = this._sizes;
      var shown = {};
      order.forEach(function (i) {
        if (shown[i]) return;
        var p = points[i], w = sizes[i][0], hgt = sizes[i][1];
        var tries = [];
        var radii = isChosen[i] ? [RING_R + 2, RING_R + 14, RING_R + 30, RING_R + 50] : [MARKER_R];
        radii.forEach(function (r) {
          tries.push([p.x + r, p.y - hgt / 2], [p.x - r - w, p.y - hgt / 2],
            [p.x - w / 2, p.y - r - hgt], [p.x - w / 2, p.y + r],
            [p.x + r * 0.7, p.y - r * 0.7 - hgt], [p.x + r * 0.7, p.y + r * 0.7],
            [p.x - r * 0.7 - w, p.y - r * 0.7 - hgt], [p.x - r * 0.7 - w, p.y + r * 0.7]);
        });
        var boxes = tries.map(function (xy) { return [xy[0] - 1, xy[1] - 1, xy[0] + w + 1, xy[1] + hgt + 1]; });
        var spot = -1;
        // first a side clear of labels, rings and dots; else clear of labels and rings
        for (var k = 0; k < boxes.length && spot < 0; k++) {
          if (hard.free(boxes[k]) && soft.free(boxes[k], dots[i])) spot = k;
        }
        for (var q = 0; q < boxes.length && spot < 0; q++) {
          if ((isChosen[i] || q < 4) && hard.free(boxes[q])) spot = q;
        }
        if (spot < 0) return;
        hard.add(boxes[spot]);
        shown[i] = true;
        L.DomUtil.setPosition(nodes[i], L.point(Math.round(tries[spot][0]), Math.round(tries[spot][1])));
      });
      nodes.forEach(function (node, i) { node.style.display = shown[i] ? "block" : "none"; });
    }
  });
  var labels = new labelLayer();
  layer("labels").addLayer(labels);

  // ------------------------------------------------------------------ portfolio membership
  // Below the candidates (their own pane), so that a candidate's marker stays clickable
  // inside its disc; off at start, so that the score colours stay readable.
  var membership = null;
  if (MEMBERSHIP) {
    membership = layer("membership");
    for (var mi = 0; mi < N; mi++) {
      (function (i) {
        var p = MEMBERSHIP.p[i];
        if (p === null || p <= 0) return;
        var disc = L.circleMarker([C.lat[i], C.lon[i]], {
          pane: "membership", radius: 6 + 16 * Math.sqrt(p), weight: 1.5, color: "#a63603",
          fillColor: "#fd8d3c", fillOpacity: 0.45, className: "membership-marker memb-" + i
        }).bindTooltip(function () { return h("span", { text: place(i) + ": " + share(p) }); });
        bindPopup(disc, function () {
          return h("div", { className: "popup membership-popup" }, [
            h("h3", { text: place(i) }), h("div", { text: membershipSentence(p, MEMBERSHIP.draws) })
          ]);
        });
        disc.addTo(membership);
      })(mi);
    }
  }

  // ------------------------------------------------------------------ stakeholders
  // Whose weights put the site in the portfolio: a violet disc per site some stakeholder's own
  // portfolio holds, sized by how many do; its popup names them (siting.stakeholders).
  var stakeholders = null;
  if (STAKE) {
    stakeholders = layer("stakeholders");
    var STAKE_N = STAKE.names.length;
    for (var si = 0; si < N; si++) {
      (function (i) {
        var by = STAKE.chosen_by[i];
        if (!by || !by.length) return;
        var who = by.map(function (k) { return STAKE.names[k][lang] || STAKE.names[k].en; }).join(", ");
        var disc = L.circleMarker([C.lat[i], C.lon[i]], {
          pane: "membership", radius: 7 + 14 * Math.sqrt(by.length / STAKE_N), weight: 2, color: "#54278f",
          fillColor: "#9e9ac8", fillOpacity: 0.5, className: "stakeholder-marker stake-" + i
        }).bindTooltip(function () { return h("span", { text: place(i) + ": " + integer(by.length) + "/" + integer(STAKE_N) }); });
        bindPopup(disc, function () {
          var lines = [h("h3", { text: place(i) }),
            h("div", { text: fill(t("In the portfolio chosen by the weights of: {names}"), { names: who }) })];
          if (STAKE.hull[i] !== null) {
            lines.push(h("div", { text: fill(tn("In the portfolio in {share} of {n} mixture of their weights.",
              "In the portfolio in {share} of {n} mixtures of their weights.", STAKE.draws),
              { share: share(STAKE.hull[i]), n: integer(STAKE.draws) }) }));
          }
          return h("div", { className: "popup stakeholder-popup" }, lines);
        });
        disc.addTo(stakeholders);
      })(si);
    }
  }

  // ------------------------------------------------------------------ alternatives
  DATA.alternatives.forEach(function (alt, ai) {
    var colour = ALT_COLOURS[ai % ALT_COLOURS.length];
    var group = layer("alternative:" + ai);
    alt.ids.forEach(function (id) {
      var j = indexOf[id];
      if (j === undefined) return;
      L.circleMarker([C.lat[j], C.lon[j]], {
        radius: 15 + 3 * (ai % 3), weight: 2, color: colour, dashArray: "4,3", fill: false,
        interactive: false, className: "alternative-ring alt-" + ai
      }).addTo(group);
    });
  });

  function difference(dropped, added) {
    var drop = places(dropped), add = places(added);
    if (!drop.length && !add.length) return t("the same sites as the optimum");
    if (drop.length === 1 && add.length === 1) return fill(t("{added} instead of {dropped}"), { added: add[0], dropped: drop[0] });
    var parts = [];
    if (drop.length) parts.push(fill(t("without {sites}"), { sites: listText(drop) }));
    if (add.length) parts.push(fill(t("with {sites}"), { sites: listText(add) }));
    return parts.join("; ");
  }

  function renderAlternatives() {
    var list = byId("alternatives");
    list.replaceChildren();
    DATA.alternatives.forEach(function (alt, ai) {
      var colour = ALT_COLOURS[ai % ALT_COLOURS.length];
      byId("alternatives-box").hidden = false;
      var gap = alt.gap === null ? "" : "; " + fill(t("{gap} below the optimum"), { gap: fmt(alt.gap) });
      list.appendChild(h("li", {}, [
        h("span", { className: "swatch", style: { background: colour } }),
        h("strong", { text: fill(t("Alternative {n}"), { n: integer(ai + 1) }) }),
        h("span", { text: ": " + listText(places(alt.ids)) + " (" + fill(t("total score {score}"), { score: fmt(alt.total) }) +
          gap + "; " + difference(alt.dropped, alt.added) + ")" })
      ]));
    });
  }

  // ------------------------------------------------------------------ Pareto front
  var paretoPick = layer("pareto");
  var paretoChosen = null;
  // A chart of the front (population covered across, total score up) and a table of its
  // points; choosing a point in either rings its sites on the map.
  function drawPareto() {
    var points = DATA.pareto;
    if (!points.length) return;
    byId("pareto-box").hidden = false;
    var box = byId("pareto");
    box.replaceChildren();
    var NS = "http://www.w3.org/2000/svg";
    var W = 320, H = 190, ML = 40, MR = 12, MT = 12, MB = 30;
    var xs = points.map(function (p) { return p.population; });
    var ys = points.map(function (p) { return p.score; });
    function scale(vals, a, b) {
      var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
      return function (v) { return hi > lo ? a + (b - a) * (v - lo) / (hi - lo) : (a + b) / 2; };
    }
    var sx = scale(xs, ML, W - MR), sy = scale(ys, H - MB, MT);
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", t("Pareto front: population covered against total score"));
    function el(tag, attrs, text) {
      var node = document.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      if (text !== undefined) node.textContent = text;
      svg.appendChild(node);
      return node;
    }
    el("line", { x1: ML, y1: H - MB, x2: W - MR, y2: H - MB, stroke: "#999" });
    el("line", { x1: ML, y1: MT, x2: ML, y2: H - MB, stroke: "#999" });
    el("polyline", { fill: "none", stroke: "#9bb5dc", "stroke-width": 1.5,
      points: points.map(function (p) { return sx(p.population) + "," + sy(p.score); }).join(" ") });
    var xlo = Math.min.apply(null, xs), xhi = Math.max.apply(null, xs);
    var ylo = Math.min.apply(null, ys), yhi = Math.max.apply(null, ys);
    el("text", { x: ML, y: H - MB + 12, "font-size": 9, "text-anchor": "start" }, fmt(xlo));
    el("text", { x: W - MR, y: H - MB + 12, "font-size": 9, "text-anchor": "end" }, fmt(xhi));
    el("text", { x: (ML + W - MR) / 2, y: H - 4, "font-size": 10, "text-anchor": "middle" }, t("population covered"));
    el("text", { x: ML - 3, y: H - MB, "font-size": 9, "text-anchor": "end" }, fmt(ylo));
    el("text", { x: ML - 3, y: MT + 8, "font-size": 9, "text-anchor": "end" }, fmt(yhi));
    el("text", { x: 4, y: MT + (H - MB - MT) / 2, "font-size": 10, "text-anchor": "middle",
      transform: "rotate(-90 10 " + (MT + (H - MB - MT) / 2) + ")" }, t("total score"));
    var info = h("p", { className: "hint", id: "pareto-info", text: t("Choose a point (chart or table) to ring its sites on the map.") });
    var dots = [], rows = [];
    function choose(pi) {
      var p = points[pi];
      paretoChosen = pi;
      paretoPick.clearLayers();
      if (!map.hasLayer(paretoPick)) paretoPick.addTo(map);
      p.ids.forEach(function (id) {
        var j = indexOf[id];
        if (j !== undefined) {
          L.circleMarker([C.lat[j], C.lon[j]], { radius: 14, weight: 3, color: PARETO_COLOUR,
            fill: false, interactive: false, className: "pareto-ring" }).addTo(paretoPick);
        }
      });
      dots.forEach(function (d, k) { d.setAttribute("fill", k === pi ? PARETO_COLOUR : "#3b6fb6"); });
      rows.forEach(function (r, k) { r.className = k === pi ? "selected" : ""; });
      info.textContent = fill(t("Point {n}: population covered {population}, total score {score}: {sites}"), {
        n: integer(pi + 1), population: integer(p.population), score: fmt(p.score), sites: listText(places(p.ids))
      });
    }
    points.forEach(function (p, pi) {
      var x = sx(p.population), y = sy(p.score);
      var dot = el("circle", { cx: x, cy: y, r: 5, fill: "#3b6fb6",
        stroke: p.optimal ? RING : "#fff", "stroke-width": p.optimal ? 2 : 1,
        "data-index": pi, "class": "pareto-point" });
      dot.addEventListener("click", function () { choose(pi); });
      dots.push(dot);
      el("text", { x: x + 6, y: y - 5, "font-size": 9 }, integer(pi + 1));
    });
    var tbody = h("tbody", {}, points.map(function (p, pi) {
      var tr = h("tr", { "data-index": String(pi), title: t("Show these sites on the map") }, [
        h("td", { className: "num", text: integer(pi + 1) + (p.optimal ? " ★" : "") }),
        h("td", { className: "num", text: integer(p.population) + (p.share === null ? "" : " (" + pct(p.share) + ")") }),
        h("td", { className: "num", text: fmt(p.score) }),
        h("td", { text: listText(places(p.ids)) })
      ]);
      tr.addEventListener("click", function () { choose(pi); });
      rows.push(tr);
      return tr;
    }));
    var table = h("table", { className: "ranking pareto-table" }, [
      h("thead", {}, [h("tr", {}, [h("th", { text: "#" }), h("th", { text: t("Population covered") }),
        h("th", { text: t("Total score") }), h("th", { text: t("Sites") })])]),
      tbody
    ]);
    box.appendChild(svg);
    box.appendChild(info);
    box.appendChild(table);
    box.appendChild(h("p", { className: "hint", text: t("★ and the red-edged dot: the portfolio with the best total score.") }));
    paretoPickFn = choose;
    if (paretoChosen !== null) choose(paretoChosen);
  }
  var paretoPickFn = null;

  // ------------------------------------------------------------------ reference
  var REF = DATA.reference;
  var bounds = [];
  if (REF) {
    var refLayer = layer("reference");
    REF.facilities.forEach(function (fl) {
      for (var j = 0; j < fl.lat.length; j++) {
        (function (j) {
          L.circleMarker([fl.lat[j], fl.lon[j]], {
            renderer: facilityRenderer, pane: "facilities", radius: 3, weight: 0.5, color: "#fff",
            fillColor: "#555", fillOpacity: 0.8
          }).bindTooltip(function () {
            return h("span", { text: fill(t("{name} ({layer}, reference)"), { name: fl.names[j], layer: layerName(fl) }) });
          }).addTo(refLayer);
        })(j);
      }
    });
    REF.sites.forEach(function (site) {
      var marker = L.circleMarker([site.lat, site.lon], {
        radius: 8, weight: 2, color: "#000", fillColor: "#fff", fillOpacity: 1, className: "reference-marker"
      }).bindTooltip(function () { return h("span", { text: fill(t("{name} (reference)"), { name: site.name[lang] }) }); });
      bindPopup(marker, function () { return referencePopup(site); });
      marker.addTo(refLayer);
      bounds.push([site.lat, site.lon]);
    });
  }

  function referencePopup(site) {
    var w = state.weights;
    return h("div", { className: "popup" }, [
      h("h3", { text: site.name[lang] }),
      h("div", { className: "meta", text: fill(t("Reference, not a candidate: {sentence}"), { sentence: referenceSentence(weightedSum(site.v, w)) }) }),
      criteriaTable(site.raw, site.v, w)
    ]);
  }

  // Candidates and reference compared on one footing: the weighted sum under these weights.
  function referenceSentence(s) {
    var w = state.weights;
    var n = 0, better = 0;
    for (var j = 0; j < N; j++) {
      if (!kept(j)) continue;
      n++;
      if (weightedSum(C.v[j], w) > s) better++;
    }
    return fill(t("weighted-sum score {score}; it would rank {rank} of {count}."), {
      score: fmt(s), rank: integer(better + 1), count: integer(n + 1)
    });
  }

  function renderReference() {
    if (!REF) return;
    byId("reference-box").hidden = false;
    var box = byId("reference-score");
    box.replaceChildren.apply(box, REF.sites.map(function (site) {
      return h("div", { text: site.name[lang] + ": " + referenceSentence(weightedSum(site.v, state.weights)) });
    }));
  }

  // ------------------------------------------------------------------ tiles and boundaries
  if (LAYERS.tiles) {
    LAYERS.tiles.on("tileerror", function () {
      if (state.tilesFailed) return;
      state.tilesFailed = true;
      renderStatus();
    });
  }

  // Regions answer the mouse with their name, as text, in the reader's language (folium's
  // GeoJSON carries no text: it reads its own output as a template a second time).
  if (LAYERS.boundaries && DATA.boundary_names) {
    LAYERS.boundaries.eachLayer(function (region) {
      var f = region.feature;
      var names = f ? DATA.boundary_names[Number(f.id)] : null;
      if (!names || f.properties.level === "country" || !names[lang]) return;
      region.bindTooltip(function () { return h("span", { text: names[lang] }); }, { sticky: true, className: "region-tip" });
    });
  }

  // ------------------------------------------------------------------ layer control, in words
  function swatch(colour, border) {
    return '<span class="swatch" style="background:' + colour + (border ? ";border:2px solid #000" : "") + '"></span>';
  }
  function controlLabel(role) {
    if (role === "boundaries") return esc(t("Border and regions"));
    if (role === "tiles") return esc(t("Online tiles (needs a network)"));
    if (role === "candidates") return esc(t("Candidates, coloured by score"));
    if (role === "excluded") return swatch("#999") + esc(t("Excluded candidates"));
    if (role === "labels") return esc(t("Town names"));
    if (role === "surface") return esc(t("Suitability surface"));
    if (role === "surface_sites") return swatch("#111", true) + esc(t("Sites chosen from the surface"));
    if (role === "surface_regions") return swatch("transparent", true) + esc(t("Regions chosen from the surface"));
    if (role === "portfolio") return swatch(RING) + esc(t("Chosen portfolio"));
    if (role === "coverage") {
      return esc(PORTFOLIO.radius_from === "coverage"
        ? fill(t("Portfolio coverage ({km} km)"), { km: fmt(PORTFOLIO.radius_km) })
        : fill(t("Portfolio circles ({km} km, half the spacing)"), { km: fmt(PORTFOLIO.radius_km) }));
    }
    if (role === "membership") {
      return swatch("#fd8d3c") + esc(fill(tn("Portfolio membership probability ({n} draw)",
        "Portfolio membership probability ({n} draws)", MEMBERSHIP.draws), { n: integer(MEMBERSHIP.draws) }));
    }
    if (role === "stakeholders") return swatch("#9e9ac8") + esc(t("Whose weights put the site in the portfolio"));
    if (role === "pareto") return swatch(PARETO_COLOUR) + esc(t("Pareto point chosen in the panel"));
    if (role === "reference") return swatch("#fff", true) + esc(t("Novosibirsk reference"));
    if (role.indexOf("alternative:") === 0) {
      var ai = Number(role.slice(12)), alt = DATA.alternatives[ai];
      return swatch(ALT_COLOURS[ai % ALT_COLOURS.length]) + esc(fill(t("Alternative {n}"), { n: integer(ai + 1) }) +
        " (" + fill(t("total score {score}"), { score: fmt(alt.total) }) + ")");
    }
    if (role.indexOf("facility:") === 0) {
      var key = role.slice(9);
      for (var li = 0; li < DATA.layers.length; li++) {
        var fl = DATA.layers[li];
        if (fl.name === key) return swatch(LAYER_COLOURS[li % LAYER_COLOURS.length]) + esc(layerName(fl) + " (" + integer(fl.lat.length) + ")");
      }
    }
    return null;
  }
  // Leaflet's layer control words its entries once; relabel them in the reader's language
  // (through its own _layers and _update, Leaflet 1.9.3's, pinned with xstatic-leaflet).
  // Layers an analyst added with folium keep their own names.
  function relabelControl() {
    var control = env.control;
    if (!control || !control._layers) return;
    control._layers.forEach(function (entry) {
      Object.keys(LAYERS).forEach(function (role) {
        if (LAYERS[role] === entry.layer) {
          var text = controlLabel(role);
          if (text !== null) entry.name = text;
        }
      });
    });
    if (control._map) control._update();
  }

  // ------------------------------------------------------------------ scale and controls, in words
  // Leaflet writes "km" and "m" itself; this scale writes them from the catalog, as text.
  var Scale = L.Control.Scale.extend({
    _updateMetric: function (maxMeters) {
      var meters = this._getRoundNum(maxMeters);
      var text = meters < 1000 ? fill(t("{n} m"), { n: integer(meters) }) : fill(t("{n} km"), { n: integer(meters / 1000) });
      this._updateScale(this._mScale, text, meters / maxMeters);
    },
    _updateScale: function (scale, text, ratio) {
      scale.style.width = Math.round(this.options.maxWidth * ratio) + "px";
      scale.textContent = text;
    }
  });
  var scale = new Scale({ imperial: false, position: "bottomleft" }).addTo(map);

  function renderControls() {
    scale._update();
    if (map.zoomControl) {
      [[map.zoomControl._zoomInButton, t("Zoom in")], [map.zoomControl._zoomOutButton, t("Zoom out")]].forEach(function (pair) {
        if (pair[0]) { pair[0].title = pair[1]; pair[0].setAttribute("aria-label", pair[1]); }
      });
    }
    if (env.control && env.control._layersLink) env.control._layersLink.title = t("Layers");
  }
  map.on("popupopen", function (e) {
    var close = e.popup._closeButton;
    if (close) close.setAttribute("aria-label", t("Close"));
  });

  // ------------------------------------------------------------------ legend
  var legend = L.control({ position: "bottomright" });
  var legendBox = h("details", { className: "legend", id: "legend" });
  legend.onAdd = function () {
    L.DomEvent.disableClickPropagation(legendBox);
    L.DomEvent.disableScrollPropagation(legendBox);
    return legendBox;
  };
  legend.addTo(map);
  // The legend folds away where the map is small (a phone, a laptop): open, it would cover part
  // of the country; a click opens it.
  var mapSize = map.getSize();
  legendBox.open = mapSize.x >= 1200 && mapSize.y >= 800;
  function renderLegend() {
    var range = scoreRange();
    var ramp = h("div", { className: "ramp", style: {
      background: "linear-gradient(to right," + [0, 0.25, 0.5, 0.75, 1].map(viridis).join(",") + ")"
    } });
    var items = [
      h("summary", { text: t("Legend") }),
      h("strong", { text: fill(t("Score ({method})"), { method: methodName(DATA.method.name) }) }), ramp,
      h("div", { className: "ends" }, [h("span", { text: fmt(range[0]) }), h("span", { text: fmt(range[1]) })]),
      h("div", {}, [h("span", { className: "swatch", style: { background: "#999" } }), t("excluded (see popup)")])
    ];
    if (PORTFOLIO) items.push(h("div", {}, [h("span", { className: "ring" }), t("chosen portfolio")]));
    if (MEMBERSHIP) {
      items.push(h("div", {}, [h("span", { className: "swatch", style: { background: "#fd8d3c" } }),
        fill(tn("disc size: share of {n} weight draw with the site in the optimal portfolio (layer)",
          "disc size: share of {n} weight draws with the site in the optimal portfolio (layer)", MEMBERSHIP.draws), { n: integer(MEMBERSHIP.draws) })]));
    }
    var note = (DATA.boundary_notes && DATA.boundary_notes[lang]) || DATA.boundary_note;
    if (note) items.push(boundaryNote(note));
    legendBox.replaceChildren.apply(legendBox, items);
  }

  // The boundaries' own caveat (for the shipped layer: the pre-2022 regions), its first
  // sentence always in view and the rest a click away.
  function boundaryNote(note) {
    var m = note.match(/^.*?[.!?](?=\s|$)/);
    var first = m ? m[0] : note;
    var rest = note.slice(first.length).trim();
    var summary = fill(t("Boundaries: {note}"), { note: first });
    if (!rest) return h("div", { className: "note", id: "boundary-note", text: summary });
    return h("details", { className: "note", id: "boundary-note" }, [h("summary", { text: summary }), h("div", { text: rest })]);
  }

  // ------------------------------------------------------------------ rules in words
  // One answer everywhere: the study's own binding rules are shown exactly as
  // siting.outputs.words wrote them for the report and the CLI (DATA.portfolio.sentences, in
  // every language). A re-solved portfolio's rules are worded here as Words.rule, Words.binding
  // and Words._why word them: the same messages, the same number formats and the study's words
  // from the same class (DATA.portfolio.words: what the groups are called, each group's name,
  // each candidate's group), so that the same facts give the same sentence in Python and here.
  var VOCAB = PORTFOLIO ? PORTFOLIO.words : null;
  function score(x) { return fixed(x, 3); }  // Words.score
  // A raw measure with as many decimals as its size needs (Words.quantity).
  function quantity(x) {
    if (!finite(x)) return "–";
    if (Math.abs(x) >= 100 || Math.floor(x) === x) return integer(x);
    return fixed(x, Math.abs(x) >= 10 ? 1 : 2);
  }
  function groupName(g) {
    var names = VOCAB ? VOCAB.group_names[lang] || {} : {};
    return Object.prototype.hasOwnProperty.call(names, g) ? names[g] : g;
  }
  // What a rule asks (Words.rule).
  function ruleText(d) {
    switch (d.rule) {
      case "min_spacing_km": return fill(t("sites at least {km} km apart"), { km: quantity(d.value) });
      case "at_most_per_group":
      case "at_least_per_group": {
        var n = finite(d.value) ? Math.trunc(d.value) : 0;
        var values = { n: integer(n), grouping: VOCAB ? VOCAB.grouping[lang] : "" };
        return d.rule === "at_most_per_group"
          ? fill(tn("at most {n} site per {grouping}", "at most {n} sites per {grouping}", n), values)
          : fill(tn("at least {n} site per {grouping}", "at least {n} sites per {grouping}", n), values);
      }
      case "budget": return fill(t("a budget of {limit}"), { limit: quantity(d.value) });
      case "must_include": return fill(t("{sites} always included"), { sites: listText(places(d.value || [])) });
      case "must_exclude": return fill(t("{sites} never included"), { sites: listText(places(d.value || [])) });
      case "equity_km": return fill(t("every region's population centre within {km} km of a site"), { km: quantity(d.value) });
      default: return String(d.rule);
    }
  }
  // What the portfolio without the rule does that the rule forbids (Words._why).
  function ruleWhy(d, joiners) {
    if (d.rule === "min_spacing_km") {
      return (d.pairs || []).slice(0, 3).map(function (p) {
        var first = joiners.indexOf(String(p[0])) >= 0;
        return fill(t("{a} is {km} km from {b}"), {
          a: placeOf(first ? p[0] : p[1]), b: placeOf(first ? p[1] : p[0]), km: quantity(p[2])
        });
      }).join("; ");
    }
    if (d.rule === "at_most_per_group" || d.rule === "at_least_per_group") {
      if (!VOCAB || !VOCAB.grouped) return "";
      var selected = (d.selected_without || []).map(String);
      return (d.groups || []).map(function (group) {
        var g = String(group);
        if (d.rule === "at_least_per_group") return fill(t("{group} would get too few"), { group: groupName(g) });
        var members = selected.filter(function (id) { return indexOf[id] !== undefined && VOCAB.group_of[indexOf[id]] === g; });
        return fill(t("{sites} would all be in {group}"), { sites: listText(places(members)), group: groupName(g) });
      }).join("; ");
    }
    if (d.rule === "budget" && d.cost_without !== null && d.cost_without !== undefined) {
      return fill(t("that portfolio would cost {cost}"), { cost: quantity(d.cost_without) });
    }
    if (d.rule === "equity_km" && d.centres && d.centres.length) {
      return fill(t("{centres} would be farther"), { centres: listText(d.centres.map(String)) });
    }
    return "";
  }
  // A binding rule's effect on the portfolio now chosen (Words.binding).
  function ruleSentence(d) {
    var chosen = state.portfolio.map(String);
    var other = (d.selected_without || []).map(String);
    var joiners = other.filter(function (id) { return chosen.indexOf(id) < 0; });
    var leavers = chosen.filter(function (id) { return other.indexOf(id) < 0; });
    var best = finite(d.objective) ? d.objective : 0;
    var cost = finite(d.objective_without) ? d.objective_without - best : null;
    var head = fill(t("Keeping the rule “{rule}” costs {cost} of total score"), { rule: ruleText(d), cost: score(cost) });
    var swap = joiners.length && leavers.length
      ? fill(t("without it {joiners} would replace {leavers}"), { joiners: listText(places(joiners)), leavers: listText(places(leavers)) })
      : fill(t("without it the best portfolio would be {sites}"), { sites: listText(places(other)) });
    var text = fill(t("{head}: {swap}"), { head: head, swap: swap });
    var reason = ruleWhy(d, joiners);
    if (reason) text = fill(t("{text} ({reason})"), { text: text, reason: reason });
    return text + ".";
  }
  function bindingRules() { return (state.binding || []).filter(function (d) { return d.binds; }); }
  // The rules that decide, in words: the study's own as words.py wrote them, word for word;
  // a re-solved portfolio's as ruleSentence words them.
  function bindingSentences() {
    if (PORTFOLIO && PORTFOLIO.sentences && state.binding === PORTFOLIO.binding) return PORTFOLIO.sentences[lang] || [];
    return bindingRules().map(ruleSentence);
  }

  // ------------------------------------------------------------------ the answer first
  function chosenIds() {
    if (PORTFOLIO) return state.portfolio;
    if (!state.modified && REC) return REC.sites.map(function (v) { return v.id; });
    return rankedOrder().slice(0, 3).map(function (i) { return C.id[i]; });
  }

  // What makes a site strong under the current weights (siting.recommendation's strengths):
  // the criteria where its contribution is furthest above the kept candidates' mean.
  function strengthsOf(i) {
    var w = state.weights, mean = new Array(K).fill(0), n = 0;
    for (var j = 0; j < N; j++) {
      if (!kept(j)) continue;
      n++;
      for (var k = 0; k < K; k++) mean[k] += w[k] * (C.v[j][k] === null ? 0 : C.v[j][k]);
    }
    var gaps = [];
    for (var q = 0; q < K; q++) {
      var own = w[q] * (C.v[i][q] === null ? 0 : C.v[i][q]);
      var gap = own - mean[q] / Math.max(n, 1);
      if (gap > 0) gaps.push([q, gap]);
    }
    gaps.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
    return gaps.slice(0, POINTS).map(function (g) { return DATA.criteria[g[0]].id; });
  }

  function verdictOf(id) {
    if (!REC) return null;
    for (var k = 0; k < REC.sites.length; k++) if (REC.sites[k].id === id) return REC.sites[k];
    return null;
  }
  // A criterion's label inside a sentence ("strong on …"): Words.criterion(inline=True).
  function criterionLabel(id) {
    for (var k = 0; k < K; k++) if (DATA.criteria[k].id === id) return DATA.criteria[k].inline[lang];
    return id;
  }

  function renderAnswer() {
    var ids = chosenIds();
    var whatIf = state.modified;
    var names = places(ids);
    var heading, sentence;
    if (!whatIf) {
      heading = PORTFOLIO ? t("Recommended sites") : t("Best-ranked candidates");
      sentence = PORTFOLIO ? fill(t("The study recommends {sites}."), { sites: listText(names) })
        : fill(t("The best-ranked candidates are {sites}."), { sites: listText(names) });
      if (REC && REC.close && PORTFOLIO) {
        var close = -1;
        REC.sites.forEach(function (v, k) { if (close < 0 && !v.firm && v.contender) close = k; });
        sentence += " " + (close >= 0
          ? fill(t("{position}: {site} or {contender} — a close call."), {
            position: ordinalSite(close), site: placeOf(REC.sites[close].id), contender: placeOf(REC.sites[close].contender)
          })
          : t("A close call: another portfolio scores almost as much."));
      }
    } else if (LIVE) {
      heading = t("What if: the sites for your priorities");
      sentence = fill(t("With your priorities this page chooses {sites}."), { sites: listText(names) }) + " " +
        t("A what-if, not the study's answer: Reset returns to it.");
    } else if (PORTFOLIO) {
      heading = t("What if: the ranking for your priorities");
      sentence = fill(t("The portfolio stays the study's ({sites}): this page re-ranks the candidates but does not re-solve the portfolio."), { sites: listText(names) });
    } else {
      heading = t("What if: the best-ranked candidates for your priorities");
      sentence = fill(t("With your priorities the best-ranked candidates are {sites}."), { sites: listText(names) });
    }
    setText("answer-heading", heading);
    setText("headline", sentence);
    byId("answer").classList.toggle("what-if", whatIf);
    var list = byId("answer-sites");
    list.replaceChildren.apply(list, ids.map(function (id) {
      var i = indexOf[id];
      var v = whatIf ? null : verdictOf(id);
      var strengths = v ? v.strengths : strengthsOf(i);
      var why = strengths.length
        ? fill(t("strong on {criteria}"), { criteria: listText(strengths.map(criterionLabel)) })
        : t("no criterion above the field's mean");
      var sure = [];
      if (state.ranks[i] !== null) sure.push(fill(t("rank {rank}"), { rank: integer(state.ranks[i]) }));
      if (v && v.share !== null && REC.draws > 0) {
        sure.push(fill(tn("in the optimal portfolio in {share} of {n} weight draw",
          "in the optimal portfolio in {share} of {n} weight draws", REC.draws), { share: share(v.share), n: integer(REC.draws) }));
      }
      if (v && !v.firm && v.contender) sure.push(fill(t("a close call with {contender}"), { contender: placeOf(v.contender) }));
      return h("li", { "data-id": id, className: v && !v.firm ? "close-call" : "" }, [
        h("div", { className: "why-line", title: placeOf(id) + " — " + why }, [
          h("strong", { text: placeOf(id) }), " ", h("span", { className: "why", text: "— " + why })
        ]),
        sure.length ? h("div", { className: "sure", text: sure.join("; ") }) : null
      ]);
    }));
    renderAnswerExtra();
  }

  // The nearest alternative and the rules that decide, right under the answer.
  function renderAnswerExtra() {
    var box = byId("answer-extra");
    var lines = [];
    if (PORTFOLIO) {
      if (!state.modified && REC && REC.alternative) {
        lines.push(fill(t("Nearest alternative: {sites}, total score {gap} lower."), {
          sites: listText(places(REC.alternative.ids)), gap: pct(REC.gap, 1)
        }));
      } else if (state.modified && LIVE && state.alternatives && state.alternatives.length) {
        var alt = state.alternatives[0];
        var gap = finite(state.objective) && state.objective ? (state.objective - alt.objective) / Math.abs(state.objective) : null;
        lines.push(fill(t("Nearest alternative: {sites}, total score {gap} lower."), {
          sites: listText(places(alt.ids)), gap: pct(gap, 1)
        }));
      }
      bindingSentences().forEach(function (line) { lines.push(line); });
    }
    box.replaceChildren.apply(box, lines.map(function (line) { return h("span", { className: "line", text: line }); }));
    box.hidden = !lines.length;
  }

  function renderStatus() {
    var parts = [];
    if (state.error) parts.push(fill(t("The portfolio could not be re-solved: {reason}"), { reason: state.error }));
    else if (state.solving) parts.push(t("Re-solving the portfolio…"));
    if (state.tilesFailed) parts.push(t("Online tiles could not be loaded; the vector base map stays."));
    setText("status", parts.join(" "));
  }

  // ------------------------------------------------------------------ panel: sliders
  var inputs = { group: [], crit: [] };
  var outputs = { group: [], crit: [] };
  var sliderLabels = { group: [], crit: [] };
  var showGroups = DATA.groups.length > 1;
  (function buildSliders() {
    var box = byId("sliders");
    DATA.groups.forEach(function (g, gi) {
      var div = h("div", { className: "group" });
      if (showGroups) div.appendChild(slider("group", gi, "group-slider"));
      if (g.criteria.length > 1 || !showGroups) {
        g.criteria.forEach(function (k) { div.appendChild(slider("crit", k, "")); });
      } else {
        var only = h("div", { className: "only-criterion" });
        sliderLabels.crit[g.criteria[0]] = only;
        div.appendChild(only);
      }
      box.appendChild(div);
    });
  })();

  function slider(kind, index, extra) {
    var id = "w-" + kind + "-" + index;
    var input = h("input", { type: "range", min: "0", max: "100", step: "any", id: id,
      "data-kind": kind, "data-index": String(index) });
    input.value = String(state[kind][index]);
    input.addEventListener("input", function () { moveSlider(kind, index, parseFloat(input.value)); });
    var out = h("output", { for: id });
    var lab = h("label", { for: id });
    inputs[kind][index] = input;
    outputs[kind][index] = out;
    sliderLabels[kind][index] = lab;
    return h("div", { className: "slider " + extra }, [lab, input, out]);
  }

  // Setting one share rescales its siblings so that the shares still sum to 100 %: the
  // thumb shows the share it sets (at its far right, 100 %).
  function rebalance(values, members, index, value) {
    var others = members.filter(function (j) { return j !== index; });
    if (!others.length) { values[index] = 100; return; }
    value = Math.max(0, Math.min(100, value));
    var rest = sum(others.map(function (j) { return values[j]; }));
    others.forEach(function (j) { values[j] = rest > 0 ? values[j] * (100 - value) / rest : (100 - value) / others.length; });
    values[index] = value;
  }

  function siblings(kind, index) {
    if (kind === "group") return ALL_GROUPS;
    for (var gi = 0; gi < DATA.groups.length; gi++) {
      if (DATA.groups[gi].criteria.indexOf(index) >= 0) return DATA.groups[gi].criteria;
    }
    return [index];
  }

  var pendingFrame = null;
  function moveSlider(kind, index, value) {
    rebalance(state[kind], siblings(kind, index), index, value);
    syncSliders();
    // one re-score per frame, however fast the thumb moves
    if (pendingFrame === null) {
      pendingFrame = window.requestAnimationFrame(function () {
        pendingFrame = null;
        apply(sliderWeights(), true);
      });
    }
  }

  function syncSliders() {
    ["group", "crit"].forEach(function (kind) {
      inputs[kind].forEach(function (el, i) {
        if (!el) return;
        if (document.activeElement !== el) el.value = String(state[kind][i]);
        outputs[kind][i].textContent = pct(state[kind][i] / 100, 1);
      });
    });
    DATA.criteria.forEach(function (c, k) {
      var lab = sliderLabels.crit[k];
      if (lab) lab.title = fill(t("{share} of the total"), { share: pct(sliderWeights()[k], 1) });
    });
  }

  function renderSliderTexts() {
    DATA.groups.forEach(function (g, gi) {
      var lab = sliderLabels.group[gi];
      if (lab) { lab.textContent = g.label[lang]; lab.title = g.label[lang]; }
    });
    DATA.criteria.forEach(function (c, k) {
      var lab = sliderLabels.crit[k];
      if (lab) lab.textContent = label(k);
    });
    syncSliders();
  }

  byId("reset").addEventListener("click", function () { reset(); });

  function reset() {
    state.group = initialGroup.slice();
    state.crit = initialCrit.slice();
    setWeightsMessage("");
    syncSliders();
    return apply(studyWeights.slice(), false);
  }

  function setWeightsMessage(text) {
    var el = byId("weights-message");
    el.textContent = text;
    el.hidden = !text;
  }

  // ------------------------------------------------------------------ panel: ranking
  var tbody = document.querySelector("#ranking tbody");
  function focus(i) {
    map.setView([C.lat[i], C.lon[i]], Math.max(map.getZoom(), 5));
    markers[i].openPopup();
  }
  function renderTable() {
    var rows = rankedOrder().map(function (i) {
      var delta = C.rank[i] !== null && state.ranks[i] !== null ? C.rank[i] - state.ranks[i] : 0;
      var tr = h("tr", { "data-id": C.id[i], "data-index": String(i), className: inPortfolio(C.id[i]) ? "in-portfolio" : "" }, [
        h("td", { className: "num", text: integer(state.ranks[i]) }),
        h("td", { text: place(i) }),
        h("td", { className: "num", text: fixed(state.scores[i], 3) }),
        h("td", { className: "num " + (delta > 0 ? "up" : delta < 0 ? "down" : ""),
          text: delta > 0 ? "▲" + integer(delta) : delta < 0 ? "▼" + integer(-delta) : "" })
      ]);
      tr.addEventListener("click", function () { focus(i); });
      return tr;
    });
    tbody.replaceChildren.apply(tbody, rows);
  }
  function renderExcluded() {
    var box = byId("excluded-list");
    var excluded = [];
    for (var e = 0; e < N; e++) if (!kept(e)) excluded.push(e);
    box.hidden = excluded.length === 0;
    box.querySelector("summary").textContent = fill(tn("{n} excluded candidate (grey on the map)",
      "{n} excluded candidates (grey on the map)", excluded.length), { n: integer(excluded.length) });
    var list = box.querySelector("ul");
    list.replaceChildren.apply(list, excluded.map(function (j) { return h("li", { text: place(j) + ": " + excludedText(j) }); }));
  }

  // ------------------------------------------------------------------ panel: portfolio
  function renderPortfolioBox() {
    if (!PORTFOLIO) return;
    byId("portfolio-box").hidden = false;
    var list = byId("portfolio-sites");
    list.replaceChildren.apply(list, state.portfolio.map(function (id) {
      var j = indexOf[id];
      return h("li", { text: fill(t("{name} (rank {rank})"), { name: placeOf(id), rank: j === undefined ? "–" : integer(state.ranks[j]) }) });
    }));
    // The rules that decide, named; what each costs is said once, under the answer.
    var binding = byId("portfolio-binding");
    var lines = bindingRules().map(ruleText);
    if (!lines.length) lines = [t("None: the best-scoring sites already satisfy every rule.")];
    binding.replaceChildren.apply(binding, lines.map(function (s) { return h("li", { text: s }); }));
    var coverage = "";
    if (!state.modified && PORTFOLIO.population !== null && PORTFOLIO.radius_from === "coverage") {
      coverage = fill(t("Population within {km} km of a chosen site: {population}."), {
        km: fmt(PORTFOLIO.radius_km), population: integer(PORTFOLIO.population)
      });
    }
    setText("portfolio-coverage", coverage);
  }

  // ------------------------------------------------------------------ panel: static texts
  function renderStatic() {
    document.title = DATA.title[lang];
    document.documentElement.lang = lang;
    map.getContainer().setAttribute("aria-label", t("Map of the candidate sites"));
    setText("title", DATA.title[lang]);
    setText("description", DATA.description[lang]);
    setText("h-whatif", t("What if the priorities change?"));
    var method = { method: methodName(DATA.method.name) };
    setText("whatif-hint", LIVE
      ? fill(t("Move a slider: every candidate is re-scored by {method} with the study's options and re-ranked, and the portfolio is re-solved under the study's rules."), method)
      : ENGINE
        ? fill(t("Move a slider: every candidate is re-scored by {method} with the study's options and re-ranked; the portfolio stays the study's."), method)
        : t("Move a slider: every candidate is re-scored with the weighted sum of its values and re-ranked; the portfolio stays the study's."));
    setText("reset", t("Reset to the study's weights"));
    setText("h-ranking", t("Ranking"));
    setText("ranking-hint", fill(t("Scored by {method}. Click a row to see the candidate on the map."), { method: methodName(DATA.method.name) }));
    setText("th-rank", "#");
    setText("th-name", t("Candidate"));
    setText("th-score", t("Score"));
    setText("th-delta", "Δ");
    byId("th-delta").title = t("Change against the study's rank");
    setText("h-portfolio", t("Portfolio"));
    setText("binding-intro", t("Rules that decide:"));
    setText("h-alternatives", t("Alternative portfolios"));
    setText("alternatives-hint", t("The next-best portfolios under the study's weights and rules; each is a layer (off at start) in the layers control."));
    setText("h-pareto", t("Total score against population covered"));
    setText("pareto-hint", t("Pareto front: each point is a portfolio that no other beats on both total score and population covered; more population within reach costs total score."));
    setText("h-reference", t("The reference: Novosibirsk"));
    setText("reference-text", t("The model is the Novosibirsk Scientific Center: three science campuses, 53 institutes of the Siberian Branch of the Russian Academy of Sciences, Novosibirsk State University, the Academpark technology park (253 residents, about 1.5 % of the region's GRP) and the science city of Koltsovo with the \"Vector\" centre, organised around the triangle science – education – industry."));
    setText("h-about", t("How the candidates are scored"));
    setText("method-gloss", methodGloss(DATA.method.name));
    var nav = byId("languages");
    nav.setAttribute("aria-label", t("Language"));
    nav.replaceChildren.apply(nav, DATA.languages.map(function (l) {
      var b = h("button", { type: "button", lang: l.code, "data-lang": l.code, text: l.name,
        "aria-pressed": l.code === lang ? "true" : "false" });
      b.addEventListener("click", function () { setLanguage(l.code); });
      return b;
    }));
  }

  // ------------------------------------------------------------------ redrawing
  function drawScores() {
    var range = scoreRange();
    for (var j = 0; j < N; j++) {
      if (kept(j)) markers[j].setStyle({ fillColor: colourOf(j, range) });
    }
    renderTable();
    renderLegend();
    renderReference();
    syncSliders();
    updateOpenPopup();
  }

  function drawPortfolio() {
    drawRings();
    labels.layout();
    renderAnswer();
    renderPortfolioBox();
    renderTable();
    renderStatus();
    updateOpenPopup();
  }

  function updateOpenPopup() {
    popupHolders.forEach(function (m) { if (m.isPopupOpen && m.isPopupOpen()) m.getPopup().update(); });
  }

  function renderAll() {
    formats = {};
    renderStatic();
    renderControls();
    renderSliderTexts();
    renderExcluded();
    renderAlternatives();
    drawPareto();
    drawScores();
    drawPortfolio();
    labels.relabel();
    relabelControl();
  }

  function setLanguage(code) {
    if (!DATA.messages[code]) return false;
    lang = code;
    renderAll();
    // the surface's legend and popup (surface.js) follow the language too
    document.dispatchEvent(new CustomEvent("siting:language", { detail: code }));
    return true;
  }

  // ------------------------------------------------------------------ weights from outside
  var ticket = 0;
  var lastApply = Promise.resolve();
  function apply(w, modified) {
    var done = applyNow(w, modified);
    lastApply = done.then(function () {}, function () {});
    return done;
  }
  // Resolved once the slider moves made so far are scored, ranked and solved.
  function idle() {
    return new Promise(function (resolve) {
      function settle() { lastApply.then(resolve); }
      if (pendingFrame === null) settle();
      else window.requestAnimationFrame(function () { window.setTimeout(settle, 0); });
    });
  }
  function applyNow(w, modified) {
    state.error = "";
    if (!modified) {
      state.scores = C.score.slice();
      state.ranks = C.rank.slice();
      state.portfolio = PORTFOLIO ? PORTFOLIO.ids.slice() : [];
      state.binding = PORTFOLIO ? PORTFOLIO.binding : [];
      state.alternatives = null;
      state.objective = PORTFOLIO ? PORTFOLIO.objective : null;
    } else {
      var scored;
      try {
        scored = scoreWith(w);
      } catch (err) {
        // the page keeps the last weights it could score
        state.error = err.message;
        renderStatus();
        return Promise.reject(err);
      }
      state.scores = scored.scores;
      state.ranks = scored.ranks;
    }
    state.weights = w;
    state.modified = modified;
    var mine = ++ticket;
    drawScores();
    if (!modified || !LIVE) {
      state.solving = false;
      drawPortfolio();
      return Promise.resolve();
    }
    state.solving = true;
    renderStatus();
    return engineSolve(state.scores).then(function (res) {
      if (mine !== ticket) return;
      state.solving = false;
      state.portfolio = res.ids.slice();
      state.binding = res.binding || [];
      state.alternatives = res.alternatives || [];
      state.objective = res.objective;
      drawPortfolio();
    }, function (err) {
      if (mine !== ticket) return;
      state.solving = false;
      state.error = String(err && err.message ? err.message : err);
      drawPortfolio();
      throw err;
    });
  }

  // Any non-negative weights by criterion id, normalised to sum 1 as the study's are; the
  // sliders move to the shares they imply.
  function setWeights(given) {
    var problem = "";
    if (!given || typeof given !== "object") problem = t("Give the weights as {criterion id: weight}.");
    var ids = DATA.criteria.map(function (c) { return c.id; });
    Object.keys(given || {}).forEach(function (key) {
      if (problem) return;
      if (ids.indexOf(key) < 0) problem = fill(t("{id} is not a criterion of this study."), { id: key });
      else if (!finite(Number(given[key])) || Number(given[key]) < 0) problem = fill(t("The weight of {id} must be a number of 0 or more."), { id: key });
    });
    var w = DATA.criteria.map(function (c) { return given && given[c.id] !== undefined ? Number(given[c.id]) : 0; });
    var total = sum(w);
    if (!problem && !(total > 0)) problem = t("Every weight is 0: give at least one criterion some weight.");
    if (problem) {
      setWeightsMessage(problem);
      return Promise.reject(new Error(problem));
    }
    setWeightsMessage("");
    w = w.map(function (x) { return x / total; });
    DATA.groups.forEach(function (g, gi) {
      var gs = sum(g.criteria.map(function (k) { return w[k]; }));
      state.group[gi] = 100 * gs;
      if (gs > 0) g.criteria.forEach(function (k) { state.crit[k] = 100 * w[k] / gs; });
    });
    syncSliders();
    return engineReady().then(function () { return apply(w, true); });
  }

  // ------------------------------------------------------------------ first view
  relabelControl();
  if (DATA.bounds) {
    map.fitBounds(DATA.bounds, { padding: [8, 8], animate: false });
  } else {
    for (var bi = 0; bi < N; bi++) bounds.push([C.lat[bi], C.lon[bi]]);
    if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 8, animate: false });
    else map.setView([48, 67], 4);
  }
  renderAll();

  // A small handle for tests and notebooks; the page itself never reads it.
  window.siting = {
    map: map,
    markers: markers,
    layers: { membership: membership, stakeholders: stakeholders },
    engine: ENGINE ? "engine" : "weighted-sum",
    live: LIVE,
    setWeights: setWeights,
    reset: reset,
    weights: function () {
      var out = {};
      DATA.criteria.forEach(function (c, k) { out[c.id] = state.weights[k]; });
      return out;
    },
    scores: function () {
      var out = {};
      for (var i = 0; i < N; i++) if (kept(i) && state.scores[i] !== null) out[C.id[i]] = state.scores[i];
      return out;
    },
    ranks: function () {
      var out = {};
      for (var i = 0; i < N; i++) if (state.ranks[i] !== null) out[C.id[i]] = state.ranks[i];
      return out;
    },
    portfolio: function () { return chosenIds().slice(); },
    objective: function () { return state.objective; },
    binding: function () { return (state.binding || []).slice(); },
    // the binding rules in words, as the page shows them (the report's, for the study's own)
    ruleSentences: function () { return bindingSentences().slice(); },
    // numbers as the page writes them in its language (Words.score, Words.quantity, percent)
    numbers: { score: function (x) { return score(x); }, quantity: function (x) { return quantity(x); },
      integer: function (x) { return integer(x); }, percent: function (p, digits) { return pct(p, digits); } },
    setLanguage: setLanguage,
    language: function () { return lang; },
    // the page's messages, for the scripts that draw beside it (surface.js)
    t: function (msgid) { return t(msgid); },
    choosePareto: function (k) { if (paretoPickFn) paretoPickFn(k); },
    relayout: function () { labels.layout(); },
    idle: idle,
    ready: true,
    readyAt: performance.now()
  };
  engineReady().then(function () { window.siting.engineReadyAt = performance.now(); });
}
