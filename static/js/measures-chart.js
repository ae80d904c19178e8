// The measures page's chart: cases received (bars) and the closure rate (line) per row.
(function () {
  "use strict";
  var el = document.getElementById("measures-chart");
  var source = document.getElementById("measures-chart-data");
  if (!el || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data.labels.length) { el.classList.add("d-none"); return; }
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [data.names.received, data.names.closure] },
    grid: { left: 48, right: 48, bottom: 72, top: 36 },
    xAxis: { type: "category", data: data.labels, axisLabel: { rotate: data.labels.length > 6 ? 30 : 0, interval: 0 } },
    yAxis: [
      { type: "value", name: data.names.received, minInterval: 1 },
      { type: "value", name: "%", min: 0, max: 100 }
    ],
    series: [
      { name: data.names.received, type: "bar", data: data.received, itemStyle: { color: "#4e79a7" } },
      { name: data.names.closure, type: "line", yAxisIndex: 1, data: data.closure, itemStyle: { color: "#e15759" }, connectNulls: true }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
