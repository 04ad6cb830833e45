// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Move focus to an error summary or notice so screen-reader users hear it first.
  // Again after "load": a page opened at a #fragment (a staff action's confirmation)
  // has its focus reset by the browser's scroll to that fragment.
  var focusTarget = document.querySelector("[data-focus-on-load]");
  if (focusTarget) {
    focusTarget.focus();
    window.addEventListener("load", function () {
      if (document.activeElement === document.body || document.activeElement === null) { focusTarget.focus(); }
    });
  }

  // Parts of a form shown only for one answer: data-show-when="name=value". The contact
  // fields are hidden while "Ja, ik meld anoniem" is chosen, so nothing is typed there by
  // mistake. A part with an error stays visible. Without this script the part is always
  // shown and the server asks what to do with contact details typed after all.
  document.querySelectorAll("[data-show-when]").forEach(function (part) {
    var rule = part.getAttribute("data-show-when").split("=");
    var form = part.closest("form");
    if (!form || rule.length !== 2) { return; }
    function update() {
      var chosen = form.querySelector("input[name='" + rule[0] + "']:checked");
      var show = (chosen !== null && chosen.value === rule[1]) || part.querySelector(".field--error") !== null;
      part.hidden = !show;
    }
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === rule[0]) { update(); }
    });
    update();
  });

  // Character counter for long text fields. The visible count follows every
  // keystroke; a screen reader hears it only when a threshold is crossed
  // (three quarters, 90 % and the limit itself), not at every character.
  document.querySelectorAll("textarea[data-maxlength]").forEach(function (area) {
    var max = parseInt(area.getAttribute("data-maxlength"), 10);
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.id = area.id + "-count";
    var spoken = document.createElement("p");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    spoken.setAttribute("data-count-announcer", "");
    area.insertAdjacentElement("afterend", counter);
    counter.insertAdjacentElement("afterend", spoken);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    var template = document.documentElement.getAttribute("data-count-template") || "{n} / {max}";
    var thresholds = [0.75, 0.9, 1];
    function level(length) {
      var reached = 0;
      thresholds.forEach(function (t, i) { if (length >= Math.floor(max * t)) { reached = i + 1; } });
      return reached;
    }
    var last = level(area.value.length);
    function text() {
      return template.replace("{n}", area.value.length).replace("{max}", max);
    }
    area.addEventListener("input", function () {
      counter.textContent = text();
      var now = level(area.value.length);
      if (now > last) { spoken.textContent = text(); }
      last = now;
    });
    counter.textContent = text();
  });

  // Check the number and sizes of the files before a long upload starts: the same
  // limits the server applies (per file, number of files, all files together,
  // counting files already added that are still ticked).
  document.querySelectorAll("input[type=file][multiple]").forEach(function (input) {
    function limit(name, fallback) {
      var value = parseInt(input.getAttribute(name), 10);
      return isNaN(value) ? fallback : value;
    }
    // The browser's own bubble (reportValidity) disappears after a few seconds and is
    // easy to miss on a phone: the same message also stays under the field until the
    // selection is right.
    var note = document.createElement("p");
    note.className = "field-error files-check";
    note.id = (input.id || "files") + "-check";
    note.setAttribute("role", "alert");
    note.hidden = true;
    input.parentNode.insertBefore(note, input.nextSibling);
    function show(message) {
      note.textContent = message;
      note.hidden = !message;
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== note.id;
      });
      if (message) { described.push(note.id); }
      if (described.length) { input.setAttribute("aria-describedby", described.join(" ")); }
      else { input.removeAttribute("aria-describedby"); }
    }
    function check() {
      var maxBytes = limit("data-max-bytes", 20 * 1024 * 1024);
      var maxFiles = limit("data-max-files", 5);
      var maxTotal = limit("data-max-total-bytes", 100 * 1024 * 1024);
      var form = input.form || document;
      var count = 0;
      var total = 0;
      form.querySelectorAll("input[type=checkbox][data-bytes]:checked").forEach(function (kept) {
        count += 1;
        total += parseInt(kept.getAttribute("data-bytes"), 10) || 0;
      });
      var tooBig = false;
      Array.prototype.forEach.call(input.files || [], function (f) {
        count += 1;
        total += f.size;
        if (f.size > maxBytes) { tooBig = true; }
      });
      var message = "";
      if (tooBig) { message = input.getAttribute("data-too-big") || "> 20 MB"; }
      else if (count > maxFiles) { message = input.getAttribute("data-too-many") || "> 5"; }
      else if (total > maxTotal) { message = input.getAttribute("data-too-much") || "> 100 MB"; }
      input.setCustomValidity(message);
      show(message);
      return message;
    }
    input.addEventListener("change", function () {
      if (check()) { input.reportValidity(); }
    });
    if (input.form) {
      input.form.addEventListener("change", function (event) {
        if (event.target && event.target.hasAttribute && event.target.hasAttribute("data-bytes")) { check(); }
      });
      // The form has novalidate: without this check a too-large selection would still be sent.
      input.form.addEventListener("submit", function (event) {
        if (check()) {
          event.preventDefault();
          event.stopImmediatePropagation();
          input.reportValidity();
          input.focus();
        }
      }, true);
    }
  });

  // Upload progress for forms with files. Without this script the form posts
  // normally; with it, the same request goes through XMLHttpRequest so the
  // progress can be shown, and the server's answer replaces the page as usual.
  document.querySelectorAll("form[enctype='multipart/form-data']").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var fileInput = form.querySelector("input[type=file]");
      if (!window.FormData || !fileInput || !fileInput.files || fileInput.files.length === 0) { return; }
      event.preventDefault();
      var data = new FormData(form);
      if (event.submitter && event.submitter.name) { data.append(event.submitter.name, event.submitter.value); }
      var progress = document.createElement("progress");
      progress.max = 100;
      progress.value = 0;
      progress.className = "upload-progress";
      var label = document.createElement("p");
      label.setAttribute("role", "status");
      label.textContent = document.documentElement.getAttribute("data-uploading") || "";
      var actions = form.querySelector(".actions") || form;
      actions.appendChild(label);
      actions.appendChild(progress);
      var buttons = form.querySelectorAll("button[type=submit]");
      buttons.forEach(function (b) { b.disabled = true; });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { progress.value = Math.round((e.loaded / e.total) * 100); }
      });
      xhr.addEventListener("load", function () {
        // Show what the server answered, as a normal form post would: the new page
        // starts at its top, with focus on its heading (or its error summary), so
        // the one-time receipt code is on screen and a screen reader reads the page.
        if (xhr.responseURL && window.history && window.history.replaceState) {
          window.history.replaceState(null, "", xhr.responseURL);
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
        window.scrollTo(0, 0);
        var target = document.querySelector("[data-focus-on-load]") || document.querySelector("main h1");
        if (target) {
          if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
          target.focus();
          if (window.scrollY !== 0 && target.getBoundingClientRect().top >= 0) { window.scrollTo(0, 0); }
        }
      });
      xhr.addEventListener("error", function () {
        // Network trouble: fall back to a normal post, which keeps everything typed.
        buttons.forEach(function (b) { b.disabled = false; });
        form.submit();
      });
      xhr.send(data);
    });
  });

  // --- Back office: time limits (WCAG 2.2.1) -------------------------------------
  // A page with [data-session-limit] ends after data-seconds without a request.
  // Before that, a dialog warns and offers "Verlengen" (a POST that refreshes the
  // session); closing the dialog in any way extends too. Without this script the
  // page states the limit in words.
  var limit = document.querySelector("[data-session-limit]");
  var dialog = document.getElementById("session-warning");
  if (limit && dialog && typeof dialog.showModal === "function") {
    var seconds = parseInt(limit.getAttribute("data-seconds"), 10);
    var lead = Math.min(120, Math.floor(seconds / 2));
    var warnTimer = null;
    var endTimer = null;
    var expired = false;
    var dialogText = dialog.querySelector("[data-session-text]");
    var extendButton = dialog.querySelector("[data-session-extend]");
    var againLink = dialog.querySelector("[data-session-again]");
    var csrf = document.querySelector("meta[name=csrf-token]");
    var lang = document.documentElement.getAttribute("lang") || "nl";
    var schedule = function (remaining) {
      window.clearTimeout(warnTimer);
      window.clearTimeout(endTimer);
      var endsAt = Date.now() + remaining * 1000;
      warnTimer = window.setTimeout(function () {
        var at = new Date(endsAt).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
        dialogText.textContent = dialog.getAttribute("data-warning").replace("{time}", at);
        if (!dialog.open) { dialog.showModal(); }
        extendButton.focus();
      }, Math.max(0, (remaining - lead) * 1000));
      endTimer = window.setTimeout(showExpired, remaining * 1000);
    };
    var showExpired = function () {
      expired = true;
      dialogText.textContent = dialog.getAttribute("data-expired");
      extendButton.hidden = true;
      againLink.hidden = false;
      if (!dialog.open) { dialog.showModal(); }
      againLink.focus();
    };
    var extend = function () {
      if (expired) { return; }
      var request = new XMLHttpRequest();
      request.open("POST", limit.getAttribute("data-extend-url"));
      request.setRequestHeader("X-CSRFToken", limit.getAttribute("data-csrf") || (csrf ? csrf.getAttribute("content") : ""));
      request.setRequestHeader("Accept", "application/json");
      request.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = null; }
        if (request.status === 200 && answer && answer.seconds) {
          if (dialog.open) { dialog.close(); }
          schedule(answer.seconds);
        } else {
          showExpired();
        }
      });
      request.addEventListener("error", showExpired);
      request.send();
    };
    extendButton.addEventListener("click", extend);
    dialog.addEventListener("cancel", function (event) {
      // Escape: extend, as the button does (the dialog never just disappears).
      event.preventDefault();
      if (!expired) { extend(); }
    });
    schedule(seconds);
  }

  // --- Back office: keep what was typed -------------------------------------------
  // The text of every back-office text area is kept in this tab's sessionStorage
  // while it is being typed, and put back when the form comes back empty (for
  // instance after signing in again when the session had ended). It is removed
  // once the page confirms the form was sent, and at logout. sessionStorage lives
  // only as long as the tab.
  var drafts = document.querySelector("[data-drafts]");
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }
  if (drafts && store) {
    var PREFIX = "meldpunt-draft:";
    var read = function (key) {
      try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
    };
    var write = function (key, value) {
      try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* full or refused: nothing kept */ }
    };
    var sentOk = document.querySelector(".notice--success") !== null;
    var here = {};
    document.querySelectorAll("form[method=post] textarea[name]").forEach(function (area) {
      var form = area.form;
      var key = PREFIX + form.getAttribute("action") + "#" + area.name;
      here[key] = true;
      var draft = read(key);
      if (draft && draft.text) {
        if (area.value.trim() === "") {
          if (draft.sent && sentOk) {
            store.removeItem(key);
          } else {
            area.value = draft.text;
            draft.sent = false;
            write(key, draft);
            var note = document.createElement("p");
            note.className = "notice notice--warning draft-restored";
            note.setAttribute("role", "status");
            note.textContent = drafts.getAttribute("data-restored");
            area.insertAdjacentElement("beforebegin", note);
          }
        } else {
          draft.sent = false;
          write(key, draft);
        }
      }
      area.addEventListener("input", function () {
        if (area.value.trim() === "") { store.removeItem(key); return; }
        write(key, { page: window.location.pathname, text: area.value, sent: false });
      });
      form.addEventListener("submit", function () {
        var current = read(key);
        if (current) { current.sent = true; write(key, current); }
      });
    });
    // Text that was sent while the session had ended: point to its page.
    var lost = [];
    for (var i = 0; i < store.length; i++) {
      var name = store.key(i);
      if (name && name.indexOf(PREFIX) === 0 && !here[name]) {
        var kept = read(name);
        if (kept && kept.sent && kept.page && lost.indexOf(kept.page) < 0) { lost.push(kept.page); }
      }
    }
    if (lost.length && !document.querySelector("[data-session-login]")) {
      var box = document.createElement("div");
      box.className = "notice notice--warning draft-elsewhere";
      box.setAttribute("role", "status");
      var p = document.createElement("p");
      p.textContent = drafts.getAttribute("data-elsewhere") + " ";
      lost.forEach(function (page, index) {
        var a = document.createElement("a");
        a.href = page;
        a.textContent = drafts.getAttribute("data-elsewhere-link") + (lost.length > 1 ? " " + (index + 1) : "");
        p.appendChild(a);
        if (index < lost.length - 1) { p.appendChild(document.createTextNode(" · ")); }
      });
      box.appendChild(p);
      drafts.appendChild(box);
    }
    document.querySelectorAll("form[data-logout]").forEach(function (form) {
      form.addEventListener("submit", function () {
        for (var j = store.length - 1; j >= 0; j--) {
          var k = store.key(j);
          if (k && k.indexOf(PREFIX) === 0) { store.removeItem(k); }
        }
      });
    });
  }
})();
