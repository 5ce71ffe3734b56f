/* Portal forms: after a refused submission, put the focus on the first field in error; before
   sending files, check their number and size in the browser: a request past the server's body limit
   would be refused whole, and what was typed with it lost (the server checks everything again). */
(function () {
  "use strict";
  var invalid = document.querySelector(".portal-form [aria-invalid='true'], .portal-form .has-error input");
  if (invalid) invalid.focus();

  Array.prototype.forEach.call(document.querySelectorAll(".portal-form input[type=file][data-max-bytes]"), function (input) {
    var form = input.form;
    var note = input.parentNode.querySelector(".upload-check");
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10);
    var maxCount = parseInt(input.getAttribute("data-max-count"), 10);

    function problem() {
      var files = input.files || [];
      if (files.length > maxCount) return input.getAttribute("data-too-many");
      for (var i = 0; i < files.length; i++) {
        if (files[i].size > maxBytes) return input.getAttribute("data-too-large").replace("{name}", files[i].name);
      }
      return "";
    }

    function show() {
      var text = problem();
      if (note) { note.textContent = text; note.hidden = !text; }
      input.setAttribute("aria-invalid", text ? "true" : "false");
      return text;
    }

    input.addEventListener("change", show);
    if (form) {
      form.addEventListener("submit", function (event) {
        if (show()) { event.preventDefault(); input.focus(); }
      });
    }
  });
})();
