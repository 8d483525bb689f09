/* siting surface: the suitability surface on the map, and a click that explains its score.
 *
 * sitingSurface(env) draws the picture of the surface's score (siting.outputs.map.surface:
 * a palette PNG in Web Mercator, at the screen's resolution) in its own pane under the
 * candidates and the chosen sites, with its legend and an opacity slider; a click anywhere
 * measures, values, excludes and scores that point as siting.surface.Surface.score_points does:
 *   measure  siting.features.measure: great-circle km through chords of unit vectors, nearest,
 *            counts and sums within a radius (RADIUS_SLACK), distance decay (linear, Gaussian,
 *            exponential kernels) for gravity;
 *   value    siting.value.apply: linear, threshold, piecewise, categories, min-max (bounds from
 *            the kept candidates, carried as data);
 *   exclude  siting.scoring.rule_mask on each criterion's raw value;
 *   score    the in-page engine's own method (SitingEngine.aggregate), the study's options.
 * tests/test_surface_map.py checks it against Python at 200 points.  Every text is written
 * with textContent.
 *
 * The sites and regions the run chose from the surface (siting.outputs.map.surface.picks_data)
 * are drawn in their own layers (env.sites, env.regions): numbered markers at the chosen cells'
 * centres and the regions' outlines, each with a popup whose words Python wrote in every
 * language (the words of the report's table); nothing is chosen or computed here.
 */
function sitingSurface(env) {
  "use strict";

  var S = JSON.parse(document.getElementById("siting-surface").textContent);
  var map = env.map;
  var group = env.layer;
  var page = window.siting;
  var M = S.model;
  var R = M.earth_radius_km;
  var RAD = Math.PI / 180;

  function t(msgid) { return page && page.t ? page.t(msgid) : msgid; }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }
  function lang() { return page && page.language ? page.language() : "en"; }
  function num(x) {
    if (typeof x !== "number" || !isFinite(x)) return "—";
    return page && page.numbers ? page.numbers.quantity(x) : String(x);
  }
  function sc(x) {
    if (typeof x !== "number" || !isFinite(x)) return "—";
    return page && page.numbers ? page.numbers.score(x) : x.toFixed(3);
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  // ------------------------------------------------------------------ measure (siting.features)
  function unit(lon, lat) {  // features.unit_vectors
    var l = lon * RAD, p = lat * RAD, c = Math.cos(p);
    return [c * Math.cos(l), c * Math.sin(l), Math.sin(p)];
  }
  function chordToKm(chord) {  // features.chord_to_km
    return 2 * R * Math.asin(Math.min(Math.max(chord / 2, 0), 1));
  }
  function kmToChord(km) {  // features.km_to_chord
    return 2 * Math.sin(Math.min(km / R, Math.PI) / 2);
  }
  function kernel(d, decay) {  // features.kernel
    if (decay.linear) {
      var full = decay.linear[0], zero = decay.linear[1];
      return Math.min(Math.max((zero - d) / (zero - full), 0), 1);
    }
    if (decay.gaussian !== undefined) return Math.exp(-0.5 * Math.pow(d / decay.gaussian, 2));
    return Math.exp(-d / decay.exponential);
  }
  // each layer's unit vectors, once
  var VECTORS = M.criteria.map(function (c) {
    var xy = c.measure.lonlat;
    if (!xy) return null;
    var out = new Float64Array(xy.length / 2 * 3);
    for (var i = 0; i < xy.length / 2; i++) {
      var v = unit(xy[2 * i], xy[2 * i + 1]);
      out[3 * i] = v[0]; out[3 * i + 1] = v[1]; out[3 * i + 2] = v[2];
    }
    return out;
  });
  function measure(j, lon, lat, a) {
    var m = M.criteria[j].measure;
    if (m.kind === "coordinate") return m.axis === "lon" ? lon : lat;
    var b = VECTORS[j], n = b.length / 3, k;
    if (m.kind === "nearest") {
      var best = Infinity;
      for (k = 0; k < n; k++) {
        var dx = a[0] - b[3 * k], dy = a[1] - b[3 * k + 1], dz = a[2] - b[3 * k + 2];
        var sq = dx * dx + dy * dy + dz * dz;
        if (sq < best) best = sq;
      }
      return n ? chordToKm(Math.sqrt(best)) : NaN;
    }
    // within a radius (count, sum) or within the kernel's reach (gravity)
    var limit = kmToChord(m.radius_km) * (1 + M.radius_slack);
    var total = 0;
    for (k = 0; k < n; k++) {
      var ex = a[0] - b[3 * k], ey = a[1] - b[3 * k + 1], ez = a[2] - b[3 * k + 2];
      var chord = Math.sqrt(ex * ex + ey * ey + ez * ez);
      if (chord > limit) continue;
      var w = m.weights ? m.weights[k] : 1;
      total += m.decay ? w * kernel(chordToKm(chord), m.decay) : w;
    }
    return total;
  }

  // ------------------------------------------------------------------ value (siting.value)
  function interp(x, pts) {  // numpy.interp: flat beyond the ends
    if (x <= pts[0][0]) return pts[0][1];
    var last = pts[pts.length - 1];
    if (x >= last[0]) return last[1];
    for (var i = 1; i < pts.length; i++) {
      if (x <= pts[i][0]) {
        var x0 = pts[i - 1][0], y0 = pts[i - 1][1], x1 = pts[i][0], y1 = pts[i][1];
        if (x === x1) return y1;
        return y0 + (x - x0) * (y1 - y0) / (x1 - x0);
      }
    }
    return last[1];
  }
  function clip01(x) { return Math.min(Math.max(x, 0), 1); }
  function valueOf(j, x) {
    var v = M.criteria[j].value;
    if (v.kind === "linear") return clip01((x - v.worst) / (v.best - v.worst));
    if (v.kind === "threshold") return (v.benefit ? x >= v.at : x <= v.at) ? 1 : v.below;
    if (v.kind === "piecewise") return interp(x, v.points);
    if (v.kind === "categories") return clip01(x);
    if (v.low === null || v.high === null) return NaN;
    if (v.high === v.low) return 1;
    var z = (x - v.low) / (v.high - v.low);
    return clip01(v.benefit ? z : 1 - z);
  }

  // ------------------------------------------------------------------ explain a point
  /**
   * The point's raw values, values, exclusion bits and score, as Surface.score_points.
   * @param {number} lon degrees
   * @param {number} lat degrees
   * @returns {{raw: number[], values: number[], excluded_by: number, score: number|null,
   *            error: string|null}}
   */
  function explain(lon, lat) {
    var a = unit(lon, lat);
    var m = M.criteria.length, raw = new Array(m), values = new Array(m), j;
    for (j = 0; j < m; j++) {
      raw[j] = measure(j, lon, lat, a);
      values[j] = valueOf(j, raw[j]);
    }
    var bits = 0;
    M.rules.forEach(function (rule, k) {
      if (rule.criterion === null) return;
      var x = raw[rule.criterion], hit = false;
      if (rule.above !== null && x > rule.above) hit = true;
      if (rule.below !== null && x < rule.below) hit = true;
      if (rule.equals !== null && x === rule.equals) hit = true;
      if (hit) bits |= 1 << k;
    });
    var entry = M.entry;
    var used = entry.criteria;
    var row = used.map(function (k) { return values[k]; });
    var w = used.map(function (k) { return M.weights[k]; });
    var names = used.map(function (k) { return M.criteria[k].id; });
    var r = window.SitingEngine.aggregate(M.method, entry, [row], w, names, M.product_floor);
    return {
      raw: raw, values: values, excluded_by: bits,
      score: r.ok ? r.s[0] : null, error: r.ok ? null : r.error.message
    };
  }

  // ------------------------------------------------------------------ the picture
  map.createPane("surface");
  map.getPane("surface").style.zIndex = 350;  // over the base map (250), under the candidates
  var overlay = L.imageOverlay(S.image, S.bounds, { pane: "surface", opacity: 0.75, interactive: false });
  group.addLayer(overlay);

  // ------------------------------------------------------------------ what was chosen from it
  // in a pane over the picture and under the candidates (400), so that an outline never
  // swallows a click meant for a town inside it
  map.createPane("surface-picks");
  map.getPane("surface-picks").style.zIndex = 380;
  function pickContent(p) {
    var box = el("div", null, "siting-surface-pick");
    box.appendChild(el("strong", p.title[lang()] || p.title.en));
    (p.facts[lang()] || p.facts.en).forEach(function (line) { box.appendChild(el("div", line)); });
    return box;
  }
  var picked = [];
  function pickTitle(p) { return function () { return el("span", p.title[lang()] || p.title.en); }; }
  if (env.sites && S.sites) {
    S.sites.forEach(function (p) {
      var badge = el("span", String(p.rank));
      var marker = L.marker([p.lat, p.lon], {
        icon: L.divIcon({ html: badge, className: "siting-surface-site", iconSize: [22, 22] }),
        riseOnHover: true
      });
      marker.bindPopup(function () { return pickContent(p); }, { className: "siting-surface-popup" });
      marker.bindTooltip(pickTitle(p), { direction: "top", offset: [0, -10] });
      env.sites.addLayer(marker);
      picked.push(marker);
    });
  }
  if (env.regions && S.regions) {
    S.regions.forEach(function (p) {
      var outline = L.geoJSON(p.geometry, {
        pane: "surface-picks",
        style: { color: "#000", weight: 2.5, opacity: 0.9, fillColor: "#fff", fillOpacity: 0.12 }
      });
      outline.bindPopup(function () { return pickContent(p); }, { className: "siting-surface-popup" });
      outline.bindTooltip(pickTitle(p), { sticky: true });
      env.regions.addLayer(outline);
      picked.push(outline);
    });
  }

  // ------------------------------------------------------------------ legend and opacity
  var legendBox = null;
  var Legend = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd: function () {
      legendBox = L.DomUtil.create("div", "siting-surface-legend");
      L.DomEvent.disableClickPropagation(legendBox);
      L.DomEvent.disableScrollPropagation(legendBox);
      drawLegend();
      return legendBox;
    }
  });
  var opacity = 0.75;
  // folded where the map is small (a phone), as the page's own legend is; the reader's choice kept
  var legendOpen = map.getSize().x >= 600;
  function drawLegend() {
    if (!legendBox) return;
    legendBox.textContent = "";
    var details = el("details");
    details.open = legendOpen;
    details.addEventListener("toggle", function () { legendOpen = details.open; });
    details.appendChild(el("summary", t("Suitability surface")));
    legendBox.appendChild(details);
    var box = legendBox;
    legendBox = details;
    var bar = el("div", null, "bar");
    bar.style.background = "linear-gradient(to right," + S.palette.join(",") + ")";
    legendBox.appendChild(bar);
    var ends = el("div", null, "ends");
    ends.appendChild(el("span", sc(S.low)));
    ends.appendChild(el("span", sc(S.high)));
    legendBox.appendChild(ends);
    var ex = el("div", null, "excluded");
    var sw = el("span", null, "swatch");
    sw.style.background = S.excluded_colour;
    ex.appendChild(sw);
    ex.appendChild(el("span", t("excluded cells")));
    legendBox.appendChild(ex);
    var label = el("label", t("Opacity"));
    var slider = el("input");
    slider.type = "range"; slider.min = "0"; slider.max = "100"; slider.step = "5";
    slider.value = String(Math.round(opacity * 100));
    slider.id = "surface-opacity";
    slider.setAttribute("aria-label", t("Opacity of the surface"));
    slider.addEventListener("input", function () {
      opacity = Number(slider.value) / 100;
      overlay.setOpacity(opacity);
    });
    label.appendChild(slider);
    legendBox.appendChild(label);
    legendBox.appendChild(el("p", t("Click anywhere on the map to see its score explained."), "hint"));
    legendBox = box;
  }
  var legend = new Legend();
  if (map.hasLayer(group)) legend.addTo(map);
  map.on("overlayadd", function (e) { if (e.layer === group) legend.addTo(map); });
  map.on("overlayremove", function (e) { if (e.layer === group) { legend.remove(); map.closePopup(popup); } });

  // ------------------------------------------------------------------ the click
  var popup = L.popup({ maxWidth: 420, className: "siting-surface-popup" });
  function label(j) {
    var info = S.labels[M.criteria[j].id] || {};
    var text = (info.label && info.label[lang()]) || M.criteria[j].id;
    if (info.layer) text += " " + fill(t("(on a cell: measured from the layer {layer})"), { layer: info.layer });
    return text;
  }
  function unitOf(j) {
    var info = S.labels[M.criteria[j].id] || {};
    return (info.unit && info.unit[lang()]) || "";
  }
  function content(lon, lat, r) {
    var box = el("div", null, "siting-surface-explain");
    box.appendChild(el("strong", fill(t("Surface at {lat}, {lon}"), {
      lat: lat.toFixed(3), lon: lon.toFixed(3)
    })));
    box.appendChild(el("p", fill(t("score {score}"), { score: sc(r.score) }), "score"));
    if (r.excluded_by) {
      var why = [];
      S.reasons.forEach(function (words, k) {
        if (r.excluded_by >> k & 1) why.push(words[lang()] || words.en);
      });
      box.appendChild(el("p", fill(t("excluded: {reasons}"), { reasons: why.join("; ") }), "warning"));
    }
    var table = el("table", null, "ranking");
    var head = el("tr");
    [t("criterion"), t("measured"), t("value"), t("weight"), t("contribution")].forEach(function (h) {
      head.appendChild(el("th", h));
    });
    table.appendChild(head);
    for (var j = 0; j < M.criteria.length; j++) {
      var tr = el("tr");
      tr.appendChild(el("td", label(j)));
      var u = unitOf(j);
      tr.appendChild(el("td", num(r.raw[j]) + (u ? " " + u : ""), "num"));
      tr.appendChild(el("td", sc(r.values[j]), "num"));
      tr.appendChild(el("td", sc(M.weights[j]), "num"));
      tr.appendChild(el("td", M.method === "weighted_sum" ? sc(M.weights[j] * r.values[j]) : "", "num"));
      table.appendChild(tr);
    }
    box.appendChild(table);
    if (M.method !== "weighted_sum") {
      box.appendChild(el("p", fill(t("The score aggregates the values by {method}."), {
        method: M.entry.label || M.method
      }), "hint"));
    }
    return box;
  }
  var last = null;
  map.on("click", function (e) {
    if (!map.hasLayer(group)) return;
    // a click on a candidate, a site or a facility is theirs; the base map's regions are not
    var target = e.originalEvent && e.originalEvent.target;
    if (target && target.closest && target.classList && target.classList.contains("leaflet-interactive") &&
        !target.closest(".leaflet-base-pane")) return;
    var lon = e.latlng.lng, lat = e.latlng.lat;
    var r = explain(lon, lat);
    last = { lon: lon, lat: lat, result: r };
    popup.setLatLng(e.latlng).setContent(content(lon, lat, r)).openOn(map);
  });
  document.addEventListener("siting:language", function () {
    drawLegend();
    if (last && map.hasLayer(popup)) popup.setContent(content(last.lon, last.lat, last.result));
    picked.forEach(function (layer) { if (layer.isPopupOpen()) layer.getPopup().update(); });
  });

  window.sitingSurfaceApi = {
    explain: explain,
    map: map,
    last: function () { return last; },
    opacity: function () { return overlay.options.opacity; },
    bounds: S.bounds,
    // the chosen sites' markers and the regions' outlines, in rank order
    sites: function () { return picked.filter(function (l) { return l instanceof L.Marker; }); },
    regions: function () { return picked.filter(function (l) { return !(l instanceof L.Marker); }); },
    ready: true,
    readyAt: performance.now()
  };
}
