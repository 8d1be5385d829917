// The care list: #care-alarm-panel re-reads itself when a live "care_alarm" event arrives
// (or the stream reconnects), so a grid member's open page shows a new alarm without a reload.
(function () {
  "use strict";
  var panel = document.getElementById("care-alarm-panel");
  if (!panel) return;
  function refresh() {
    fetch(panel.dataset.panelUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) panel.innerHTML = html; });
  }
  document.addEventListener("lianxin:live", function (e) {
    if (e.detail && e.detail.kind === "care_alarm") refresh();
  });
  document.addEventListener("lianxin:live-open", refresh);
})();
