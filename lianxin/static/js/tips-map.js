/* The coverage map of the lookout network on the station's own base (no tile server needed): grids by
   coverage, buildings watched or not, trade posts, beats' areas. Data from the coverage GeoJSON endpoint. */
(function () {
  "use strict";
  if (!window.L) return;
  var el = document.getElementById("coverage-map");
  var dataEl = document.getElementById("coverage-map-data");
  if (!el || !dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var BASE = {
    river: {color: "#4f8fd6", weight: 7, opacity: 0.8},
    border: {color: "#b3261e", weight: 2, dashArray: "6 5"},
    grid: {color: "#5b6b7a", weight: 1, fillColor: "#ffffff", fillOpacity: 0.3}
  };
  var STATUS = {covered: "#2e7d32", partial: "#f9a825", gap: "#c62828"};
  function text(value) { var s = document.createElement("span"); s.textContent = value == null ? "" : String(value); return s; }
  var map = L.map(el, {attributionControl: !!el.dataset.tileUrl, zoomSnap: 0.25});
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, {maxZoom: 19, attribution: el.dataset.attribution || ""}).addTo(map);
  var gridsOnly = L.geoJSON(data.base, {filter: function (f) { return f.properties.layer === "grid"; }});
  if (gridsOnly.getLayers().length) map.fitBounds(gridsOnly.getBounds(), {padding: [4, 4]});
  else map.setView(data.center, 13);
  L.geoJSON(data.base, {
    filter: function (f) { return f.properties.layer !== "grid"; },
    style: function (f) { return BASE[f.properties.layer] || BASE.grid; },
    pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 3, color: "#37474f", weight: 1}); }
  }).addTo(map);
  fetch(el.dataset.coverageUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (fc) {
    var order = {grid: 0, area: 1, building: 2, post: 3};
    fc.features.sort(function (a, b) { return order[a.properties.layer] - order[b.properties.layer]; });
    L.geoJSON(fc, {
      style: function (f) {
        var p = f.properties;
        if (p.layer === "grid") return {color: STATUS[p.status] || "#5b6b7a", weight: 2, fillColor: STATUS[p.status] || "#fff", fillOpacity: 0.18};
        if (p.layer === "area") return {color: "#1d5fa8", weight: 1, dashArray: "4 3", fillColor: "#42a5f5", fillOpacity: 0.2};
        return {};
      },
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        if (p.layer === "post") return L.marker(latlng, {icon: L.divIcon({className: "post-marker post-" + p.kind, iconSize: [14, 14]})});
        if (p.is_covered) return L.circleMarker(latlng, {radius: 4, color: "#1d5fa8", weight: 1, fillColor: "#1d5fa8", fillOpacity: 0.9});
        return L.circleMarker(latlng, {radius: 5, color: "#c62828", weight: 2, fillColor: "#ffffff", fillOpacity: 1});
      },
      onEachFeature: function (f, layer) {
        var p = f.properties, label = p.name;
        if (p.layer === "grid") label = p.name + " · " + p.buildings_covered + "/" + p.buildings + " · " + p.lookouts;
        if (p.layer === "post") label = p.name + " · " + p.kind_label + " · " + p.lookouts_on_beat;
        if (p.layer === "building") label = p.name + (p.lookouts ? " · " + p.lookouts : "");
        layer.bindTooltip(text(label), {direction: "top"});
      }
    }).addTo(map);
  }).catch(function () {});
})();
