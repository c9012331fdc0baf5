/* Trend charts of the 质量分析 dashboard (Apache ECharts, served locally). */
(function () {
  "use strict";

  function lineChart(el, labels, series, yAxis) {
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 32 },
      xAxis: { type: "category", data: labels },
      yAxis: yAxis,
      series: series,
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function draw() {
    var node = document.getElementById("trend-data");
    if (!node || typeof echarts === "undefined") { return; }
    var data = JSON.parse(node.textContent);
    lineChart(
      document.getElementById("trend-rates"),
      data.labels,
      data.rates.map(function (s) {
        return { name: s.name, type: "line", connectNulls: false, data: s.data };
      }),
      { type: "value", scale: true, axisLabel: { formatter: "{value}%" } }
    );
    lineChart(
      document.getElementById("trend-counts"),
      data.labels,
      data.counts.map(function (s, i) {
        return { name: s.name, type: i < 2 ? "bar" : "line", data: s.data };
      }),
      { type: "value" }
    );
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
