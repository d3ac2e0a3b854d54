// The bell's unread count, refreshed by htmx at most once a minute and only while the tab is visible.
// No inline script and no htmx filter expression (the CSP allows no eval): this file decides when, htmx fetches.
// Without JavaScript the bell is a plain link with the count of the page it came with.
(function () {
  "use strict";

  var lastRefresh = Date.now();

  function bell() {
    return document.getElementById("notification-bell");
  }

  function intervalMs() {
    var element = bell();
    var seconds = element ? parseInt(element.getAttribute("data-refresh-seconds"), 10) : NaN;
    return (seconds > 0 ? seconds : 60) * 1000;
  }

  function refreshIfDue() {
    var element = bell();
    if (!element || !window.htmx || document.visibilityState !== "visible") {
      return;
    }
    if (Date.now() - lastRefresh < intervalMs()) {
      return;
    }
    lastRefresh = Date.now();
    window.htmx.trigger(element, "notifications:refresh");
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!bell()) {
      return;
    }
    window.setInterval(refreshIfDue, intervalMs());
    // Coming back to a tab left for a while: one refresh then, never one per switch.
    document.addEventListener("visibilitychange", refreshIfDue);
  });
})();
