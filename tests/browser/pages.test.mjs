// pages.test.mjs — the information pages in a browser: the front page on a
// phone, a page in Swedish and then in English through the language switch,
// and a coordinator writing a page: creating it, previewing, publishing, and
// looking at its history. axe checks every page visited (tests/lib/browser.mjs);
// screenshots go to build/screenshots/pages-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO } from '../lib/rig.mjs';
import { openBrowser, PHONE, DESKTOP } from '../lib/browser.mjs';

let server;
before(async () => { server = await startServer({ demo: true }); });
after(async () => { await server?.stop(); });

/* Opens a browser for fn, and saves a screenshot named name at the end, pass or fail. */
async function inBrowser(name, viewport, fn, { locale = 'sv-SE' } = {}) {
  const b = await openBrowser(server.url, { viewport, isMobile: viewport === PHONE, locale });
  try {
    await fn(b);
  } finally {
    await b.screenshot(name).catch(() => {});
    await b.close();
  }
}

/* True when the page is no wider than the screen (no sideways scrolling). */
async function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

const path = (b) => new URL(b.page.url()).pathname;

test('the front page on a phone leads to the pages about the work', async () => {
  await inBrowser('pages-front-phone', PHONE, async (b) => {
    const res = await b.goto('/');
    assert.equal(res.status(), 200);
    assert.equal(await b.page.textContent('h1'), 'Trygg i Partille');
    assert.match(await b.page.textContent('main'), /Vilka problem är vanligast\?/);
    assert.match(await b.page.textContent('body'), /112/);
    assert.ok(await fitsWidth(b.page), 'the front page scrolls sideways on a phone');
    await b.screenshot('pages-front-phone-top');
    // The menu of pages leads on.
    await b.click('nav.page-menu a[href="/sida/lagesbild"]');
    assert.equal(path(b), '/sida/lagesbild');
    assert.equal(await b.page.getAttribute('nav.page-menu a[href="/sida/lagesbild"]', 'aria-current'), 'page');
    assert.ok(await fitsWidth(b.page));
    await b.screenshot('pages-lagesbild-phone');
  });
});

test('a page in Swedish, then in English through the language switch', async () => {
  await inBrowser('pages-medborgarlofte-en', PHONE, async (b) => {
    await b.goto('/sida/medborgarlofte');
    assert.equal(await b.page.getAttribute('html', 'lang'), 'sv');
    assert.equal(await b.page.textContent('h1'), 'Medborgarlöftet');
    await b.screenshot('pages-medborgarlofte-sv');
    await b.click('a[hreflang="en"]');
    assert.equal(path(b), '/sida/medborgarlofte');
    assert.equal(await b.page.getAttribute('html', 'lang'), 'en');
    assert.equal(await b.page.textContent('h1'), 'The citizen promise');
    assert.ok(await fitsWidth(b.page));
    // The front page follows the choice.
    await b.click('a.site-name');
    assert.equal(await b.page.getAttribute('html', 'lang'), 'en');
    assert.match(await b.page.textContent('main'), /Which problems are most common\?/);
    await b.screenshot('pages-front-en');
  });
});

test('a coordinator writes a page, previews it, publishes it and reads its history', async () => {
  await inBrowser('pages-editor', DESKTOP, async (b) => {
    await b.goto('/personal/sidor');  // sends to the login page
    assert.match(path(b), /^\/personal\/logga-in/);
    await b.fill({ '#email': DEMO.samordnare.email, '#password': DEMO.samordnare.password });
    await b.click('main form button[type="submit"]');
    assert.equal(path(b), '/personal/sidor');
    await b.screenshot('pages-editor-list');

    // A new page; a wrong address first.
    await b.fill({ '#slug': 'Nattvandring!' });
    await b.page.evaluate(() => document.querySelector('#slug').removeAttribute('pattern'));
    await b.click('form[action="/personal/sidor"] button[type="submit"]');
    assert.ok(await b.page.isVisible('#slug-error'));
    await b.fill({ '#slug': 'nattvandring' });
    await b.click('form[action="/personal/sidor"] button[type="submit"]');
    assert.equal(path(b), '/personal/sidor/nattvandring/sv');
    await b.screenshot('pages-editor-new');

    // Preview: rendered in the page, nothing saved.
    await b.fill({
      '#form_title': 'Nattvandring i centrum',
      '#form_body': '## Vilka går?\n\nFöräldrar och andra vuxna går **varje fredag**.\n\n- Samling kl. 21\n- Västar lånas ut\n',
    });
    await b.click('button[value="preview"]');
    assert.ok(await b.page.isVisible('#forhandsvisning'));
    assert.equal(await b.page.textContent('#forhandsvisning h2:not(#preview-heading)'), 'Vilka går?');
    assert.equal(await b.page.textContent('#forhandsvisning strong >> nth=1'), 'varje fredag');
    assert.equal(await b.page.inputValue('#form_title'), 'Nattvandring i centrum', 'the title is kept');
    assert.match(await b.page.textContent('main'), /Inga versioner är sparade än/);
    await b.screenshot('pages-editor-preview');

    // Publish.
    await b.click('button[value="publish"]');
    assert.equal(path(b), '/personal/sidor/nattvandring/sv');
    assert.match(await b.page.textContent('.notice'), /Sidan är publicerad/);
    assert.match(await b.page.textContent('table'), /Version 1/);
    await b.screenshot('pages-editor-published');
    await b.click('a[href="/sida/nattvandring"]');
    assert.equal(await b.page.textContent('h1'), 'Nattvandring i centrum');
    assert.equal(await b.page.textContent('main li >> nth=0'), 'Samling kl. 21');
    await b.screenshot('pages-published-page');

    // The English version is missing: an English reader gets the Swedish one, marked.
    await b.click('a[hreflang="en"]');
    assert.equal(await b.page.getAttribute('h1', 'lang'), 'sv');
    assert.match(await b.page.textContent('main .notice'), /not available in English yet/);
    await b.screenshot('pages-fallback-en');
    await b.click('a[hreflang="sv"]');

    // The history, an old version and restoring it.
    await b.goto('/personal/sidor/nattvandring/sv');
    await b.fill({ '#form_body': 'Ny text.' });
    await b.click('button[value="draft"]');
    await b.click('a[href="/personal/sidor/nattvandring/sv/versioner/1"]');
    assert.match(await b.page.textContent('h1'), /Version 1/);
    assert.match(await b.page.inputValue('#source'), /varje fredag/);
    await b.screenshot('pages-editor-version');
    await b.click('form[action="/personal/sidor/nattvandring/sv/versioner/1"] button[type="submit"]');
    assert.match(await b.page.textContent('.notice'), /återställd som ett nytt utkast/);
    assert.match(await b.page.inputValue('#form_body'), /varje fredag/);
    await b.goto('/personal/sidor');
  });
});
