// A participant's join link: during the session the page sends itself, which records their
// attendance; the answer opens the meeting by navigation (a meeting address may redirect again,
// which a form's redirect would not be allowed to follow). Without JavaScript, the button and
// then the link do the same.
(function () {
  "use strict";
  var link = document.getElementById("meeting-link");
  if (link && link.dataset.go === "1") {
    location.replace(link.href);
    return;
  }
  var form = document.getElementById("join-form");
  if (!form || form.dataset.auto !== "1") { return; }
  try {
    var key = "joined:" + location.pathname;
    if (sessionStorage.getItem(key)) { return; }  // back from the meeting: stay on this page
    sessionStorage.setItem(key, "1");
  } catch (e) { /* no storage: send once anyway */ }
  form.submit();
})();
