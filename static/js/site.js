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
  // Move focus to an error summary so screen-reader users hear it at once.
  document.addEventListener('DOMContentLoaded', function () {
    var summary = document.querySelector('.error-summary');
    if (summary) {
      summary.setAttribute('tabindex', '-1');
      summary.focus();
    }
  });
})();
