// Sorting and filtering on top of a page that is whole without this script.
// Click a header with data-sort to sort its table (numbers by data-v); the
// filter box hides feature rows whose name does not contain the text; the
// order menu sorts every feature table by name, missing share or distance.
(function () {
  "use strict";
  function value(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) return numeric ? -Infinity : "";
    var v = cell.getAttribute("data-v");
    if (!numeric) return cell.textContent.trim().toLowerCase();
    var x = parseFloat(v === null ? cell.textContent : v);
    return isNaN(x) ? -Infinity : x;
  }
  function sortBy(tbody, compare) {
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(compare);
    rows.forEach(function (r) { tbody.appendChild(r); });
  }
  document.querySelectorAll("table.sortable th[data-sort]").forEach(function (th) {
    th.addEventListener("click", function () {
      var table = th.closest("table");
      var numeric = th.getAttribute("data-sort") === "num";
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var index = th.cellIndex;
      sortBy(table.tBodies[0], function (a, b) {
        var x = value(a, index, numeric), y = value(b, index, numeric);
        var c = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? c : -c;
      });
    });
  });
  var filter = document.querySelector("input.filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var text = filter.value.toLowerCase();
      document.querySelectorAll("table.features tbody tr").forEach(function (row) {
        var name = (row.getAttribute("data-name") || "").toLowerCase();
        row.hidden = text !== "" && name.indexOf(text) < 0;
      });
    });
  }
  var order = document.querySelector("select.order");
  if (order) {
    document.querySelectorAll("table.features tbody").forEach(function (tbody) {
      Array.prototype.forEach.call(tbody.rows, function (r, i) { r.setAttribute("data-i", i); });
    });
    order.addEventListener("change", function () {
      var key = order.value;
      document.querySelectorAll("table.features tbody").forEach(function (tbody) {
        sortBy(tbody, function (a, b) {
          if (key === "name") return a.getAttribute("data-name").localeCompare(b.getAttribute("data-name"));
          if (key === "missing" || key === "distance") {
            return parseFloat(b.getAttribute("data-" + key)) - parseFloat(a.getAttribute("data-" + key));
          }
          return a.getAttribute("data-i") - b.getAttribute("data-i");
        });
      });
    });
  }
  // Reached only when every step above ran: the browser test reads it.
  document.documentElement.setAttribute("data-ready", "1");
})();
