/* Draws the regimen chart (daily dose by drug and study day) from json_script data. The
   words come from the canvas's data-* attributes, in the reader's language. */
(function () {
  "use strict";
  var source = document.getElementById("regimen-chart-data");
  var canvas = document.getElementById("regimen-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data || !data.labels || data.labels.length === 0) { return; }
  var decisionDays = data.decision_days || [];
  function words(name) { return canvas.getAttribute("data-" + name) || ""; }
  var title = words("title");
  if (decisionDays.length) {
    title += " · " + words("decisions").replace("%(days)s", decisionDays.join(", "));
  }
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: data.datasets.map(function (d) {
        return {
          label: d.label, data: d.data, borderColor: d.borderColor,
          backgroundColor: d.backgroundColor, stepped: true, spanGaps: false, pointRadius: 0
        };
      })
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: {
        title: { display: true, text: title }
      },
      scales: {
        x: { title: { display: true, text: words("x-title") } },
        y: { title: { display: true, text: words("y-title") }, beginAtZero: true }
      }
    }
  });
})();
