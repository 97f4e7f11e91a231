// tips.test.mjs — "Tipsa polisen" in a browser: a tipster fills in the form
// on a phone (390×844) with a photo, keeps the receipt and passphrase, and
// later comes back to read the police's question and answer it; an officer
// reads the tip with its photo, asks the question and reads the answer. axe
// checks every page visited (tests/lib/browser.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, DEMO } from '../lib/rig.mjs';
import { withBrowser, fitsWidth, logIn, PHONE, DESKTOP } from '../lib/browser.mjs';
import { makePng } from '../lib/png.mjs';

let server;
let receipt = null, passphrase = null, tipId = null;
const TIP = 'Någon säljer stöldgods från en lastbil vid återvinningsstationen varje lördag förmiddag.';
const QUESTION = 'Vilken färg hade lastbilen?';
const ANSWER = 'Den var vit med blå text på sidan.';

before(async () => { server = await startServer({ demo: true }); });
after(async () => { await server?.stop(); });

test('a tipster sends a tip with a photo from a phone', async () => {
  const photo = path.join(server.dir, 'bild.png');
  fs.writeFileSync(photo, makePng({ width: 120, height: 90, seed: 3, comment: 'GPS 57.74 12.10' }));
  await withBrowser(server.url, 'tips-form-phone', { viewport: PHONE }, async (b) => {
    const res = await b.goto('/tipsa');
    assert.equal(res.status(), 200);
    assert.ok(await fitsWidth(b.page), 'the form fits a phone');
    assert.match(await b.page.textContent('main'), /112/);
    assert.match(await b.page.textContent('main'), /114 14/);
    await b.screenshot('tips-form');
    // Sent empty first: the error summary names the missing field.
    await b.click('main form[action^="/tipsa"] button[type="submit"]');
    assert.ok(await b.page.isVisible('.error-summary'));
    assert.ok(await b.page.isVisible('#what-error'));
    await b.fill({ '#what': TIP, '#place_text': 'Återvinningsstationen', '#when': 'Lördagar runt tio' });
    await b.page.check('#how-saw');
    await b.page.setInputFiles('#photos', photo);
    await b.click('main form[action^="/tipsa"] button[type="submit"]');
    assert.match(await b.page.textContent('h1'), /Tack för ditt tips/);
    assert.ok(await fitsWidth(b.page), 'the receipt fits a phone');
    receipt = (await b.page.textContent('#receipt')).trim();
    passphrase = (await b.page.textContent('#passphrase')).trim();
    assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
    assert.equal(passphrase.split(' ').length, 6);
    await b.screenshot('tips-receipt');
    // No cookie of ours outlives the visit.
    const cookies = await b.context.cookies();
    for (const c of cookies)
      assert.equal(c.expires, -1, `cookie ${c.name} is a session cookie`);
  });
  tipId = Number((await server.sql('SELECT MAX(id) FROM tips')).trim());
});

test('an officer reads the tip with its photo and asks a question', async () => {
  await withBrowser(server.url, 'tips-officer', { viewport: DESKTOP }, async (b) => {
    await logIn(b, DEMO.polis.email, DEMO.polis.password);
    await b.click('main a[href="/personal/tips"]');
    assert.equal(new URL(b.page.url()).pathname, '/personal/tips');
    await b.screenshot('tips-inbox');
    await b.click(`main a[href="/personal/tips/${tipId}"]`);
    assert.match(await b.page.textContent('#tip-what'), /stöldgods/);
    const loaded = await b.page.evaluate(() => {
      const img = document.querySelector('main img');
      return img && img.complete && img.naturalWidth > 0;
    });
    assert.ok(loaded, 'the photo is shown');
    await b.fill({ '#question': QUESTION });
    await b.click('form[aria-labelledby="question-title"] button[type="submit"]');
    assert.match(await b.page.textContent('main'), new RegExp(QUESTION));
    await b.screenshot('tips-officer-question');
    // Tags, area and status.
    await b.page.check('#tag-stold');
    await b.page.selectOption('#status', 'handling');
    await b.click('form[aria-labelledby="handling-title"] button[type="submit"]');
    assert.equal(await b.page.isChecked('#tag-stold'), true);
    await b.goto('/personal/tips/nycklar');
    await b.goto('/personal/tips/lagesbild');
    await b.goto('/personal/tips/installningar');
  });
});

test('the tipster comes back on a phone, reads the question, answers and logs out', async () => {
  await withBrowser(server.url, 'tips-reply-phone', { viewport: PHONE }, async (b) => {
    await b.goto('/tipsa');
    await b.click('main a[href^="/tipsa/svar"]');
    assert.ok(await fitsWidth(b.page));
    await b.fill({ '#receipt': receipt, '#passphrase': passphrase });
    await b.click('main form[action^="/tipsa/svar"] button[type="submit"]');
    assert.match(await b.page.textContent('main'), new RegExp(QUESTION));
    assert.ok(await fitsWidth(b.page));
    await b.screenshot('tips-conversation');
    await b.fill({ '#answer': ANSWER });
    await b.click('main form[action^="/tipsa/svar/svara"] button[type="submit"]');
    assert.match(await b.page.textContent('main'), new RegExp(ANSWER));
    for (const c of await b.context.cookies())
      assert.equal(c.expires, -1, `cookie ${c.name} is a session cookie`);
    await b.click('main form[action^="/tipsa/svar/avsluta"] button[type="submit"]');
    assert.match(await b.page.textContent('h1'), /Du har loggat ut/);
    // In English too, from the page's own switch.
    await b.goto('/tipsa/svar');
    await b.click('main a[hreflang="en"]');
    assert.equal(await b.page.getAttribute('html', 'lang'), 'en');
  });
});

test('the officer reads the answer', async () => {
  await withBrowser(server.url, 'tips-officer-answer', { viewport: PHONE }, async (b) => {
    await logIn(b, DEMO.polis.email, DEMO.polis.password);
    await b.goto('/personal/tips');
    assert.match(await b.page.textContent('main'), /Nytt svar/);
    await b.goto(`/personal/tips/${tipId}`);
    assert.match(await b.page.textContent('main'), new RegExp(ANSWER));
    assert.ok(await fitsWidth(b.page));
  });
});
