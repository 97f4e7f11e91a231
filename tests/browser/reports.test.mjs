// reports.test.mjs — Felanmälan in a browser: a resident reports a fault from a
// phone-sized window with a photo (first with a mistake), follows it through the
// private link while a handläggare handles it to closure. Every page is checked
// with axe (tests/lib/browser.mjs); screenshots go to build/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startServer, DEMO } from '../lib/rig.mjs';
import { openBrowser, PHONE } from '../lib/browser.mjs';
import { makePng } from '../lib/png.mjs';

// A transparent 1×1 PNG, the only tile the stub tile server has (the map must not reach the internet).
const TILE = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
let server, dir, tiles;

before(async () => {
  tiles = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': TILE.length });
    res.end(TILE);
  });
  await new Promise((resolve) => tiles.listen(0, '127.0.0.1', resolve));
  server = await startServer({ demo: true, config: { map_tile_url: `http://127.0.0.1:${tiles.address().port}/{z}/{x}/{y}.png` } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trygg-photo-'));
});
after(async () => {
  await server?.stop();
  tiles?.close();
  fs.rmSync(dir, { recursive: true, force: true });
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

test('a resident reports from a phone with a photo; a handläggare closes it; the resident follows it', async () => {
  const photo = path.join(dir, 'lampa.png');
  fs.writeFileSync(photo, makePng({ width: 120, height: 90 }));
  let link;
  await inBrowser('reports-phone', async (b) => {
    const res = await b.goto('/felanmalan');
    assert.equal(res.status(), 200);
    assert.ok(await b.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits a phone');
    // Forgetting the description: the error summary, the choice kept.
    await b.page.check('#category-gatubelysning');
    await b.page.selectOption('#place_area', { index: 1 });
    await b.click('main form button[type="submit"]');
    assert.ok(await b.page.isVisible('.error-summary'));
    assert.ok(await b.page.isChecked('#category-gatubelysning'));
    await b.fill({ '#description': 'Gatlampan vid busshållplatsen är släckt.' });
    await b.page.setInputFiles('#photos', photo);
    await b.click('main form button[type="submit"]');
    assert.match(b.page.url(), /\/felanmalan\/folj\/[a-z2-9]{26}$/);
    link = new URL(b.page.url()).pathname;
    assert.ok((await b.page.textContent('main')).includes('Mottagen'));
    assert.equal(await b.page.locator('main img').count(), 1);
  }, { viewport: PHONE, isMobile: true });
  const id = (await server.sql('SELECT MAX(id) FROM reports')).trim();
  await inBrowser('reports-staff', async (b) => {
    await b.goto('/personal/');
    await b.fill({ '#email': DEMO.handlaggare.email, '#password': DEMO.handlaggare.password });
    await b.click('main form button[type="submit"]');
    await b.goto('/personal/felanmalan');
    await b.click(`main a[href="/personal/felanmalan/${id}"]`);
    await b.page.selectOption('#status-select', 'fixed');
    await b.fill({ '#public_text': 'Lampan är bytt.' });
    await b.click('main form[action$="/' + id + '"] button[type="submit"]');
    assert.ok((await b.page.textContent('main')).includes('Åtgärdad'));
  });
  await inBrowser('reports-follow-phone', async (b) => {
    await b.goto(link);
    const t = await b.page.textContent('main');
    assert.ok(t.includes('Åtgärdad') && t.includes('Lampan är bytt.'));
    await b.goto('/felanmalan/lista');
    await b.click(`main a[href="/felanmalan/arende/${id}"]`);
    assert.ok((await b.page.textContent('main')).includes('Lampan är bytt.'));
  }, { viewport: PHONE, isMobile: true });
});

test('the samordnare\'s category page and the administrator\'s API keys pass the accessibility check', async () => {
  for (const [who, page] of [['samordnare', '/personal/felanmalan-kategorier'], ['admin', '/personal/apinycklar']]) {
    await inBrowser(`reports-${who}`, async (b) => {
      await b.goto('/personal/');
      await b.fill({ '#email': DEMO[who].email, '#password': DEMO[who].password });
      await b.click('main form button[type="submit"]');
      await b.click(`main a[href="${page}"]`);
      if (who === 'admin') {
        await b.fill({ '#name': 'FixMyStreet' });
        await b.click('main form[action="/personal/apinycklar"] button[type="submit"]');
        assert.match(await b.page.textContent('.secret'), /^[a-z2-9]{52}$/);
      }
    });
  }
});

test('the public list on a phone: a map with the listed reports as markers, each linking to its page; the table stays', async () => {
  const key = (await server.command(['apikey', 'create', 'Kartklient'])).stdout.trim();
  const res = await fetch(`${server.url}/open311/v2/requests.json`, { method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: key, service_code: 'klotter', lat: '57.7405', long: '12.1005', description: 'Klotter på kartan' }) });
  assert.equal(res.status, 200);
  const id = (await res.json())[0].service_request_id;
  await inBrowser('reports-map-phone', async (b) => {
    await b.goto('/felanmalan/lista?kategori=klotter');
    const map = b.page.locator('[data-report-map]');
    await b.page.waitForSelector('[data-report-map][data-loaded]');
    const shown = Number(await map.getAttribute('data-loaded'));
    assert.ok(shown >= 1);
    assert.equal(await b.page.locator('path.report-marker').count(), shown);
    assert.match(await b.page.textContent('[data-report-map-status]'), /^Felanmälningar med position som visas på kartan: \d+\.$/);
    assert.ok(await b.page.isVisible(`main table a[href="/felanmalan/arende/${id}"]`), 'the list is still the content');
    assert.ok(await b.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits a phone');
    await b.check();
    await b.screenshot('reports-map-list-phone');
    // Moving the map asks again for the visible box only.
    const drawn = Number(await map.getAttribute('data-loads'));
    const [asked] = await Promise.all([
      b.page.waitForRequest((r) => r.url().includes('/felanmalan/karta.geojson')),
      b.page.click('.leaflet-control-zoom-in'),
    ]);
    const box = new URL(asked.url()).searchParams.get('bbox').split(',').map(Number);
    assert.equal(box.length, 4);
    assert.ok(box[0] < box[2] && box[1] < box[3], asked.url());
    assert.equal(new URL(asked.url()).searchParams.get('kategori'), 'klotter', 'the list\'s filters are kept');
    await b.page.waitForFunction((n) => Number(document.querySelector('[data-report-map]').dataset.loads) > n, drawn);
    // A marker's popup leads to the report's page. The popup pans the map to fit it; a
    // click during that pan can be taken by the map instead of the link, so the popup is
    // opened again and the link clicked again (at most three times) when no page follows.
    await b.page.evaluate(() => document.querySelector('[data-report-map] .map').scrollIntoView());
    const markers = b.page.locator('path.report-marker');
    const link = `.leaflet-popup a[href="/felanmalan/arende/${id}"]`;
    for (let attempt = 1; ; attempt++) {
      for (let i = 0; i < (await markers.count()); i++) {
        await markers.nth(i).dispatchEvent('click');
        if (await b.page.locator(link).count())
          break;
      }
      await b.page.waitForFunction(() => !document.querySelector('.leaflet-pan-anim, .leaflet-zoom-anim'));
      try {
        await Promise.all([b.page.waitForNavigation({ timeout: 10000 }), b.page.click(link, { timeout: 10000 })]);
        break;
      } catch (e) {
        if (attempt === 3)
          throw e;
      }
    }
    await b.check();
    assert.ok((await b.page.textContent('main')).includes('Klotter på kartan'));
  }, { viewport: PHONE, isMobile: true });
});
