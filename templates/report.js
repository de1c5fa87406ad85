/* roomreport: optional enhancements. The pages are complete without this
   script; it only adds a filter box to each event log and opens the logs for
   printing. It touches nothing it cannot find, and never throws. */
(function () {
  "use strict";
  function setup() {
    var logs = document.querySelectorAll("[data-slot='log']");
    Array.prototype.forEach.call(logs, function (log) {
      var blocks = log.querySelectorAll("details.lane-log");
      if (!blocks.length) return;
      var box = document.createElement("p");
      box.className = "log-filter";
      var label = document.createElement("label");
      label.textContent = "Filter events: ";
      var input = document.createElement("input");
      input.type = "search";
      input.placeholder = "label, ID, user or peer";
      label.appendChild(input);
      box.appendChild(label);
      log.insertBefore(box, log.firstChild);
      input.addEventListener("input", function () {
        var q = input.value.trim().toLowerCase();
        Array.prototype.forEach.call(blocks, function (d) {
          var user = (d.getAttribute("data-user") || "").toLowerCase();
          var hits = 0;
          Array.prototype.forEach.call(d.querySelectorAll("tbody tr"), function (tr) {
            var show = !q || user.indexOf(q) >= 0 || tr.textContent.toLowerCase().indexOf(q) >= 0;
            tr.classList.toggle("filtered-out", !show);
            if (show) hits++;
          });
          if (q) d.open = hits > 0;
        });
      });
    });
    window.addEventListener("beforeprint", function () {
      Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
        d.open = true;
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
