/* Counts the SAE clocks down (elements .sae-clock with data-due, an ISO 8601 UTC time). */
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
      el.textContent = left < 0 ? "overdue by " + text : text + " left";
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
