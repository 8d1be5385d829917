/* A lookout's beat area drawn on the station's base map: each tap adds a corner, in order; the
   polygon is written as GeoJSON into the form's area field (which stays the one thing sent, and
   can still be pasted by hand). An area already saved is drawn and can be extended or cleared. */
(function () {
  "use strict";
  if (!window.L) return;
  var el = document.getElementById("beat-map");
  var dataEl = document.getElementById("beat-map-data");
  var field = document.getElementById("beat-area");
  if (!el || !dataEl || !field) return;
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(el, {attributionControl: false, zoomSnap: 0.25});
  L.geoJSON(data.base, {
    style: function (f) {
      if (f.properties.layer === "river") return {color: "#4f8fd6", weight: 7, opacity: 0.8};
      if (f.properties.layer === "border") return {color: "#b3261e", weight: 2, dashArray: "6 5"};
      return {color: "#5b6b7a", weight: 1, fillColor: "#ffffff", fillOpacity: 0.3};
    },
    pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 2, color: "#37474f", weight: 1}); }
  }).addTo(map);
  var grids = L.geoJSON(data.base, {filter: function (f) { return f.properties.layer === "grid"; }});
  if (grids.getLayers().length) map.fitBounds(grids.getBounds(), {padding: [4, 4]});
  else map.setView(data.center, 13);

  var AREA = {color: "#c62828", weight: 2, fillColor: "#c62828", fillOpacity: 0.15};
  var corners = [];  // [lat, lon] in tap order
  var shape = null;
  var dots = L.layerGroup().addTo(map);

  function fromField() {
    // Read a pasted or saved polygon's outer ring, so the map shows what will be sent.
    corners = [];
    try {
      var geo = JSON.parse(field.value || "null");
      if (geo && geo.type === "Feature") geo = geo.geometry;
      var ring = geo && geo.type === "Polygon" ? geo.coordinates[0] :
        geo && geo.type === "MultiPolygon" ? geo.coordinates[0][0] : null;
      if (ring) {
        ring.forEach(function (xy) { corners.push([xy[1], xy[0]]); });
        var first = corners[0], last = corners[corners.length - 1];
        if (corners.length > 1 && first[0] === last[0] && first[1] === last[1]) corners.pop();
      }
    } catch (e) { /* not GeoJSON yet: the server names the field's problem */ }
  }

  function toField() {
    if (corners.length < 3) { field.value = ""; return; }
    var ring = corners.map(function (c) { return [+c[1].toFixed(6), +c[0].toFixed(6)]; });
    ring.push(ring[0]);
    field.value = JSON.stringify({type: "Polygon", coordinates: [ring]});
  }

  function draw() {
    if (shape) { shape.remove(); shape = null; }
    dots.clearLayers();
    corners.forEach(function (c) { L.circleMarker(c, {radius: 5, color: "#c62828", weight: 2, fillOpacity: 1}).addTo(dots); });
    if (corners.length >= 3) shape = L.polygon(corners, AREA).addTo(map);
    else if (corners.length === 2) shape = L.polyline(corners, AREA).addTo(map);
  }

  map.on("click", function (event) {
    corners.push([event.latlng.lat, event.latlng.lng]);
    toField();
    draw();
  });
  document.getElementById("beat-map-undo").addEventListener("click", function () {
    corners.pop(); toField(); draw();
  });
  document.getElementById("beat-map-clear").addEventListener("click", function () {
    corners = []; toField(); draw();
  });
  field.addEventListener("change", function () { fromField(); draw(); });

  fromField();
  draw();
  if (shape && corners.length >= 3) map.fitBounds(shape.getBounds(), {padding: [20, 20], maxZoom: 17});
})();
