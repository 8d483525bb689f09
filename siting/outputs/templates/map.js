/* siting map: draws the study from the inlined JSON.
 *
 * Every text that comes from data enters the page through textContent (or, for the
 * layers control, which takes HTML, through esc()), never as markup: a candidate
 * whose name is an HTML tag is shown as those characters.
 */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("siting-data").textContent);
  var C = DATA.candidates;
  var N = C.id.length;
  var K = DATA.criteria.length;
  var PORTFOLIO = DATA.portfolio ? DATA.portfolio.ids : [];
  var ROB = DATA.robustness;
  var MEMBERSHIP = ROB ? ROB.membership : null;
  var ALT_COLOURS = ["#9467bd", "#17becf", "#8c564b", "#bcbd22", "#7f7f7f", "#1b9e77"];
  var PARETO_COLOUR = "#d01c8b";  // apart from the membership discs' orange
  var LAYER_COLOURS = ["#1f77b4", "#2ca02c", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
    "#17becf", "#ff7f0e"];

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

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function fmt(x) {
    if (x === null || x === undefined || !isFinite(x)) return "–";
    var a = Math.abs(x);
    if (a >= 1000) return Math.round(x).toLocaleString("en-US");
    if (a >= 100) return x.toFixed(0);
    if (a >= 10) return x.toFixed(1);
    return x.toPrecision(3).replace(/\.?0+$/, "") || "0";
  }

  function pct(x) {
    return (100 * x).toFixed(1) + " %";
  }

  // A probability for people: never "0.0 %" for something that happened, nor "100.0 %"
  // for something that did not always happen.
  function share(p) {
    if (p === null || p === undefined || !isFinite(p)) return "–";
    if (p <= 0) return "0 %";
    if (p >= 1) return "100 %";
    if (p < 0.001) return "< 0.1 %";
    if (p > 0.999) return "> 99.9 %";
    return (100 * p).toFixed(1) + " %";
  }

  function count(n) { return Number(n).toLocaleString("en-US"); }

  function membershipSentence(i) {
    return "in the optimal portfolio in " + share(MEMBERSHIP.p[i]) + " of " +
      count(MEMBERSHIP.draws) + " weight draws";
  }

  // viridis, five stops: dark (low score) to yellow (high score)
  var STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  function viridis(t) {
    t = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
    var i = Math.min(Math.floor(t), STOPS.length - 2);
    var f = t - i;
    var a = STOPS[i], b = STOPS[i + 1];
    var c = [0, 1, 2].map(function (j) { return Math.round(a[j] + f * (b[j] - a[j])); });
    return "rgb(" + c.join(",") + ")";
  }

  function kept(i) { return C.excluded[i] === ""; }

  // ------------------------------------------------------------------ weights and scores
  var initialGroup = DATA.groups.map(function (g) { return 100 * g.share; });
  var initialCrit = DATA.criteria.map(function (c) { return 100 * c.local; });
  var state = {
    group: initialGroup.slice(),
    crit: initialCrit.slice(),
    modified: false,
    weights: DATA.criteria.map(function (c) { return c.weight; }),
    scores: C.score.slice(),
    ranks: C.rank.slice()
  };

  function globalWeights() {
    var w = new Array(K).fill(0);
    var gsum = state.group.reduce(function (s, x) { return s + x; }, 0);
    DATA.groups.forEach(function (g, gi) {
      var lsum = g.criteria.reduce(function (s, ci) { return s + state.crit[ci]; }, 0);
      if (gsum <= 0 || lsum <= 0) return;
      g.criteria.forEach(function (ci) {
        w[ci] = (state.group[gi] / gsum) * (state.crit[ci] / lsum);
      });
    });
    return w;
  }

  function weightedSum(values, w) {
    var s = 0;
    for (var k = 0; k < K; k++) {
      var v = values[k];
      if (v !== null) s += w[k] * v;
    }
    return s;
  }

  function recompute() {
    if (!state.modified) {
      state.weights = DATA.criteria.map(function (c) { return c.weight; });
      state.scores = C.score.slice();
      state.ranks = C.rank.slice();
      return;
    }
    var w = globalWeights();
    var scores = C.v.map(function (row) { return weightedSum(row, w); });
    var order = [];
    for (var i = 0; i < N; i++) if (kept(i)) order.push(i);
    // ties keep the study's order, so equal scores never shuffle
    order.sort(function (a, b) { return scores[b] - scores[a] || a - b; });
    // competition ranking with siting's one tie rule (siting.mcda.rank): a score within
    // DATA.tie of the one before it shares its rank (1, 2, 2, 4)
    var ranks = new Array(N).fill(null);
    order.forEach(function (i, r) {
      var prev = r > 0 ? order[r - 1] : null;
      ranks[i] = prev !== null && scores[prev] - scores[i] <= DATA.tie ? ranks[prev] : r + 1;
    });
    state.weights = w;
    state.scores = scores;
    state.ranks = ranks;
  }

  function rankedOrder() {
    var order = [];
    for (var i = 0; i < N; i++) if (kept(i) && state.ranks[i] !== null) order.push(i);
    order.sort(function (a, b) { return state.ranks[a] - state.ranks[b]; });
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

  // ------------------------------------------------------------------ map and base layers
  var map = L.map("map", { preferCanvas: false, zoomSnap: 0.25 });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Leaflet · boundaries and sites: study data");
  var overlays = {};
  var status = document.getElementById("status");

  if (DATA.tiles) {
    var tileFailed = false;
    var tiles = L.tileLayer(DATA.tiles.url, { attribution: esc(DATA.tiles.attribution), maxZoom: 18 });
    tiles.on("tileerror", function () {
      if (tileFailed) return;
      tileFailed = true;
      status.textContent = "Online tiles could not be loaded; the vector base map stays.";
    });
    overlays["Online tiles (needs a network)"] = tiles;
    if (DATA.tiles.on) tiles.addTo(map);
  }

  // Panes, bottom to top: tiles (200), border and regions (250), facilities (350), the
  // candidates and the rest (overlay pane, 400), so that nothing hides a candidate.
  map.createPane("base").style.zIndex = 250;
  map.createPane("facilities").style.zIndex = 350;
  if (DATA.boundaries.length) {
    var base = L.geoJSON({ type: "FeatureCollection", features: DATA.boundaries }, {
      pane: "base",
      // only regions answer the mouse, with their name; the country outline stays inert
      onEachFeature: function (f, layer) {
        if (f.properties.name && f.properties.level !== "country") {
          layer.bindTooltip(h("span", { text: f.properties.name }), { sticky: true, className: "region-tip" });
        } else {
          layer.options.interactive = false;
        }
      },
      style: function (f) {
        var outer = (f.properties.level || "") === "country" || DATA.boundaries.length === 1;
        return {
          color: outer ? "#555" : "#999", weight: outer ? 1.6 : 0.7,
          fillColor: "#f4f1ea", fillOpacity: outer ? 0.9 : 0.35
        };
      }
    }).addTo(map);
    overlays["Border and regions"] = base;
  }

  // ------------------------------------------------------------------ facility layers
  // SVG, not canvas: a canvas would swallow the mouse over the regions beneath it.
  var facilityRenderer = L.svg({ padding: 0.3, pane: "facilities" });
  DATA.layers.forEach(function (layer, li) {
    var colour = LAYER_COLOURS[li % LAYER_COLOURS.length];
    var group = L.layerGroup();
    for (var j = 0; j < layer.lat.length; j++) {
      L.circleMarker([layer.lat[j], layer.lon[j]], {
        renderer: facilityRenderer, pane: "facilities", radius: 3, weight: 0.5, color: "#fff",
        fillColor: colour, fillOpacity: 0.8
      }).bindTooltip(h("span", { text: layer.names[j] + " (" + layer.label + ")" }))
        .addTo(group);
    }
    var label = '<span class="swatch" style="background:' + colour + '"></span>' +
      esc(layer.label) + " (" + layer.lat.length + ")";
    overlays[label] = group;
    // Dense layers (the ~300 settlements) start switched off so that they do not bury the
    // candidates; the layers control brings them back.
    if (layer.lat.length <= 100) group.addTo(map);
  });

  // ------------------------------------------------------------------ candidates
  var keptLayer = L.layerGroup().addTo(map);
  var excludedLayer = L.layerGroup().addTo(map);
  var labelLayer = L.layerGroup();
  var markers = [];
  var bounds = [];
  for (var i = 0; i < N; i++) {
    bounds.push([C.lat[i], C.lon[i]]);
    var marker = L.circleMarker([C.lat[i], C.lon[i]], {
      radius: kept(i) ? 7 : 5,
      weight: 1,
      color: kept(i) ? "#222" : "#777",
      fillColor: "#999",
      fillOpacity: kept(i) ? 0.95 : 0.5,
      dashArray: kept(i) ? null : "2,2",
      className: "candidate-marker cand-" + i + (kept(i) ? "" : " excluded-marker")
    });
    marker.bindPopup(popupFor(i), { maxWidth: 420, minWidth: 300, maxHeight: 380, className: "cand-popup" });
    marker.bindTooltip(h("span", { text: kept(i) ? C.name[i] : C.name[i] + " (excluded: " + C.excluded[i] + ")" }));
    marker.addTo(kept(i) ? keptLayer : excludedLayer);
    markers.push(marker);
    labelLayer.addLayer(L.tooltip({
      permanent: true, direction: "right", offset: [6, 0], className: "town-label",
      interactive: false
    }).setLatLng([C.lat[i], C.lon[i]]).setContent(h("span", { text: C.name[i] })));
  }
  if (N <= 80) labelLayer.addTo(map);
  overlays["Candidates, coloured by score"] = keptLayer;
  overlays['<span class="swatch" style="background:#999"></span>Excluded candidates'] = excludedLayer;
  overlays["Town names"] = labelLayer;

  function popupFor(i) {
    return function () { return popupContent(i); };
  }

  function popupContent(i) {
    var rank = state.ranks[i];
    var nKept = rankedOrder().length;
    var head = [h("h3", { text: C.name[i] })];
    var meta = kept(i)
      ? "Rank " + (rank === null ? "–" : rank) + " of " + nKept + " · score " + fmt(state.scores[i]) +
        (state.modified ? " (what-if weights)" : "")
      : "Not ranked";
    head.push(h("div", { className: "meta", text: meta }));
    if (!kept(i)) head.push(h("div", { className: "excluded", text: "Excluded: " + C.excluded[i] }));
    if (PORTFOLIO.indexOf(C.id[i]) >= 0) {
      head.push(h("div", { className: "meta", text: "In the chosen portfolio." }));
    }
    var robust = robustnessLines(i);
    if (robust.length) {
      head.push(h("div", { className: "robustness" }, robust.map(function (line) {
        return h("div", { text: line });
      })));
    }
    var table = criteriaTable(C.raw[i], C.v[i], state.weights);
    var how = state.modified || DATA.method === "weighted_sum"
      ? "Score = Σ weight × value."
      : "Score by " + DATA.method + "; the table shows the weighted-sum parts.";
    var note = h("div", { className: "meta",
      text: how + " Bar length: the weight; filled part: the value (0–1)." });
    return h("div", { className: "popup" }, head.concat([table, note]));
  }

  // Under the study's weights, drawn at random (SMAA): how sure is this candidate's place?
  function robustnessLines(i) {
    var lines = [];
    if (ROB && ROB.first[i] !== null) {
      lines.push("Rank 1 in " + share(ROB.first[i]) + " and top " + ROB.top_k + " in " +
        share(ROB.top[i]) + " of " + count(ROB.draws) + " random weight draws.");
    }
    if (MEMBERSHIP && MEMBERSHIP.p[i] !== null) {
      var s = membershipSentence(i);
      lines.push(s.charAt(0).toUpperCase() + s.slice(1) + ".");
    }
    return lines;
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
      return h("tr", { className: "crit-row", "data-criterion": c.id }, [
        h("td", { text: c.label, title: c.value }),
        h("td", { className: "num", text: fmt(rawRow[k]) + (c.unit ? " " + c.unit : "") }),
        h("td", { className: "num", text: fmt(v) }),
        h("td", { className: "num", text: pct(w) }),
        h("td", { className: "num contribution", text: fmt(contrib) }),
        h("td", { style: { width: "70px" } }, [track])
      ]);
    });
    return h("table", { className: "popup-table" }, [
      h("thead", {}, [h("tr", {}, [
        h("th", { text: "Criterion" }), h("th", { text: "Raw" }), h("th", { text: "Value" }),
        h("th", { text: "Weight" }), h("th", { text: "Contrib." }),
        h("th", { text: "", title: "bar width: weight; filled part: value" })
      ])]),
      h("tbody", {}, rows)
    ]);
  }

  // ------------------------------------------------------------------ portfolio and coverage
  var indexOf = {};
  C.id.forEach(function (id, j) { indexOf[id] = j; });

  if (DATA.portfolio) {
    var ring = L.layerGroup().addTo(map);
    var coverage = L.layerGroup();
    PORTFOLIO.forEach(function (id) {
      var j = indexOf[id];
      if (j === undefined) return;
      L.circleMarker([C.lat[j], C.lon[j]], {
        radius: 12, weight: 3, color: "#d62728", fill: false, interactive: false,
        className: "portfolio-ring"
      }).addTo(ring);
      if (DATA.portfolio.radius_km) {
        L.circle([C.lat[j], C.lon[j]], {
          radius: 1000 * DATA.portfolio.radius_km, weight: 1, color: "#d62728",
          fillColor: "#d62728", fillOpacity: 0.06, interactive: false
        }).addTo(coverage);
      }
    });
    overlays['<span class="swatch" style="background:#d62728"></span>Portfolio'] = ring;
    if (DATA.portfolio.radius_km) {
      var circles = DATA.portfolio.radius_from === "coverage"
        ? "Portfolio coverage (" + fmt(DATA.portfolio.radius_km) + " km)"
        : "Portfolio circles (" + fmt(DATA.portfolio.radius_km) + " km, half the spacing)";
      overlays[circles] = coverage;
      coverage.addTo(map);
    }
    if (DATA.portfolio.population !== null && DATA.portfolio.radius_from === "coverage") {
      document.getElementById("portfolio-coverage").textContent = "Population within " +
        fmt(DATA.portfolio.radius_km) + " km of a chosen site: " + count(DATA.portfolio.population) + ".";
    }
    var box = document.getElementById("portfolio-box");
    box.hidden = false;
    var list = document.getElementById("portfolio-sites");
    PORTFOLIO.forEach(function (id) {
      var j = indexOf[id];
      list.appendChild(h("li", { text: j === undefined ? id : C.name[j] + " (rank " + (C.rank[j] || "–") + ")" }));
    });
    var binding = document.getElementById("portfolio-binding");
    (DATA.portfolio.binding.length ? DATA.portfolio.binding : ["None: the best-scoring sites already satisfy every rule."])
      .forEach(function (s) { binding.appendChild(h("li", { text: s })); });
  }

  // ------------------------------------------------------------------ portfolio membership
  // Below the candidates (their own pane), so that a candidate's marker stays clickable
  // inside its disc; off at start, so that the score colours stay readable.
  if (MEMBERSHIP) {
    map.createPane("membership").style.zIndex = 380;
    var membership = L.layerGroup();
    for (var mi = 0; mi < N; mi++) {
      var p = MEMBERSHIP.p[mi];
      if (p === null || p <= 0) continue;
      L.circleMarker([C.lat[mi], C.lon[mi]], {
        pane: "membership", radius: 6 + 16 * Math.sqrt(p), weight: 1.5, color: "#a63603",
        fillColor: "#fd8d3c", fillOpacity: 0.45, className: "membership-marker memb-" + mi
      }).bindTooltip(h("span", { text: C.name[mi] + ": " + share(p) }))
        .bindPopup(h("div", { className: "popup membership-popup" }, [
          h("h3", { text: C.name[mi] }), h("div", { text: membershipSentence(mi) + "." })
        ]))
        .addTo(membership);
    }
    overlays['<span class="swatch" style="background:#fd8d3c"></span>Portfolio membership ' +
      "probability (" + count(MEMBERSHIP.draws) + " draws)"] = membership;
  }

  // ------------------------------------------------------------------ alternatives and Pareto
  function siteNames(ids) {
    return ids.map(function (id) { return indexOf[id] === undefined ? id : C.name[indexOf[id]]; });
  }

  function difference(alt) {
    var drop = siteNames(alt.dropped), add = siteNames(alt.added);
    if (!drop.length && !add.length) return "the same sites as the optimum";
    if (drop.length === 1 && add.length === 1) return add[0] + " instead of " + drop[0];
    var parts = [];
    if (drop.length) parts.push("without " + drop.join(", "));
    if (add.length) parts.push("with " + add.join(", "));
    return parts.join("; ");
  }

  DATA.alternatives.forEach(function (alt, ai) {
    var colour = ALT_COLOURS[ai % ALT_COLOURS.length];
    var group = L.layerGroup();
    alt.ids.forEach(function (id) {
      var j = indexOf[id];
      if (j === undefined) return;
      L.circleMarker([C.lat[j], C.lon[j]], {
        radius: 15 + 3 * (ai % 3), weight: 2, color: colour, dashArray: "4,3", fill: false,
        interactive: false, className: "alternative-ring alt-" + ai
      }).addTo(group);
    });
    overlays['<span class="swatch" style="background:' + colour + '"></span>' + esc(alt.label) +
      " (total score " + fmt(alt.total) + ")"] = group;
    document.getElementById("alternatives-box").hidden = false;
    var gap = alt.gap === null ? "" : ", " + fmt(alt.gap) + " below the optimum";
    document.getElementById("alternatives").appendChild(h("li", {}, [
      h("span", { className: "swatch", style: { background: colour } }),
      h("strong", { text: alt.label }),
      h("span", { text: ": " + siteNames(alt.ids).join(", ") + " (total score " + fmt(alt.total) +
        gap + "; " + difference(alt) + ")" })
    ]));
  });

  var paretoPick = null;
  if (DATA.pareto.length) paretoPick = drawPareto(DATA.pareto);

  // A chart of the front (population covered across, total score up) and a table of its
  // points; choosing a point in either rings its sites on the map.
  function drawPareto(points) {
    document.getElementById("pareto-box").hidden = false;
    var pick = L.layerGroup().addTo(map);
    overlays['<span class="swatch" style="background:' + PARETO_COLOUR + '"></span>Pareto point chosen in the panel'] = pick;
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
    svg.setAttribute("aria-label", "Pareto front: population covered against total score");
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
    el("text", { x: (ML + W - MR) / 2, y: H - 4, "font-size": 10, "text-anchor": "middle" },
      "population covered");
    el("text", { x: ML - 3, y: H - MB, "font-size": 9, "text-anchor": "end" }, fmt(ylo));
    el("text", { x: ML - 3, y: MT + 8, "font-size": 9, "text-anchor": "end" }, fmt(yhi));
    el("text", { x: 4, y: MT + (H - MB - MT) / 2, "font-size": 10, "text-anchor": "middle",
      transform: "rotate(-90 10 " + (MT + (H - MB - MT) / 2) + ")" }, "total score");
    var info = h("p", { className: "hint", id: "pareto-info",
      text: "Choose a point (chart or table) to ring its sites on the map." });
    var dots = [], rows = [];
    function choose(pi) {
      var p = points[pi];
      pick.clearLayers();
      if (!map.hasLayer(pick)) pick.addTo(map);
      p.ids.forEach(function (id) {
        var j = indexOf[id];
        if (j !== undefined) {
          L.circleMarker([C.lat[j], C.lon[j]], { radius: 14, weight: 3, color: PARETO_COLOUR,
            fill: false, interactive: false, className: "pareto-ring" }).addTo(pick);
        }
      });
      dots.forEach(function (d, k) { d.setAttribute("fill", k === pi ? PARETO_COLOUR : "#3b6fb6"); });
      rows.forEach(function (r, k) { r.className = k === pi ? "selected" : ""; });
      info.textContent = "Point " + (pi + 1) + ": population covered " + count(p.population) +
        ", total score " + fmt(p.score) + ": " + siteNames(p.ids).join(", ");
    }
    points.forEach(function (p, pi) {
      var x = sx(p.population), y = sy(p.score);
      var dot = el("circle", { cx: x, cy: y, r: 5, fill: "#3b6fb6",
        stroke: p.optimal ? "#d62728" : "#fff", "stroke-width": p.optimal ? 2 : 1,
        "data-index": pi, "class": "pareto-point" });
      dot.addEventListener("click", function () { choose(pi); });
      dots.push(dot);
      el("text", { x: x + 6, y: y - 5, "font-size": 9 }, String(pi + 1));
    });
    var tbody = h("tbody", {}, points.map(function (p, pi) {
      var tr = h("tr", { "data-index": String(pi), title: "Show these sites on the map" }, [
        h("td", { className: "num", text: String(pi + 1) + (p.optimal ? " ★" : "") }),
        h("td", { className: "num", text: count(p.population) +
          (p.share === null ? "" : " (" + pct(p.share) + ")") }),
        h("td", { className: "num", text: fmt(p.score) }),
        h("td", { text: siteNames(p.ids).join(", ") })
      ]);
      tr.addEventListener("click", function () { choose(pi); });
      rows.push(tr);
      return tr;
    }));
    var table = h("table", { className: "ranking pareto-table" }, [
      h("thead", {}, [h("tr", {}, [h("th", { text: "#" }), h("th", { text: "Population covered" }),
        h("th", { text: "Total score" }), h("th", { text: "Sites" })])]),
      tbody
    ]);
    var box = document.getElementById("pareto");
    box.appendChild(svg);
    box.appendChild(info);
    box.appendChild(table);
    box.appendChild(h("p", { className: "hint",
      text: "★ and the red-edged dot: the portfolio with the best total score." }));
    return choose;
  }

  // ------------------------------------------------------------------ reference
  var REF = DATA.reference;
  if (REF) {
    var refLayer = L.layerGroup().addTo(map);
    REF.facilities.forEach(function (layer) {
      for (var j = 0; j < layer.lat.length; j++) {
        L.circleMarker([layer.lat[j], layer.lon[j]], {
          renderer: facilityRenderer, pane: "facilities", radius: 3, weight: 0.5, color: "#fff",
          fillColor: "#555", fillOpacity: 0.8
        }).bindTooltip(h("span", { text: layer.names[j] + " (" + layer.label + ", reference)" }))
          .addTo(refLayer);
      }
    });
    REF.sites.forEach(function (site) {
      L.circleMarker([site.lat, site.lon], {
        radius: 8, weight: 2, color: "#000", fillColor: "#fff", fillOpacity: 1,
        className: "reference-marker"
      }).bindTooltip(h("span", { text: site.name + " (reference)" }))
        .bindPopup(function () { return referencePopup(site); }, { maxWidth: 420, minWidth: 300, maxHeight: 380 })
        .addTo(refLayer);
      bounds.push([site.lat, site.lon]);
    });
    overlays['<span class="swatch" style="background:#fff;border:2px solid #000"></span>' +
      "Novosibirsk reference"] = refLayer;
  }

  function referencePopup(site) {
    var w = globalWeights();
    var s = weightedSum(site.v, w);
    return h("div", { className: "popup" }, [
      h("h3", { text: site.name }),
      h("div", { className: "meta", text: "Reference, not a candidate: " + referenceSentence(s) }),
      criteriaTable(site.raw, site.v, w)
    ]);
  }

  function referenceSentence(s) {
    // Candidates and reference compared on one footing: the weighted sum under these weights.
    var w = globalWeights();
    var n = 0, better = 0;
    for (var j = 0; j < N; j++) {
      if (!kept(j)) continue;
      n++;
      if (weightedSum(C.v[j], w) > s) better++;
    }
    return "weighted-sum score " + fmt(s) + "; it would rank " + (better + 1) + " of " + (n + 1) + ".";
  }

  // ------------------------------------------------------------------ controls
  // Collapsed: expanded, the list of layers covers north-eastern Kazakhstan and swallows clicks
  // meant for the candidates there; it opens on hover or tap.
  L.control.layers(null, overlays, { collapsed: true }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  var legend = L.control({ position: "bottomleft" });
  var legendEnds = [h("span"), h("span")];
  legend.onAdd = function () {
    var ramp = h("div", { className: "ramp", style: {
      background: "linear-gradient(to right," + [0, 0.25, 0.5, 0.75, 1].map(viridis).join(",") + ")"
    } });
    var items = [h("strong", { text: "Score" }), ramp, h("div", { className: "ends" }, legendEnds),
      h("div", {}, [h("span", { className: "swatch", style: { background: "#999" } }), "excluded (see popup)"])];
    if (DATA.portfolio) items.push(h("div", {}, [h("span", { className: "ring" }), "chosen portfolio"]));
    if (MEMBERSHIP) {
      items.push(h("div", {}, [h("span", { className: "swatch", style: { background: "#fd8d3c" } }),
        "disc size: share of " + count(MEMBERSHIP.draws) + " weight draws with the site in the optimal portfolio (layer)"]));
    }
    if (DATA.boundary_note) items.push(boundaryNote(DATA.boundary_note));
    var div = h("div", { className: "legend" }, items);
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  legend.addTo(map);

  // The boundaries' own caveat (for the shipped layer: the pre-2022 regions), its first
  // sentence always in view and the rest a click away.
  function boundaryNote(note) {
    var m = note.match(/^.*?[.!?](?=\s|$)/);
    var first = m ? m[0] : note;
    var rest = note.slice(first.length).trim();
    var summary = "Boundaries: " + first;
    if (!rest) return h("div", { className: "note", id: "boundary-note", text: summary });
    return h("details", { className: "note", id: "boundary-note" }, [
      h("summary", { text: summary }), h("div", { text: rest })
    ]);
  }

  // ------------------------------------------------------------------ panel
  document.getElementById("title").textContent = DATA.title;
  document.getElementById("description").textContent = DATA.description;

  var outputs = { group: [], crit: [] };
  var inputs = { group: [], crit: [] };
  var sliders = document.getElementById("sliders");
  var showGroups = DATA.groups.length > 1 || DATA.groups[0].id !== "";
  DATA.groups.forEach(function (g, gi) {
    var box = h("div", { className: "group" });
    if (showGroups) box.appendChild(slider("group", gi, g.label, "group-slider"));
    g.criteria.forEach(function (ci) {
      box.appendChild(slider("crit", ci, DATA.criteria[ci].label, ""));
    });
    sliders.appendChild(box);
  });

  function slider(kind, index, label, extra) {
    var id = "w-" + kind + "-" + index;
    var input = h("input", { type: "range", min: "0", max: "100", step: "any", id: id,
      "data-kind": kind, "data-index": String(index) });
    input.value = String(state[kind][index]);
    input.addEventListener("input", function () {
      state[kind][index] = parseFloat(input.value);
      state.modified = true;
      refresh();
    });
    var out = h("output", { for: id });
    inputs[kind][index] = input;
    outputs[kind][index] = out;
    return h("div", { className: "slider " + extra }, [h("label", { for: id, text: label, title: label }), input, out]);
  }

  document.getElementById("reset").addEventListener("click", function () {
    state.group = initialGroup.slice();
    state.crit = initialCrit.slice();
    state.modified = false;
    inputs.group.forEach(function (el, gi) { if (el) el.value = String(state.group[gi]); });
    inputs.crit.forEach(function (el, ci) { el.value = String(state.crit[ci]); });
    refresh();
  });

  var tbody = document.querySelector("#ranking tbody");
  var excludedBox = document.getElementById("excluded-list");
  var nExcluded = N - C.excluded.filter(function (r) { return r === ""; }).length;
  excludedBox.hidden = nExcluded === 0;
  excludedBox.querySelector("summary").textContent =
    nExcluded + " excluded candidate" + (nExcluded === 1 ? "" : "s") + " (grey on the map)";
  for (var e = 0; e < N; e++) {
    if (!kept(e)) {
      excludedBox.querySelector("ul").appendChild(h("li", { text: C.name[e] + ": " + C.excluded[e] }));
    }
  }

  function focus(i) {
    map.setView([C.lat[i], C.lon[i]], Math.max(map.getZoom(), 5));
    markers[i].openPopup();
  }

  function renderTable() {
    var rows = rankedOrder().map(function (i) {
      var delta = C.rank[i] !== null && state.ranks[i] !== null ? C.rank[i] - state.ranks[i] : 0;
      var tr = h("tr", { "data-id": C.id[i], "data-index": String(i),
        className: PORTFOLIO.indexOf(C.id[i]) >= 0 ? "in-portfolio" : "" }, [
        h("td", { className: "num", text: String(state.ranks[i]) }),
        h("td", { text: C.name[i] }),
        h("td", { className: "num", text: state.scores[i] === null ? "–" : state.scores[i].toFixed(3) }),
        h("td", { className: "num " + (delta > 0 ? "up" : delta < 0 ? "down" : ""),
          text: delta > 0 ? "▲" + delta : delta < 0 ? "▼" + (-delta) : "" })
      ]);
      tr.addEventListener("click", function () { focus(i); });
      return tr;
    });
    tbody.replaceChildren.apply(tbody, rows);
  }

  function refresh() {
    recompute();
    DATA.groups.forEach(function (g, gi) {
      if (!outputs.group[gi]) return;
      var share = g.criteria.reduce(function (s, ci) { return s + state.weights[ci]; }, 0);
      outputs.group[gi].textContent = pct(share);
    });
    DATA.criteria.forEach(function (c, ci) { outputs.crit[ci].textContent = pct(state.weights[ci]); });
    var range = scoreRange();
    for (var j = 0; j < N; j++) {
      if (kept(j)) markers[j].setStyle({ fillColor: colourOf(j, range) });
      if (markers[j].isPopupOpen()) markers[j].getPopup().update();
    }
    legendEnds[0].textContent = fmt(range[0]);
    legendEnds[1].textContent = fmt(range[1]);
    renderTable();
    status.textContent = state.modified
      ? "Showing what-if weights (weighted sum); the study's method is " + DATA.method + "."
      : status.textContent.indexOf("tiles") >= 0 ? status.textContent : "";
    if (REF) {
      var box = document.getElementById("reference-score");
      box.replaceChildren.apply(box, REF.sites.map(function (site) {
        return h("div", { text: site.name + ": " + referenceSentence(weightedSum(site.v, globalWeights())) });
      }));
    }
  }

  if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 8 });
  else map.setView([48, 67], 4);
  refresh();

  // A small handle for tests and notebooks; the page itself never reads it.
  window.siting = {
    map: map,
    markers: markers,
    weights: function () { return state.weights.slice(); },
    scores: function () { return state.scores.slice(); },
    ranks: function () { return state.ranks.slice(); },
    choosePareto: function (k) { if (paretoPick) paretoPick(k); },
    layers: { membership: membership || null },
    ready: true,
    readyAt: performance.now()
  };
})();
