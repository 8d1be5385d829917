// Live updates for pages that ask for them (<body data-live-url=... data-live-kinds="kind1 kind2">):
// one EventSource to /live/; each event is re-dispatched on document as a "lianxin:live"
// CustomEvent (detail: {topic, kind, data}) and, on htmx pages, as the htmx trigger
// "live:<kind>" on <body>, so a panel refreshes itself with hx-trigger="live:warning from:body".
// After a reconnect "live:open" fires, so a page re-reads what it may have missed.
(function () {
  "use strict";
  var body = document.body;
  if (!window.EventSource || !body || !body.dataset.liveUrl) return;
  // A dropped stream is retried by the EventSource itself, but an answer other than 200 (a proxy's
  // 502 while the server restarts) closes it for good: then a new one is opened here, backing off.
  var FIRST_RETRY_MS = 2000;
  var MOST_RETRY_MS = 60000;
  var retryMs = FIRST_RETRY_MS;
  var kinds = (body.dataset.liveKinds || "").split(/\s+/).filter(Boolean);
  function relay(message) {
    var detail;
    try { detail = JSON.parse(message.data); } catch (e) { return; }
    document.dispatchEvent(new CustomEvent("lianxin:live", { detail: detail }));
    if (window.htmx) window.htmx.trigger(body, "live:" + detail.kind, detail);
  }
  function connect() {
    var source = new EventSource(body.dataset.liveUrl);
    source.onmessage = relay;
    kinds.forEach(function (kind) { source.addEventListener(kind, relay); });
    source.addEventListener("open", function () {
      retryMs = FIRST_RETRY_MS;
      document.dispatchEvent(new CustomEvent("lianxin:live-open"));
      if (window.htmx) window.htmx.trigger(body, "live:open", {});
    });
    source.addEventListener("error", function () {
      if (source.readyState !== EventSource.CLOSED) return;  // the browser is retrying by itself
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, MOST_RETRY_MS);
    });
  }
  connect();
})();
