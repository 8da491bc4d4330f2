// Tablet check-in: one tap marks a person; taps made offline wait in this browser and are sent,
// each exactly once (the server ignores a key it has seen), when the connection returns.
(function () {
  "use strict";
  var list = document.getElementById("checkin-list");
  if (!list) { return; }
  var url = list.dataset.url, csrf = list.dataset.csrf;
  var storeKey = "lokakarya-checkin-" + list.dataset.session;
  var state = document.getElementById("sync-state");
  function queue() { try { return JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; } }
  function save(items) { localStorage.setItem(storeKey, JSON.stringify(items)); }
  function show() {
    var waiting = queue().length;
    state.hidden = false;
    state.textContent = waiting ? list.dataset.offline.replace("{count}", waiting) : list.dataset.saved;
  }
  function key() {
    return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/-/g, "");
  }
  var sending = false;
  function flush() {
    var items = queue();
    if (sending || !items.length) { show(); return; }
    sending = true;
    var item = items[0];
    fetch(url, {method: "POST", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
                body: JSON.stringify(item)})
      .then(function (response) {
        if (response.ok || response.status === 400) {  // 400: refused for good, do not retry
          save(queue().filter(function (other) { return other.key !== item.key; }));
        }
        sending = false;
        if (response.ok || response.status === 400) { flush(); } else { show(); }
      })
      .catch(function () { sending = false; show(); });
  }
  list.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = event.target.querySelector("button");
    var present = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", present ? "true" : "false");
    button.classList.toggle("present", present);
    var items = queue();
    items.push({registration_id: Number(button.dataset.id), present: present ? 1 : 0, key: key(),
                confirm_early: list.dataset.early === "1" ? 1 : 0});  // "Mark anyway" before the start
    save(items);
    flush();
  });
  var search = document.getElementById("checkin-search");
  search.addEventListener("input", function () {
    var words = search.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/đ/g, "d").split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(list.children, function (item) {
      var text = item.dataset.search || "";
      item.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
    });
  });
  window.addEventListener("online", flush);
  setInterval(flush, 10000);
  flush();
})();
