// The only script of the pages: the time-travel sliders redraw the case as they move.
// Without it the page works the same through the form's text fields and its Show button.
(function () {
  "use strict";
  var form = document.getElementById("time-travel");
  if (!form) { return; }
  function iso(seconds) { return new Date(seconds * 1000).toISOString().replace(".000Z", "Z"); }
  function redraw() {
    var params = new URLSearchParams();
    ["as_of", "known_at"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) { params.set(name, value); }
    });
    var url = form.action + (params.toString() ? "?" + params.toString() : "");
    fetch(url, {credentials: "same-origin"}).then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var view = fresh.getElementById("case-view");
        if (!view) { return; }
        document.getElementById("case-view").replaceWith(view);
        var style = fresh.querySelector("head style");
        var mine = document.querySelector("head style");
        if (style && mine) { mine.replaceWith(style); }
        history.replaceState(null, "", url);
      });
  }
  Array.prototype.forEach.call(form.querySelectorAll(".slider"), function (slider) {
    slider.hidden = false;
    var field = form.elements[slider.dataset.for];
    slider.addEventListener("input", function () { field.value = iso(Number(slider.value)); });
    slider.addEventListener("change", redraw);
  });
}());
