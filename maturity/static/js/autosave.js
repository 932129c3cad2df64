// Progressive enhancement for the questionnaire: save each answer the moment it is given,
// so closing the browser mid-page loses nothing. Without JavaScript the page still saves
// when the respondent presses "Save and continue".
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch) { return; }
  var status = document.getElementById("autosave-status");
  var token = form.querySelector("input[name=csrf_token]");

  function show(text) { if (status) { status.textContent = text; } }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.name || input.type !== "radio") { return; }
    var body = new FormData();
    body.append("csrf_token", token ? token.value : "");
    body.append(input.name, input.value);
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      show(response.ok ? form.getAttribute("data-saved-text") : form.getAttribute("data-unsaved-text"));
    }).catch(function () {
      show(form.getAttribute("data-unsaved-text"));
    });
  });
})();
