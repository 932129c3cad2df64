// While a round is open, refresh the overall response counts on the round page every 30 seconds.
(function () {
  "use strict";
  var live = document.querySelector("[data-live-url]");
  if (!live || !window.fetch) { return; }
  function refresh() {
    fetch(live.getAttribute("data-live-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        document.getElementById("live-responses").textContent = data.responses;
        document.getElementById("live-customers").textContent = data.customers;
      })
      .catch(function () {});
  }
  window.setInterval(refresh, 30000);
})();
