/* Knowledge base in the agent console and the article editor (plain JS, no build step).
   - Console search box ([data-kb-console]): articles and past tickets as you type, and one click
     to insert an article's link or text into the reply textarea ([data-kb-insert-target], #body).
   - Editor ([data-kb-preview-url]): live preview rendered by the server (same sanitiser as on save). */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var t = null;
    return function () { var args = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, args); }, ms); };
  }

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); });
  }

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart || 0, end = textarea.selectionEnd || 0, value = textarea.value;
    var before = value.slice(0, start), after = value.slice(end);
    var glue = before && !/\n$/.test(before) ? "\n\n" : "";
    textarea.value = before + glue + text + after;
    var caret = (before + glue + text).length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", {bubbles: true}));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setupConsole(root) {
    var input = root.querySelector("[data-kb-console-input]");
    var out = root.querySelector("[data-kb-console-results]");
    var target = document.querySelector("[data-kb-insert-target]") || document.getElementById("body");
    var labels = out.dataset;
    var baseUrl = (root.dataset.baseUrl || "").replace(/\/$/, "");
    var asked = "";

    function articleLink(item) { return baseUrl + item.url; }

    function insertButtons(item) {
      var span = el("span", "actions");
      if (!target) return span;
      if (item.visibility !== "internal") {
        var link = el("button", "button", labels.labelLink);
        link.type = "button";
        link.setAttribute("data-kb-insert", "link");
        link.addEventListener("click", function () { insertAtCursor(target, "[" + item.title + "](" + articleLink(item) + ")"); });
        span.appendChild(link);
      }
      var text = el("button", "button", labels.labelText);
      text.type = "button";
      text.setAttribute("data-kb-insert", "text");
      text.addEventListener("click", function () {
        if (item.visibility === "internal" && !window.confirm(labels.labelConfirmInternal)) return;
        getJSON(root.dataset.articleUrl.replace(/\/0$/, "/" + item.id)).then(function (article) {
          insertAtCursor(target, article.body);
        });
      });
      span.appendChild(text);
      return span;
    }

    function section(title, result, render) {
      var items = result.items || [];
      out.appendChild(el("h3", "", title));
      if (result.approximate && items.length) out.appendChild(el("p", "muted", labels.labelApproximate));
      var list = el("ul", "kb-results");
      if (!items.length) list.appendChild(el("li", "empty", labels.labelNone));
      items.forEach(function (item) { list.appendChild(render(item)); });
      out.appendChild(list);
    }

    function show(articles, tickets) {
      out.textContent = "";
      if (articles.degraded || tickets.degraded) out.appendChild(el("p", "flash flash-error", labels.labelDegraded));
      if (articles.suggestion) {
        var p = el("p", "kb-suggestion", labels.labelSuggestion + " ");
        var a = el("a", "", articles.suggestion);
        a.href = "#";
        a.addEventListener("click", function (e) { e.preventDefault(); input.value = articles.suggestion; run(); });
        p.appendChild(a);
        out.appendChild(p);
      }
      section(labels.labelArticles, articles, function (item) {
        var li = el("li");
        var a = el("a");
        a.innerHTML = item.title_html; /* server-escaped text with <mark> */
        a.href = item.url;
        a.target = "_blank";
        a.rel = "noopener";
        li.appendChild(a);
        if (item.visibility === "internal") li.appendChild(el("span", "badge kb-internal", labels.labelInternal));
        var snippet = el("p", "snippet");
        snippet.innerHTML = item.snippet; /* server-escaped text with <mark> */
        li.appendChild(snippet);
        li.appendChild(insertButtons(item));
        return li;
      });
      section(labels.labelTickets, tickets, function (item) {
        var li = el("li");
        var a = el("a", "", "#" + (item.number || item.id) + " ");
        var subject = el("span");
        subject.innerHTML = item.subject_html; /* server-escaped text with <mark> */
        a.appendChild(subject);
        a.href = item.url;
        li.appendChild(a);
        var snippet = el("p", "snippet");
        snippet.innerHTML = item.snippet;
        li.appendChild(snippet);
        return li;
      });
    }

    function run() {
      var q = input.value.trim();
      if (q.length < 2) { out.textContent = ""; asked = ""; return; }
      if (q === asked) return;
      asked = q;
      var qs = "?limit=5&q=" + encodeURIComponent(q);
      /* as-you-type: not a submitted search, so not counted for the missing-articles list (record=0);
         Enter submits the form to /kb/search, which is. */
      Promise.all([getJSON(root.dataset.articlesUrl + qs + "&record=0"), getJSON(root.dataset.ticketsUrl + qs)])
        .then(function (both) { if (input.value.trim() === q) show(both[0], both[1]); })
        .catch(function () { asked = ""; });
    }

    input.addEventListener("input", debounce(run, 250));
  }

  function setupPreview(textarea) {
    var preview = document.getElementById("kb-preview");
    var token = document.querySelector('meta[name="csrf-token"]');
    if (!preview) return;
    textarea.addEventListener("input", debounce(function () {
      var form = new FormData();
      form.append("body", textarea.value);
      if (token) form.append("csrf_token", token.content);
      fetch(textarea.dataset.kbPreviewUrl, {method: "POST", body: form, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) preview.innerHTML = data.html; /* sanitised by the server */ });
    }, 400));
  }

  document.querySelectorAll("[data-kb-console]").forEach(setupConsole);
  document.querySelectorAll("[data-kb-preview-url]").forEach(setupPreview);
})();
