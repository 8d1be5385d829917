// Live updates for pages that ask for them (<body data-live-url=... data-live-kinds="kind1 kind2">):
// one EventSource to /live/; each event is re-dispatched on document as a "lianxin:live"
// CustomEvent (detail: {topic, kind, data}) and, on htmx pages, as the htmx trigger
// "live:<kind>" on <body>, so a panel refreshes itself with hx-trigger="live:warning from:body".
// After a reconnect "live:open" fires, so a page re-reads what it may have missed.
(function () {
  "use strict";
  var body = document.body;
  if (!window.EventSource || !body || !body.dataset.liveUrl) return;
  var source = new EventSource(body.dataset.liveUrl);
  function relay(message) {
    var detail;
    try { detail = JSON.parse(message.data); } catch (e) { return; }
    document.dispatchEvent(new CustomEvent("lianxin:live", { detail: detail }));
    if (window.htmx) window.htmx.trigger(body, "live:" + detail.kind, detail);
  }
  source.onmessage = relay;
  (body.dataset.liveKinds || "").split(/\s+/).filter(Boolean).forEach(function (kind) {
    source.addEventListener(kind, relay);
  });
  source.addEventListener("open", function () {
    document.dispatchEvent(new CustomEvent("lianxin:live-open"));
    if (window.htmx) window.htmx.trigger(body, "live:open", {});
  });
})();
