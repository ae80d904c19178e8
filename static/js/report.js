// The printable monthly report: its two charts (ECharts, drawn as SVG so they print sharp).
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var font = { fontFamily: "PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif" };
  function bars(id, rows, horizontal) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var chart = echarts.init(node, null, { renderer: "svg" });
    var names = rows.map(function (r) { return r[0]; });
    var values = rows.map(function (r) { return r[1]; });
    var category = { type: "category", data: names, axisLabel: { interval: horizontal ? 0 : "auto" } };
    var value = { type: "value", minInterval: 1 };
    chart.setOption({
      textStyle: font, animation: false,
      grid: { left: 8, right: 24, top: 12, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category, yAxis: horizontal ? category : value,
      series: [{ type: "bar", data: values, itemStyle: { color: "#b3261e" }, label: { show: horizontal, position: "right" } }]
    });
  }
  bars("chart-daily", data.daily, false);
  bars("chart-channel", data.by_channel.slice().reverse(), true);
  document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
})();
