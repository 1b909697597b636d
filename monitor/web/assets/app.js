// zonewatch's timeline page: sorting and live filtering of the portfolio table. The table is
// rendered in full on the server (and filtered there with ?q=), so this only adds convenience.
// Served as /assets/app.js: the Content-Security-Policy allows no inline script.
"use strict";
(function () {
  function cellValue(row, column) {
    var cell = row.cells[column];
    if (!cell) return "";
    var v = cell.getAttribute("data-v");
    return v !== null ? Number(v) : cell.textContent.toLowerCase();
  }

  function sortBy(table, column, header) {
    var body = table.tBodies[0];
    var ascending = !header.classList.contains("asc");
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) headers[i].classList.remove("asc", "desc");
    header.classList.add(ascending ? "asc" : "desc");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, column), y = cellValue(b, column);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function makeSortable(table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (header, column) {
      header.title = "Sort by " + header.textContent;
      header.addEventListener("click", function () { sortBy(table, column, header); });
    });
  }

  function liveFilter(input, table) {
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.classList.toggle("hidden", words !== "" &&
                             row.textContent.toLowerCase().indexOf(words) < 0);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var tables = document.querySelectorAll("table.sortable");
    Array.prototype.forEach.call(tables, makeSortable);
    var input = document.getElementById("filter");
    var portfolio = document.getElementById("portfolio");
    if (input && portfolio) liveFilter(input, portfolio);
  });
})();
