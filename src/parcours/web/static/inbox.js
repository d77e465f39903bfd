// The inbox, live: deadlines count down every 30 seconds, and the lists are asked again
// (one HTMX request) when the server says cases changed.
(function () {
  "use strict";
  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
  var language = document.documentElement.lang || "fr";
  var relative = new Intl.RelativeTimeFormat(language, { numeric: "always" });

  // Like Babel's format_timedelta(threshold=2) on the server: the largest unit of which there
  // are at least two.
  function countdown(seconds) {
    for (var i = 0; i < UNITS.length; i++) {
      var value = Math.abs(seconds) / UNITS[i][1];
      if (value >= 2 || i === UNITS.length - 1) {
        return relative.format(Math.sign(seconds) * Math.round(value), UNITS[i][0]);
      }
    }
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (cell) {
      var seconds = (Date.parse(cell.dataset.due) - now) / 1000;
      cell.querySelector(".countdown").textContent = countdown(seconds);
      var risk = Number(cell.dataset.reminder || 1800);
      cell.dataset.state = seconds < 0 ? "breached" : seconds <= risk ? "at_risk" : "on_time";
    });
  }

  var pending = null;
  function refresh() {
    clearTimeout(pending);
    pending = setTimeout(function () {
      htmx.ajax("GET", window.location.pathname + window.location.search,
                { target: "#inbox", swap: "outerHTML" }).then(tick);
    }, 250);
  }

  setInterval(tick, 30000);
  var source = new EventSource("/console/inbox/events");
  source.addEventListener("cases", refresh);
})();
