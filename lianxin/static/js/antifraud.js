// The anti-fraud pages' two moving parts, without a library:
// 1. #warning-panel re-reads itself when a live "fraud_warning" event arrives (or the stream reconnects);
// 2. #shot-status polls its status URL while a screenshot is being read, then shows the verdict.
(function () {
  "use strict";
  function reload(box, url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; });
  }
  var panel = document.getElementById("warning-panel");
  if (panel) {
    var refresh = function () { reload(panel, panel.dataset.panelUrl); };
    document.addEventListener("lianxin:live", function (e) {
      if (e.detail && e.detail.kind === "fraud_warning") refresh();
    });
    document.addEventListener("lianxin:live-open", refresh);
  }
  var shot = document.getElementById("shot-status");
  if (shot) {
    var tries = 0;
    var poll = function () {
      var state = shot.querySelector("[data-state]");
      var s = state ? state.dataset.state : "";
      if (s !== "queued" && s !== "running") return;
      if (++tries > 120) return;
      reload(shot, shot.dataset.statusUrl).then(function () { setTimeout(poll, 1000); });
    };
    setTimeout(poll, 700);
  }
})();
