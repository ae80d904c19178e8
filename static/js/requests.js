// What the user sees when a request made by htmx fails. htmx swaps a 400 (our forms answer
// a bad field with the form and its message: see "responseHandling" in base.html) and
// leaves every other error unswapped, which on its own shows nothing at all; here such an
// error says what happened, in a message kept in the page (translated by the server).
(function () {
  "use strict";
  var box = document.getElementById("request-error");
  if (!box) { return; }
  var text = box.querySelector(".request-error-text");

  function show(message) {
    text.textContent = message;
    box.classList.remove("d-none");
  }

  function messageFor(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("application/json") === 0) {
      try {
        var body = JSON.parse(xhr.responseText);
        if (body.errors && body.errors.length && body.errors[0].message) { return body.errors[0].message; }
      } catch (ignored) { /* not our JSON: the message by status below */ }
    }
    var known = box.getAttribute("data-status-" + xhr.status);
    if (known) { return known; }
    return box.getAttribute("data-status-other") + " (HTTP " + xhr.status + ")";
  }

  document.body.addEventListener("htmx:responseError", function (e) { show(messageFor(e.detail.xhr)); });
  document.body.addEventListener("htmx:sendError", function () { show(box.getAttribute("data-offline")); });
  document.body.addEventListener("htmx:beforeRequest", function () { box.classList.add("d-none"); });
  box.querySelector(".btn-close").addEventListener("click", function () { box.classList.add("d-none"); });
})();
