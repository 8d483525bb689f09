(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("comparison-data").textContent);
  var row = document.getElementById("maps");
  var maps = [], syncing = false, bounds = [];
  data.studies.forEach(function (study) {
    study.sites.forEach(function (s) { bounds.push([s.lat, s.lon]); });
  });
  function colour(s) {
    if (s.rank === null) { return "#9e9e9e"; }
    if (s.rank <= data.k) { return "#1a6fb0"; }
    return "#7fb2d9";
  }
  // Every column exists before any map is made, so that each map knows its final size.
  var boxes = data.studies.map(function (study) {
    var col = document.createElement("div");
    col.className = "col";
    var head = document.createElement("h2");
    head.textContent = study.label + " \u2014 " + study.title;
    var box = document.createElement("div");
    box.className = "map";
    col.appendChild(head);
    col.appendChild(box);
    row.appendChild(col);
    return box;
  });
  data.studies.forEach(function (study, i) {
    var box = boxes[i];
    var map = L.map(box, {attributionControl: false, zoomSnap: 0.25, renderer: L.svg({padding: 1})});
    // The view is set before any layer is added: Leaflet clips vector layers to it.
    map.fitBounds(bounds, {padding: [20, 20]});
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
      var tip = document.createElement("div");
      var strong = document.createElement("strong");
      strong.textContent = s.name;
      tip.appendChild(strong);
      var line = document.createElement("div");
      line.textContent = s.rank === null ? "excluded: " + s.excluded
        : "rank " + s.rank + ", score " + s.score.toFixed(3) + (s.portfolio ? ", in portfolio" : "");
      tip.appendChild(line);
      marker.bindTooltip(tip);
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
}());
