// Live certificate-name preview and a ministry list narrowed to the chosen country.
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
  function scriptLanguage(text) {
    var ranges = [[0x0E00, 0x0E7F, "th"], [0x0E80, 0x0EFF, "lo"], [0x1780, 0x17FF, "km"], [0x1000, 0x109F, "my"]];
    for (var i = 0; i < text.length; i++) {
      var code = text.charCodeAt(i);
      for (var j = 0; j < ranges.length; j++) {
        if (code >= ranges[j][0] && code <= ranges[j][1]) { return ranges[j][2]; }
      }
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
})();
