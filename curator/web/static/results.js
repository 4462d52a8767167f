/* The Results page's charts (issue 15), drawn by the vendored Chart.js from the figures the
   server put in each canvas's data-chart attribute: a static file, so the Content-Security-Policy
   can forbid inline script. The tables beside each chart carry the same figures as text. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var colours = ["#0a5cad", "#1e6b34", "#8a4b00", "#a4161a"];
  document.querySelectorAll("canvas.chart[data-chart]").forEach(function (canvas) {
    var spec = JSON.parse(canvas.dataset.chart);
    var datasets = spec.series.map(function (series, i) {
      var colour = colours[i % colours.length];
      return {
        type: series.line || spec.type === "line" ? "line" : "bar",
        label: series.label,
        data: series.data,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: series.line ? 2 : 1,
        pointRadius: series.line ? 0 : 3,
        spanGaps: false,
        // stacked bars share one stack; the budget line stands apart
        stack: spec.stacked ? (series.line ? "budget" : "spent") : undefined,
        order: series.line ? 0 : 1
      };
    });
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: canvas.dataset.wide ? 3 : 2,
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { stacked: !!spec.stacked },
          y: { stacked: !!spec.stacked, beginAtZero: true, title: { display: true, text: spec.unit } }
        }
      }
    });
  });
})();
