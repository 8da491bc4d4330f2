// Live certificate-name preview, a ministry list narrowed to the chosen country, and a form sent
// while offline held until the connection returns.
// The form works without this script: the server computes the same preview on submit.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  if (!form) { return; }
  function value(name) {
    var el = form.querySelector("[name='" + name + "']:checked") || form.querySelector("[name='" + name + "']");
    return el ? el.value.normalize("NFC").trim() : "";
  }
  var latin = document.getElementById("preview-latin");
  var native = document.getElementById("preview-native");
  // Unicode script (ICU code) -> language, computed on the server from CLDR and ICU
  // (names.native_scripts); the browser's Unicode data finds each script.
  var scripts = [];
  try {
    var map = JSON.parse(native.getAttribute("data-scripts") || "{}");
    Object.keys(map).forEach(function (code) {
      try { scripts.push([new RegExp("\\p{Script=" + code + "}", "u"), map[code]]); } catch (e) { /* unknown here */ }
    });
  } catch (e) { scripts = []; }
  function scriptLanguage(text) {
    for (var i = 0; i < scripts.length; i++) {
      if (scripts[i][0].test(text)) { return scripts[i][1]; }
    }
    return "und";
  }
  // Same rule as app/registrations/names.py certificate_name().
  function certificateName() {
    var family = value("family_name"), given = value("given_names"), order = value("name_order");
    var name = value("full_name");
    if (order !== "single" && family && given) {
      name = order === "family_first" ? family + " " + given : given + " " + family;
    }
    var honorific = value("honorific");
    return honorific ? honorific + " " + name : name;
  }
  function update() {
    latin.textContent = certificateName() || "…";
    var nativeName = value("native_name");
    native.textContent = nativeName;
    native.hidden = !nativeName;
    native.lang = nativeName ? scriptLanguage(nativeName) : "";
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);

  var country = form.querySelector("select[name='country']");
  var ministry = form.querySelector("select[name='ministry']");
  function narrowMinistries() {
    if (!country || !ministry) { return; }
    var prefix = country.value + ":";
    Array.prototype.forEach.call(ministry.querySelectorAll("optgroup"), function (group) {
      var show = false;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        if (option.value.indexOf(prefix) === 0) { show = true; }
      });
      group.hidden = !show;
      group.disabled = !show;
    });
  }
  if (country) { country.addEventListener("change", narrowMinistries); narrowMinistries(); }

  // Sent while offline, the form waits here, filled in, and goes when the connection returns.
  var waiting = false, note = document.getElementById("offline-status");
  form.addEventListener("submit", function (event) {
    if (!note || navigator.onLine !== false) { return; }
    event.preventDefault();
    waiting = true;
    note.textContent = form.dataset.textOfflineSubmit;
  });
  window.addEventListener("online", function () {
    if (!waiting) { return; }
    waiting = false;
    form.requestSubmit();
  });
})();
