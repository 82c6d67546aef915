/* 企业统计 (archive/enterprise_stats.html): the region, industry, size and review charts from the page's #stats-data
   block ({key: {type: bar | bar-horizontal | pie, labels, values, colors, links}}); a bar or slice opens its list. */
(function () {
  const data = JSON.parse(document.getElementById("stats-data").textContent);
  if (!window.echarts || !data.total) return;
  const charts = [];

  function options(d) {
    const tooltip = {trigger: d.type === "pie" ? "item" : "axis", confine: true};
    if (d.type === "pie") {
      const option = {
        tooltip: Object.assign(tooltip, {formatter: "{b}：{c} 家（{d}%）"}),
        legend: {type: "scroll", bottom: 0},
        series: [{
          type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], avoidLabelOverlap: true,
          label: {formatter: "{b}\n{c}"},
          data: d.labels.map((name, i) => ({name: name, value: d.values[i]})),
        }],
      };
      if (d.colors) option.color = d.colors;
      return option;
    }
    const horizontal = d.type === "bar-horizontal";
    const category = {type: "category", data: d.labels, axisLabel: {interval: 0}};
    const value = {type: "value", minInterval: 1};
    return {
      tooltip: Object.assign(tooltip, {axisPointer: {type: "shadow"}}),
      grid: {left: 8, right: 24, top: 16, bottom: 8, containLabel: true},
      xAxis: horizontal ? value : Object.assign(category, {axisLabel: {interval: 0, rotate: d.labels.length > 6 ? 30 : 0}}),
      yAxis: horizontal ? Object.assign(category, {inverse: true}) : value,
      series: [{type: "bar", name: "企业数", data: d.values, barMaxWidth: 36,
                label: {show: true, position: horizontal ? "right" : "top"}}],
    };
  }

  ["region", "industry", "size", "review"].forEach(function (key) {
    const el = document.getElementById("chart-" + key);
    if (!el) return;
    const d = data[key];
    const chart = echarts.init(el);
    chart.setOption(options(d));
    // A bar or slice with a list behind it opens that list.
    chart.on("click", function (p) {
      const url = d.links[p.dataIndex];
      if (url) window.location.href = url;
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(c => c.resize()); });
  // Charts in a hidden container (print, tabs) need a resize once visible.
  window.addEventListener("beforeprint", function () { charts.forEach(c => c.resize()); });
})();
