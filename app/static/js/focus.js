/* Keyboard focus on every page (issue 18, WCAG 2.2 AA).

   A date or time field is one tab stop: Tab and Shift+Tab leave it as a whole, and the arrow keys
   move between its day, month and year (the browser's own). Without this script, the browser's
   field still works; it only takes a stop per part.

   A sticky bar never hides the field in focus: the page keeps room for it by scroll padding
   (app.css reads --save-bar-height, the bar's height measured here as it changes). */
(function () {
  "use strict";

  var PARTS = "input[type=date], input[type=time], input[type=datetime-local], input[type=month], input[type=week]";

  // Tab from inside a field made of parts: focus moves first to an empty mark just after (or,
  // with Shift, just before) the field, so that the browser's own Tab goes on from there: to the
  // next control in the page's order, radio groups and all. The mark goes when focus leaves it.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Tab" || event.altKey || event.ctrlKey || event.metaKey ||
        !field.matches || !field.matches(PARTS)) {
      return;
    }
    var mark = document.createElement("span");
    mark.tabIndex = -1;
    field.insertAdjacentElement(event.shiftKey ? "beforebegin" : "afterend", mark);
    mark.addEventListener("blur", function () { mark.remove(); }, { once: true });
    mark.focus({ preventScroll: true });
  });

  function measure(bar) {
    var root = document.documentElement;
    var update = function () {
      root.style.setProperty("--save-bar-height", bar.getBoundingClientRect().height + "px");
    };
    update();
    if (window.ResizeObserver) {
      new ResizeObserver(update).observe(bar);
    }
  }

  function start() {
    var bar = document.querySelector(".save-bar");
    if (bar) {
      measure(bar);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
