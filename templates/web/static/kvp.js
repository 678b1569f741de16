/* Autosave for the review form: posts the whole form (with its CSRF token) shortly after
   each change and shows the server's answer next to the fields. The form works without
   this script: the Save button posts it the ordinary way. All text shown comes from the
   server, translated. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // After a refused save without the script's help, take the reader to the list of errors.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });

  ready(function () {
    var form = document.querySelector("form[data-autosave]");
    if (!form || !window.fetch || !window.FormData) { return; }
    var status = document.getElementById("save-status");
    var hash = form.querySelector("input[name=base_hash]");
    var timer = null;
    var busy = false;
    var again = false;
    var stopped = false;

    function schedule(delay) {
      if (stopped) { return; }
      if (timer) { clearTimeout(timer); }
      form.setAttribute("data-pending", "1");
      timer = setTimeout(save, delay);
    }

    function showErrors(data) {
      var errors = data.errors || {};
      var nodes = form.querySelectorAll("[data-error-for]");
      for (var i = 0; i < nodes.length; i++) {
        var node = nodes[i];
        var name = node.getAttribute("data-error-for");
        var list = errors[name] || [];
        node.textContent = "";
        for (var j = 0; j < list.length; j++) {
          var span = document.createElement("span");
          span.textContent = list[j];
          node.appendChild(span);
        }
        node.hidden = list.length === 0;
        var inputs = form.querySelectorAll("[name='" + name.replace(/'/g, "\\'") + "']");
        for (var k = 0; k < inputs.length; k++) {
          if (inputs[k].type === "hidden") { continue; }
          if (list.length) { inputs[k].setAttribute("aria-invalid", "true"); }
          else { inputs[k].removeAttribute("aria-invalid"); }
        }
      }
    }

    function showApplicable(ids) {
      var na = {};
      for (var i = 0; i < (ids || []).length; i++) { na[ids[i]] = true; }
      var sets = form.querySelectorAll("fieldset[data-criterion]");
      for (var j = 0; j < sets.length; j++) {
        var id = sets[j].getAttribute("data-criterion");
        var off = !!na[id];
        sets[j].classList.toggle("not-applicable", off);
        var note = document.getElementById("na-" + id);
        if (note) { note.hidden = !off; }
      }
    }

    function save() {
      timer = null;
      if (busy) { again = true; return; }
      busy = true;
      var body = new FormData(form);
      fetch(form.getAttribute("action") || window.location.pathname, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
      }).then(function (response) {
        return response.json();
      }).then(function (data) {
        if (data.hash !== undefined && (data.status === "saved" || data.status === "unchanged")) {
          hash.value = data.hash;
        }
        if (data.status === "conflict") { stopped = true; }
        if (data.errors) { showErrors(data); }
        if (data.not_applicable) { showApplicable(data.not_applicable); }
        status.textContent = data.message || "";
        status.classList.toggle("bad", data.status !== "saved" && data.status !== "unchanged");
        form.setAttribute("data-save-state", data.status || "error");
      }).catch(function () {
        form.setAttribute("data-save-state", "error");
      }).then(function () {
        busy = false;
        if (again) { again = false; schedule(0); }
        else if (!timer) { form.removeAttribute("data-pending"); }
      });
    }

    form.addEventListener("change", function () { schedule(400); });
    form.addEventListener("input", function (event) {
      var t = event.target;
      if (t && (t.tagName === "TEXTAREA" || t.type === "text")) { schedule(1500); }
    });
  });
})();
