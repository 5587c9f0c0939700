/* Counts the SAE clocks down (elements .sae-clock with data-due, an ISO 8601 UTC time).
   The words come from the page, in the reader's language: data-text-left and
   data-text-overdue, each with "%(time)s" where the time goes. */
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var clocks = document.querySelectorAll(".sae-clock[data-due]");
    var now = Date.now();
    clocks.forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) { return; }
      var left = Math.round((due - now) / 1000);
      var abs = Math.abs(left);
      var text = Math.floor(abs / 3600) + " h " + pad(Math.floor((abs % 3600) / 60)) + " min";
      var words = el.getAttribute(left < 0 ? "data-text-overdue" : "data-text-left") || "%(time)s";
      el.textContent = words.replace("%(time)s", text);
      el.classList.toggle("text-bg-danger", left < 0);
      el.classList.toggle("text-bg-warning", left >= 0);
    });
  }
  tick();
  window.setInterval(tick, 30000);
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
