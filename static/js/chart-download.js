// Progressive enhancement: a "PNG" link next to each chart's SVG download. The chart is
// drawn from its SVG onto a canvas in the browser; nothing leaves the page.
(function () {
  "use strict";
  document.querySelectorAll("a[data-png-download]").forEach(function (link) {
    var figure = document.getElementById(link.getAttribute("data-png-download").replace(/\.png$/, ""));
    var svg = figure && figure.querySelector("svg");
    if (!svg || !window.XMLSerializer || !document.createElement("canvas").toBlob) {
      return;
    }
    link.hidden = false;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var box = svg.viewBox.baseVal;
      var scale = 2;
      var source = new XMLSerializer().serializeToString(svg);
      var image = new Image();
      image.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = box.width * scale;
        canvas.height = box.height * scale;
        var context = canvas.getContext("2d");
        context.fillStyle = "#ffffff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          var url = URL.createObjectURL(blob);
          var a = document.createElement("a");
          a.href = url;
          a.download = link.getAttribute("data-png-download");
          document.body.appendChild(a);
          a.click();
          a.remove();
          URL.revokeObjectURL(url);
        }, "image/png");
      };
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(source);
    });
  });
})();
