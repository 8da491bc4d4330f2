// Worksheet autosave. Saves 3 s after the last change and when the page is hidden or left; keeps
// unsaved changes in this browser (offline, reload, expired session) until the server has them;
// shows teammates' rows and edits, and asks the person to choose where both changed one answer.
// Without this script the form still saves with its buttons (and the page draws every choice list).
(function () {
  "use strict";
  var form = document.getElementById("worksheet");
  if (!form) { return; }

  // --- choices: a row's select holds only its answer and its tick list only the ticked boxes;
  // each column's full list is in one <template id="options-<table>-<input>">, copied in when the
  // select is first used and, for tick lists, on load. Without this script the page loads with
  // every list in full (fill.html).
  function each(list, callback) { Array.prototype.forEach.call(list, callback); }
  var ROW_INPUT = /^([a-z0-9_]+)-(\d+)-(.+)$/;  // a row's input: table, the row's number, the cell
  var NOT_WORD = (function () {  // built at run time: a browser without \p{…} still runs the rest
    try { return new RegExp("[^\\p{L}\\p{N}]", "gu"); } catch (error) { return /[\s.,;:'"()\/-]/g; }
  })();
  function fullList(element) {  // once per input: "actions-3-status" → #options-actions-status
    if (element.filled || !element.closest(".row-card")) { return null; }
    element.filled = true;
    var template = document.getElementById("options-" + element.id.replace(/^([^-]+)-[^-]+-/, "$1-"));
    return template ? template.content.cloneNode(true) : null;
  }
  function fillSelect(select) {
    var options = fullList(select), value = select.value;
    if (!options) { return; }
    select.textContent = "";
    select.appendChild(options);
    select.value = value;
  }
  function fillTicks(list) {
    var items = fullList(list), ticked = {};
    if (!items) { return; }
    each(list.querySelectorAll("input:checked"), function (input) { ticked[input.value] = true; });
    each(items.querySelectorAll("li"), function (item, index) {
      var input = item.querySelector("input");
      input.name = list.id;  // a row's inputs: id and name alike ("actions-0-partners")
      input.id = list.id + "-" + index;
      input.checked = !!ticked[input.value];
      item.querySelector("label").htmlFor = input.id;
    });
    list.textContent = "";
    list.appendChild(items);
  }
  function fillChoices(root) { each(root.querySelectorAll("ul[id]"), fillTicks); }
  function choosing(event) {
    if (event.target.tagName === "SELECT") { fillSelect(event.target); }
  }
  fillChoices(form);
  form.addEventListener("pointerdown", choosing, true);
  form.addEventListener("focusin", choosing);

  var data = form.dataset, drawn = document.getElementById("sheet-rows");
  if (!window.fetch || !window.URLSearchParams || !window.FormData || !window.CSS) {
    if (drawn) { location.replace(data.allUrl); }  // the page whose rows need no script
    return;
  }
  var statusLine = document.getElementById("save-status");
  // team: whose sheet this page shows; a save after the person was moved to another group is
  // refused (409) and what they typed stays here and in the draft kept for this team's sheet.
  var META = {csrf_token: true, version: true, save_key: true, action: true, team: true};
  var DELAY = 3000, RETRY = 15000;
  var timer = null, retryTimer = null, busy = false, again = false, leaving = false;
  var attempt = null;   // {key, fields, base}: one save, retried with the same key until answered
  var pending = {};     // input name -> their values, sent instead of mine while a conflict is open
  var heldBase = null;  // the version a draft goes back to while a conflict is open
  var restored = false;
  // A filled sheet's rows come as data (#sheet-rows: the inputs' values and the worked-out
  // columns of each row, as a save's answer gives them) and are drawn here from the row template;
  // its hidden "delta" (a post of the page without its rows changes no row) goes: they are here.
  var initial = drawn ? JSON.parse(drawn.textContent) : null;
  if (initial) {
    applyRows(initial.rows, {});
    applyComputed({rows: initial.computed});
    form.elements.delta.remove();
    each(form.querySelectorAll("[data-rows-pending]"), function (box) { box.removeAttribute("data-rows-pending"); });
  }
  var synced = fields();  // the form as the server has it

  // --- small helpers ------------------------------------------------------------------------
  function text(name, values) {
    var message = data["text" + name] || "";
    Object.keys(values || {}).forEach(function (key) { message = message.split("{" + key + "}").join(values[key]); });
    return message;
  }
  function show(kind, message) { statusLine.className = "save-status " + kind; statusLine.textContent = message; }
  function random(length) {
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", bytes = new Uint8Array(length);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (byte) { return alphabet[byte % 64]; }).join("");
  }
  function byName(name) { return form.querySelectorAll('[name="' + CSS.escape(name) + '"]'); }
  function base() { return form.elements.version.value; }
  function fields() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) { if (!META[name]) { params.append(name, value); } });
    return params.toString();
  }

  // --- the draft kept in this browser ---------------------------------------------------------
  function keepDraft() {
    var now = fields();
    try {
      localStorage.setItem(data.storageKey, JSON.stringify({
        base: heldBase !== null ? heldBase : base(), fields: now, at: Date.now(),
        key: attempt && attempt.fields === now ? attempt.key : null}));
    } catch (error) { /* storage full or disabled: saving still works */ }
  }
  function dropDraft() { try { localStorage.removeItem(data.storageKey); } catch (error) { /* ignore */ } }
  function readDraft() {
    try { return JSON.parse(localStorage.getItem(data.storageKey) || "null"); } catch (error) { return null; }
  }

  // --- rows ---------------------------------------------------------------------------------
  function tableBox(table) { return form.querySelector('[data-table="' + CSS.escape(table) + '"]'); }
  function cards(box) { return box.querySelectorAll(".rows > .row-card"); }
  function cardOf(box, rowId) {
    return Array.prototype.find.call(cards(box), function (card) { return card.dataset.rowId === rowId; }) || null;
  }
  function renumber(box) {
    each(cards(box), function (card, index) { card.querySelector(".row-number").textContent = index + 1; });
    listRows(box);
  }
  function addCard(table, rowId) {
    var box = tableBox(table), template = document.getElementById("row-template-" + table);
    var index = Number(box.dataset.nextIndex || 0);
    box.dataset.nextIndex = index + 1;
    var card = template.content.firstElementChild.cloneNode(true);
    each([card].concat(Array.prototype.slice.call(card.querySelectorAll("*"))), function (element) {
      ["id", "name", "for", "aria-describedby", "data-index"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value && value.indexOf("__i__") !== -1) { element.setAttribute(attribute, value.split("__i__").join(index)); }
      });
    });
    card.dataset.rowId = rowId || random(8);
    card.querySelector('[name$="-row_id"]').value = card.dataset.rowId;
    card.querySelector(".remove-row").value = "remove_row:" + table + ":" + card.dataset.rowId;
    fillChoices(card);
    box.querySelector(".rows").appendChild(card);
    foldable(card);
    renumber(box);
    return card;
  }
  function prefixOf(table, card) { return table + "-" + card.dataset.index + "-"; }

  // --- applying a state: {fields: {name: [values]}, rows: {table: [{row_id, cells}]}} --------------
  function same(a, b) { return String(a).replace(NOT_WORD, "") === String(b).replace(NOT_WORD, ""); }
  function setValues(name, values) {
    each(byName(name), function (input) {
      if (input.type === "checkbox" || input.type === "radio") { input.checked = values.indexOf(input.value) !== -1; return; }
      if (input.tagName === "SELECT") { fillSelect(input); }
      var value = values.length ? values[0] : "";
      if (input === document.activeElement && same(input.value, value)) { return; }
      if (input.value !== value) { input.value = value; }
    });
  }
  function namesIn(root, skipRows) {
    var names = {};
    each(root.querySelectorAll("[name]"), function (input) {
      if (input.tagName === "BUTTON" || META[input.name]) { return; }
      if (skipRows && input.closest(".row-card")) { return; }
      names[input.name] = true;
    });
    return Object.keys(names);
  }
  function applyState(state, skip) {
    namesIn(form, true).forEach(function (name) {
      if (!skip[name]) { setValues(name, state.fields[name] || []); }
    });
    applyRows(state.rows, skip);
  }
  function applyRows(rows, skip) {
    Object.keys(rows).forEach(function (table) {
      var box = tableBox(table), seen = {};
      if (!box) { return; }
      rows[table].forEach(function (row) {
        if (!row.row_id) { return; }
        seen[row.row_id] = true;
        var card = cardOf(box, row.row_id) || addCard(table, row.row_id), prefix = prefixOf(table, card);
        namesIn(card).forEach(function (name) {
          if (!skip[name]) { setValues(name, row.cells[name.slice(prefix.length)] || []); }
        });
      });
      each(cards(box), function (card) {
        var kept = namesIn(card).some(function (name) { return skip[name]; });
        if (!seen[card.dataset.rowId] && !kept) { card.remove(); }
      });
      renumber(box);
    });
  }
  function stateOf(encoded) {  // a draft's fields, read back into a state
    var state = {fields: {}, rows: {}}, rows = {};
    each(form.querySelectorAll("[data-table]"), function (box) { state.rows[box.dataset.table] = []; });
    new URLSearchParams(encoded).forEach(function (value, name) {
      var match = ROW_INPUT.exec(name);
      if (match && state.rows[match[1]]) {
        var id = match[1] + "-" + match[2];
        if (!rows[id]) { rows[id] = {row_id: "", cells: {}}; state.rows[match[1]].push(rows[id]); }
        (rows[id].cells[match[3]] = rows[id].cells[match[3]] || []).push(value);
        if (match[3] === "row_id") { rows[id].row_id = value; }
      } else {
        (state.fields[name] = state.fields[name] || []).push(value);
      }
    });
    return state;
  }
  function applyComputed(computed) {
    Object.keys(computed.fields || {}).forEach(function (name) {
      var output = form.querySelector('[data-computed="' + CSS.escape(name) + '"]');
      if (output) { output.textContent = computed.fields[name]; }
    });
    Object.keys(computed.rows || {}).forEach(function (table) {
      var box = tableBox(table);
      Object.keys(computed.rows[table]).forEach(function (rowId) {
        var card = box && cardOf(box, rowId), values = computed.rows[table][rowId];
        Object.keys(values).forEach(function (column) {
          var output = card && card.querySelector('[data-computed-column="' + CSS.escape(column) + '"]');
          if (output) { output.textContent = values[column]; }
        });
      });
    });
  }

  // --- errors and conflicts at their fields ----------------------------------------------------
  // Each error list has an id that its inputs' aria-describedby names, as the server draws them;
  // what the errors say is read out once in #autosave-errors, again only when it changes.
  var announced = "";
  function describedBy(input, id, add) {
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (one) {
      return one && one !== id;
    });
    if (add) { ids.push(id); }
    if (ids.length) { input.setAttribute("aria-describedby", ids.join(" ")); } else { input.removeAttribute("aria-describedby"); }
  }
  function clearMarks() {
    each(form.querySelectorAll(".errors"), function (list) {
      each(form.querySelectorAll('[aria-describedby~="' + CSS.escape(list.id) + '"]'), function (input) {
        describedBy(input, list.id, false);
      });
    });
    each(form.querySelectorAll(".errors, .conflict:not(.live)"), function (element) { element.remove(); });
    each(form.querySelectorAll(".has-error"), function (element) { element.classList.remove("has-error"); });
    each(form.querySelectorAll("[aria-invalid]"), function (element) { element.removeAttribute("aria-invalid"); });
  }
  function labelOf(input) {  // "Row 2 · Resources needed · Amount"
    var parts = [], card = input.closest(".row-card"), group = input.closest("fieldset.field");
    var label = input.type !== "checkbox" && input.labels && input.labels[0];
    if (card) { parts.push(card.querySelector("legend").textContent); }
    if (group) { parts.push(group.querySelector("legend").textContent); }
    if (label || !group) { parts.push(label ? label.textContent : input.name); }
    return parts.map(function (part) { return part.trim(); }).join(" · ");
  }
  function showErrors(errors) {
    var said = [];
    Object.keys(errors).forEach(function (name) {
      var inputs = byName(name), input = inputs[0], wrapper = input && input.closest(".field");
      if (!wrapper) { return; }
      wrapper.classList.add("has-error");
      var list = element("ul", "errors");
      list.id = (input.id || name) + "-error";
      errors[name].forEach(function (message) {
        list.appendChild(element("li", "", message));
        said.push(labelOf(input) + ": " + message);
      });
      wrapper.insertBefore(list, wrapper.querySelector(".conflict"));
      each(inputs, function (one) { one.setAttribute("aria-invalid", "true"); describedBy(one, list.id, true); });
      var card = input.closest(".row-card");
      if (card) { fold(card, false); }
    });
    var live = document.getElementById("autosave-errors"), now = said.join(" ");
    if (live && now !== announced) { live.textContent = now; }
    announced = now;
  }
  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }
  function openConflict(conflict) {
    var wrapper, prefix;
    if (conflict.row_id) {
      var box = tableBox(conflict.field), card = box && cardOf(box, conflict.row_id);
      if (!card) { return; }
      prefix = prefixOf(conflict.field, card) + conflict.column;
      wrapper = card.querySelector('[data-column="' + CSS.escape(conflict.column) + '"]');
    } else {
      prefix = conflict.field;
      wrapper = form.querySelector('[data-field="' + CSS.escape(conflict.field) + '"]');
    }
    if (!wrapper) { return; }
    if (conflict.row_id) { fold(wrapper.closest(".row-card"), false); }
    var theirs = {};
    Object.keys(conflict.values).forEach(function (suffix) { theirs[prefix + suffix] = conflict.values[suffix]; });
    Object.keys(theirs).forEach(function (name) { pending[name] = theirs[name]; });
    var old = wrapper.querySelector(".conflict");
    if (old) { old.remove(); }
    var panel = element("div", "conflict live");
    panel.setAttribute("role", "alert");
    panel.appendChild(element("p", "", conflict.name ? text("Conflict", {name: conflict.name}) : text("ConflictAnonymous")));
    var list = element("dl");
    list.appendChild(element("dt", "", text("Theirs")));
    list.appendChild(element("dd", "theirs", conflict.theirs_text || text("Empty")));
    list.appendChild(element("dt", "", text("Yours")));
    list.appendChild(element("dd", "mine", conflict.mine_text || text("Empty")));
    panel.appendChild(list);
    var actions = element("p", "actions");
    var choices = ["mine", "theirs"].concat(conflict.type === "text" || conflict.type === "long_text" ? ["both"] : []);
    choices.forEach(function (choice) {
      var button = element("button", "keep-" + choice, text({mine: "KeepMine", theirs: "KeepTheirs", both: "KeepBoth"}[choice]));
      button.type = "button";
      button.addEventListener("click", function () { resolve(choice, theirs, prefix, panel); });
      actions.appendChild(button);
    });
    panel.appendChild(actions);
    wrapper.appendChild(panel);
  }
  function resolve(choice, theirs, prefix, panel) {
    Object.keys(theirs).forEach(function (name) {  // their newest values (valuesIn)
      if (pending[name]) { theirs[name] = pending[name]; }
      delete pending[name];
    });
    if (choice === "theirs") {
      Object.keys(theirs).forEach(function (name) { setValues(name, theirs[name]); });
    } else if (choice === "both") {
      var input = byName(prefix)[0], other = (theirs[prefix] || [""])[0];
      if (input && other && input.value !== other) {
        input.value = input.value ? input.value + (input.tagName === "TEXTAREA" ? "\n" : " / ") + other : other;
      }
    }
    panel.remove();
    if (!Object.keys(pending).length) { heldBase = null; }
    attempt = null;  // a new save: an earlier one unanswered must not count as this choice
    keepDraft();
    save({force: true});
  }
  // The values ``state`` holds for the input ``name`` of this page, or null.
  function valuesIn(state, name) {
    if (state.fields[name]) { return state.fields[name]; }
    var match = ROW_INPUT.exec(name), box = match && tableBox(match[1]);
    var card = box && box.querySelector('.row-card[data-index="' + match[2] + '"]');
    var row = card && (state.rows[match[1]] || []).find(function (one) { return one.row_id === card.dataset.rowId; });
    return row ? row.cells[match[3]] || [] : null;
  }

  // --- saving -------------------------------------------------------------------------------
  // A save sends every field outside tables but only the rows that differ from the server's
  // state at the version it starts from (``known``: the rows the page came with, then each
  // applied answer's), and the ids of rows removed since; the server takes the other rows from
  // that version. Without such a state (a page answering a post, a draft restored from an
  // earlier version) the whole form goes.
  var known = null, knownAt = null;  // {table: {row_id: its cells as text}} at version knownAt
  function cellsText(cells) {
    return JSON.stringify(Object.keys(cells).sort().filter(function (name) {
      return cells[name].some(function (value) { return value !== ""; });  // empty is absent
    }).map(function (name) { return [name, cells[name]]; }));
  }
  function knownOf(state) {  // (maps without a prototype: a row may be called "__proto__")
    var rows = Object.create(null);
    Object.keys(state.rows).forEach(function (table) {
      rows[table] = Object.create(null);
      state.rows[table].forEach(function (row) { rows[table][row.row_id] = cellsText(row.cells); });
    });
    return rows;
  }
  function changedOnly(params) {
    var kept = new URLSearchParams(), rows = Object.create(null), present = Object.create(null);
    params.forEach(function (value, name) {
      var match = ROW_INPUT.exec(name);
      if (!match || !known[match[1]]) { kept.append(name, value); return; }
      var prefix = match[1] + "-" + match[2];
      var row = rows[prefix] = rows[prefix] || {table: match[1], id: "", pairs: [], cells: {}};
      row.pairs.push([name, value]);
      (row.cells[match[3]] = row.cells[match[3]] || []).push(value);
      if (match[3] === "row_id") { row.id = value; }
    });
    Object.keys(rows).forEach(function (prefix) {
      var row = rows[prefix];
      present[row.table + " " + row.id] = true;
      if (known[row.table][row.id] !== cellsText(row.cells)) {
        row.pairs.forEach(function (pair) { kept.append(pair[0], pair[1]); });
      }
    });
    Object.keys(known).forEach(function (table) {
      Object.keys(known[table]).forEach(function (rowId) {
        if (!present[table + " " + rowId]) { kept.append(table + "-removed", rowId); }
      });
    });
    kept.append("delta", "1");
    return kept;
  }
  function body(sent) {
    var params = new URLSearchParams(sent.fields);
    Object.keys(pending).forEach(function (name) {
      if (!byName(name).length) { delete pending[name]; return; }
      params.delete(name);
      pending[name].forEach(function (value) { params.append(name, value); });
    });
    if (known && sent.base === sent.knownAt) { params = changedOnly(params); }
    params.append("csrf_token", data.csrf);
    params.append("version", sent.base);
    params.append("save_key", sent.key);
    if (form.elements.team) { params.append("team", form.elements.team.value); }
    return params.toString();
  }
  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(save, delay === undefined ? DELAY : delay);
  }
  function edited() {
    if (data.final) { return; }
    keepDraft();
    schedule();
  }
  function save(options) {
    options = options || {};
    clearTimeout(timer);
    clearTimeout(retryTimer);
    if (data.final) { return; }
    var now = fields();
    if (now === synced && !options.force && !attempt) { return; }
    if (busy && !options.keepalive) { again = true; return; }
    if (!attempt || attempt.fields !== now || attempt.base !== base()) {
      attempt = {key: random(24), fields: now, base: base(), knownAt: knownAt};
    }
    keepDraft();
    if (navigator.onLine === false) { offline(); return; }
    var sent = attempt, encoded = body(sent);
    var request = {method: "POST", credentials: "same-origin", body: encoded,
                   keepalive: !!options.keepalive && encoded.length < 60000,
                   headers: {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": data.csrf,
                             "Accept": "application/json"}};
    busy = true;
    if (!options.keepalive) { show("saving", text("Saving")); }
    fetch(data.autosaveUrl, request).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        busy = false;
        received(response.status, answer, sent, options);
      });
    }, function () {
      busy = false;
      offline();
    });
  }
  function offline() {
    show("offline", text(held ? "OfflineSubmit" : "Offline"));
    clearTimeout(retryTimer);
    retryTimer = setTimeout(retry, RETRY);
  }
  function retry() { if (held) { submitWhenOnline(held); } else { save(); } }

  // --- sending for review: offline, the submit waits here (with the draft) for the connection ---
  var held = null;  // the submit button pressed while offline
  function submitWhenOnline(button) {
    held = button;
    keepDraft();
    if (navigator.onLine === false) { offline(); return; }
    // online by the browser's word: the state URL answers when the server can be reached
    fetch(data.stateUrl, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
      .then(function () { submitNow(button); }, offline);
  }
  function submitNow(button) {
    // The server saves it under the form's key; should the answer never come, the next visit
    // sends the draft again under that key, and it counts once.
    held = null;
    leaving = true;
    clearTimeout(timer);
    clearTimeout(retryTimer);
    attempt = {key: form.elements.save_key.value, fields: fields(), base: base()};
    keepDraft();
    form.requestSubmit(button);
  }
  function renew() {
    return fetch(data.stateUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (state) { data.csrf = state.csrf_token; form.elements.csrf_token.value = state.csrf_token; });
  }
  function received(status, answer, sent, options) {
    if (status === 200 && answer) {
      applied(answer, sent);
    } else if (status === 400 && answer && answer.error === "csrf" && !options.renewed) {
      renew().then(function () { save({force: true, renewed: true}); }, offline);  // the session ended
      return;
    } else if (status === 413) {
      show("failed", text("Failed", {reason: text("TooLarge")}));
    } else if (answer && answer.error && status < 500) {
      show("failed", text("Failed", {reason: answer.message || answer.error}));
    } else {
      show("failed", text("Failed", {reason: text("Server")}));
      retryTimer = setTimeout(save, RETRY);
    }
    if (again) { again = false; schedule(0); }
  }
  function applied(answer, sent) {
    var quiet = fields() === sent.fields;  // nothing typed while the save was on its way
    var errors = answer.errors || {}, skip = {};
    clearMarks();
    showErrors(errors);
    (answer.conflicts || []).forEach(openConflict);
    if (answer.conflicts && answer.conflicts.length && heldBase === null) { heldBase = sent.base; }
    Object.keys(errors).concat(Object.keys(pending)).forEach(function (name) { skip[name] = true; });
    attempt = null;
    if (quiet) {
      applyState(answer.state, skip);
      form.elements.version.value = answer.version;
      known = knownOf(answer.state);
      knownAt = String(answer.version);
      Object.keys(pending).forEach(function (name) {  // a teammate changed it again: theirs is newer
        var now = valuesIn(answer.state, name);
        if (now) { pending[name] = now; }
      });
      synced = fields();
      if (Object.keys(errors).length || Object.keys(pending).length) { keepDraft(); } else { dropDraft(); }
    } else {
      keepDraft();
      schedule();
    }
    applyComputed(answer.computed || {});
    document.getElementById("last-saved").textContent = answer.saved_label || "";
    var badge = document.getElementById("sheet-progress");
    badge.textContent = answer.progress_label;
    badge.className = "ws-progress ws-progress-" + answer.progress;
    var message = Object.keys(errors).length ? text("Failed", {reason: text("Errors")}) :
      Object.keys(pending).length ? text("Conflicts") : text("Saved", {time: answer.time});
    if (restored && answer.changed) { message = text("Restored") + " " + message; }
    restored = false;
    show(Object.keys(errors).length ? "failed" : Object.keys(pending).length ? "conflict" : "saved", message);
    if (again) { again = false; schedule(0); }
  }

  // --- events -------------------------------------------------------------------------------
  form.addEventListener("input", edited);
  form.addEventListener("change", edited);
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=action]");
    if (!button || data.final) { return; }
    var parts = button.value.split(":");
    if (parts[0] === "add_row") {
      event.preventDefault();
      var box = tableBox(parts[1]);
      if (cards(box).length >= Number(box.dataset.maxRows)) {
        show("failed", text("MaxRows", {max: box.dataset.maxRows}));
        return;
      }
      var card = addCard(parts[1]), first = card.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
      edited();
    } else if (parts[0] === "remove_row") {
      event.preventDefault();
      var table = button.closest(".row-card");
      var owner = table.closest("[data-table]");
      table.remove();
      renumber(owner);
      edited();
    } else if (parts[0] === "save") {
      event.preventDefault();
      save({force: true});
    } else if (Object.keys(pending).length) {
      // A submit would send my values against the newest version: their edit would be lost.
      event.preventDefault();
      show("conflict", text("ChooseFirst"));
      var open = form.querySelector(".conflict.live button");
      if (open) { open.focus(); }
    } else if (!leaving) {
      event.preventDefault();
      submitWhenOnline(button);
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && !leaving) { save({keepalive: true}); }
  });
  window.addEventListener("pagehide", function () { if (!leaving) { save({keepalive: true}); } });
  window.addEventListener("online", function () { clearTimeout(retryTimer); retry(); });
  window.addEventListener("offline", function () {
    if (held || fields() !== synced) { show("offline", text(held ? "OfflineSubmit" : "Offline")); }
  });

  // --- long tables: rows folded to their first answer, and listed in the contents ----------------
  function summary(card) {
    var input = card.querySelector("[name]:not([type=hidden]):not(button)");
    if (!input) { return ""; }
    if (input.tagName === "SELECT") { return input.value ? input.options[input.selectedIndex].text : ""; }
    if (input.type === "checkbox" || input.type === "radio") { return ""; }
    return input.value.trim();
  }
  function fold(card, folded) {  // folded: the row's inputs hidden by the stylesheet (.folded)
    var toggle = card.querySelector(".row-toggle");
    if (!toggle) { return; }
    toggle.textContent = summary(card) || text("Empty");
    toggle.setAttribute("aria-expanded", folded ? "false" : "true");
    card.classList.toggle("folded", folded);
  }
  function foldable(card) {
    card.id = prefixOf(card.closest("[data-table]").dataset.table, card).slice(0, -1);  // "actions-3"
    var toggle = element("button", "row-toggle");
    toggle.type = "button";
    toggle.setAttribute("aria-controls", card.id);
    card.querySelector("legend").after(toggle);
    fold(card, false);
  }
  function listRows(box) {
    var list = document.querySelector('[data-contents="' + CSS.escape(box.dataset.table) + '"]');
    if (!list) { return; }
    list.textContent = "";
    each(cards(box), function (card) {
      var link = element("a", "", summary(card) || card.querySelector("legend").textContent.trim());
      link.href = "#" + card.id;
      list.appendChild(element("li")).appendChild(link);
    });
  }
  form.addEventListener("click", function (event) {
    var toggle = event.target.closest(".row-toggle");
    if (!toggle) { return; }
    var card = toggle.closest(".row-card");
    fold(card, toggle.getAttribute("aria-expanded") === "true");
  });
  form.addEventListener("change", function (event) {
    var box = event.target.closest("[data-table]");
    if (box) { listRows(box); }
  });
  document.addEventListener("click", function (event) {  // a contents link opens a folded row
    var link = event.target.closest(".sheet-contents a[href^='#']");
    var card = link && document.getElementById(link.hash.slice(1));
    if (card && card.classList.contains("row-card")) { fold(card, false); }
  });
  each(form.querySelectorAll(".row-card"), function (card) {
    if (!card.querySelector(".row-toggle")) { foldable(card); }  // (drawn rows have theirs)
    if (!data.final && summary(card) && !card.querySelector(".has-error, .conflict")) { fold(card, true); }
  });
  each(form.querySelectorAll("[data-table]"), listRows);

  // --- on load: a draft left by a reload, a closed tab or an offline spell ----------------------
  if (initial) { known = knownOf(initial); knownAt = base(); }  // saves send changed rows at once
  var draft = readDraft();
  if (data.final && draft && draft.fields !== synced) {
    show("failed", text("FinalKept"));  // kept, not dropped: it comes back once reopened
  } else if (data.posted || data.final || !draft) {
    dropDraft();
  } else if (draft.fields === synced && String(draft.base) === base()) {
    dropDraft();
  } else {
    applyState(stateOf(draft.fields), {});
    form.elements.version.value = draft.base;
    attempt = draft.key ? {key: draft.key, fields: fields(), base: String(draft.base)} : null;
    restored = true;
    show("saved", text("Restored"));
    save({force: true});
  }
})();
