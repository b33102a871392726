(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.add("js");
  function value(name) {
    var s = doc.querySelector('select[data-filter="' + name + '"]');
    return s ? s.value : "";
  }
  function apply() {
    var level = value("level"), rule = value("rule"), dept = value("dept"), counts = {};
    doc.querySelectorAll("tr[data-row]").forEach(function (tr) {
      var d = tr.dataset;
      var show = (!level || d.level === level) &&
        (!rule || (" " + (d.rules || "") + " ").indexOf(" " + rule + " ") >= 0) &&
        (!dept || d.dept === dept);
      tr.hidden = !show;
      var c = counts[d.row] || (counts[d.row] = [0, 0]);
      c[1] += 1;
      if (show) { c[0] += 1; }
    });
    doc.querySelectorAll("[data-count]").forEach(function (el) {
      var c = counts[el.dataset.count] || [0, 0];
      el.textContent = c[0] + " / " + c[1];
    });
    doc.querySelectorAll("section[data-group]").forEach(function (s) {
      s.hidden = !s.querySelector("tr[data-row]:not([hidden])");
    });
  }
  doc.querySelectorAll("select[data-filter]").forEach(function (s) {
    s.addEventListener("change", apply);
  });
  doc.querySelectorAll("table[data-sortable] thead th").forEach(function (th) {
    th.addEventListener("click", function () {
      var table = th.closest("table"), body = table.tBodies[0], i = th.cellIndex;
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      function key(tr) {
        var td = tr.cells[i];
        return td ? (td.dataset.key !== undefined ? td.dataset.key : td.textContent.trim()) : "";
      }
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
        if (!isNaN(nx) && !isNaN(ny) && String(nx) === x && String(ny) === y) { return dir * (nx - ny); }
        return dir * x.localeCompare(y, "zh");
      });
      rows.forEach(function (tr) { body.appendChild(tr); });
    });
  });
  apply();
})();
