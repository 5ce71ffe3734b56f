// Lead dashboard: an unhappy survey answer or an overdue call-back shows at once (a toast, and the
// follow-ups panel redrawn from the server). Uses the console's live connection (live.js).
(function () {
  "use strict";
  var fr = (document.documentElement.lang || "fr") === "fr";
  var T = fr ? { negative: "Réponse négative à une enquête : ", overdue: "Rappel client en retard : ", open: "Traiter", close: "Fermer" }
             : { negative: "Unhappy survey answer: ", overdue: "Customer call-back overdue: ", open: "Handle", close: "Close" };
  var toasts = document.createElement("div");
  toasts.className = "toasts";
  toasts.setAttribute("aria-live", "polite");
  document.body.appendChild(toasts);

  function toast(text, href) {
    var box = document.createElement("div");
    box.className = "toast";
    box.setAttribute("role", "status");
    var span = document.createElement("span");
    span.textContent = text;
    box.appendChild(span);
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = T.open;
      box.appendChild(link);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "link";
    close.textContent = T.close;
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(close);
    toasts.appendChild(box);
  }

  function refreshPanel() {
    var panel = document.getElementById("follow-ups");
    if (!panel) return;
    fetch(location.pathname, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("follow-ups");
      if (fresh) panel.replaceWith(fresh);
    });
  }

  function bind() {
    var live = window.helpdeskLive;
    if (!live) return setTimeout(bind, 100);
    live.socket.on("survey:negative", function (data) {
      var who = data.customer_name || ("#" + data.customer_id);
      var what = "CSAT " + data.csat + "/5" + (data.nps !== null && data.nps !== undefined ? " · NPS " + data.nps : "");
      toast(T.negative + who + " (" + what + ")", "/lead/follow-ups/" + data.follow_up_id);
      refreshPanel();
    });
    live.socket.on("follow_up:overdue", function (data) {
      toast(T.overdue + "#" + data.follow_up_id, "/lead/follow-ups/" + data.follow_up_id);
      refreshPanel();
    });
    live.socket.on("follow_up:closed", refreshPanel);
  }
  bind();
})();
