// Live console: screen-pop on incoming calls, queue and ticket pages kept current, presence on tickets,
// toasts for the agent's own promises coming due or broken (toast.js).
// Talks to the Socket.IO namespace /console with the browser session; pages work without it.
(function () {
  "use strict";
  if (typeof io === "undefined") return;
  var pop = document.getElementById("screen-pop");
  var status = document.getElementById("live-status");
  var me = pop ? parseInt(pop.getAttribute("data-me"), 10) : null;
  var fr = (document.documentElement.lang || "fr") === "fr";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content;
  var T = fr ? {
    incoming: "Appel entrant", unknown: "Appelant inconnu", create: "Créer la fiche client", pick: "Plusieurs fiches pour ce numéro : qui appelle ?",
    notes: "Notes d'appel", ticket: "Créer un ticket", link: "Rattacher au ticket n°", linkBtn: "Rattacher", taken: "Appel pris par ",
    ended: "Appel terminé", missed: "Appel manqué", close: "Fermer", wrap: "Appel terminé : créez ou rattachez un ticket, puis fermez.",
    offline: "Connexion perdue, reconnexion…", viewing: "Aussi sur ce ticket : ", typing: " écrit une réponse…", changed: "Ce ticket vient d'être modifié par quelqu'un d'autre.", reload: "Recharger",
    promiseDue: "Promesse due à {time} : ticket #{number} — {what}", promiseBroken: "Promesse non tenue : ticket #{number}"
  } : {
    incoming: "Incoming call", unknown: "Unknown caller", create: "Create customer record", pick: "Several records share this number: who is calling?",
    notes: "Call notes", ticket: "Create a ticket", link: "Link to ticket no.", linkBtn: "Link", taken: "Call taken by ",
    ended: "Call ended", missed: "Missed call", close: "Close", wrap: "Call ended: create or link a ticket, then close.",
    offline: "Connection lost, reconnecting…", viewing: "Also on this ticket: ", typing: " is typing a reply…", changed: "This ticket was just changed by someone else.", reload: "Reload",
    promiseDue: "Promise due at {time}: ticket #{number} — {what}", promiseBroken: "Promise broken: ticket #{number}"
  };
  // Times as the pages write them: in the helpdesk's display zone, not the browser's.
  var zone = document.documentElement.getAttribute("data-timezone") || undefined;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name] === undefined ? "" : String(values[name]); });
  }
  function clockTime(iso) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) return "";
    var options = { hour: "2-digit", minute: "2-digit" };
    try {
      return when.toLocaleTimeString(fr ? "fr-FR" : "en-GB", Object.assign({ timeZone: zone }, options));
    } catch (e) {  // an unknown zone name: the browser's own
      return when.toLocaleTimeString(fr ? "fr-FR" : "en-GB", options);
    }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function post(url, data) {
    var body = new URLSearchParams(data);
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" } });
  }

  var socket = io("/console", { transports: ["websocket", "polling"] });
  var calls = {};

  // --- screen-pop --------------------------------------------------------------------------------
  function showCall(data) {
    calls[data.call_id] = data;
    pop.hidden = false;
    pop.innerHTML = "";
    var head = el("header", {}, [el("strong", { text: T.incoming + " " }), el("span", { "class": "phone", text: data.number || data.from || "" })]);
    var closeBtn = el("button", { type: "button", "class": "link close", text: T.close });
    closeBtn.addEventListener("click", function () { pop.hidden = true; pop.innerHTML = ""; });
    head.appendChild(closeBtn);
    pop.appendChild(head);
    pop.appendChild(el("p", { "class": "call-state", "data-call-state": "" }));
    var body = el("div", { "class": "pop-body" });
    pop.appendChild(body);
    if (data.customer) {
      loadCard(body, data.customer.customer.id);
    } else if (data.candidates && data.candidates.length) {
      body.appendChild(el("p", { text: T.pick }));
      var list = el("ul", { "class": "plain candidates" });
      data.candidates.forEach(function (c) {
        var btn = el("button", { type: "button", "class": "button", text: c.name + (c.organization ? " — " + c.organization : "") });
        btn.addEventListener("click", function () {
          post("/console/calls/" + encodeURIComponent(data.call_id) + "/customer", { customer_id: c.id }).then(function () {
            data.chosen = c.id; body.innerHTML = ""; loadCard(body, c.id); actions(data);
          });
        });
        list.appendChild(el("li", {}, [btn]));
      });
      body.appendChild(list);
    } else {
      body.appendChild(el("h2", { text: T.unknown }));
      body.appendChild(el("a", { "class": "button primary", href: "/console/customers/new?phone=" + encodeURIComponent(data.number || data.from || "") +
        "&call_id=" + encodeURIComponent(data.call_id), text: T.create }));
    }
    actions(data);
  }

  function loadCard(container, customerId) {
    fetch("/console/customers/" + customerId + "/card", { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) { container.innerHTML = html; });
  }

  function actions(data) {
    var old = pop.querySelector(".call-actions");
    if (old) old.remove();
    var box = el("div", { "class": "call-actions" });
    var notes = el("textarea", { rows: "3", "aria-label": T.notes, placeholder: T.notes, name: "call-notes" });
    var timer = null;
    notes.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { post("/console/calls/" + encodeURIComponent(data.call_id) + "/notes", { notes: notes.value }); }, 400);
    });
    box.appendChild(notes);
    var customerId = data.chosen || (data.customer && data.customer.customer.id) || "";
    box.appendChild(el("a", { "class": "button primary", "data-create-ticket": "",
      href: "/console/calls/" + encodeURIComponent(data.call_id) + "/ticket" + (customerId ? "?customer_id=" + customerId : ""), text: T.ticket }));
    var link = el("form", { method: "post", action: "/console/calls/" + encodeURIComponent(data.call_id) + "/link", "class": "inline-form" }, [
      el("input", { type: "hidden", name: "csrf_token", value: csrf }),
      el("input", { type: "text", name: "ticket", size: "8", placeholder: "#10023", "aria-label": T.link }),
      el("button", { type: "submit", "class": "button", text: T.linkBtn })]);
    box.appendChild(link);
    // Flush the notes before leaving for the ticket form, so they land on the ticket.
    box.querySelector("[data-create-ticket]").addEventListener("click", function (e) {
      e.preventDefault();
      var href = this.getAttribute("href");
      post("/console/calls/" + encodeURIComponent(data.call_id) + "/notes", { notes: notes.value }).then(function () { location.href = href; });
    });
    pop.appendChild(box);
  }

  socket.on("call:incoming", showCall);
  socket.on("call:updated", function (data) {
    if (!calls[data.call_id] || pop.hidden) return;
    var line = pop.querySelector("[data-call-state]");
    if (!line) return;
    if (data.state === "answered" && data.agent_id !== me) {
      line.textContent = T.taken + (data.agent_name || "");
      line.className = "call-state taken";
    } else if (data.state === "ended") {
      line.textContent = data.missed ? T.missed : (data.agent_id === me ? T.wrap : T.ended);
      line.className = "call-state ended";
    }
  });

  // --- live queue and ticket pages ---------------------------------------------------------------
  var queue = document.querySelector("[data-live-queue]");
  var ticketPage = document.querySelector(".ticket-layout[data-ticket-id]");

  function refreshQueue() {
    if (!queue) return;
    fetch(location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector("[data-live-queue]");
      var current = document.querySelector("[data-live-queue]");
      if (fresh && current) {
        var checked = Array.prototype.map.call(current.querySelectorAll("input:checked"), function (i) { return i.value; });
        current.replaceWith(fresh);
        checked.forEach(function (v) { var box = fresh.querySelector('input[value="' + v + '"]'); if (box) box.checked = true; });
        document.dispatchEvent(new Event("queue:refreshed"));
      }
    });
  }
  var pending = null;
  function queueChanged() {
    clearTimeout(pending);
    pending = setTimeout(refreshQueue, 300);  // many updates at once cost one refresh
  }
  socket.on("ticket:created", queueChanged);
  socket.on("ticket:updated", function (data) {
    queueChanged();
    if (ticketPage && String(data.ticket_id) === ticketPage.getAttribute("data-ticket-id") &&
        (data.version === undefined || String(data.version) !== ticketPage.getAttribute("data-version"))) {
      refreshTicket();
    }
  });

  // The open ticket follows changes made elsewhere, unless the agent is writing on it: then a
  // banner says so, and nothing they typed is thrown away.
  function busyOnTicket() {
    var typed = Array.prototype.some.call(ticketPage.querySelectorAll("textarea"), function (t) { return t.value.trim() !== ""; });
    var active = document.activeElement;
    return typed || (active && ticketPage.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName));
  }
  function refreshTicket() {
    if (busyOnTicket()) { showStatus(T.changed, true); return; }
    fetch(location.pathname, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      if (busyOnTicket()) { showStatus(T.changed, true); return; }
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector(".ticket-layout[data-ticket-id]");
      var head = doc.querySelector(".page-head");
      if (!fresh) return;
      ticketPage.replaceWith(fresh);
      ticketPage = fresh;
      var currentHead = document.querySelector(".page-head");
      if (head && currentHead) currentHead.replaceWith(head);
      bindTyping();
      document.dispatchEvent(new Event("ticket:refreshed"));
    });
  }

  function showStatus(text, withReload) {
    status.hidden = false;
    status.innerHTML = "";
    status.appendChild(el("span", { text: text }));
    if (withReload) {
      var btn = el("button", { type: "button", "class": "button", text: T.reload });
      btn.addEventListener("click", function () { location.reload(); });
      status.appendChild(btn);
    }
  }

  // --- the agent's own promises ------------------------------------------------------------------
  // The user room brings them; the team and ticket rooms bring colleagues' too, and a lead hears every
  // team's: only the owner's own are toasted, each event once (keyed by promise).
  function promiseToast(name, template, urgent) {
    socket.on(name, function (data) {
      if (!window.helpdeskToast || me === null || data.owner_id !== me) return;
      var text = fill(template, { time: clockTime(data.due_at), number: data.number || data.ticket_id, what: data.what });
      window.helpdeskToast(text, "/console/tickets/" + data.ticket_id, urgent, name + ":" + data.promise_id);
    });
  }
  promiseToast("promise:warning", T.promiseDue, false);
  promiseToast("promise:broken", T.promiseBroken, true);

  // --- presence on a ticket ----------------------------------------------------------------------
  var presence = null;
  var lastViewers = [];
  var typists = {};
  var bindTyping = function () {};
  function renderPresence(viewers) {
    if (!presence) return;
    var others = (viewers || []).filter(function (v) { return v.user_id !== me; }).map(function (v) { return v.name; });
    var typing = Object.keys(typists).map(function (k) { return typists[k]; });
    presence.hidden = !others.length && !typing.length;
    presence.textContent = (others.length ? T.viewing + others.join(", ") + ". " : "") +
      typing.map(function (n) { return n + T.typing; }).join(" ");
  }
  if (ticketPage) {
    var ticketId = parseInt(ticketPage.getAttribute("data-ticket-id"), 10);
    presence = el("p", { "class": "presence", hidden: "", "data-presence": "" });
    ticketPage.parentNode.insertBefore(presence, ticketPage);
    socket.on("presence", function (data) {
      if (data.ticket_id !== ticketId) return;
      if (data.viewers) { lastViewers = data.viewers; }
      if (data.typing !== undefined && data.user_id !== me) {
        if (data.typing) typists[data.user_id] = data.name; else delete typists[data.user_id];
      }
      renderPresence(lastViewers);
    });
    var typingTimer = null;
    bindTyping = function () {
      var body = ticketPage.querySelector("#body");
      if (!body) return;
      body.addEventListener("input", function () {
        if (!typingTimer) socket.emit("ticket:typing", { ticket_id: ticketId, typing: true });
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingTimer = null; socket.emit("ticket:typing", { ticket_id: ticketId, typing: false }); }, 4000);
      });
    };
    bindTyping();
    window.addEventListener("beforeunload", function () { socket.emit("ticket:unwatch", { ticket_id: ticketId }); });
  }

  // --- connection ------------------------------------------------------------------------------
  var everConnected = false;
  socket.on("connect", function () {
    status.hidden = true;
    // After a dropped connection, events may have been missed: resync the queue.
    if (everConnected) refreshQueue();
    everConnected = true;
    if (ticketPage) watchTicket();
  });
  // Presence entries expire on the server unless renewed (a crashed server leaves no ghost viewers).
  var PRESENCE_RENEW_MS = 30000;
  function watchTicket() {
    socket.emit("ticket:watch", { ticket_id: parseInt(ticketPage.getAttribute("data-ticket-id"), 10) }, function (ack) {
      if (ack && ack.viewers) { lastViewers = ack.viewers; renderPresence(ack.viewers); }
    });
  }
  if (ticketPage) setInterval(function () { if (socket.connected) watchTicket(); }, PRESENCE_RENEW_MS);
  socket.on("disconnect", function () { showStatus(T.offline, false); });
  window.helpdeskLive = { socket: socket, refreshQueue: refreshQueue };
})();
