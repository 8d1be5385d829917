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

  // The station's own base map, drawn with no tile server: the river, the border segments,
  // the grids with their names, the sites. Text goes in with textContent-safe tooltips.
  var BASE_STYLE = {
    river: {color: "#4f8fd6", weight: 7, opacity: 0.8},
    border: {color: "#b3261e", weight: 2, dashArray: "6 5"},
    grid: {color: "#5b6b7a", weight: 1, fillColor: "#ffffff", fillOpacity: 0.55}
  };
  function safeText(text) {
    var span = document.createElement("span");
    span.textContent = text == null ? "" : String(text);
    return span;
  }
  function drawBase(map, base, labelGrids) {
    if (!base) return null;
    return L.geoJSON(base, {
      style: function (f) { return BASE_STYLE[f.properties.layer] || BASE_STYLE.grid; },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {radius: 5, color: "#37474f", fillColor: "#ffffff", fillOpacity: 1, weight: 2});
      },
      onEachFeature: function (f, layer) {
        if (!f.properties.name) return;
        var permanent = labelGrids && f.properties.layer === "grid";
        layer.bindTooltip(safeText(f.properties.name), {permanent: permanent, direction: "center", className: "map-label map-label-" + f.properties.layer});
      }
    }).addTo(map);
  }
  function newMap(el) {
    var map = L.map(el, {attributionControl: !!el.dataset.tileUrl});
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, {maxZoom: 19, attribution: el.dataset.attribution || ""}).addTo(map);
    }
    return map;
  }

  // The case map: the base, the case's grid and its point.
  function drawCaseMap() {
    var el = document.getElementById("case-map");
    var dataEl = document.getElementById("case-map-data");
    if (!el || !dataEl || !window.L || el.dataset.drawn) return;
    el.dataset.drawn = "1";
    var data = JSON.parse(dataEl.textContent);
    var map = newMap(el);
    // Set the view before adding layers: Leaflet cannot draw a circle marker on a map without one.
    var grid = data.grid ? L.geoJSON(data.grid, {style: {color: "#1d5fa8", weight: 3, fillOpacity: 0.12}}) : null;
    var bounds = grid ? grid.getBounds() : L.latLngBounds([data.point, data.point]);
    if (grid && data.point) bounds.extend(data.point);
    map.fitBounds(bounds.pad(0.25), {maxZoom: 17});
    drawBase(map, data.base, false);
    if (grid) {
      grid.addTo(map);
      if (data.grid_name) grid.bindTooltip(safeText(data.grid_name));
    }
    if (data.point) {
      L.circleMarker(data.point, {radius: 9, color: "#b3261e", fillColor: "#e53935", fillOpacity: 0.9}).addTo(map);
    }
  }

  // The station map: the base, each grid shaded by its open cases, the open cases as points.
  function drawStationMap() {
    var el = document.getElementById("station-map");
    var dataEl = document.getElementById("station-map-data");
    if (!el || !dataEl || !window.L || el.dataset.drawn) return;
    el.dataset.drawn = "1";
    var data = JSON.parse(dataEl.textContent);
    var map = newMap(el);
    var grids = L.geoJSON(data.base, {filter: function (f) { return f.properties.layer === "grid"; }});
    map.invalidateSize();
    if (grids.getLayers().length) map.fitBounds(grids.getBounds(), {padding: [8, 8]});
    else map.setView([data.center[0], data.center[1]], 13);
    drawBase(map, data.base, true);
    var most = 1;
    Object.keys(data.open_by_grid).forEach(function (k) { most = Math.max(most, data.open_by_grid[k]); });
    L.geoJSON(data.base, {
      filter: function (f) { return f.properties.layer === "grid"; },
      style: function (f) {
        var n = data.open_by_grid[f.properties.id] || 0;
        return {color: "#1d5fa8", weight: 1, fillColor: "#f57c00", fillOpacity: 0.05 + 0.45 * n / most};
      },
      interactive: false
    }).addTo(map);
    data.cases.forEach(function (c) {
      var marker = L.circleMarker([c.lat, c.lon], {
        radius: 6, weight: 1, color: c.overdue ? "#b3261e" : "#1d5fa8",
        fillColor: c.overdue ? "#e53935" : "#42a5f5", fillOpacity: 0.9
      }).addTo(map);
      var link = document.createElement("a");
      link.href = c.url;
      link.textContent = c.number + " · " + c.category;
      marker.bindPopup(link);
    });
  }
  document.addEventListener("DOMContentLoaded", drawStationMap);
  document.addEventListener("DOMContentLoaded", drawCaseMap);
  document.addEventListener("htmx:afterSettle", drawCaseMap);
})();
