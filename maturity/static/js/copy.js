// The "Copy" buttons beside a value shown once (an API key, a webhook's secret): they appear only
// where the clipboard can be written; the field stays selectable without them. The result is
// announced in the button's live region ("Copied").
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) { return; }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copy + "-copied");
    if (!field || !status) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "";
      navigator.clipboard.writeText(field.value).then(function () {
        status.textContent = button.dataset.copied;
      }, function () {
        field.focus();
        field.select();
        status.textContent = button.dataset.failed;
      });
    });
  });
})();
