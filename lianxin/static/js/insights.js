// The dashboard's monthly trend: one ECharts line per chosen figure, from the page's JSON.
(function () {
  var el = document.getElementById("trend-chart");
  var data = document.getElementById("trend-data");
  if (!el || !data || !window.echarts) return;
  var charts = JSON.parse(data.textContent);
  var chart = window.echarts.init(el);
  function show(i) {
    var c = charts[i];
    chart.setOption({
      grid: { left: 40, right: 10, top: 20, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: c.months },
      yAxis: { type: "value", axisLabel: { formatter: c.unit === "share" ? "{value}%" : "{value}" } },
      series: [{ type: "line", data: c.values, name: c.label, connectNulls: false }],
    });
  }
  var select = document.getElementById("trend-metric");
  if (select) select.addEventListener("change", function () { show(+select.value); });
  show(0);
  window.addEventListener("resize", function () { chart.resize(); });
})();
