/* 隐患排查上报率统计 (hazards/reporting_stats.html): stacked 已上报 / 未上报 / 暂不上报 per row with the rate, drawn by
   stats.js from the page's #stats-data block; this file only adds the page's own bar, pie and link shapes. The colours
   come with the data (d.colors, from core.stats.HEX). */
(function () {
  const SERIES = [["reported", "已上报"], ["unreported", "未上报"], ["paused", "暂不上报"]];

  function tooltip(d) {
    return function (items) {
      const i = items[0].dataIndex;
      const rate = d.rates[i] === null ? "—" : d.rates[i] + "%";
      return d.labels[i] + "<br>已上报 " + d.reported[i] + " 家，未上报 " + d.unreported[i] + " 家，暂不上报 " + d.paused[i] + " 家<br>上报率 " + rate;
    };
  }

  // Stacked counts per row; a rate line on its own axis when the rows stand upright (few rows), else bars lie down.
  function bar(d) {
    const horizontal = d.labels.length > 10;
    const category = {type: "category", data: d.labels, axisLabel: {interval: 0}};
    if (!horizontal && d.labels.length > 5) category.axisLabel.rotate = 30;
    const series = SERIES.map(([k, name]) => ({
      type: "bar", name: name, stack: "total", data: d[k], barMaxWidth: 36, itemStyle: {color: d.colors[k]}, emphasis: {focus: "series"},
    }));
    const option = {
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, confine: true, formatter: tooltip(d)},
      legend: {top: 0}, grid: {left: 8, right: 24, top: 32, bottom: 8, containLabel: true}, series: series,
    };
    if (horizontal) {
      option.xAxis = {type: "value", minInterval: 1};
      option.yAxis = Object.assign(category, {inverse: true});
    } else {
      option.xAxis = category;
      option.yAxis = [{type: "value", minInterval: 1, name: "企业数"}, {type: "value", min: 0, max: 100, name: "上报率%", splitLine: {show: false}}];
      series.push({type: "line", name: "上报率", yAxisIndex: 1, data: d.rates, itemStyle: {color: d.colors.rate}, connectNulls: false});
    }
    return option;
  }

  function pie(d) {
    return {
      tooltip: {trigger: "item", confine: true, formatter: "{b}：未上报 {c} 家（{d}%）"},
      legend: {type: "scroll", bottom: 0},
      series: [{type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], label: {formatter: "{b}\n{c}"},
                data: d.labels.map((name, i) => ({name: name, value: d.unreported[i]})).filter(x => x.value)}],
    };
  }

  // A region drills into its own statistics; otherwise a bar or slice opens the filing list behind it.
  function link(d, kind, p) {
    if (kind !== "bar") return d.links.unreported[d.labels.indexOf(p.name)];
    const k = SERIES[p.seriesIndex] ? SERIES[p.seriesIndex][0] : "unreported";
    return d.drill[p.dataIndex] || d.links[k][p.dataIndex];
  }

  statsCharts({bar: bar, pie: pie, link: link}).load("stats-data");
})();
