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
    var banner = document.getElementById("save-banner");
    var bannerText = document.getElementById("save-banner-text");
    var retryButton = document.getElementById("save-retry");
    var hash = form.querySelector("input[name=base_hash]");
    var token = form.querySelector("input[name=csrf_token]");
    var storeKey = "kvp-audit-unsaved:" + window.location.pathname;
    var timer = null;
    var busy = false;
    var again = false;
    var stopped = false;
    var submitting = false;
    var edits = 0;          // changes made on this page; a save confirms those it sent
    var failures = 0;       // saves in a row that did not reach the server
    var tokenRefreshed = false;
    var dirty = {};         // field name -> true while its change is not confirmed saved

    function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }

    // ------------------------------------------------------------ the browser's copy (this tab only)

    function entries() {
      var out = [];
      var data = new FormData(form);
      data.forEach(function (value, name) {
        if (name !== "csrf_token" && name !== "base_hash") { out.push([name, String(value)]); }
      });
      return out;
    }

    function remember() {
      try {
        window.sessionStorage.setItem(storeKey, JSON.stringify({ hash: hash.value, entries: entries(), dirty: Object.keys(dirty) }));
      } catch (e) { /* storage full or disabled: the banner still says it is not saved */ }
    }

    function forget() {
      try { window.sessionStorage.removeItem(storeKey); } catch (e) { /* nothing kept */ }
    }

    function restore() {
      var kept = null;
      try { kept = JSON.parse(window.sessionStorage.getItem(storeKey) || "null"); } catch (e) { kept = null; }
      if (!kept || !kept.entries) { return false; }
      var byName = {};
      for (var i = 0; i < kept.entries.length; i++) {
        var pair = kept.entries[i];
        (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]);
      }
      var fields = form.elements;
      for (var j = 0; j < fields.length; j++) {
        var el = fields[j];
        if (!el.name || el.name === "csrf_token" || el.name === "base_hash" || el.type === "hidden" ||
            el.type === "submit" || el.type === "button") { continue; }
        var values = byName[el.name] || [];
        if (el.type === "radio" || el.type === "checkbox") { el.checked = values.indexOf(el.value) >= 0; }
        else { el.value = values.length ? values[0] : ""; }
      }
      // The server compares with the file as it was when the edits were made: a conflict is shown, not overwritten.
      if (kept.hash) { hash.value = kept.hash; }
      var names = kept.dirty || [];
      for (var k = 0; k < names.length; k++) { markDirty(names[k]); }
      edits += 1;
      return true;
    }

    // ------------------------------------------------------------ what is not saved, marked

    function container(name) {
      var nodes = form.querySelectorAll("[data-field]");
      for (var i = 0; i < nodes.length; i++) {
        if (nodes[i].getAttribute("data-field") === name) { return nodes[i]; }
      }
      return null;
    }

    function markDirty(name) {
      if (!name || name === "csrf_token" || name === "base_hash") { return; }
      dirty[name] = true;
      var box = container(name);
      if (!box) { return; }
      box.classList.add("unsaved");
      var crit = box.closest("fieldset[data-criterion]");
      if (crit) { crit.classList.add("unsaved"); }
    }

    function showMarks(on) {
      var names = Object.keys(dirty);
      for (var i = 0; i < names.length; i++) {
        var box = container(names[i]);
        if (!box) { continue; }
        var mark = box.querySelector(":scope > .unsaved-mark");
        if (on && !mark) {
          mark = document.createElement("p");
          mark.className = "unsaved-mark";
          mark.textContent = msg("unsaved");
          box.appendChild(mark);
        } else if (!on && mark) { mark.parentNode.removeChild(mark); }
      }
    }

    function clearDirty() {
      showMarks(false);
      var marked = form.querySelectorAll(".unsaved");
      for (var i = 0; i < marked.length; i++) { marked[i].classList.remove("unsaved"); }
      dirty = {};
    }

    // ------------------------------------------------------------ a failed save is loud

    function failed() {
      failures += 1;
      var delay = Math.min(30, Math.pow(2, failures));  // 2, 4, 8, 16, 30, 30 ... seconds
      form.setAttribute("data-save-state", "error");
      bannerText.textContent = msg("offline") + " " + msg("retry").replace("{seconds}", String(delay));
      banner.hidden = false;
      status.textContent = msg("unsaved");
      status.classList.add("bad");
      showMarks(true);
      remember();
      schedule(delay * 1000);
    }

    function reached() {
      failures = 0;
      tokenRefreshed = false;
      banner.hidden = true;
    }

    retryButton.addEventListener("click", function () { schedule(0); });
    window.addEventListener("online", function () { if (failures) { schedule(0); } });
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || stopped || !Object.keys(dirty).length) { return undefined; }
      event.preventDefault();
      event.returnValue = "";
      return "";
    });

    // A restarted server has a new session: fetch the page again for a fresh CSRF token.
    function refreshToken() {
      tokenRefreshed = true;
      return fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector("input[name=csrf_token]");
          if (!fresh) { throw new Error("no token"); }
          token.value = fresh.value;
        });
    }

    // ------------------------------------------------------------ saving

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
      skipNotApplicable();
      progress(false);
    }

    function save() {
      timer = null;
      if (busy) { again = true; return; }
      busy = true;
      var sent = edits;
      var body = new FormData(form);
      fetch(form.getAttribute("action") || window.location.pathname, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
      }).then(function (response) {
        if (response.status === 400 && !tokenRefreshed) {
          return refreshToken().then(function () { return { retry: true }; });
        }
        if (response.status >= 400 && response.status !== 409 && response.status !== 422) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      }).then(function (data) {
        if (data.retry) { again = true; return; }
        reached();
        var ok = data.status === "saved" || data.status === "unchanged";
        if (data.hash !== undefined && ok) { hash.value = data.hash; }
        if (data.status === "conflict") { stopped = true; }
        if (data.errors) { showErrors(data); }
        if (data.not_applicable) { showApplicable(data.not_applicable); }
        status.textContent = data.message || "";
        status.classList.toggle("bad", !ok);
        form.setAttribute("data-save-state", data.status || "error");
        if (ok && sent === edits) { clearDirty(); forget(); }
        else if (data.status === "refused") { forget(); }  // never keep an identity number in the browser
        else { showMarks(false); remember(); }
      }).catch(function () {
        failed();
      }).then(function () {
        busy = false;
        if (again) { again = false; schedule(0); }
        else if (!timer) { form.removeAttribute("data-pending"); }
      });
    }

    function changed(event, delay) {
      var t = event.target;
      if (t && t.name) { markDirty(t.name); }
      edits += 1;
      remember();
      schedule(failures ? 0 : delay);
    }

    form.addEventListener("change", function (event) { changed(event, 400); progress(true); });
    form.addEventListener("input", function (event) {
      var t = event.target;
      if (t && (t.tagName === "TEXTAREA" || t.type === "text")) { changed(event, 1500); }
    });

    // ------------------------------------------------------------ keyboard: one key per answer

    var keysHelp = document.getElementById("keys-help");
    if (keysHelp) { keysHelp.hidden = false; }

    function applicableCriteria() {
      return Array.prototype.slice.call(form.querySelectorAll("fieldset[data-criterion]:not(.not-applicable)"));
    }

    function focusAnswer(set) {
      var answer = set.querySelector(".answer input:checked") || set.querySelector(".answer input, .answer select, " +
        "input[name^='answer.'], select[name^='answer.'], textarea[name^='answer.']");
      if (answer) {
        // The next question in the middle of the screen, clear of the sticky bar at the bottom.
        answer.focus({ preventScroll: true });
        answer.scrollIntoView({ block: "center" });
        return true;
      }
      return false;
    }

    form.addEventListener("keydown", function (event) {
      var t = event.target;
      if (!t || t.type !== "radio" || event.ctrlKey || event.altKey || event.metaKey) { return; }
      var key = (event.key || "").toLowerCase();
      if (key.length !== 1) { return; }
      var group = t.closest(".answer");
      var set = t.closest("fieldset[data-criterion]");
      if (!group || !set) { return; }
      var target = group.querySelector("input[data-key='" + key.replace(/'/g, "") + "']");
      if (!target) { return; }
      event.preventDefault();
      if (!target.checked) {
        target.checked = true;
        target.dispatchEvent(new Event("change", { bubbles: true }));
      }
      var sets = applicableCriteria();
      var at = sets.indexOf(set);
      for (var i = at + 1; i < sets.length; i++) {
        if (focusAnswer(sets[i])) { return; }
      }
      var submit = form.querySelector("button[type=submit]");
      if (submit) { submit.focus(); }
    });

    // Criteria that do not apply are out of the tab order (still there for the mouse).
    function skipNotApplicable() {
      var sets = form.querySelectorAll("fieldset[data-criterion]");
      for (var i = 0; i < sets.length; i++) {
        var off = sets[i].classList.contains("not-applicable");
        var focusable = sets[i].querySelectorAll("input, select, textarea, summary, a, button");
        for (var j = 0; j < focusable.length; j++) {
          var el = focusable[j];
          if (el.type === "hidden") { continue; }
          if (off) { el.setAttribute("tabindex", "-1"); }
          else { el.removeAttribute("tabindex"); }
        }
      }
    }

    // ------------------------------------------------------------ progress: "Besvart 17 av 36"

    var visible = document.getElementById("progress-visible");
    var live = document.getElementById("progress-live");
    var liveTimer = null;

    function answeredIn(set) {
      var fields = set.querySelectorAll("[name^='answer.']");
      for (var i = 0; i < fields.length; i++) {
        var f = fields[i];
        if (f.type === "radio") { if (f.checked && f.value !== "") { return true; } }
        else if (String(f.value).trim() !== "") { return true; }
      }
      return false;
    }

    function progress(announce) {
      if (!visible) { return; }
      var answered = 0, total = 0;
      var themes = form.querySelectorAll("section[data-theme]");
      for (var i = 0; i < themes.length; i++) {
        var sets = themes[i].querySelectorAll("fieldset[data-criterion]:not(.not-applicable)");
        var a = 0;
        for (var j = 0; j < sets.length; j++) { if (answeredIn(sets[j])) { a += 1; } }
        answered += a;
        total += sets.length;
        var count = document.querySelector("[data-theme-count='" + themes[i].getAttribute("data-theme") + "']");
        if (count) { count.textContent = msg("count").replace("{answered}", String(a)).replace("{total}", String(sets.length)); }
      }
      var text = msg("progress").replace("{answered}", String(answered)).replace("{total}", String(total));
      visible.textContent = text;
      if (!announce || !live) { return; }
      // Screen readers hear the count once the reviewer pauses, not after every key.
      if (liveTimer) { clearTimeout(liveTimer); }
      liveTimer = setTimeout(function () {
        if (live.textContent !== text) { live.textContent = text; }
      }, 2000);
    }

    skipNotApplicable();
    // Saved with the button (the page came back with ?lagret=1): what the tab kept is in the file now.
    if (/[?&]lagret=1(&|$)/.test(window.location.search)) { forget(); }
    if (restore()) {
      status.textContent = msg("restored");
      progress(false);
      schedule(0);
    }
  });

  // A report job's page: ask for the job while it runs and show its status (an aria-live
  // region) and, when it is done, the links to its files. Without the script the page has
  // an "Oppdater" link that loads it again.
  ready(function () {
    var region = document.querySelector("[data-job-poll]");
    if (!region || !window.fetch) { return; }
    var url = region.getAttribute("data-job-poll");
    var shown = region.innerHTML;
    var failures = 0;

    function poll() {
      fetch(url, {headers: {"X-Requested-With": "fetch"}, credentials: "same-origin", cache: "no-store"})
        .then(function (response) { return response.json(); })
        .then(function (job) {
          failures = 0;
          if (job.html && job.html !== shown) {
            region.innerHTML = job.html;
            shown = job.html;
          }
          var refresh = region.querySelector("[data-job-refresh]");
          if (refresh) { refresh.parentNode.hidden = true; }
          if (!job.finished) { window.setTimeout(poll, 400); }
        })
        .catch(function () {
          failures += 1;  // the server was busy or restarted: keep the "Oppdater" link and try a few more times
          var refresh = region.querySelector("[data-job-refresh]");
          if (refresh) { refresh.parentNode.hidden = false; }
          if (failures < 10) { window.setTimeout(poll, 1000 * failures); }
        });
    }
    if (region.querySelector("[data-job-refresh]")) {
      region.querySelector("[data-job-refresh]").parentNode.hidden = true;
      window.setTimeout(poll, 200);
    }
  });
})();
