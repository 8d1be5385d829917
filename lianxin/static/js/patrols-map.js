/* Patrol maps on the station's own base (no tile server needed): one patrol's track, and the desk's live
   picture (members on patrol, their routes, open findings and alerts), redrawn when a live event arrives. */
(function () {
  "use strict";
  if (!window.L) return;
  var BASE = {
    river: {color: "#4f8fd6", weight: 7, opacity: 0.8},
    border: {color: "#b3261e", weight: 2, dashArray: "6 5"},
    grid: {color: "#5b6b7a", weight: 1, fillColor: "#ffffff", fillOpacity: 0.55}
  };
  function text(value) { var s = document.createElement("span"); s.textContent = value == null ? "" : String(value); return s; }
  function link(href, label) { var a = document.createElement("a"); a.href = href; a.textContent = label; return a; }
  function newMap(el, data) {
    var map = L.map(el, {attributionControl: !!el.dataset.tileUrl});
    if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, {maxZoom: 19, attribution: el.dataset.attribution || ""}).addTo(map);
    var grids = L.geoJSON(data.base, {filter: function (f) { return f.properties.layer === "grid"; }});
    if (grids.getLayers().length) map.fitBounds(grids.getBounds(), {padding: [8, 8]});
    else map.setView(data.center, 13);
    L.geoJSON(data.base, {
      style: function (f) { return BASE[f.properties.layer] || BASE.grid; },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 4, color: "#37474f", weight: 1}); },
      onEachFeature: function (f, layer) { if (f.properties.name) layer.bindTooltip(text(f.properties.name)); }
    }).addTo(map);
    return map;
  }

  var one = document.getElementById("patrol-map");
  var oneData = document.getElementById("patrol-map-data");
  if (one && oneData) {
    var data = JSON.parse(oneData.textContent);
    var map = newMap(one, data);
    if (data.track.length) {
      var line = L.polyline(data.track, {color: "#1d5fa8", weight: 4}).addTo(map);
      map.fitBounds(line.getBounds().pad(0.2), {maxZoom: 17});
      L.circleMarker(data.track[0], {radius: 6, color: "#2e7d32", fillOpacity: 1}).addTo(map);
      L.circleMarker(data.track[data.track.length - 1], {radius: 6, color: "#b3261e", fillOpacity: 1}).addTo(map);
    }
    data.findings.forEach(function (f) {
      L.circleMarker(f.at, {radius: 8, color: "#f57c00", fillColor: "#ffb74d", fillOpacity: 0.9}).addTo(map).bindTooltip(text(f.label));
    });
  }

  var desk = document.getElementById("desk-map");
  var deskData = document.getElementById("desk-map-data");
  if (desk && deskData) {
    var d = JSON.parse(deskData.textContent);
    var deskMap = newMap(desk, d);
    var layer = L.layerGroup().addTo(deskMap);
    var markers = {};
    var draw = function (picture) {
      layer.clearLayers();
      markers = {};
      picture.patrols.forEach(function (p) {
        if (p.track.length > 1) L.polyline(p.track, {color: "#1d5fa8", weight: 3}).addTo(layer);
        if (p.last) {
          var m = L.circleMarker(p.last, {radius: 8, color: "#1d5fa8", fillColor: "#42a5f5", fillOpacity: 1}).addTo(layer);
          m.bindTooltip(text(p.member + " · " + p.km + " km"), {permanent: true, direction: "top"});
          m.bindPopup(link(p.url, p.member));
          markers[p.id] = m;
        }
        var row = document.querySelector("[data-distance='" + p.id + "']");
        if (row) row.textContent = p.km + " km";
      });
      picture.findings.forEach(function (f) {
        if (f.at && f.at[0] != null) L.circleMarker(f.at, {radius: 7, color: "#f57c00", fillColor: "#ffb74d", fillOpacity: 0.9}).addTo(layer).bindPopup(link(f.url, f.case + " · " + f.kind));
      });
      picture.alerts.forEach(function (a) {
        if (a.at && a.at[0] != null) L.circleMarker(a.at, {radius: 12, color: "#b3261e", fillColor: "#e53935", fillOpacity: 0.8}).addTo(layer).bindPopup(link(a.patrol_url, a.label + " · " + a.member));
      });
    };
    draw(d.picture);
    // A new fix moves its member's marker and distance at once, from the event itself; the routes
    // (the whole picture, about 1 MB with 200 members on patrol) are read again at most every ROUTES_MS.
    var ROUTES_MS = 2000;
    var moved = function (data) {
      if (!data || data.patrol == null) return;
      var m = markers[data.patrol];
      if (m && data.lat != null && data.lon != null) m.setLatLng([data.lat, data.lon]);
      var row = document.querySelector("[data-distance='" + data.patrol + "']");
      if (row && data.distance_m != null) row.textContent = (data.distance_m / 1000).toFixed(2) + " km";
    };
    var pending = null;
    var refresh = function (event) {
      var kind = event && event.detail && event.detail.kind;
      if (kind === "patrol_alert" || kind === "patrol_started" || kind === "patrol_ended" || kind === "patrol_alert_ack") {
        window.location.reload();  // the lists beside the map change too
        return;
      }
      if (kind === "patrol_point") moved(event.detail.data);
      if (pending) return;
      pending = setTimeout(function () {
        pending = null;
        fetch(desk.dataset.pictureUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(draw).catch(function () {});
      }, kind === "patrol_point" ? ROUTES_MS : 300);
    };
    document.addEventListener("lianxin:live", function (e) { if (String(e.detail.kind).indexOf("patrol_") === 0) refresh(e); });
    document.addEventListener("lianxin:live-open", refresh);
  }
})();
