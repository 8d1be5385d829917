// The police–bank channel's pages: countdowns that tick, a ledger's status that refreshes itself while it is
// being read, and the trace's graph (ECharts) from the page's JSON. No inline script (CSP).
(function () {
  function words(seconds) {
    var m = Math.floor(Math.abs(seconds) / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
    var lang = document.documentElement.lang || "";
    var zh = lang.indexOf("zh") === 0;
    if (d) return zh ? d + "天" + (h % 24) + "小时" : d + " d " + (h % 24) + " h";
    if (h) return zh ? h + "小时" + (m % 60) + "分" : h + " h " + (m % 60) + " min";
    return zh ? m + "分" : m + " min";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown[datetime]").forEach(function (el) {
      var left = (Date.parse(el.getAttribute("datetime")) - now) / 1000;
      if (isNaN(left)) return;
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("due-soon", left >= 0 && left < 3600);
      var format = left < 0 ? el.dataset.overFormat : el.dataset.leftFormat;
      if (format) el.textContent = format.replace("%(time)s", words(left));
    });
  }
  tick();
  setInterval(tick, 30000);

  // A bank answered, a clock warned, a request arrived: re-read this page's request sections in place.
  var LIVE_SECTIONS = ["attention", "bank-attention", "requests", "clock", "money", "waiting", "answered"];
  document.addEventListener("lianxin:live", function (event) {
    if (!event.detail || event.detail.kind !== "bank_request") return;
    fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        LIVE_SECTIONS.forEach(function (id) {
          var now = document.getElementById(id), next = fresh.getElementById(id);
          if (now && next) now.replaceWith(next);
        });
        tick();
      });
  });

  function poll() {
    var box = document.getElementById("ledger-status");
    if (!box || box.dataset.working !== "1") return;
    setTimeout(function () {
      fetch(box.dataset.pollUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html) box.outerHTML = html;
          poll();
        })
        .catch(poll);
    }, 1500);
  }
  poll();

  var el = document.getElementById("trace-graph");
  var data = document.getElementById("trace-graph-data");
  if (!el || !data || !window.echarts) return;
  // Marks for bench/graph.py and the browser tests: the script starts, the chart's first render finishes.
  if (window.performance && performance.mark) performance.mark("trace-graph-start");
  var g = JSON.parse(data.textContent);
  // Holder names, banks and sink kinds come from a bank's ledger: escaped before ECharts shows them as HTML.
  var esc = window.echarts.format.encodeHTML;
  var say = el.dataset;
  function yuan(fen) { return (fen / 100).toLocaleString(undefined, { minimumFractionDigits: 2 }); }
  var colours = { victim: "#c62828", account: "#1565c0", sink: "#6d4c41", other: "#9e9e9e" };
  // Up to LAYERED_FROM nodes ECharts' force layout places them (animated, draggable). From there it would
  // run its whole simulation inside setOption (O(n²) per step: 2.5 s at 540 nodes, 6 s at 900), so the
  // nodes get precomputed positions instead: one column per hop from the victim (the engine's level),
  // the money that left the ledger in the last column, each column ordered by its senders' heights.
  var LAYERED_FROM = 150;
  var big = g.nodes.length >= LAYERED_FROM;
  // A column of a hundred accounts needs room: the chart grows with its tallest column (PX_PER_NODE each).
  var PX_PER_NODE = 7, MAX_HEIGHT = 820;
  function layered(width) {
    var level = {}, senders = {}, deepest = 0, pad = 12;
    g.links.forEach(function (l) { (senders[l.target] = senders[l.target] || []).push(l.source); });
    g.nodes.forEach(function (n) {
      if (n.kind === "victim") level[n.id] = 0;
      else if (n.kind === "account" && n.level) level[n.id] = n.level;
      if (level[n.id] > deepest) deepest = level[n.id];
    });
    var rest = g.nodes.filter(function (n) { return level[n.id] === undefined && n.kind !== "sink"; });
    rest.forEach(function (n) {  // an account the engine gave no level: one hop past its deepest known sender
      var from = (senders[n.id] || []).map(function (s) { return level[s]; }).filter(function (v) { return v !== undefined; });
      level[n.id] = from.length ? Math.max.apply(null, from) + 1 : 1;
      if (level[n.id] > deepest) deepest = level[n.id];
    });
    g.nodes.forEach(function (n) { if (n.kind === "sink") level[n.id] = deepest + 1; });
    var columns = [];
    g.nodes.forEach(function (n) { (columns[level[n.id]] = columns[level[n.id]] || []).push(n.id); });
    var tallest = Math.max.apply(null, columns.map(function (ids) { return ids ? ids.length : 0; }));
    var height = Math.min(MAX_HEIGHT, Math.max(el.clientHeight || 420, tallest * PX_PER_NODE));
    el.style.height = height + "px";
    var y = {}, x = {}, last = columns.length - 1 || 1;
    columns.forEach(function (ids, c) {
      if (!ids) return;
      var key = {};
      ids.forEach(function (id, i) {
        var ys = (senders[id] || []).map(function (s) { return y[s]; }).filter(function (v) { return v !== undefined; });
        key[id] = ys.length ? ys.reduce(function (a, b) { return a + b; }, 0) / ys.length : i;
      });
      ids.sort(function (a, b) { return key[a] - key[b]; });
      ids.forEach(function (id, i) {
        x[id] = pad + (width - 2 * pad) * c / last;
        y[id] = pad + (height - 2 * pad) * (ids.length === 1 ? 0.5 : i / (ids.length - 1));
      });
    });
    return { x: x, y: y };
  }
  var place = big ? layered(el.clientWidth || 800) : null;
  var nodes = g.nodes.map(function (n) {
    var held = n.held_fen ? (n.held_fen.fifo || 0) : 0;
    var size = Math.sqrt(held / 100) / 4;
    return {
      id: n.id, name: n.id, value: held,
      x: place ? place.x[n.id] : undefined, y: place ? place.y[n.id] : undefined,
      symbolSize: n.kind === "victim" ? (big ? 14 : 26) : big ? Math.max(5, Math.min(16, 5 + size / 2)) : Math.max(10, Math.min(40, 10 + size)),
      itemStyle: { color: colours[n.kind] || colours.other },
      label: { show: g.nodes.length <= 60, formatter: (n.holder ? n.holder + "\n" : "") + n.id.slice(-4) },
      tooltip: { formatter: esc(n.id) + (n.holder ? " " + esc(n.holder) : "") + (n.bank ? " · " + esc(n.bank) : "") + (n.level ? " · " + esc(say.labelLevel.replace("#", n.level)) : "") + (held ? "<br>" + esc(say.labelHeld) + " " + yuan(held) : "") + (n.sink ? "<br>" + esc(n.sink) : "") },
    };
  });
  var links = g.links.map(function (l) {
    var victim = l.attributed_fen && (l.attributed_fen.fifo || l.attributed_fen.poison);
    return {
      source: l.source, target: l.target, value: l.amount_fen,
      // In a big trace nearly every edge carries victim money: thin and faint, so the columns show through;
      // hovering a node brings its own edges forward (emphasis: adjacency).
      lineStyle: { width: victim && !big ? 3 : 1, color: victim ? "#c62828" : "#bbb", opacity: big ? 0.25 : 1, curveness: big ? 0 : 0.1 },
      tooltip: { formatter: esc(l.source.slice(-4)) + " → " + esc(l.target.slice(-4)) + "<br>" + yuan(l.amount_fen) + (victim ? "<br>" + esc(say.labelVictim) + " " + yuan(victim) : "") + "<br>" + esc(l.at) },
    };
  });
  var chart = window.echarts.init(el);
  // Before setOption: without animation ECharts renders, and says "finished", inside setOption itself.
  chart.on("finished", function drawn() {
    chart.off("finished", drawn);
    if (window.performance && performance.mark) performance.mark("trace-graph-drawn");
    el.dataset.drawn = "1";
  });
  chart.setOption({
    tooltip: { className: "trace-tooltip", confine: true },
    animation: !big,
    series: [{
      type: "graph", layout: big ? "none" : "force", roam: true, draggable: !big,
      force: { repulsion: 160, edgeLength: 70, layoutAnimation: true },
      edgeSymbol: ["none", "arrow"], edgeSymbolSize: big ? 4 : 7,
      emphasis: { focus: big ? "adjacency" : "none", lineStyle: { opacity: 1, width: 2 } },
      data: nodes, links: links,
    }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
