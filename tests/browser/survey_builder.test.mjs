// survey_builder.test.mjs — a samordnare creates a survey round and edits a
// question in the questionnaire builder, on a phone, without JavaScript
// doing the work (every step is a plain form). axe checks every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO } from '../lib/rig.mjs';
import { withBrowser, logIn, fitsWidth, PHONE, DESKTOP } from '../lib/browser.mjs';

let server;
before(async () => { server = await startServer({ demo: true }); });
after(async () => { await server?.stop(); });

const BASE = '/personal/trygghetsundersokning';

test('a samordnare creates a round from the question bank and edits a question', async () => {
  await withBrowser(server.url, 'survey-builder', { viewport: PHONE }, async (b) => {
    await logIn(b, DEMO.samordnare.email, DEMO.samordnare.password);
    await b.click(`main a[href="${BASE}"]`);
    assert.ok(await fitsWidth(b.page), 'the rounds page fits a phone');
    // Forgetting the name: the error summary, linked to the field, with what was typed kept.
    await b.fill({ '#year': '2041' });
    await b.click(`form[action="${BASE}"] button[type="submit"]`);
    assert.ok(await b.page.isVisible('.error-summary a[href="#title_sv"]'));
    assert.ok(await b.page.isVisible('#title_sv-error'));
    assert.equal(await b.page.inputValue('#year'), '2041');
    assert.equal(await b.page.isChecked('#start-bank'), true, 'the question bank is the default');

    await b.fill({ '#title_sv': 'Trygghetsundersökning', '#title_en': 'Safety survey' });
    await b.click(`form[action="${BASE}"] button[type="submit"]`);
    assert.match(new URL(b.page.url()).pathname, new RegExp(`^${BASE}/\\d+$`));
    assert.match(await b.page.textContent('main'), /Undersökningen är skapad/);
    assert.match(await b.page.textContent('#round-status'), /Utkast/);
    assert.match(await b.page.textContent('#round-facts'), /trygghetsundersokning-2041/);
    await b.screenshot('survey-round');

    await b.click('#round-links a[href$="/enkat"]');
    assert.ok(await fitsWidth(b.page), 'the builder fits a phone');
    const item = '#item-problem\\.klotter';
    await b.page.click(`${item} details:first-of-type summary`);
    await b.fill({ [`${item} textarea[name="text_en"]`]: 'Graffiti on walls and signs' });
    await b.page.setChecked(`${item} input[name="required"]`, true);
    await b.click(`${item} form[action$="/enkat/texter"] button[type="submit"]`);
    assert.match(await b.page.textContent('main'), /Enkäten är sparad/);
    assert.match(new URL(b.page.url()).hash, /^#item-problem\.klotter$/);
    assert.equal(await b.page.inputValue(`${item} textarea[name="text_en"]`), 'Graffiti on walls and signs');
    assert.match(await b.page.textContent(item), /obligatorisk/);
    await b.screenshot('survey-builder-edited');
  });
});

test('the builder refuses a broken routing with the reason at the top, on a desktop', async () => {
  await withBrowser(server.url, 'survey-builder-refused', { viewport: DESKTOP }, async (b) => {
    await logIn(b, DEMO.samordnare.email, DEMO.samordnare.password);
    await b.goto(BASE);
    await b.fill({ '#title_sv': 'Villkorsprov', '#year': '2042' });
    await b.click(`form[action="${BASE}"] button[type="submit"]`);
    await b.click('#round-links a[href$="/enkat"]');
    const item = '#item-problem\\.klotter';
    await b.page.click(`${item} details:nth-of-type(2) summary`);
    // Only earlier single-choice items are offered; a hand-made request for a later one is refused.
    const offered = await b.page.$$eval(`${item} select[name="show_if_item"] option`, (os) => os.map((o) => o.value));
    assert.ok(!offered.includes('utsatt.ran'));
    await b.page.$eval(`${item} select[name="show_if_item"]`, (s) => {
      const o = document.createElement('option');
      o.value = 'utsatt.ran';
      s.append(o);
      s.value = 'utsatt.ran';
    });
    await b.fill({ [`${item} input[name="show_if_codes"]`]: '1' });
    await b.click(`${item} form[action$="/enkat/villkor"] button[type="submit"]`);
    assert.ok(await b.page.isVisible('.error-summary'));
    assert.match(await b.page.textContent('.error-summary'), /Villkoret för frågan pekar inte på en tidigare flervalsfråga/);
  });
});
