// Wenyun statistics: the dashboard (/console/stats) and the big screen
// (/console/stats/screen). The Content-Security-Policy forbids inline
// scripts, so every chart's data comes from a JSON data island:
//   [data-chart="id"]      a chart container; #id is a
//                          <script type="application/json"> holding
//                          {id, kind, title, labels, series}
//   main[data-screen=url]  the big screen: every data-refresh seconds (30
//                          at least) it reads url (data.json) with its
//                          data-version; unless the answer is 204 (nothing
//                          changed) it updates the figures, the charts,
//                          their tables and data-version.
// ECharts draws with aria on (charts are described to screen readers) and
// decal patterns (series are told apart without colour). Each chart's
// numbers are also in the table beside it, rendered on the server.
// Tooltips are drawn on the canvas (renderMode "richText"): HTML tooltips
// put style="…" markup in the page, which style-src 'self' refuses. Nothing
// here writes style attributes; sizes and colours go through CSSOM or CSS.
(function () {
  "use strict";

  var charts = {}; // chart id → ECharts instance
  var dark = false;

  // brightPalette keeps every series readable on the big screen's dark
  // background.
  var brightPalette = ["#6ea8fe", "#9be15d", "#ffd479", "#ff8a65", "#4dd0e1", "#ce93d8", "#f48fb1", "#aed581"];

  function base() {
    var size = dark ? 16 : 12;
    var opt = {
      aria: { enabled: true, decal: { show: true } },
      backgroundColor: "transparent",
      textStyle: { fontSize: size },
      legend: { type: "scroll", top: 0, textStyle: { fontSize: size } },
      grid: { left: 8, right: 8, top: 44, bottom: 8, containLabel: true }
    };
    if (dark) opt.color = brightPalette;
    return opt;
  }

  // tooltip is the tooltip of every chart: drawn on the canvas, kept
  // inside the chart.
  function tooltip(extra) {
    var out = { renderMode: "richText", confine: true };
    for (var k in extra) out[k] = extra[k];
    return out;
  }

  function empty(opt) {
    opt.title = { text: "暂无数据", left: "center", top: "middle", textStyle: { fontSize: 16, fontWeight: "normal" } };
    opt.legend = { show: false };
    return opt;
  }

  function values(s) {
    return s.values.map(function (v) { return v === null ? "-" : v; });
  }

  function percentLabel(v) { return v + "%"; }

  // Lines are told apart by their symbol and dash as well as colour
  // (decal patterns fill areas only).
  var symbols = ["circle", "rect", "triangle", "diamond", "pin", "arrow"];
  var dashes = ["solid", "dashed", "dotted", "solid", "dashed", "dotted"];

  function lineSeries(s, i, extra) {
    var out = { name: s.name, type: "line", data: values(s), symbol: symbols[i % symbols.length], symbolSize: 8,
      lineStyle: { type: dashes[i % dashes.length], width: 2 } };
    for (var k in extra) out[k] = extra[k];
    return out;
  }

  // Lines over time: one per series.
  function line(spec) {
    var opt = base();
    opt.tooltip = tooltip({ trigger: "axis" });
    opt.xAxis = { type: "category", data: spec.labels };
    opt.yAxis = { type: "value", minInterval: 1 };
    opt.series = spec.series.map(function (s, i) { return lineSeries(s, i, {}); });
    return opt;
  }

  // Grouped bars for counts; percentages as lines on a second axis.
  function bar(spec) {
    var opt = base();
    var pct = spec.series.some(function (s) { return s.percent; });
    opt.tooltip = tooltip({ trigger: "axis", axisPointer: { type: "shadow" } });
    opt.xAxis = { type: "category", data: spec.labels,
      axisLabel: { interval: 0, rotate: spec.labels.length > 3 ? 30 : 0, width: 90, overflow: "truncate" } };
    opt.yAxis = [{ type: "value", minInterval: 1 }];
    if (pct) opt.yAxis.push({ type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } });
    opt.series = spec.series.map(function (s, i) {
      if (s.percent) return lineSeries(s, i, { yAxisIndex: 1, tooltip: { valueFormatter: percentLabel } });
      return { name: s.name, type: "bar", data: values(s) };
    });
    return opt;
  }

  // Horizontal stacked bars, the first label on top.
  function hbar(spec) {
    var opt = base();
    opt.tooltip = tooltip({ trigger: "axis", axisPointer: { type: "shadow" } });
    opt.yAxis = { type: "category", data: spec.labels, inverse: true, axisLabel: { width: 110, overflow: "truncate" } };
    opt.xAxis = { type: "value", minInterval: 1 };
    opt.series = spec.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "total", data: values(s) };
    });
    return opt;
  }

  // A pie of the first series.
  function pie(spec) {
    var opt = base();
    var s = spec.series[0];
    opt.tooltip = tooltip({ trigger: "item", formatter: "{b}：{c}（{d}%）" });
    opt.legend = { type: "scroll", bottom: 0 };
    opt.series = [{ name: s.name, type: "pie", radius: ["30%", "60%"], center: ["50%", "46%"],
      label: { formatter: "{b}\n{c}", width: 90, overflow: "break" },
      data: spec.labels.map(function (l, i) { return { name: l, value: s.values[i] }; }) }];
    return opt;
  }

  var kinds = { line: line, bar: bar, hbar: hbar, pie: pie };

  function option(spec) {
    if (!spec.labels.length || !spec.series.length) return empty(base());
    return (kinds[spec.kind] || bar)(spec);
  }

  // draw draws one chart; a chart that fails says so and leaves the
  // others drawn (its numbers are in the table beside it).
  function draw(el) {
    var island = document.getElementById(el.dataset.chart);
    if (!island || !window.echarts) return;
    try {
      var spec = JSON.parse(island.textContent);
      var chart = window.echarts.init(el, dark ? "dark" : null, { renderer: "canvas" });
      chart.setOption(option(spec));
      charts[spec.id] = chart;
    } catch (e) {
      el.dataset.chartError = String(e);
      if (window.console) window.console.error("chart " + el.id + ": " + e);
    }
  }

  function resizeAll() {
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
  }

  // fillTable replaces a table's rows: the first cell of each is its
  // row header.
  function fillTable(id, table) {
    var body = document.querySelector("#table-" + id + " tbody");
    if (!body) return;
    while (body.firstChild) body.removeChild(body.firstChild);
    if (!table.rows.length) {
      var tr = document.createElement("tr"), td = document.createElement("td");
      td.colSpan = table.header.length;
      td.textContent = "暂无数据";
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    table.rows.forEach(function (row) {
      var tr = document.createElement("tr");
      row.forEach(function (cell, i) {
        var c = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) c.scope = "row";
        c.textContent = cell;
        tr.appendChild(c);
      });
      body.appendChild(tr);
    });
  }

  function setText(root, css, text) {
    root.querySelectorAll(css).forEach(function (e) { e.textContent = text; });
  }

  function apply(main, data) {
    setText(main, ".stats-updated", data.updated);
    setText(main, ".screen-range", "近12个月：" + data.range);
    data.figures.forEach(function (f) {
      var box = main.querySelector('[data-figure="' + f.key + '"]');
      if (!box) return;
      setText(box, ".figure-value", f.value);
      setText(box, ".figure-note", f.note);
    });
    data.charts.forEach(function (c) {
      if (charts[c.spec.id]) charts[c.spec.id].setOption(option(c.spec), { notMerge: true });
      fillTable(c.spec.id, c.table);
    });
    main.dataset.version = data.version;
  }

  // dataURL is the refresh's address: data.json with the version shown.
  function dataURL(main) {
    var u = new URL(main.dataset.screen, window.location.href);
    u.searchParams.set("version", main.dataset.version || "");
    return u.href;
  }

  // screen refreshes the big screen in place: no page reload, so nothing
  // flashes; a failed read keeps the figures shown and says so.
  function screen(main) {
    var period = Math.max(30, parseInt(main.dataset.refresh, 10) || 60) * 1000;
    var status = main.querySelector("[data-screen-status]");
    function tick() {
      fetch(dataURL(main), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (r.status === 204) return null; // the version shown is the latest
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then(function (data) {
          if (data) apply(main, data);
          if (status) status.textContent = "";
        })
        .catch(function () {
          if (status) status.textContent = "数据暂时无法刷新，稍后自动重试。";
        })
        .then(function () { setTimeout(tick, period); });
    }
    setTimeout(tick, period);
  }

  document.addEventListener("DOMContentLoaded", function () {
    dark = document.body.classList.contains("screen");
    document.querySelectorAll("[data-chart]").forEach(draw);
    // Charts follow their containers (a rotated phone, a resized window,
    // the layout settling).
    if (window.ResizeObserver) {
      var seen = new window.ResizeObserver(resizeAll);
      document.querySelectorAll("[data-chart]").forEach(function (el) { seen.observe(el); });
    } else {
      var pending = 0;
      window.addEventListener("resize", function () {
        clearTimeout(pending);
        pending = setTimeout(resizeAll, 150);
      });
    }
    var main = document.querySelector("main[data-screen]");
    if (main) screen(main);
  });
})();
