/* Draws the dashboard charts from the JSON the page embeds with json_script (no inline script: CSP-safe). */
(function () {
  "use strict";
  var source = document.getElementById("analytics-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997", "#ffc107", "#6c757d"];

  function canvas(name) {
    return document.querySelector('canvas[data-chart="' + name + '"]');
  }

  function draw(name, config) {
    var element = canvas(name);
    if (element) {
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options || {});
      new window.Chart(element, config);
    }
  }

  var history = data.history;
  draw("history", {
    type: "line",
    data: {
      labels: history.labels,
      datasets: [{ label: history.members_label, data: history.members, yAxisID: "members", borderColor: palette[0] }].concat(
        history.mrr.map(function (series, index) {
          return { label: series.label, data: series.data, yAxisID: "money", borderColor: palette[index + 1] };
        })
      ),
    },
    options: {
      scales: {
        members: { type: "linear", position: "left", beginAtZero: true },
        money: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false } },
      },
    },
  });

  draw("movements", {
    type: "bar",
    data: {
      labels: data.movements.labels,
      datasets: data.movements.datasets.map(function (series, index) {
        return { label: series.label, data: series.data, backgroundColor: palette[index % palette.length] };
      }),
    },
  });

  draw("nps", {
    type: "bar",
    data: {
      labels: data.nps.labels,
      datasets: [{ label: data.nps.label, data: data.nps.scores, backgroundColor: palette[1] }],
    },
    options: { scales: { y: { min: -100, max: 100 } } },
  });

  draw("plans", {
    type: "doughnut",
    data: {
      labels: data.plans.labels,
      datasets: [{ label: data.plans.label, data: data.plans.members, backgroundColor: palette }],
    },
  });
})();
