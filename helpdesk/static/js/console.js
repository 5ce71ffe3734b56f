// Console enhancements: live SLA countdowns and "select all" in the queue. Works without it too.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "fr";

  function formatRemaining(ms) {
    var late = ms < 0;
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var text = d > 0 ? d + (lang === "fr" ? " j " : " d ") + h + " h" : h > 0 ? h + " h " + String(m).padStart(2, "0") : m + " min";
    if (late) return (lang === "fr" ? "dépassé de " : "overdue by ") + text;
    return (lang === "fr" ? "dans " : "in ") + text;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) return;
      if (!el.title) el.title = el.textContent.trim();
      el.textContent = formatRemaining(due - now);
      el.classList.toggle("overdue", due < now);
    });
  }
  tick();
  setInterval(tick, 15000);
  window.helpdeskCountdowns = tick;  // pages that redraw parts of themselves call it after a swap

  var all = document.querySelector("[data-select-all]");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('input[name="ticket_ids"]').forEach(function (box) { box.checked = all.checked; });
    });
  }
})();
