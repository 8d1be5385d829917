/* Lianxin pages: the "use my location" buttons and the case map. Works without htmx. */
(function () {
  "use strict";

  // Fill the form's hidden lat/lon from the browser's geolocation (needs HTTPS or localhost).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-geo]");
    if (!button) return;
    var form = button.form;
    var status = form.querySelector("[data-geo-status]");
    if (!navigator.geolocation) {
      if (status) status.textContent = "✗";
      return;
    }
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("[name=lon]").value = pos.coords.longitude.toFixed(6);
      if (status) status.textContent = "✓ " + pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
      button.disabled = false;
    }, function (err) {
      if (status) status.textContent = "✗ " + err.message;
      button.disabled = false;
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });

  // The case map: the grid polygon and the point; a tile layer only when one is configured.
  function drawCaseMap() {
    var el = document.getElementById("case-map");
    var dataEl = document.getElementById("case-map-data");
    if (!el || !dataEl || !window.L || el.dataset.drawn) return;
    el.dataset.drawn = "1";
    var data = JSON.parse(dataEl.textContent);
    var map = L.map(el, {attributionControl: !!el.dataset.tileUrl});
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, {maxZoom: 19, attribution: el.dataset.attribution || ""}).addTo(map);
    }
    // Set the view before adding layers: Leaflet cannot draw a circle marker on a map without one.
    var grid = data.grid ? L.geoJSON(data.grid, {style: {color: "#1d5fa8", weight: 2, fillOpacity: 0.08}}) : null;
    var bounds = grid ? grid.getBounds() : L.latLngBounds([data.point, data.point]);
    if (grid && data.point) bounds.extend(data.point);
    map.fitBounds(bounds.pad(0.15), {maxZoom: 17});
    if (grid) {
      grid.addTo(map);
      if (data.grid_name) grid.bindTooltip(data.grid_name);
    }
    if (data.point) {
      L.circleMarker(data.point, {radius: 9, color: "#b3261e", fillColor: "#e53935", fillOpacity: 0.9}).addTo(map);
    }
  }
  document.addEventListener("DOMContentLoaded", drawCaseMap);
  document.addEventListener("htmx:afterSettle", drawCaseMap);
})();
