// Lead dashboard, live: every event that can change a panel (tickets created or updated, SLA
// warnings and breaches, calls, survey answers, follow-ups, promises) redraws the panels from
// /lead/panels (one request, coalesced), and the ones a lead must notice also show as a toast.
// A panel holding the keyboard focus or a choice not sent yet is left alone until it is free.
(function () {
  "use strict";
  var root = document.querySelector("[data-panels-url]");
  var fr = (document.documentElement.lang || "fr") === "fr";
  var T = fr ? { negative: "Réponse négative à une enquête : ", overdue: "Rappel client en retard : ", warning: "SLA à risque : ticket #",
                 breached: "SLA dépassé : ticket #", promise: "Promesse non tenue : ticket #" }
             : { negative: "Unhappy survey answer: ", overdue: "Customer call-back overdue: ", warning: "SLA at risk: ticket #",
                 breached: "SLA breached: ticket #", promise: "Promise broken: ticket #" };

  function toast(text, href, urgent, key) {
    if (window.helpdeskToast) window.helpdeskToast(text, href, urgent, key);
  }

  // A choice made but not sent yet (a reassignment picked in a list) must survive a redraw.
  function edited(panel) {
    return Array.prototype.some.call(panel.querySelectorAll("select"), function (select) {
      var initial = select.querySelector("option[selected]") || select.options[0];
      return initial && select.value !== initial.value;
    });
  }

  var inFlight = false, again = false, timer = null;
  function refresh() {
    if (!root) return;
    if (inFlight) { again = true; return; }
    inFlight = true;
    fetch(root.getAttribute("data-panels-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var busy = false;
        fresh.querySelectorAll("[data-live-panel]").forEach(function (panel) {
          var current = document.getElementById(panel.id);
          if (!current) return;
          if ((current.contains(document.activeElement) && document.activeElement !== document.body) || edited(current)) {
            busy = true;
            return;
          }
          current.replaceWith(panel);
        });
        if (window.helpdeskCountdowns) window.helpdeskCountdowns();
        root.setAttribute("data-refreshed-at", String(Date.now()));
        if (busy) again = true;
      })
      .catch(function () {})
      .then(function () {
        inFlight = false;
        if (again) { again = false; schedule(1000); }
      });
  }
  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(refresh, delay === undefined ? 50 : delay);
  }

  function bind() {
    var live = window.helpdeskLive;
    if (!live) return setTimeout(bind, 100);
    var socket = live.socket;
    ["ticket:created", "ticket:updated", "call:incoming", "call:updated", "follow_up:closed", "promise:warning"].forEach(function (name) {
      socket.on(name, function () { schedule(); });
    });
    socket.on("sla:warning", function (data) {
      toast(T.warning + (data.number || data.ticket_id), "/console/tickets/" + data.ticket_id, false);
      schedule();
    });
    socket.on("sla:breached", function (data) {
      toast(T.breached + (data.number || data.ticket_id), "/console/tickets/" + data.ticket_id, true);
      schedule();
    });
    socket.on("promise:broken", function (data) {
      // The same key as the console's toast for the owner's own promise (live.js): one toast, not two.
      toast(T.promise + (data.number || data.ticket_id), "/console/tickets/" + data.ticket_id, true,
            "promise:broken:" + data.promise_id);
      schedule();
    });
    socket.on("survey:negative", function (data) {
      var who = data.customer_name || ("#" + data.customer_id);
      var what = "CSAT " + data.csat + "/5" + (data.nps !== null && data.nps !== undefined ? " · NPS " + data.nps : "");
      toast(T.negative + who + " (" + what + ")", "/lead/follow-ups/" + data.follow_up_id, true);
      schedule();
    });
    socket.on("follow_up:overdue", function (data) {
      toast(T.overdue + "#" + data.follow_up_id, "/lead/follow-ups/" + data.follow_up_id, false);
      schedule();
    });
    socket.on("connect", function () { schedule(); });  // events may have been missed while away
  }
  bind();
  // Availability changes and the passing of time (tickets becoming at risk) have no event of their own.
  setInterval(function () { schedule(0); }, 60000);
})();
