/* ScholarLens page behaviour: charts, drag-and-drop, upload progress. No inline scripts
   (the Content-Security-Policy forbids them); specs arrive as JSON data blocks. */
(function () {
  "use strict";

  function renderCharts(root) {
    root.querySelectorAll("[data-vega-spec]").forEach(function (el) {
      if (el.dataset.rendered || !window.vegaEmbed) return;
      var src = document.getElementById(el.dataset.vegaSpec);
      if (!src) return;
      el.dataset.rendered = "1";
      var spec = JSON.parse(src.textContent);
      window.vegaEmbed(el, spec, {
        mode: "vega-lite",
        renderer: "svg",
        actions: false,
        defaultStyle: false,                        // styles live in app.css (CSP: no inline <style>)
        tooltip: { disableDefaultStyle: true },
        ast: true,                                  // no eval: expressions are interpreted
        expr: window.vegaExpressionInterpreter,
        config: { font: "system-ui, sans-serif", view: { stroke: null }, axis: { grid: true, gridColor: "#eef1f5" } }
      }).catch(function (err) {
        el.textContent = "The chart could not be drawn: " + err.message;
      });
    });
  }

  function describe(files) {
    return Array.prototype.map.call(files, function (f) {
      var kb = f.size / 1024;
      return f.name + " (" + (kb < 1024 ? kb.toFixed(0) + " KB" : (kb / 1024).toFixed(1) + " MB") + ")";
    }).join(", ");
  }

  function initDropzones(root) {
    root.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      if (zone.dataset.ready) return;
      zone.dataset.ready = "1";
      var input = zone.querySelector("input[type=file]");
      var label = zone.querySelector("[data-filename]");
      var update = function () { if (label) label.textContent = input.files.length ? describe(input.files) : ""; };
      ["dragenter", "dragover"].forEach(function (type) {
        zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (type) {
        zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (e) {
        if (!e.dataTransfer || !e.dataTransfer.files.length) return;
        var dt = new DataTransfer();
        var files = input.multiple ? e.dataTransfer.files : [e.dataTransfer.files[0]];
        Array.prototype.forEach.call(files, function (f) { dt.items.add(f); });
        input.files = dt.files;
        update();
      });
      input.addEventListener("change", update);
    });
  }

  function initUploadProgress() {
    document.body.addEventListener("htmx:xhr:progress", function (e) {
      var form = e.target.closest && e.target.closest("form");
      var box = form && form.querySelector("[data-upload-progress]");
      if (!box || !e.detail.lengthComputable) return;
      var pct = Math.round((100 * e.detail.loaded) / e.detail.total);
      box.hidden = false;
      box.querySelector("progress").value = pct;
      box.querySelector("[data-upload-pct]").textContent = pct + "%";
    });
  }

  function init(root) { renderCharts(root); initDropzones(root); }

  if (window.htmx) {
    window.htmx.onLoad(init);           // first load and every swapped-in fragment
    initUploadProgress();
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
})();
