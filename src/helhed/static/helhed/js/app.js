// Helhed front-end glue. Loaded as a file (strict CSP: no inline script).
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    try { window.DKFDS.init(); } catch (e) { /* a component without markup on this page */ }
  }
  // Language switch submits on change for mouse users; the button stays for keyboard users.
  var lang = document.getElementById("language-select");
  if (lang) { lang.addEventListener("change", function () { lang.form.submit(); }); }
  // Confirm destructive actions (forms marked data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
  // Send the CSRF token with htmx requests.
  document.body.addEventListener("htmx:configRequest", function (ev) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) { ev.detail.headers["X-CSRFToken"] = token.value; }
  });
});
