/* Dashboard charts, drawn from the json_script data; each has a table beside it. The
   words (title, series) come from the canvas's data-* attributes, in the reader's
   language. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var blue = "#0d6efd", red = "#dc3545", grey = "#6c757d";
  function canvasOf(name) { return document.querySelector('canvas[data-chart="' + name + '"]'); }
  function words(name, key) {
    var canvas = canvasOf(name);
    return (canvas && canvas.getAttribute("data-" + key)) || "";
  }
  function draw(name, config) {
    var canvas = canvasOf(name);
    if (canvas) { config.options = Object.assign({ animation: false, maintainAspectRatio: false }, config.options || {}); new Chart(canvas, config); }
  }
  if (data.cumulative) {
    draw("cumulative", {
      type: "line",
      data: {
        labels: data.cumulative.labels,
        datasets: [
          { label: words("cumulative", "label-randomized"), data: data.cumulative.values, borderColor: blue, backgroundColor: blue, stepped: true },
          { label: words("cumulative", "label-target"), data: data.cumulative.labels.map(function () { return data.cumulative.target; }), borderColor: grey, borderDash: [6, 4], pointRadius: 0 }
        ]
      },
      options: { plugins: { title: { display: true, text: words("cumulative", "title") } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  // Counts are whole numbers: no 0.5 ticks on a count axis.
  var countTicks = { precision: 0, stepSize: 1 };
  if (data.by_site && data.by_site.cyclosporine) {
    draw("by_site", {
      type: "bar",
      data: {
        labels: data.by_site.labels,
        datasets: [
          { label: words("by_site", "label-cyclosporine"), data: data.by_site.cyclosporine, backgroundColor: blue },
          { label: words("by_site", "label-steroids"), data: data.by_site.steroids, backgroundColor: red }
        ]
      },
      options: { plugins: { title: { display: true, text: words("by_site", "title") } }, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: countTicks } } }
    });
  } else if (data.by_site) {
    draw("by_site", {
      type: "bar",
      data: { labels: data.by_site.labels, datasets: [{ label: words("by_site", "label-randomized"), data: data.by_site.randomized, backgroundColor: blue }] },
      options: { plugins: { title: { display: true, text: words("by_site", "title-totals") } }, scales: { y: { beginAtZero: true, ticks: countTicks } } }
    });
  }
  if (data.labels && data.cyclosporine) {
    draw("endpoints", {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: words("endpoints", "label-cyclosporine"), data: data.cyclosporine, backgroundColor: blue },
          { label: words("endpoints", "label-steroids"), data: data.steroids, backgroundColor: red }
        ]
      },
      options: { indexAxis: "y", plugins: { title: { display: true, text: words("endpoints", "title") } }, scales: { x: { min: 0, max: 100 } } }
    });
  }
})();
