// Time zones without typing: a new account takes the browser's zone, and the profile's long picker gets a filter.
// No inline script (CSP); without JavaScript the sign-up takes the joined club's zone (else the site's) and the picker
// is a plain grouped <select>.
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function fillBrowserZone() {
    document.querySelectorAll("input[data-browser-time-zone]").forEach(function (input) {
      if (!input.value) {
        input.value = browserZone();
      }
    });
  }

  function addFilter(select) {
    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "form-control form-control-sm mb-2";
    filter.setAttribute("aria-label", select.dataset.filterLabel || "");
    filter.placeholder = select.dataset.filterLabel || "";
    filter.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(filter, select);
    filter.addEventListener("input", function () {
      var needle = filter.value.trim().toLowerCase();
      select.querySelectorAll("optgroup").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("option").forEach(function (option) {
          var match = !needle || option.value.toLowerCase().indexOf(needle) !== -1 ||
            option.textContent.toLowerCase().indexOf(needle) !== -1 || group.label.toLowerCase().indexOf(needle) !== -1;
          option.hidden = !match && !option.selected;
          if (!option.hidden) {
            shown += 1;
          }
        });
        group.hidden = shown === 0;
      });
    });
  }

  function start() {
    fillBrowserZone();
    document.querySelectorAll("select[data-time-zone-picker]").forEach(addFilter);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
