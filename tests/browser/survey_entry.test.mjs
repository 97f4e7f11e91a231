// survey_entry.test.mjs — a handläggare enters an answer given on the
// telephone with the keyboard only: the first field has focus, codes are
// typed field by field with Tab, Enter saves; a mistake comes back beside its
// field with the input kept; after saving a fresh form says which number was
// saved. Every page checked with axe (tests/lib/browser.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO } from '../lib/rig.mjs';
import { openBrowser, DESKTOP } from '../lib/browser.mjs';
import { createRound } from '../lib/survey_round.mjs';

let server, round, areaCode;

before(async () => {
  server = await startServer({ demo: true });
  round = await createRound(server, { slug: 'telefon-2026' });
  areaCode = (await server.sql("SELECT code FROM areas WHERE kind = 'area' AND retired_at IS NULL ORDER BY id LIMIT 1")).trim();
});
after(async () => {
  await server?.stop();
});

/* What to type into each field, by its name; the rest stay empty. */
function valueFor(name) {
  if (name.startsWith('problem.'))
    return '2';
  if (name.startsWith('utsatt.'))
    return name === 'utsatt.ran' ? '1' : 'nej';
  if (name === 'anmalt.ran')
    return '2';
  return { 'trygghet.kvall': '3', 'bakgrund.alder': '2', 'bakgrund.kon': '1', 'bakgrund.omrade': areaCode,
    'trygghet.plats': areaCode, 'trygghet.plats:text': 'Torget' }[name] ?? '';
}

/* Types the whole form with the keyboard from the focused first field,
 * Tab after each field, and presses Enter in the last one. */
async function typeForm(page) {
  const names = await page.$$eval('.entry-form input[type="text"], .entry-form select',
    (els) => els.map((e) => e.name));
  for (let i = 0; i < names.length; i++) {
    const focused = await page.evaluate(() => document.activeElement.name);
    assert.equal(focused, names[i], 'the tab order goes straight down');
    const name = names[i];
    if (name === 'mode')
      await page.keyboard.type('Papper');
    else if (name === 'ref')
      await page.keyboard.type('Intervju 7');
    else if (valueFor(name))
      await page.keyboard.type(valueFor(name));
    if (i < names.length - 1)
      await page.keyboard.press('Tab');
  }
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

test('a handläggare enters a telephone answer with the keyboard only', async () => {
  const b = await openBrowser(server.url, { viewport: DESKTOP });
  const path = `/personal/trygghetsundersokning/${round.id}/registrera`;
  try {
    const page = b.page;
    await b.goto('/personal/');
    await b.fill({ '#email': DEMO.handlaggare.email, '#password': DEMO.handlaggare.password });
    await b.click('main form button[type="submit"]');
    await b.goto(path);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'e-problem.nedskrapning', 'the first field has focus');

    // A code that is not on the scale, then Enter: the error beside the field, the input kept.
    await page.keyboard.type('9');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    await b.check();
    assert.ok(await page.isVisible('.error-summary'));
    assert.match(await page.textContent('[id="e-problem.nedskrapning-error"]'), /inte ett av svarsalternativen/);
    assert.equal(await page.inputValue('[id="e-problem.nedskrapning"]'), '9');
    await b.screenshot('survey-entry-error');

    await b.goto(path);
    await typeForm(page);
    await b.check();
    const notice = await page.textContent('.notice');
    const id = /Svar nr (\d+) sparat/.exec(notice)?.[1];
    assert.ok(id, notice);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'e-problem.nedskrapning', 'a fresh form, ready for the next');
    assert.equal(await page.inputValue('[id="e-problem.klotter"]'), '');
    assert.equal(await page.inputValue('#mode'), 'paper', 'the mode stays');
    await b.screenshot('survey-entry-saved');
    const row = await server.sql(`SELECT mode, source_ref, status FROM survey_responses WHERE id = ${id}`);
    assert.equal(row.trim(), 'paper|Intervju 7|complete');
    const answers = await server.sql(`SELECT item_code, value_code, value_text FROM survey_answers WHERE response_id = ${id} ` +
      "AND item_code IN ('utsatt.ran', 'anmalt.ran', 'utsatt.hot', 'trygghet.plats') ORDER BY item_code");
    assert.equal(answers.trim(), 'anmalt.ran|2|\ntrygghet.plats||Torget\nutsatt.hot|2|\nutsatt.ran|1|');
  } finally {
    await b.close();
  }
});
