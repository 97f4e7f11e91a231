// contact.test.mjs — "Hör av dig" in a browser: a resident sends the contact
// form from a phone-sized window (first with a mistake, then right), and the
// coordinator reads and answers it; the administrator looks at the settings
// and the outbox. Every page is checked with axe (tests/lib/browser.mjs);
// screenshots go to build/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, testBinary, DEMO, ROOT } from '../lib/rig.mjs';
import { startSmtp } from '../lib/smtp.mjs';
import { openBrowser, PHONE, DESKTOP } from '../lib/browser.mjs';

let server, smtp;

before(async () => {
  smtp = await startSmtp();
  server = await startServer({ demo: true });
  for (const [k, v] of [['smtp_url', `smtp://127.0.0.1:${smtp.port}`], ['mail_from', 'trygg@partille.example'],
    ['coordinator_email', 'samordnare@partille.example']])
    await promisify(execFile)(testBinary(), ['settings', '--database', server.dbUrl, '--config', server.configFile, 'set', k, v], { cwd: ROOT });
});
after(async () => {
  await server?.stop();
  await smtp?.stop();
});

async function inBrowser(name, fn, options) {
  const b = await openBrowser(server.url, options);
  try {
    await fn(b);
  } finally {
    await b.screenshot(name).catch(() => {});
    await b.close();
  }
}

async function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

async function logIn(b, who) {
  await b.goto('/personal/');
  await b.fill({ '#email': DEMO[who].email, '#password': DEMO[who].password });
  return b.click('main form button[type="submit"]');
}

test('a resident sends the contact form from a phone, and the coordinator reads and answers it', async () => {
  let reference;
  await inBrowser('contact-receipt-phone', async (b) => {
    const res = await b.goto('/kontakt');
    assert.equal(res.status(), 200);
    assert.ok(await fitsWidth(b.page), 'the form scrolls sideways on a phone');
    await b.screenshot('contact-form-phone');
    // The trap field cannot be reached with the keyboard.
    assert.equal(await b.page.getAttribute('#webbplats', 'tabindex'), '-1');
    assert.ok(!(await b.page.isVisible('#webbplats')) || (await b.page.locator('#webbplats').boundingBox()).x < 0,
      'the trap field is out of sight');

    // Forgetting the message: the error summary and the typed name stay.
    await b.page.check('#topic-trygghet');
    await b.fill({ '#name': 'Åsa', '#email': 'asa@example.se', '#area': 'Sävedalen' });
    const bad = await b.click('main form button[type="submit"]');
    assert.equal(bad.status(), 400);
    assert.ok(await b.page.isVisible('.error-summary'));
    assert.equal(await b.page.inputValue('#name'), 'Åsa');
    assert.ok(await fitsWidth(b.page));
    await b.screenshot('contact-form-error-phone');

    await b.fill({ '#message': 'Det är mörkt och otryggt i gångtunneln vid Sävedalens station.' });
    const ok = await b.click('main form button[type="submit"]');
    assert.equal(ok.status(), 200);
    assert.equal(new URL(b.page.url()).pathname, '/kontakt/tack');
    reference = (await b.page.textContent('.reference')).trim();
    assert.match(reference, /^K-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    assert.ok(await fitsWidth(b.page));
  }, { viewport: PHONE, isMobile: true });

  await smtp.waitFor(2, 20000); // receipt and coordinator copy
  smtp.clear();

  await inBrowser('contact-answered', async (b) => {
    await logIn(b, 'samordnare');
    await b.click('main a[href="/personal/kontakt"]');
    await b.screenshot('contact-inbox');
    await b.click(`main a:text("${reference}")`);
    assert.match(await b.page.textContent('main'), /gångtunneln vid Sävedalens station/);
    await b.screenshot('contact-message');
    await b.fill({ '#answer': 'Tack, Åsa! Vi har bett om bättre belysning i tunneln.' });
    await b.click('form:has(#answer) button[type="submit"]');
    assert.match(await b.page.textContent('main'), /Svaret är sparat/);
    assert.match(await b.page.textContent('main'), /Vi har bett om bättre belysning/);
    await b.click('form:has(input[value="handle"]) button[type="submit"]');
    assert.equal(new URL(b.page.url()).pathname, '/personal/kontakt');
  }, { viewport: DESKTOP });

  const [answer] = await smtp.waitFor(1, 20000);
  assert.equal(answer.to[0], 'asa@example.se');
});

test('the administrator sees the settings and the outbox', async () => {
  await inBrowser('settings-admin', async (b) => {
    await logIn(b, 'admin');
    await b.click('main a[href="/personal/installningar"]');
    assert.equal(await b.page.inputValue('#contact_phone'), '031-792 10 00');
    await b.fill({ '#brand_colour': '#ffee00' });
    const bad = await b.click('main form button[type="submit"]');
    assert.equal(bad.status(), 422);
    await b.screenshot('settings-error');
    await b.fill({ '#brand_colour': '#0b4f8a' });
    await b.click('main form button[type="submit"]');
    assert.match(await b.page.textContent('main'), /Inställningarna är sparade/);
    await b.goto('/personal/utkorg');
    await b.screenshot('outbox');
  }, { viewport: PHONE, isMobile: true });
});
