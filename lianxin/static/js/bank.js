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
  var g = JSON.parse(data.textContent);
  function yuan(fen) { return (fen / 100).toLocaleString(undefined, { minimumFractionDigits: 2 }); }
  var colours = { victim: "#c62828", account: "#1565c0", sink: "#6d4c41", other: "#9e9e9e" };
  var nodes = g.nodes.map(function (n) {
    var held = n.held_fen ? (n.held_fen.fifo || 0) : 0;
    return {
      id: n.id, name: n.id, value: held,
      symbolSize: n.kind === "victim" ? 26 : Math.max(10, Math.min(40, 10 + Math.sqrt(held / 100) / 4)),
      itemStyle: { color: colours[n.kind] || colours.other },
      label: { show: g.nodes.length <= 60, formatter: (n.holder ? n.holder + "\n" : "") + n.id.slice(-4) },
      tooltip: { formatter: n.id + (n.holder ? " " + n.holder : "") + (n.bank ? " · " + n.bank : "") + (n.level ? " · L" + n.level : "") + (held ? "<br>held " + yuan(held) : "") + (n.sink ? "<br>" + n.sink : "") },
    };
  });
  var links = g.links.map(function (l) {
    var victim = l.attributed_fen && (l.attributed_fen.fifo || l.attributed_fen.poison);
    return {
      source: l.source, target: l.target, value: l.amount_fen,
      lineStyle: { width: victim ? 3 : 1, color: victim ? "#c62828" : "#bbb", curveness: 0.1 },
      tooltip: { formatter: l.source.slice(-4) + " → " + l.target.slice(-4) + "<br>" + yuan(l.amount_fen) + (victim ? "<br>victim " + yuan(victim) : "") + "<br>" + l.at },
    };
  });
  var chart = window.echarts.init(el);
  chart.setOption({
    tooltip: {},
    animation: nodes.length < 150,
    series: [{
      type: "graph", layout: "force", roam: true, draggable: nodes.length < 150,
      force: { repulsion: 160, edgeLength: 70, layoutAnimation: nodes.length < 150 },
      edgeSymbol: ["none", "arrow"], edgeSymbolSize: 7,
      data: nodes, links: links,
    }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
