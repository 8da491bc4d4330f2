// The registrations list: one box ticks every row of the page. Without this script that box
// stays hidden and rows are ticked one by one; "all N matching" works either way.
(function () {
  "use strict";
  var all = document.getElementById("select-page");
  var form = document.getElementById("bulk");
  if (!all || !form) { return; }
  var rows = Array.prototype.slice.call(form.querySelectorAll("input[name='selected']"));
  if (!rows.length) { return; }
  function refresh() {
    var ticked = rows.filter(function (box) { return box.checked; }).length;
    all.checked = ticked === rows.length;
    all.indeterminate = ticked > 0 && ticked < rows.length;
  }
  document.getElementById("select-page-box").hidden = false;
  all.addEventListener("change", function () {
    rows.forEach(function (box) { box.checked = all.checked; });
    refresh();
  });
  rows.forEach(function (box) { box.addEventListener("change", refresh); });
  refresh();
})();
