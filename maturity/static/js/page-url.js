// A questionnaire page can be the answer to the previous page's form (one request instead of a
// POST and a redirect). It names its own address; put that in the address bar, so that a
// reload or a bookmark asks for this page, not the previous form again.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="page-url"]');
  if (!meta || !window.history || !history.replaceState) { return; }
  if (location.pathname + location.search !== meta.getAttribute("content")) {
    history.replaceState(null, "", meta.getAttribute("content") + location.hash);
  }
})();
