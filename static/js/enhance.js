// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Move focus to an error summary or notice so screen-reader users hear it first.
  var focusTarget = document.querySelector("[data-focus-on-load]");
  if (focusTarget) { focusTarget.focus(); }

  // Character counter for long text fields.
  document.querySelectorAll("textarea[data-maxlength]").forEach(function (area) {
    var max = parseInt(area.getAttribute("data-maxlength"), 10);
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.id = area.id + "-count";
    counter.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", counter);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    var template = document.documentElement.getAttribute("data-count-template") || "{n} / {max}";
    function update() {
      counter.textContent = template.replace("{n}", area.value.length).replace("{max}", max);
    }
    area.addEventListener("input", update);
    update();
  });

  // Check the number and sizes of the files before a long upload starts: the same
  // limits the server applies (per file, number of files, all files together,
  // counting files already added that are still ticked).
  document.querySelectorAll("input[type=file][multiple]").forEach(function (input) {
    function limit(name, fallback) {
      var value = parseInt(input.getAttribute(name), 10);
      return isNaN(value) ? fallback : value;
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
        // Show what the server answered, exactly as a normal form post would.
        if (xhr.responseURL && window.history && window.history.replaceState) {
          window.history.replaceState(null, "", xhr.responseURL);
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        // Network trouble: fall back to a normal post, which keeps everything typed.
        buttons.forEach(function (b) { b.disabled = false; });
        form.submit();
      });
      xhr.send(data);
    });
  });
})();
