/* Deflection on the portal's new-request form: while the customer types the subject, suggest
   knowledge-base articles (debounced, as-you-type). Opening one is recorded against this form's
   attempt token; the token goes with the form, so a request sent after all is counted too. */
(function () {
  "use strict";
  var box = document.getElementById("suggestions");
  var subject = document.getElementById("subject");
  var attemptField = document.getElementById("kb_attempt");
  /* How many articles were suggested for the subject last asked about: sent with the form, so a
     request sent without opening any counts as a search that found nothing or was not followed. */
  var shownField = document.getElementById("kb_suggested");
  if (!box || !subject) return;

  function token() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var attempt = (attemptField && attemptField.value) || token();
  if (attemptField) attemptField.value = attempt;

  var timer = null, controller = null, lastAsked = "";

  function clear() { box.hidden = true; box.textContent = ""; }

  function render(items, typed) {
    if (shownField) shownField.value = String(items.length);
    if (!items.length) { clear(); return; }
    box.textContent = "";
    var title = document.createElement("p");
    title.textContent = box.getAttribute("data-title");
    box.appendChild(title);
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url + "?attempt=" + encodeURIComponent(attempt) + "&q=" + encodeURIComponent(typed);
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = item.title;
      a.className = "kb-suggested";
      li.appendChild(a);
      if (item.snippet) {
        var p = document.createElement("p");
        p.className = "snippet";
        p.innerHTML = item.snippet; /* server-escaped text with <mark> around matches */
        li.appendChild(p);
      }
      list.appendChild(li);
    });
    box.appendChild(list);
    box.hidden = false;
  }

  function ask() {
    var typed = subject.value.trim();
    if (typed.length < 3) { clear(); return; }
    if (typed === lastAsked) return;
    lastAsked = typed;
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    var url = box.getAttribute("data-suggest-url") + "?limit=5&q=" + encodeURIComponent(typed);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"},
                signal: controller ? controller.signal : undefined})
      .then(function (r) { return r.ok ? r.json() : {items: []}; })
      .then(function (data) { if (subject.value.trim() === typed) render(data.items || [], typed); })
      .catch(function () { /* aborted or offline: keep what is shown */ });
  }

  subject.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
  if (subject.value.trim().length >= 3) ask();
})();
