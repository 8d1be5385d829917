/* The appeal's area on the station's own base map: on the officer's form a tap sets the point and the
   circle follows the radius field; on an appeal's page the point's circle or the grid is drawn. */
(function () {
  "use strict";
  if (!window.L) return;
  var el = document.getElementById("appeal-map");
  var dataEl = document.getElementById("appeal-map-data");
  if (!el || !dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(el, {attributionControl: false, zoomSnap: 0.25});
  var base = L.geoJSON(data.base, {
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
  var shown = data.appeal;
  if (shown) {
    var layer = shown.grid ? L.geoJSON(shown.grid, {style: function () { return AREA; }}) :
      L.circle([shown.lat, shown.lon], Object.assign({radius: shown.radius_m}, AREA));
    layer.addTo(map);
    map.fitBounds(layer.getBounds(), {padding: [20, 20], maxZoom: 17});
    return;
  }
  var form = el.closest("form");
  if (!form) return;
  var lat = form.querySelector("[name=lat]"), lon = form.querySelector("[name=lon]");
  var radius = form.querySelector("[name=radius_m]");
  var circle = null;
  function draw() {
    var y = parseFloat(lat.value), x = parseFloat(lon.value), r = parseFloat(radius.value) || 500;
    if (isNaN(y) || isNaN(x)) return;
    if (circle) circle.remove();
    circle = L.circle([y, x], Object.assign({radius: r}, AREA)).addTo(map);
  }
  map.on("click", function (event) {
    lat.value = event.latlng.lat.toFixed(6);
    lon.value = event.latlng.lng.toFixed(6);
    var point = form.querySelector("[name=area][value=point]");
    if (point) point.checked = true;
    draw();
  });
  [lat, lon, radius].forEach(function (input) { input.addEventListener("change", draw); });
  draw();
  void base;
})();
