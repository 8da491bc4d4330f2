// A participant's join link: during the session the page sends itself, which records their
// attendance and opens the meeting. Without JavaScript, the button does the same.
(function () {
  "use strict";
  var form = document.getElementById("join-form");
  if (!form || form.dataset.auto !== "1") { return; }
  try {
    var key = "joined:" + location.pathname;
    if (sessionStorage.getItem(key)) { return; }  // back from the meeting: stay on this page
    sessionStorage.setItem(key, "1");
  } catch (e) { /* no storage: send once anyway */ }
  form.submit();
})();
