// Progressive enhancement for the questionnaire: save answers as they are given, so closing
// the browser mid-page loses nothing. Answers given in quick succession travel together: one
// request after a short pause, or at once when the page is hidden or left (sendBeacon), not
// one request per click. Without JavaScript the page still saves when the respondent presses
// "Save and continue"; that button sends every answer on the page, so nothing waits for it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-autosave-url");
  var status = document.getElementById("autosave-status");
  var token = form.querySelector("input[name=csrf_token]");
  var PAUSE_MS = 1200;
  var pending = {};
  var timer = null;

  function show(text) { if (status) { status.textContent = text; } }

  function flush(leaving) {
    if (timer) { clearTimeout(timer); timer = null; }
    var names = Object.keys(pending);
    if (!names.length) { return; }
    var body = new FormData();
    body.append("csrf_token", token ? token.value : "");
    names.forEach(function (name) { body.append(name, pending[name]); });
    pending = {};
    if (leaving && navigator.sendBeacon && navigator.sendBeacon(url, body)) { return; }
    fetch(url, {
      method: "POST", body: body, credentials: "same-origin", keepalive: !!leaving,
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      show(response.ok ? form.getAttribute("data-saved-text") : form.getAttribute("data-unsaved-text"));
    }).catch(function () {
      show(form.getAttribute("data-unsaved-text"));
    });
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.name || input.type !== "radio") { return; }
    pending[input.name] = input.value;
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { flush(false); }, PAUSE_MS);
  });
  // The form itself carries every answer on the page.
  form.addEventListener("submit", function () {
    pending = {};
    if (timer) { clearTimeout(timer); timer = null; }
  });
  window.addEventListener("pagehide", function () { flush(true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(true); }
  });
})();
