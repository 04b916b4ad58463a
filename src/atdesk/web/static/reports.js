// Reports charts: every <canvas data-chart="ID"> is drawn with Chart.js (vendored, ADR 92) from
// the page's JSON block <script type="application/json" id="report-charts">, which the server
// fills (reports/charts.py). No inline script: the Content-Security-Policy allows only files.
// A bar, point or heat-map cell with a drill-down link opens the cases behind it.
(function () {
  "use strict";

  var PALETTE = [
    "#3b5bdb", "#f08c00", "#2f9e44", "#c92a2a", "#7048e8", "#1098ad",
    "#e64980", "#5c940d", "#d9480f", "#495057", "#74c0fc", "#b197fc"
  ];

  function duration(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) return "—";
    var s = Math.round(seconds);
    if (s < 60) return s + "s";
    var m = Math.round(s / 60);
    if (m < 60) return m + "m";
    var h = Math.floor(m / 60), rest = m % 60;
    if (h < 48) return rest ? h + "h " + rest + "m" : h + "h";
    return Math.round(h / 24) + "d";
  }

  function formatter(kind) {
    if (kind === "percent") return function (v) { return v === null ? "—" : Math.round(v * 1000) / 10 + "%"; };
    if (kind === "duration") return duration;
    if (kind === "score") return function (v) { return v === null ? "—" : Math.round(v); };
    return function (v) { return v === null ? "—" : Number(v).toLocaleString(); };
  }

  function color(i, alpha) {
    var hex = PALETTE[i % PALETTE.length];
    if (alpha === undefined) return hex;
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function follow(spec, datasetIndex, index) {
    var ds = spec.datasets[datasetIndex];
    var url = ds && ds.links ? ds.links[index] : null;
    if (url) window.location.assign(url);
  }

  function seriesChart(canvas, spec) {
    var fmt = formatter(spec.format);
    var line = spec.kind === "line";
    var datasets = spec.datasets.map(function (ds, i) {
      return {
        label: ds.label,
        data: ds.data,
        backgroundColor: line ? color(i) : color(i, 0.85),
        borderColor: color(i),
        borderWidth: line ? 2 : 0,
        pointRadius: line ? 2.5 : 0,
        spanGaps: true,
        yAxisID: ds.axis || "y"
      };
    });
    var scales = {
      x: { stacked: spec.kind === "stacked", grid: { display: false } },
      y: {
        stacked: spec.kind === "stacked",
        beginAtZero: true,
        ticks: { callback: function (v) { return fmt(v); } }
      }
    };
    if (spec.format === "count") scales.y.ticks.precision = 0;
    if (spec.format === "percent") scales.y.max = 1;
    if (spec.right) {
      var rfmt = formatter(spec.right.format);
      scales.y2 = {
        position: "right",
        min: spec.right.min,
        max: spec.right.max,
        grid: { drawOnChartArea: false },
        ticks: { callback: function (v) { return rfmt(v); } }
      };
    }
    return new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: scales,
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var f = ctx.dataset.yAxisID === "y2" ? formatter(spec.right.format) : fmt;
                return ctx.dataset.label + ": " + f(ctx.parsed.y);
              }
            }
          }
        },
        onClick: function (_event, elements) {
          if (elements.length) follow(spec, elements[0].datasetIndex, elements[0].index);
        }
      }
    });
  }

  function range(start, stop, step) {
    var ticks = [];
    for (var v = start; v < stop; v += step) ticks.push({ value: v });
    return ticks;
  }

  function heatmap(canvas, spec) {
    var cells = spec.datasets[0].data;
    var max = 1;
    cells.forEach(function (c) { if (c.v > max) max = c.v; });
    return new window.Chart(canvas, {
      type: "matrix",
      data: {
        datasets: [{
          label: spec.datasets[0].label,
          data: cells,
          backgroundColor: function (ctx) {
            var cell = ctx.dataset.data[ctx.dataIndex];
            var share = cell ? cell.v / max : 0;
            return "rgba(59,91,219," + (0.06 + 0.94 * share).toFixed(3) + ")";
          },
          borderWidth: 1,
          borderColor: "#ffffff",
          width: function (ctx) { var a = ctx.chart.chartArea; return a ? a.width / 24 - 1 : 10; },
          height: function (ctx) { var a = ctx.chart.chartArea; return a ? a.height / 7 - 1 : 10; }
        }]
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function () { return ""; },
              label: function (ctx) {
                var c = ctx.raw;
                return spec.rows[c.y] + " " + String(c.x).padStart(2, "0") + ":00 — " + c.v + " posts";
              }
            }
          }
        },
        scales: {
          x: {
            type: "linear", min: -0.5, max: 23.5, offset: false,
            afterBuildTicks: function (axis) { axis.ticks = range(0, 24, 3); },
            ticks: { callback: function (v) { return String(v).padStart(2, "0") + "h"; } },
            grid: { display: false }
          },
          y: {
            type: "linear", min: -0.5, max: 6.5, reverse: true, offset: false,
            afterBuildTicks: function (axis) { axis.ticks = range(0, 7, 1); },
            ticks: { callback: function (v) { return spec.rows[v] || ""; } },
            grid: { display: false }
          }
        }
      }
    });
  }

  function draw() {
    var block = document.getElementById("report-charts");
    if (!block || !window.Chart) return;
    var specs = JSON.parse(block.textContent || "{}");
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = specs[canvas.getAttribute("data-chart")];
      if (!spec) return;
      var chart = spec.kind === "matrix" ? heatmap(canvas, spec) : seriesChart(canvas, spec);
      canvas.setAttribute("data-drawn", chart ? "1" : "0");
    });
  }

  // The period picker: the two dates show only for a custom period.
  function periodPicker() {
    var select = document.querySelector("[data-period]");
    if (!select) return;
    var custom = document.querySelectorAll("[data-custom-period]");
    function sync() {
      custom.forEach(function (el) { el.hidden = select.value !== "custom"; });
    }
    select.addEventListener("change", sync);
    sync();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { periodPicker(); draw(); });
  } else {
    periodPicker();
    draw();
  }
})();
