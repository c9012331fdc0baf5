// The weekly complaint analysis chart: this week and last week per sub-item.
// Data comes from a json_script tag; the library is the local ECharts file.
document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("complaint-chart");
  var source = document.getElementById("complaint-chart-data");
  if (!holder || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { data: data.labels },
    grid: { left: 40, right: 16, bottom: 120 },
    xAxis: { type: "category", data: data.categories, axisLabel: { rotate: 40, interval: 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels[0], type: "bar", data: data.current },
      { name: data.labels[1], type: "bar", data: data.previous }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
