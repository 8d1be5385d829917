// The anti-fraud pages' two moving parts, without a library:
// 1. #warning-panel re-reads itself when a live "fraud_warning" event arrives (or the stream reconnects),
//    and redraws only if what it shows has changed;
// 2. #shot-status polls its status URL while a screenshot is being read, then shows the verdict.
(function () {
  "use strict";
  function reload(box, url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; });
  }
  // What a responder has typed or chosen in the panel's forms, by form action and field name, so a
  // live refresh that arrives while they type puts it back instead of wiping it.
  function typed(box) {
    var kept = {};
    box.querySelectorAll("form").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button") return;
        var changed = el.tagName === "SELECT"
          ? !(el.options[el.selectedIndex] && el.options[el.selectedIndex].defaultSelected)
          : el.value !== el.defaultValue;
        if (changed) kept[(form.getAttribute("action") || "") + "|" + el.name] = el.value;
      });
    });
    return kept;
  }
  function putBack(box, kept, focusedId) {
    box.querySelectorAll("form").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        var key = (form.getAttribute("action") || "") + "|" + el.name;
        if (el.name && Object.prototype.hasOwnProperty.call(kept, key)) el.value = kept[key];
      });
    });
    var again = focusedId && document.getElementById(focusedId);
    if (again && box.contains(again)) again.focus();
  }
  var panel = document.getElementById("warning-panel");
  if (panel) {
    var refresh = function () {
      var kept = typed(panel);
      var active = document.activeElement;
      var focusedId = active && panel.contains(active) ? active.id : "";
      return fetch(panel.dataset.panelUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          // Nothing shown has changed (the catch-up after a reload, an event about someone else's
          // warning): leave the page as it is, the field being typed in included.
          var fresh = document.createElement("template");
          fresh.innerHTML = html;
          var now = panel.querySelector("[data-state]");
          var next = fresh.content.querySelector("[data-state]");
          if (now && next && now.dataset.state === next.dataset.state) return;
          var lost = typed(panel);  // typed while the request was on its way
          Object.keys(lost).forEach(function (k) { kept[k] = lost[k]; });
          panel.innerHTML = html;
          putBack(panel, kept, focusedId);
        });
    };
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
