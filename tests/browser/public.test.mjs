// public.test.mjs — the public pages in a phone-sized browser: the front
// page, the switch from Swedish to English, and an error page, each checked
// with axe after every navigation (tests/lib/browser.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/rig.mjs';
import { withBrowser, fitsWidth, PHONE } from '../lib/browser.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/* A phone-sized browser for fn, with a screenshot named name at the end. */
const onPhone = (name, fn, { locale = 'sv-SE' } = {}) => withBrowser(server.url, name, { viewport: PHONE, locale }, fn);

test('front page on a phone, then switched to English', async () => {
  await onPhone('front-page-sv', async (b) => {
    const res = await b.goto('/');
    assert.equal(res.status(), 200);
    assert.equal(await b.page.getAttribute('html', 'lang'), 'sv');
    assert.ok(await b.page.isVisible('h1'));
    assert.ok(await fitsWidth(b.page), 'the front page scrolls sideways on a phone');
    assert.match(await b.page.textContent('body'), /112/, 'the emergency number is on the page');
    await b.screenshot('front-page-sv');
    await b.click('a[hreflang="en"]');
    assert.equal(new URL(b.page.url()).pathname, '/');
    assert.equal(await b.page.getAttribute('html', 'lang'), 'en');
    assert.ok(await fitsWidth(b.page));
    // The choice is remembered.
    await b.goto('/');
    assert.equal(await b.page.getAttribute('html', 'lang'), 'en');
  });
  await onPhone('front-page-en', async (b) => {
    await b.goto('/?lang=en');
    assert.equal(await b.page.getAttribute('html', 'lang'), 'en');
  });
});

test('the skip link leads to the main content', async () => {
  await onPhone('skip-link', async (b) => {
    await b.goto('/');
    await b.page.keyboard.press('Tab');
    const focused = await b.page.evaluate(() => document.activeElement?.getAttribute('href'));
    assert.equal(focused, '#main', 'the first Tab reaches the skip link');
  });
});

test('a 404 page, in Swedish and in English', async () => {
  await onPhone('error-404', async (b) => {
    const res = await b.goto('/finns-inte');
    assert.equal(res.status(), 404);
    assert.equal(await b.page.getAttribute('html', 'lang'), 'sv');
    assert.match(await b.page.textContent('h1'), /Sidan finns inte/);
    assert.ok(await fitsWidth(b.page));
    await b.click('main a[href="/"]');
    assert.equal(new URL(b.page.url()).pathname, '/');
  });
  await onPhone('error-404-en', async (b) => {
    // A browser set to English sends Accept-Language: en-GB.
    const res = await b.goto('/finns-inte');
    assert.equal(res.status(), 404);
    assert.equal(await b.page.getAttribute('html', 'lang'), 'en');
    assert.match(await b.page.textContent('h1'), /Page not found/);
  }, { locale: 'en-GB' });
});
