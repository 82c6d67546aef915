/* Statistics charts (bar, pie) drawn with ECharts from the JSON the statistics pages embed, written once.

   statsCharts(options).load(scriptId) draws every chart of the data in <script id=scriptId type=application/json>:
   {key: {labels, series: [{name, values, color | colors, links}], drill, pie: {names, values, colors, links}, unit, stack,
   line}} (line: lines over the labels instead of bars).
   A chart's container is #chart-<key>-<bar|pie>, drawn when its tab is shown (ECharts measures its container).
   A page with other data shapes passes its own bar(d), pie(d) and link(d, kind, params) in `options`.
   A page with the standard shapes only names its data: <script src="stats.js" data-stats-load="id1 id2"> draws those
   now, and again after htmx settles (a section loaded later brings its own data block), with no inline script. */
(function () {
  const script = document.currentScript;
  function bar(d) {
    const horizontal = d.labels.length > 8 && !d.line;
    const category = {type: "category", data: d.labels, axisLabel: {interval: 0}};
    const value = {type: "value", minInterval: 1};
    if (!horizontal && d.labels.length > 5) category.axisLabel.rotate = 30;
    const empty = !d.labels.length;
    return {
      title: empty ? {text: "暂无数据", left: "center", top: "middle", textStyle: {color: "#8a94a6", fontSize: 13}} : undefined,
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, confine: true},
      legend: {top: 0},
      grid: {left: 8, right: 24, top: 32, bottom: 8, containLabel: true},
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign(category, {inverse: true}) : value,
      series: d.series.map(s => ({
        type: d.line ? "line" : "bar", name: s.name, data: s.values, stack: d.stack ? "total" : undefined, barMaxWidth: 36,
        // one colour per series, or (s.colors) one per bar: the risk levels' red, orange, yellow, blue
        itemStyle: {color: s.colors ? (p => s.colors[p.dataIndex]) : s.color}, emphasis: {focus: "series"},
      })),
    };
  }

  function pie(d) {
    const option = {
      tooltip: {trigger: "item", confine: true, formatter: "{b}：{c} " + d.unit + "（{d}%）"},
      legend: {type: "scroll", bottom: 0},
      series: [{type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], avoidLabelOverlap: true,
                label: {formatter: "{b}\n{c}"},
                data: d.pie.names.map((name, i) => ({name: name, value: d.pie.values[i]}))}],
    };
    if (d.pie.colors) option.color = d.pie.colors;
    return option;
  }

  // A region drills into its own statistics; otherwise a bar or slice opens the rows behind it.
  function link(d, kind, p) {
    return kind === "bar" ? (d.drill[p.dataIndex] || d.series[p.seriesIndex].links[p.dataIndex]) : d.pie.links[p.dataIndex];
  }

  window.statsCharts = function (options) {
    const o = Object.assign({bar: bar, pie: pie, link: link}, options || {});
    const data = {};
    const charts = {};

    function draw(key, kind) {
      const id = key + "-" + kind;
      const el = document.getElementById("chart-" + id);
      if (charts[id] && charts[id].getDom() === el) { charts[id].resize(); return; }
      const d = data[key];
      if (!window.echarts || !el || !d || !el.offsetWidth) return;
      const chart = echarts.init(el);
      chart.setOption(kind === "bar" ? o.bar(d) : o.pie(d));
      chart.on("click", function (p) {
        const url = o.link(d, kind, p);
        if (url) window.location.href = url;
      });
      charts[id] = chart;
    }

    document.addEventListener("shown.bs.tab", function (e) {
      if (e.target.dataset.chart) draw(e.target.dataset.chart, e.target.dataset.kind);
    });
    window.addEventListener("resize", () => Object.values(charts).forEach(c => c.resize()));
    window.addEventListener("beforeprint", () => Object.values(charts).forEach(c => c.resize()));

    return {
      load: function (scriptId) {
        const el = document.getElementById(scriptId);
        if (!el) return;
        const loaded = JSON.parse(el.textContent);
        Object.assign(data, loaded);
        Object.keys(loaded).forEach(key => draw(key, "bar"));
      },
    };
  };

  const ids = ((script && script.dataset.statsLoad) || "").split(/\s+/).filter(Boolean);
  if (ids.length) {
    const charts = window.statsCharts();
    ids.forEach(id => charts.load(id));
    document.addEventListener("htmx:afterSettle", () => ids.forEach(id => charts.load(id)));
  }
})();
