/* Trygg: small enhancements only. Every page works without JavaScript. */
(function () {
  'use strict';
  // Confirm destructive actions marked with data-confirm.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var text = form.getAttribute && form.getAttribute('data-confirm');
    if (text && !window.confirm(text)) {
      event.preventDefault();
    }
  });
  // A select with data-fill="ID" puts its chosen option's data-text into the
  // field ID at once (e.g. a response template); the form's own button does
  // the same through the server without JavaScript.
  document.addEventListener('change', function (event) {
    var select = event.target;
    var id = select.getAttribute && select.getAttribute('data-fill');
    if (!id || select.selectedIndex < 0) {
      return;
    }
    var text = select.options[select.selectedIndex].getAttribute('data-text');
    var field = document.getElementById(id);
    if (field && text !== null) {
      field.value = text;
    }
  });
  // Move focus to an error summary so screen-reader users hear it at once.
  document.addEventListener('DOMContentLoaded', function () {
    var summary = document.querySelector('.error-summary');
    if (summary) {
      summary.setAttribute('tabindex', '-1');
      summary.focus();
    }
  });
})();
