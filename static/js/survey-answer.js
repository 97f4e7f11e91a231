/* survey-answer.js — routing on the survey's answering pages
 * (templates/survey/answer_section.html): a follow-up question (data-show-if
 * naming an earlier question on the page, data-show-codes its answers that
 * ask it) is shown or hidden as soon as that question is answered. Without
 * JavaScript the server does the same when the page is saved, so this only
 * saves a round trip; the hidden field data-survey-js tells the server that
 * the person has seen the follow-ups already.
 */
(function () {
  'use strict';
  var form = document.querySelector('.survey-form');
  if (!form || !form.querySelectorAll) {
    return;
  }
  var flag = form.querySelector('[data-survey-js]');
  if (flag) {
    flag.value = '1';
  }
  var followUps = form.querySelectorAll('[data-show-if]');

  /* The checked value of the radio group called name, or null. */
  function checkedValue(name) {
    var radios = form.querySelectorAll('input[type="radio"]');
    for (var i = 0; i < radios.length; i++) {
      if (radios[i].name === name && radios[i].checked) {
        return radios[i].value;
      }
    }
    return null;
  }

  /* The fieldset of the question called name on this page, or null. */
  function questionOf(name) {
    var radios = form.querySelectorAll('input[type="radio"]');
    for (var i = 0; i < radios.length; i++) {
      if (radios[i].name === name) {
        return radios[i].closest('fieldset');
      }
    }
    return null;
  }

  function update() {
    // In page order, so that a follow-up of a follow-up sees its parent's new state.
    for (var i = 0; i < followUps.length; i++) {
      var el = followUps[i];
      var parent = questionOf(el.getAttribute('data-show-if'));
      if (!parent) {
        continue; // answered on an earlier page: the server has decided
      }
      var value = checkedValue(el.getAttribute('data-show-if'));
      var codes = (el.getAttribute('data-show-codes') || '').split(' ');
      el.hidden = parent.hidden || value === null || codes.indexOf(value) < 0;
    }
  }

  form.addEventListener('change', update);
  update();
})();
