/* The manager dashboard: draws each figure whose data the page carries as JSON
 * (<div class="chart" data-figure="ID"> and <script type="application/json" id="ID">) with
 * Plotly; a click on a bar or a point opens the cases or answers behind it. */
(function () {
  "use strict";
  var colours = ["#0b6e4f", "#f2a900", "#3b6fb6", "#b8435b", "#6b4fa0", "#5b6475"];
  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-figure"));
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    var traces = figure.series.map(function (series, index) {
      var trace = {name: series.name, x: figure.x, y: series.y, type: figure.type === "line" ? "scatter" : "bar",
                   marker: {color: colours[index % colours.length]},
                   hovertemplate: "%{x}: %{y}<extra>" + series.name + "</extra>"};
      if (figure.type === "line") { trace.mode = "lines+markers"; trace.connectgaps = true; }
      return trace;
    });
    var layout = {margin: {l: 40, r: 10, t: 10, b: 40}, barmode: "group", showlegend: figure.series.length > 1,
                  legend: {orientation: "h", y: -0.2}, font: {family: "system-ui, sans-serif", size: 12},
                  paper_bgcolor: "#fff", plot_bgcolor: "#fff"};
    if (figure.y_range) { layout.yaxis = {range: figure.y_range}; }
    window.Plotly.newPlot(container, traces, layout, {displayModeBar: false, responsive: true}).then(function () {
      container.on("plotly_click", function (event) {
        var point = event.points[0];
        var links = figure.series[point.curveNumber].links;
        if (links && links[point.pointIndex]) { window.location.href = links[point.pointIndex]; }
      });
      container.setAttribute("data-drawn", "true");
    });
  }
  function start() {
    if (!window.Plotly) { return; }
    Array.prototype.forEach.call(document.querySelectorAll(".chart[data-figure]"), draw);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
