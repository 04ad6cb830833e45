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

  // Warn about files that are too large before a long upload starts.
  document.querySelectorAll("input[type=file][multiple]").forEach(function (input) {
    input.addEventListener("change", function () {
      var limit = 20 * 1024 * 1024;
      var tooBig = Array.prototype.filter.call(input.files, function (f) { return f.size > limit; });
      input.setCustomValidity(tooBig.length ? (input.getAttribute("data-too-big") || "> 20 MB") : "");
      if (tooBig.length) { input.reportValidity(); }
    });
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
