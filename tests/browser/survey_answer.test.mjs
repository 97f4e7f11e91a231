// survey_answer.test.mjs — a resident answers the safety survey from a phone
// with the one-time code of an invitation letter: every page checked with axe
// (tests/lib/browser.mjs), a follow-up question appearing at once with
// JavaScript, the place question answered with the area list, an error
// summary for a missing required answer, the review page and the thank-you
// page; and the place question answered with a tap on the map (open link).
// Screenshots go to build/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/rig.mjs';
import { openBrowser } from '../lib/browser.mjs';
import { createRound } from '../lib/survey_round.mjs';

const PHONE_375 = { width: 375, height: 740 };
let server, round, openRound;

before(async () => {
  // No tile server (the test has no network): the map draws the areas only.
  server = await startServer({ demo: true, config: { map_tile_url: '' } });
  round = await createRound(server, { slug: 'mobil-2026', codes: 1 });
  openRound = await createRound(server, { slug: 'karta-2026', openLink: true });
});
after(async () => {
  await server?.stop();
});

function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

/* Ticks the last option of every visible question on the page (the
 * "Vet inte"-like ones, which ask no follow-ups), skipping those in skip. */
async function answerVisible(page, skip = []) {
  const ids = await page.$$eval('fieldset.survey-item:not([hidden])', (sets) => sets.map((f) => {
    const radios = [...f.querySelectorAll('input[type="radio"]')];
    return radios.length ? radios[radios.length - 1].id : null;
  }).filter(Boolean));
  for (const id of ids)
    if (!skip.some((s) => id.startsWith(`q-${s}-`)))
      await page.locator(`label[for="${id}"]`).tap();
}

test('a resident answers from a phone with a one-time code, through to the thank-you page', async () => {
  const b = await openBrowser(server.url, { viewport: PHONE_375, isMobile: true });
  try {
    const page = b.page;
    await b.goto(`/trygghetsundersokning/${round.slug}/svara`);
    assert.ok(await fitsWidth(page));
    await b.screenshot('survey-answer-start-phone');
    await b.fill({ '#code': round.codes[0].toLowerCase() });
    await b.click('main form[action$="/kod"] button[type="submit"]');
    const token = (await page.textContent('#token')).trim();
    assert.match(token, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await b.click('text=Börja med första frågan');

    for (let part = 1; part <= 6; part++) {
      assert.match(await page.textContent('.survey-progress'), new RegExp(`Del ${part} av 6`));
      assert.ok(await fitsWidth(page), `part ${part} fits the phone`);
      if (part === 2) {
        // Where do you feel unsafe: an area from the list, and a description.
        await page.selectOption('#place_area', { index: 1 });
        await page.fill('#place_text', 'Gångtunneln vid stationen');
      }
      if (part === 3) {
        // A "yes" brings its follow-up at once, without a round trip.
        assert.equal(await page.isVisible('[id="q-anmalt.ran"]'), false);
        await page.locator('label[for="q-utsatt.ran-1"]').tap();
        assert.equal(await page.isVisible('[id="q-anmalt.ran"]'), true);
        await b.check();
        await page.locator('label[for="q-anmalt.ran-2"]').tap();
        await b.screenshot('survey-answer-followup-phone');
      }
      if (part === 6) {
        // Forgetting the required background questions: an error summary linked to them.
        await b.click('button[value="next"]');
        assert.ok(await page.isVisible('.error-summary'));
        assert.equal(await page.getAttribute('.error-summary a >> nth=0', 'href'), '#q-bakgrund.alder-1');
        await b.screenshot('survey-answer-error-phone');
        await page.selectOption('[id="q-bakgrund.omrade-input"]', { index: 1 });
      }
      await answerVisible(page, ['utsatt.ran', 'anmalt.ran']);
      await b.click('button[value="next"]');
    }
    assert.match(new URL(page.url()).pathname, /\/svara\/granska$/);
    assert.match(await page.textContent('main'), /Gångtunneln vid stationen/);
    assert.ok(await fitsWidth(page));
    await b.screenshot('survey-answer-review-phone');
    await b.click('main form[action$="/skicka"] button[type="submit"]');
    assert.match(new URL(page.url()).pathname, /\/svara\/tack$/);
    assert.match(await page.textContent('h1'), /Tack för dina svar/);
    await b.screenshot('survey-answer-thanks-phone');
  } finally {
    await b.close();
  }
  const stored = await server.sql(`SELECT a.item_code, a.value_code FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id ` +
    `WHERE r.round_id = ${round.id} AND r.status = 'complete' AND a.item_code IN ('utsatt.ran', 'anmalt.ran') ORDER BY a.item_code`);
  assert.equal(stored.trim(), 'anmalt.ran|2\nutsatt.ran|1');
  assert.equal((await server.sql(`SELECT COUNT(*) FROM survey_codes WHERE round_id = ${round.id} AND used_at IS NOT NULL`)).trim(), '1');
});

test('the place question with the map: a tap sets the point and chooses its area, and the point is saved', async () => {
  const b = await openBrowser(server.url, { viewport: PHONE_375, isMobile: true });
  try {
    const page = b.page;
    await b.goto(`/trygghetsundersokning/${openRound.slug}/svara`);
    await b.click('main form[action$="/starta"] button[type="submit"]');
    await b.click('text=Börja med första frågan');
    await b.click('button[value="next"]');
    assert.match(await page.textContent('.survey-progress'), /Del 2 av 6/);
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-place] .map');
      return el && !el.hidden && el.querySelectorAll('.leaflet-overlay-pane path').length > 1;
    }, null, { timeout: 15000 });
    const map = page.locator('[data-place] .map');
    await map.scrollIntoViewIfNeeded();
    const box = await map.boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(() => document.querySelector('[data-place-status]').textContent.length > 0);
    const lat = await page.inputValue('input[name="place_lat"]');
    assert.match(lat, /^57\.\d+$/);
    const chosen = await page.inputValue('#place_area');
    assert.ok(chosen, 'the point chose its area in the list');
    await b.check();
    await b.screenshot('survey-answer-map-phone');
    await b.click('button[value="next"]');
    assert.match(await page.textContent('.survey-progress'), /Del 3 av 6/);
  } finally {
    await b.close();
  }
  const stored = await server.sql(`SELECT ROUND(a.lat, 3), a.area_id FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id ` +
    `WHERE r.round_id = ${openRound.id} AND a.item_code = 'trygghet.plats'`);
  assert.match(stored.trim(), /^57\.\d+\|\d+$/);
});
