// areas.test.mjs — the areas and the map in a browser: an administrator
// imports areas from a phone-sized and from a desktop window (the report, the
// broken features, a file that is not GeoJSON); the public areas page draws
// the boundary and the areas over tiles from the configured server, and still
// draws them when the tiles cannot load; the place chooser fills in the area
// of a point clicked on the map. axe checks every page on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startServer, DEMO } from '../lib/rig.mjs';
import { openBrowser, PHONE, DESKTOP } from '../lib/browser.mjs';

// A transparent 1×1 PNG, the only tile the stub tile server has.
const TILE = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

let tiles;          // the stub tile server
let tileRequests = 0;
let server;
let files;          // folder of the files to import

before(async () => {
  tiles = http.createServer((req, res) => {
    tileRequests++;
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': TILE.length });
    res.end(TILE);
  });
  await new Promise((resolve) => tiles.listen(0, '127.0.0.1', resolve));
  server = await startServer({ demo: true, config: { map_tile_url: `http://127.0.0.1:${tiles.address().port}/{z}/{x}/{y}.png` } });
  files = fs.mkdtempSync(path.join(os.tmpdir(), 'trygg-areas-'));
});
after(async () => {
  await server?.stop();
  tiles?.close();
  if (files)
    fs.rmSync(files, { recursive: true, force: true });
});

function box(properties, w, s, e, n) {
  return { type: 'Feature', properties, geometry: { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] } };
}

function file(name, content) {
  const p = path.join(files, name);
  fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

async function inBrowser(name, viewport, fn) {
  const b = await openBrowser(server.url, { viewport, isMobile: viewport === PHONE });
  try {
    await fn(b);
  } finally {
    await b.screenshot(name).catch(() => {});
    await b.close();
  }
}

async function logIn(b, who) {
  await b.goto('/personal/logga-in');
  await b.fill({ '#email': DEMO[who].email, '#password': DEMO[who].password });
  await b.click('main form button[type="submit"]');
  assert.equal(new URL(b.page.url()).pathname, '/personal/');
}

/* Waits until the map in selector has drawn at least n shapes (the boundary and the areas). */
async function mapDrawn(b, n, selector = '.map') {
  await b.page.waitForFunction(([sel, count]) => {
    const el = document.querySelector(sel);
    return el && !el.hidden && el.querySelectorAll('.leaflet-overlay-pane path').length >= count;
  }, [selector, n], { timeout: 15000 });
  return b.page.locator(`${selector} .leaflet-overlay-pane path`).count();
}

const IMPORT = 'form[action="/personal/omraden/import"] button[type="submit"]';

test('an administrator imports areas from a phone', async () => {
  const good = file('nya-omraden.geojson', {
    type: 'FeatureCollection',
    features: [
      box({ namn: 'Telefonområdet', kod: 'P1', befolkning: 321 }, 12.10, 57.730, 12.11, 57.735),
      box({ name: 'Mobilområdet', code: 'P2' }, 12.11, 57.730, 12.12, 57.735),
    ],
  });
  await inBrowser('areas-import-phone', PHONE, async (b) => {
    await logIn(b, 'admin');
    await b.click('main a[href="/personal/omraden"]');
    assert.equal(await b.page.textContent('h1'), 'Områden');
    assert.match(await b.page.textContent('.approximate-note'), /Ungefärliga gränser/);
    await mapDrawn(b, 16);
    await b.screenshot('areas-staff-phone');
    await b.page.setInputFiles('#file', good);
    await b.fill({ '#approximate': true });
    await b.click(IMPORT);
    assert.equal(await b.page.textContent('h1'), 'Inläsning av områden');
    const summary = (await b.page.textContent('#import-summary')).replace(/\s+/g, ' ');
    assert.match(summary, /Lästa 2 Tillagda 2 Uppdaterade 0 Avvisade 0/);
    assert.match(await b.page.textContent('#import-items'), /Telefonområdet[\s\S]*P1[\s\S]*Tillagt/);
    await b.screenshot('areas-import-report-phone');
    await b.click('main a[href="/personal/omraden"]');
    assert.match(await b.page.textContent('table'), /Telefonområdet\s+P1\s+321\s+Ungefärliga/);
  });
});

test('an administrator imports a file with broken features, then one that is not GeoJSON, on a desktop', async () => {
  const open = box({ name: 'Öppen ring' }, 12.10, 57.730, 12.11, 57.735);
  open.geometry.coordinates[0].pop();
  const mixed = file('blandat.geojson', {
    type: 'FeatureCollection',
    features: [box({ name: 'Skrivbordsområdet', code: 'D1' }, 12.12, 57.730, 12.13, 57.735), open, box({ code: 'utan-namn' }, 12.1, 57.73, 12.11, 57.74)],
  });
  const csv = file('omraden.csv', 'namn;kod\nSävedalen;1\n');
  await inBrowser('areas-import-desktop', DESKTOP, async (b) => {
    await logIn(b, 'admin');
    await b.goto('/personal/omraden');
    await b.page.setInputFiles('#file', mixed);
    await b.click(IMPORT);
    const rows = await b.page.locator('#import-items tbody tr').allTextContents();
    assert.equal(rows.length, 3);
    assert.match(rows[0], /Skrivbordsområdet[\s\S]*Tillagt/);
    assert.match(rows[1], /Avvisat: Geometrin kan inte användas\. En ring är inte sluten/);
    assert.match(rows[2], /Avvisat: Namn saknas/);
    assert.equal(await b.page.locator('#import-items tr.rejected').count(), 2);
    await b.screenshot('areas-import-report-desktop');
    await b.click('main a[href="/personal/omraden"]');
    await b.page.setInputFiles('#file', csv);
    await b.click(IMPORT);
    // The error summary takes the focus and links to the file field, which says what is wrong.
    assert.ok(await b.page.isVisible('.error-summary'));
    assert.equal(await b.page.evaluate(() => document.activeElement?.classList.contains('error-summary')), true);
    assert.match(await b.page.textContent('#file-error'), /Filen är inte giltig JSON/);
    assert.equal(await b.page.getAttribute('#file', 'aria-invalid'), 'true');
    await b.screenshot('areas-import-not-geojson');
  });
});

test('the public areas page: the map over tiles, the table, in both languages', async () => {
  await inBrowser('areas-public-desktop', DESKTOP, async (b) => {
    const before2 = tileRequests;
    await b.goto('/omraden');
    assert.ok(await mapDrawn(b, 16) >= 16);
    assert.match(await b.page.textContent('.approximate-note'), /Ungefärliga gränser/);
    assert.equal(await b.page.getAttribute('.map', 'role'), 'region');
    assert.ok((await b.page.getAttribute('.map', 'aria-label')).length > 10);
    // Tiles came from the configured server, and the Content-Security-Policy let them in.
    await b.page.waitForFunction(() => document.querySelectorAll('.leaflet-tile-loaded').length > 0, null, { timeout: 15000 });
    assert.ok(tileRequests > before2);
    // The map can be used with the keyboard: it takes the focus, and its zoom buttons are labelled.
    assert.equal(await b.page.getAttribute('.leaflet-control-zoom-in', 'aria-label'), 'Zooma in');
    await b.check();
    await b.screenshot('areas-public-map');
    await b.click('a[hreflang="en"]');
    assert.equal(await b.page.textContent('h1'), 'Areas');
    await mapDrawn(b, 16);
    assert.equal(await b.page.getAttribute('.leaflet-control-zoom-in', 'aria-label'), 'Zoom in');
  });
  await inBrowser('areas-public-phone', PHONE, async (b) => {
    await b.goto('/omraden');
    await mapDrawn(b, 16);
    assert.equal(await b.page.locator('main table tbody tr').count() >= 15, true);
  });
});

test('when the tiles cannot load, the map still shows the boundary and the areas', async () => {
  const port = tiles.address().port;
  const saved = tiles;
  const closed = new Promise((resolve) => tiles.close(resolve));
  tiles.closeAllConnections();
  await closed;
  try {
    const b = await openBrowser(server.url, { viewport: DESKTOP });
    try {
      await b.page.goto('/omraden');
      assert.ok(await mapDrawn(b, 16) >= 16, 'the shapes are drawn without tiles');
      await b.screenshot('areas-map-without-tiles');
      // The only problems on the page are the tiles that did not load.
      let problems = '';
      try {
        await b.check();
      } catch (e) {
        problems = e.message;
      }
      for (const line of problems.split('\n').filter(Boolean))
        assert.match(line, new RegExp(`127\\.0\\.0\\.1:${port}/`), `not a tile: ${line}`);
    } finally {
      await b.close();
    }
  } finally {
    tiles = http.createServer(saved.listeners('request')[0]);
    await new Promise((resolve) => tiles.listen(port, '127.0.0.1', resolve));
  }
});

test('the place chooser: a click on the map sets the point and chooses its area', async () => {
  await inBrowser('areas-place-chooser', DESKTOP, async (b) => {
    await logIn(b, 'samordnare');
    await b.goto('/personal/omraden');
    // The map appears only with JavaScript; the select is there either way.
    assert.ok(await b.page.isVisible('[data-place-map]'));
    await mapDrawn(b, 16, '[data-place] .map');
    const map = b.page.locator('[data-place] .map');
    await map.scrollIntoViewIfNeeded();
    const box2 = await map.boundingBox();
    await b.page.mouse.click(box2.x + box2.width / 2, box2.y + box2.height / 2);
    await b.page.waitForFunction(() => document.querySelector('[data-place-status]').textContent.length > 0);
    const lat = await b.page.inputValue('input[name="place_lat"]');
    const lon = await b.page.inputValue('input[name="place_lon"]');
    assert.match(lat, /^57\.\d+$/);
    assert.match(lon, /^12\.\d+$/);
    const answer = await (await fetch(`${server.url}/omraden/punkt?lat=${lat}&lon=${lon}`)).json();
    assert.equal(answer.result, 'found', 'the middle of the map is in an area');
    assert.equal(await b.page.inputValue('#place_area'), String(answer.area.id));
    assert.equal(await b.page.textContent('[data-place-status]'), `Punkten ligger i området ${answer.area.name}.`);
    assert.ok(await b.page.isVisible('[data-place-clear]'));
    await b.check();
    await b.screenshot('areas-place-chosen');
    await b.click('form[action="/personal/omraden/plats"] button[type="submit"]');
    assert.match(await b.page.textContent('#place-result'), new RegExp(`Platsen ligger i området ${answer.area.name}\\.`));
    // The point is kept on the page that comes back, and choosing in the list removes it.
    await mapDrawn(b, 16, '[data-place] .map');
    assert.equal(await b.page.inputValue('input[name="place_lat"]'), lat);
    await b.page.selectOption('#place_area', { label: 'Furulund' });
    assert.equal(await b.page.inputValue('input[name="place_lat"]'), '');
    assert.equal(await b.page.textContent('[data-place-status]'), 'Punkten är borttagen.');
    await b.page.selectOption('#place_area', '');
    await b.click('form[action="/personal/omraden/plats"] button[type="submit"]');
    assert.match(await b.page.textContent('.error-summary'), /Välj ett område, klicka på kartan eller beskriv platsen/);
  });
});
