/* The patrol recorder: watches the browser's position, keeps every fix in a queue stored on the phone
   (localStorage, per patrol), and sends the queue in order, in batches, whenever there is a signal.
   A batch is removed from the queue only once the server has stored it; the server ignores a fix
   whose time it already has, so a batch sent twice (answer lost) is never counted twice.
   Also: the finding and help forms carry the last position; the stop button sends the queue first. */
(function () {
  "use strict";
  // Fixes of an ended patrol still queued here (stopped without a signal) are sent from any patrol page.
  var leftovers = document.getElementById("patrol-leftovers");
  if (leftovers) {
    Object.keys(localStorage).filter(function (k) { return k.indexOf("lx-patrol-queue-") === 0; }).forEach(function (k) {
      var id = k.slice("lx-patrol-queue-".length);
      var queue;
      try { queue = JSON.parse(localStorage.getItem(k) || "[]"); } catch (e) { queue = []; }
      if (!queue.length) { localStorage.removeItem(k); return; }
      fetch(leftovers.dataset.urlTemplate.replace("/0/", "/" + encodeURIComponent(id) + "/"), {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": leftovers.dataset.csrf},
        body: JSON.stringify({points: queue.slice(0, 500)})
      }).then(function (response) {
        if (response.ok || response.status === 400 || response.status === 404 || response.status === 422) {
          var rest = queue.slice(500);
          if (rest.length) localStorage.setItem(k, JSON.stringify(rest)); else localStorage.removeItem(k);
        }
      }).catch(function () {});
    });
  }
  var run = document.getElementById("patrol-run");
  if (!run) return;
  var patrolId = run.dataset.patrol;
  var url = run.dataset.pointsUrl;
  var csrf = run.dataset.csrf;
  var KEY = "lx-patrol-queue-" + patrolId;
  var BATCH = 500;
  var FLUSH_MS = 5000;
  var sending = false;
  var last = null;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); }
  function show(id, text) { var el = document.getElementById(id); if (el) el.textContent = text; }
  function showQueue() { show("patrol-queue", String(load().length)); }

  function add(pos) {
    var fix = {
      t: new Date(pos.timestamp).toISOString(),
      lat: pos.coords.latitude,
      lon: pos.coords.longitude,
      accuracy: pos.coords.accuracy == null ? null : Math.round(pos.coords.accuracy * 10) / 10
    };
    var queue = load();
    if (queue.length && queue[queue.length - 1].t === fix.t) return;
    queue.push(fix);
    save(queue);
    last = fix;
    show("patrol-gps", "GPS ✓ " + fix.lat.toFixed(5) + ", " + fix.lon.toFixed(5));
    showQueue();
    if (queue.length >= BATCH) flush();
  }

  function flush() {
    if (sending) return Promise.resolve();
    var queue = load();
    if (!queue.length) return Promise.resolve();
    var batch = queue.slice(0, BATCH);
    sending = true;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({points: batch})
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, status: response.status, body: body}; });
    }).then(function (answer) {
      sending = false;
      document.getElementById("patrol-offline").hidden = true;
      if (answer.ok || answer.status === 400 || answer.status === 422) {
        // Stored, or refused for good (a bad fix): either way these fixes leave the queue.
        var sent = {};
        batch.forEach(function (f) { sent[f.t] = true; });
        save(load().filter(function (f) { return !sent[f.t]; }));
        showQueue();
      }
      if (answer.ok) {
        show("patrol-km", (answer.body.patrol.distance_m / 1000).toFixed(2));
        document.getElementById("patrol-error").hidden = true;
        if (load().length) return flush();
      } else {
        var err = document.getElementById("patrol-error");
        var detail = answer.body && answer.body.detail;
        err.textContent = Array.isArray(detail) ? detail.map(function (d) { return d.message; }).join("; ") : String(detail || answer.status);
        err.hidden = false;
      }
    }).catch(function () {
      sending = false;
      document.getElementById("patrol-offline").hidden = false;
    });
  }

  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(add, function (err) {
      show("patrol-gps", "GPS ✗ " + err.message);
    }, {enableHighAccuracy: true, maximumAge: 0, timeout: 30000});
  } else {
    show("patrol-gps", "GPS ✗");
  }
  setInterval(flush, FLUSH_MS);
  window.addEventListener("online", flush);
  showQueue();
  flush();

  document.querySelectorAll("form[data-with-position]").forEach(function (form) {
    form.addEventListener("submit", function () {
      if (!last) return;
      form.querySelector("[name=lat]").value = last.lat;
      form.querySelector("[name=lon]").value = last.lon;
    });
  });

  var stop = document.getElementById("stop-form");
  if (stop) {
    stop.addEventListener("submit", function (event) {
      if (stop.dataset.flushed) return;
      event.preventDefault();
      flush().then(function () {
        if (load().length && !navigator.onLine) {
          var err = document.getElementById("patrol-error");
          err.textContent = document.getElementById("patrol-offline").textContent;
          err.hidden = false;
        }
        stop.dataset.flushed = "1";
        stop.submit();
      });
    });
  }
  // Expose the flush for the page's tests and for a "send now" in the console.
  window.lianxinPatrolFlush = flush;
})();
