/* Draws the regimen chart (daily dose by drug and study day) from json_script data. */
(function () {
  "use strict";
  var source = document.getElementById("regimen-chart-data");
  var canvas = document.getElementById("regimen-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data || !data.labels || data.labels.length === 0) { return; }
  var decisionDays = data.decision_days || [];
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
        title: { display: true, text: "Daily dose (mg/day) by study day" + (decisionDays.length ? " · decisions on days " + decisionDays.join(", ") : "") }
      },
      scales: {
        x: { title: { display: true, text: "Study day" } },
        y: { title: { display: true, text: "mg/day" }, beginAtZero: true }
      }
    }
  });
})();
