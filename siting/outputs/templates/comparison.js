(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("comparison-data").textContent);
  var row = document.getElementById("maps");
  var maps = [], markers = [], heads = [], syncing = false;
  var lang = data.lang;

  // Messages of the page in the reader's language (siting/locale catalogs, carried inline).
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) {
      return values && Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }
  function t(message, values) {
    var found = data.messages[lang][message];
    return fill(typeof found === "string" && found ? found : message, values);
  }
  function number(x, digits) {
    return new Intl.NumberFormat(lang, {minimumFractionDigits: digits, maximumFractionDigits: digits})
      .format(x);
  }
  function local(text) { return typeof text === "string" ? text : (text[lang] || text.en || ""); }

  function colour(s) {
    if (s.rank === null) { return "#9e9e9e"; }
    if (s.rank <= data.k) { return "#1a6fb0"; }
    return "#7fb2d9";
  }
  function tip(s) {
    var box = document.createElement("div");
    var strong = document.createElement("strong");
    strong.textContent = local(s.name);
    box.appendChild(strong);
    var line = document.createElement("div");
    if (s.rank === null) {
      line.textContent = t("excluded: {reason}", {reason: s.excluded ? local(s.excluded) : ""});
    } else {
      line.textContent = t("rank {rank}, score {score}", {rank: number(s.rank, 0), score: number(s.score, 3)}) +
        (s.portfolio ? "; " + t("chosen site") : "");
    }
    box.appendChild(line);
    return box;
  }

  // The header: a language switch, the title and the legend, rewritten on every switch.
  var switcher = document.getElementById("switch");
  data.languages.forEach(function (l) {
    var button = document.createElement("button");
    button.type = "button";
    button.lang = l.code;
    button.textContent = l.name;
    button.setAttribute("data-lang", l.code);
    button.addEventListener("click", function () { setLanguage(l.code); });
    switcher.appendChild(button);
  });

  // Every column exists before any map is made, so that each map knows its final size.
  var boxes = data.studies.map(function (study) {
    var col = document.createElement("div");
    col.className = "col";
    var head = document.createElement("h2");
    heads.push(head);
    var box = document.createElement("div");
    box.className = "map";
    col.appendChild(head);
    col.appendChild(box);
    row.appendChild(col);
    return box;
  });
  var b = data.bounds;
  var country = L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
  data.studies.forEach(function (study, i) {
    var map = L.map(boxes[i], {attributionControl: false, zoomSnap: 0.25, renderer: L.svg({padding: 1})});
    // The first view is the whole country: a zoom that fits it, never one that crops it.
    map.fitBounds(country, {padding: [12, 12]});
    if (!map.getBounds().contains(country)) { map.setZoom(map.getZoom() - 0.25); }
    if (data.outline.length) {
      L.geoJSON({type: "FeatureCollection", features: data.outline.map(function (g) {
        return {type: "Feature", properties: {}, geometry: g};
      })}, {style: {color: "#777", weight: 1, fillColor: "#f3f1ea", fillOpacity: 1},
            interactive: false}).addTo(map);
    }
    study.sites.forEach(function (s) {
      var top = s.rank !== null && s.rank <= data.k;
      var marker = L.circleMarker([s.lat, s.lon], {
        radius: top ? 9 - Math.min(s.rank, 8) * 0.4 + 3 : 5,
        color: s.portfolio ? "#c62828" : "#ffffff",
        weight: s.portfolio ? 3 : 1,
        fillColor: colour(s), fillOpacity: 0.9
      }).addTo(map);
      marker.bindTooltip(function () { return tip(s); });
      markers.push(marker);
      if (top) {
        // The rank is a JSON integer, never text from the data, so it is safe as HTML.
        L.marker([s.lat, s.lon], {icon: L.divIcon({className: "rank", html: String(Number(s.rank)),
          iconSize: null}), interactive: false}).addTo(map);
      }
    });
    maps.push(map);
  });
  maps.forEach(function (map) {
    map.on("move zoom moveend zoomend", function () {
      if (syncing) { return; }
      syncing = true;
      maps.forEach(function (other) {
        if (other !== map) { other.setView(map.getCenter(), map.getZoom(), {animate: false}); }
      });
      syncing = false;
    });
  });

  function setLanguage(code) {
    lang = data.messages[code] ? code : lang;
    document.documentElement.lang = lang;
    var labels = data.studies.map(function (s) { return s.label; }).join(" / ");
    document.getElementById("title").textContent = t("Comparison: {studies}", {studies: labels});
    document.title = t("Comparison: {studies}", {studies: labels});
    document.getElementById("legend").textContent =
      t("Blue: top {k}; pale blue: ranked lower; grey: excluded; red ring: a chosen site. The maps move together.",
        {k: number(data.k, 0)});
    data.studies.forEach(function (study, i) {
      // the method beside the study: its scores are on that method's scale
      heads[i].textContent = study.label + " \u2014 " + local(study.title) +
        (study.method ? " (" + local(study.method) + ")" : "");
    });
    var warning = document.getElementById("warning");
    warning.textContent = (data.warnings || []).map(local).join(" ");
    warning.hidden = !warning.textContent;
    Array.prototype.forEach.call(switcher.children, function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-lang") === lang));
    });
    markers.forEach(function (m) { if (m.isTooltipOpen()) { m.closeTooltip(); } });
  }
  setLanguage(lang);

  // A small API for tests and notebooks: the maps, the country's bounds, the language.
  window.siting = {
    maps: maps,
    country: country,
    language: function () { return lang; },
    setLanguage: setLanguage
  };
}());
