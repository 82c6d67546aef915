/* Declarative page actions, so that no template needs an inline script or an on…= handler (the Content Security
   Policy refuses both: settings.CONTENT_SECURITY_POLICY). Loaded by every page base (base.html, codes/scan_base.html).

   data-confirm="…"      on a form: ask before it submits; on a submit button: ask only when that button submits it.
   data-print            on a button: print the page.
   data-autosubmit       on a field: submit its form when the value changes.
   data-check-all="pk"   on a checkbox: tick or untick every input[name=pk] with it.
   data-load-error="…"   inside an element loaded by htmx: the text shown when that request fails (not a spinner). */
(function () {
  "use strict";

  document.addEventListener("submit", function (e) {
    if (e.defaultPrevented) return;  // a page's own check already stopped it: ask nothing
    const button = e.submitter;
    const message = button && button.dataset.confirm !== undefined ? button.dataset.confirm : e.target.dataset.confirm;
    if (message && !window.confirm(message)) e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("change", function (e) {
    const field = e.target;
    if (field.dataset.autosubmit !== undefined && field.form) field.form.submit();
    if (field.dataset.checkAll) {
      document.querySelectorAll('input[name="' + field.dataset.checkAll + '"]').forEach(function (c) { c.checked = field.checked; });
    }
  });

  document.addEventListener("htmx:responseError", function (e) {
    const box = e.detail.elt && e.detail.elt.querySelector("[data-load-error]");
    if (box) box.textContent = box.dataset.loadError;
  });
})();
