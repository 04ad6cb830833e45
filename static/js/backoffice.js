/* Back office: keyboard shortcuts on the report page and inserting message templates.
   Everything works without this file (links and buttons); it only saves keystrokes. */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  var actions = {
    j: function () { var a = document.getElementById("volgende-melding"); if (a) { a.click(); return true; } return false; },
    k: function () { var a = document.getElementById("vorige-melding"); if (a) { a.click(); return true; } return false; },
    o: function () { var b = document.getElementById("oppakken"); if (b) { b.click(); return true; } return false; },
    b: function () { var b = document.getElementById("bevestigen"); if (b) { b.click(); return true; } return false; }
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    if (typing(event.target) || typing(document.activeElement)) { return; }
    var action = actions[event.key];
    if (action && action()) { event.preventDefault(); }
  });

  // "Invoegen" puts the template's text into the message box in place (without JS the button
  // posts the typed text and the page comes back with the template added).
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-template]") : null;
    if (!link) { return; }
    var box = document.getElementById("message-message");
    if (!box) { return; }
    event.preventDefault();
    var text = link.getAttribute("data-template");
    box.value = box.value ? box.value.replace(/\s*$/, "") + "\n\n" + text : text;
    box.focus();
  });
})();
