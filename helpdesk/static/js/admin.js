// Admin pages: follow the background recomputes of open tickets' deadlines until they finish.
(function () {
  "use strict";
  function follow(item) {
    var bar = item.querySelector("progress");
    var count = item.querySelector(".recompute-count");
    var state = item.querySelector(".recompute-state");
    function poll() {
      fetch(item.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (job) {
          bar.max = job.total || 1;
          bar.value = job.state === "done" ? bar.max : job.done;
          count.textContent = job.done + " / " + job.total;
          if (job.state === "done") { state.textContent = item.dataset.doneText; return; }
          if (job.state === "failed") { state.textContent = item.dataset.failedText; return; }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    poll();
  }
  document.querySelectorAll("[data-recompute]").forEach(follow);
})();
