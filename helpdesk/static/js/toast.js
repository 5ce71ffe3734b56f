// Toasts: short live notices in a corner, shared by the console (live.js) and the lead dashboard
// (lead.js). An event that arrives twice (through two rooms, or heard by both scripts) shows once: the
// caller names it with a key, and a key already shown on this page is not shown again.
(function () {
  "use strict";
  if (window.helpdeskToast) return;
  var fr = (document.documentElement.lang || "fr") === "fr";
  var T = fr ? { open: "Voir", close: "Fermer" } : { open: "Open", close: "Close" };
  var LIFETIME_MS = 60000;
  var shown = {};
  // In the page from the start: screen readers announce what is added to a live region they know.
  var stack = document.createElement("div");
  stack.className = "toasts";
  stack.setAttribute("aria-live", "polite");
  document.body.appendChild(stack);

  // text: what happened; href: where to act on it (optional); urgent: shown as an alert;
  // key: the event's identity, for showing it once. Returns the toast, or null when already shown.
  window.helpdeskToast = function (text, href, urgent, key) {
    if (key) {
      if (shown[key]) return null;
      shown[key] = true;
    }
    var box = document.createElement("div");
    box.className = "toast" + (urgent ? " toast-urgent" : "");
    box.setAttribute("role", urgent ? "alert" : "status");
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
    stack.appendChild(box);
    setTimeout(function () { box.remove(); }, LIFETIME_MS);
    return box;
  };
})();
