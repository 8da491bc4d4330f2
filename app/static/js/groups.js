// Working groups: drag a participant to another group. The page works without this script:
// each participant has a select list of groups and one button saves them all; dragging only
// moves the name and sets that select list, so the same form is sent.
(function () {
  "use strict";
  var board = document.getElementById("group-board");
  if (!board || !window.CSS || !("draggable" in document.createElement("li"))) { return; }
  var dragged = null;

  function each(list, callback) { Array.prototype.forEach.call(list, callback); }
  function listOf(group) {
    return board.querySelector('.group-members[data-group="' + CSS.escape(group) + '"]');
  }
  function recount() {
    each(board.querySelectorAll(".group-column"), function (column) {
      column.querySelector("[data-count]").textContent = column.querySelectorAll(".group-member").length;
    });
  }
  function clear() {
    each(board.querySelectorAll(".drop-target"), function (column) { column.classList.remove("drop-target"); });
  }
  function place(item, group) {
    var list = listOf(group), select = item.querySelector("select");
    if (!list) { return; }
    select.value = group;
    if (item.parentNode !== list) {
      var focused = document.activeElement === select;
      list.appendChild(item);
      item.classList.add("moved");
      if (focused) { select.focus(); }
    }
    recount();
  }

  board.classList.add("dragging-on");
  each(board.querySelectorAll(".group-member"), function (item) {
    item.draggable = true;
    item.addEventListener("dragstart", function (event) {
      dragged = item;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.registration);
    });
    item.addEventListener("dragend", function () {
      item.classList.remove("dragging");
      dragged = null;
      clear();
    });
  });
  each(board.querySelectorAll(".group-column"), function (column) {
    column.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      column.classList.add("drop-target");
    });
    column.addEventListener("dragleave", function (event) {
      if (!column.contains(event.relatedTarget)) { column.classList.remove("drop-target"); }
    });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      var id = event.dataTransfer.getData("text/plain");
      var item = dragged || board.querySelector('.group-member[data-registration="' + CSS.escape(id) + '"]');
      if (item) { place(item, column.dataset.group); }
      clear();
    });
  });
  board.addEventListener("change", function (event) {
    var select = event.target.closest("select");
    if (select) { place(select.closest(".group-member"), select.value); }
  });
})();
