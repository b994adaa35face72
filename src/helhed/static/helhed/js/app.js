// Helhed front-end glue. Loaded as a file (strict CSP: no inline script).
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    try { window.DKFDS.init(); } catch (e) { /* a component without markup on this page */ }
  }
  // The language switch is submitted with its button only: submitting on "change" would reload the page
  // while a keyboard user arrows through the options (WCAG 3.2.2 On Input).
  // A table wider than the screen scrolls inside its wrapper: make that wrapper reachable and
  // scrollable with the keyboard, and name it after the table's caption (WCAG 2.1.1, 1.4.10).
  var scrollers = document.querySelectorAll(".table--responsive-scroll");
  function markScrollable() {
    scrollers.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (caption) { box.setAttribute("aria-label", caption.textContent.trim()); }
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  markScrollable();
  window.addEventListener("resize", markScrollable);
  // Confirm destructive actions (forms marked data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
  // ... and single buttons in a form with several actions (button[data-confirm]).
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (ev) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
  // Send the CSRF token with htmx requests.
  document.body.addEventListener("htmx:configRequest", function (ev) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) { ev.detail.headers["X-CSRFToken"] = token.value; }
  });
});
