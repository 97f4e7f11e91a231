// answer_cache.test.mjs — the answer cache of the public reads (Open311 GET,
// the map's GeoJSON, the Atom feed; src/web/answer_cache.c): a cached answer
// is the same bytes again, with an ETag that answers If-None-Match with 304;
// after every kind of write (the web form, the API, staff status and public
// text, support, a category, a setting, the retention job, a withdrawal, and
// SQL no page runs) the next GET shows it at once; two processes on one
// database see each other's writes; answers are not shared across languages,
// and requests with a login session or an api_key are never served from or
// into the cache; the byte budget holds.
//
// X-Answer-Cache says what the cache did: "hit", "miss" (built and stored),
// "first" (built, not stored: an answer is kept only when asked for again,
// so that one-off requests — a panned map's bounding boxes — do not push out
// the others), "too-large" (built, not stored); absent when the cache was
// not used.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO } from '../lib/rig.mjs';
import { Client, login, request, urlencode } from '../lib/client.mjs';

let server, second, key;
const PLACE = { place_lat: '57.74', place_lon: '12.10', place_text: 'Vid kiosken' };

before(async () => {
  server = await startServer({ demo: true });
  second = await startServer({ database: server.dbUrl });
  key = (await server.command(['apikey', 'create', 'Cachetest'])).stdout.trim();
});
after(async () => {
  await second?.stop();
  await server?.stop();
});

function get(path, { on = server, headers = {} } = {}) {
  return request(`${on.url}${path}`, { headers });
}

/* GETs path until it is served from the cache; returns that answer. The
 * first request is not kept, the second is; a stored answer lasts until the
 * minute ends (answer_cache.c), so when a minute ends between two requests,
 * a fourth one is a hit. */
async function cached(path, opts = {}) {
  let first = await get(path, opts);
  assert.equal(first.status, 200, first.body);
  for (let i = 0; i < 3; i++) {
    const again = await get(path, opts);
    if (again.headers['x-answer-cache'] === 'hit') {
      assert.equal(again.body, first.body, path);
      return again;
    }
    first = again;
  }
  assert.fail(`${path} is never served from the cache`);
}

/* After write(), the next GET of path is built anew and passes check. */
async function changesAtOnce(path, write, check, opts = {}) {
  const before = await cached(path, opts);
  await write();
  const after = await get(path, opts);
  assert.equal(after.status, 200);
  assert.equal(after.headers['x-answer-cache'], 'miss', `${path} after the write`);
  assert.notEqual(after.headers.etag, before.headers.etag);
  check(after.body, before.body);
  return after;
}

async function sendReport(fields) {
  const c = new Client(server.url);
  const res = await c.submit('/felanmalan', { category: 'gatubelysning', description: 'Lampan är släckt', ...PLACE,
    confirmed: '1', ...fields }, { action: '/felanmalan' });
  assert.equal(res.status, 303, res.body);
  const page = await c.get(res.headers.location);
  const id = /Referensnummer<\/dt><dd>(\d+)<\/dd>/.exec(page.body)?.[1];
  assert.ok(id);
  return { client: c, link: res.headers.location, id };
}

async function postReport(description) {
  const res = await request(`${server.url}/open311/v2/requests.json`, { method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: urlencode({ api_key: key, service_code: 'nedskrapning', lat: '57.7401', long: '12.1001', description }) });
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body)[0].service_request_id;
}

async function staff(who = DEMO.handlaggare) {
  const s = new Client(server.url);
  assert.equal((await login(s, who.email, who.password)).status, 303);
  return s;
}

const ids = (body) => JSON.parse(body).map((r) => String(r.service_request_id));
const one = (body) => JSON.parse(body)[0];

test('a cached answer is the same bytes again, with an ETag; If-None-Match gets 304', async () => {
  const id = await postReport('Papper överallt');
  for (const path of ['/open311/v2/requests.json', '/open311/v2/requests.xml', `/open311/v2/requests/${id}.json`,
    '/open311/v2/services.json', '/open311/v2/services/gatubelysning.json', '/open311/v2/discovery.json',
    '/felanmalan/karta.geojson', '/felanmalan/flode']) {
    const first = await get(path);
    assert.equal(first.status, 200, path);
    assert.ok(['first', 'miss', 'hit'].includes(first.headers['x-answer-cache']), path);
    const again = await cached(path);
    assert.equal(again.body, first.body, path);
    assert.equal(again.headers['content-type'], first.headers['content-type'], path);
    assert.equal(again.headers['access-control-allow-origin'], first.headers['access-control-allow-origin'], path);
    assert.match(again.headers.etag, /^W\/"[0-9a-f]+-[0-9a-f]+-[0-9a-f]{16}"$/);
    const notModified = await get(path, { headers: { 'If-None-Match': again.headers.etag } });
    assert.equal(notModified.status, 304, path);
    assert.equal(notModified.body, '');
    assert.equal((await get(path, { headers: { 'If-None-Match': 'W/"0-0-0000000000000000"' } })).status, 200);
  }
  assert.ok(ids((await get('/open311/v2/requests.json')).body).includes(id));
  // Errors and personal tokens are never cached.
  const missing = await get('/open311/v2/requests/999999.json');
  assert.equal(missing.status, 404);
  assert.equal((await get('/open311/v2/requests/999999.json')).headers['x-answer-cache'], undefined);
  assert.equal((await get('/open311/v2/tokens/abcdefghijkmnpqrs.json')).headers['x-answer-cache'], undefined);
});

test('after every kind of write the next GET shows it at once', async () => {
  // A new report through the web form, and through the API.
  let formId;
  await changesAtOnce('/open311/v2/requests.json?service_code=gatubelysning', async () => {
    formId = (await sendReport({ description: 'Gatlyktan blinkar' })).id;
  }, (body) => assert.ok(ids(body).includes(formId)));
  let apiId;
  await changesAtOnce('/open311/v2/requests.json?service_code=nedskrapning', async () => {
    apiId = await postReport('En soppåse på trottoaren');
  }, (body) => assert.ok(ids(body).includes(apiId)));
  await changesAtOnce('/felanmalan/karta.geojson', () => postReport('Glas på cykelbanan'),
    (body, old) => assert.equal(JSON.parse(body).features.length, JSON.parse(old).features.length + 1));

  // Staff: a status change, then a public text alone.
  const s = await staff();
  const path = `/open311/v2/requests/${formId}.json?extensions=true`;
  await changesAtOnce(path, async () => {
    const res = await s.submit(`/personal/felanmalan/${formId}`, { status: 'in_progress', public_text: '' },
      { action: `/personal/felanmalan/${formId}` });
    assert.equal(res.status, 303);
  }, (body) => assert.equal(one(body).extended_attributes.detailed_status, 'IN_PROGRESS'));
  await changesAtOnce(path, async () => {
    const res = await s.submit(`/personal/felanmalan/${formId}`, { status: 'in_progress', public_text: 'Elektrikern är beställd.' },
      { action: `/personal/felanmalan/${formId}` });
    assert.equal(res.status, 303);
  }, (body) => assert.equal(one(body).status_notes, 'Elektrikern är beställd.'));

  // Support from another resident.
  await changesAtOnce(path, async () => {
    // "Is it one of these?" on the form offers support for the open report nearby.
    const other = new Client(server.url);
    const offer = await other.submit('/felanmalan', { category: 'gatubelysning', description: 'Mörkt här', ...PLACE },
      { action: '/felanmalan' });
    assert.equal(offer.status, 200);
    const res = await other.submit('/felanmalan', {}, { action: `/felanmalan/${formId}/stod`, page: offer });
    assert.equal(res.status, 303);
  }, (body, old) => assert.equal(one(body).extended_attributes.supporters, one(old).extended_attributes.supporters + 1));

  // A new category (samordnare).
  const sam = await staff(DEMO.samordnare);
  await changesAtOnce('/open311/v2/services.json', async () => {
    const res = await sam.submit('/personal/felanmalan-kategorier', { code: 'cachetest', group: 'gata', name_sv: 'Cachetest',
      name_en: 'Cache test', description_sv: 'Prov.', description_en: 'Test.' }, { action: '/personal/felanmalan-kategorier' });
    assert.equal(res.status, 303);
  }, (body) => assert.ok(JSON.parse(body).some((x) => x.service_code === 'cachetest')));

  // A setting (admin): the feed's title.
  const admin = await staff(DEMO.admin);
  await changesAtOnce('/felanmalan/flode', async () => {
    const res = await admin.submit('/personal/installningar', { site_name: 'Trygg Cacheby' }, { action: '/personal/installningar' });
    assert.equal(res.status, 303, res.body.slice(0, 300));
  }, (body) => assert.match(body, /<title>Trygg Cacheby – /));

  // A withdrawal through the follow-up link.
  const mine = await sendReport({ description: 'Ingen lyser här' });
  await changesAtOnce(`/open311/v2/requests/${mine.id}.json`, async () => {
    const res = await mine.client.submit(mine.link, {}, { action: `${mine.link}/aterkalla` });
    assert.equal(res.status, 303);
  }, (body) => assert.equal(one(body).status, 'closed'));

  // SQL that no page runs (a future write path, a fix by hand): the triggers see it too.
  await changesAtOnce(`/open311/v2/requests/${apiId}.json`, () =>
    server.sql(`UPDATE reports SET description = 'Rättad för hand' WHERE id = ${apiId}`),
  (body) => assert.equal(one(body).description, 'Rättad för hand'));
});

test('the retention job\'s erasure, on restart, invalidates the answers too', async () => {
  await server.sql('DELETE FROM rate_limits');
  const { id } = await sendReport({ description: 'Gammal lampa', name: 'Greta Gallring', email: 'greta@example.se' });
  const thirteenMonths = 13 * 31 * 24 * 3600;
  await server.sql(`UPDATE reports SET status = 'fixed', is_open = 0, closed_at = ${Math.floor(Date.now() / 1000) - thirteenMonths} WHERE id = ${id}`);
  const path = `/open311/v2/requests/${id}.json`;
  const before = await cached(path, { on: second });
  await server.signal('SIGTERM');
  await server.restart(); // the job runs at start, and hourly
  let row = '';
  for (let i = 0; i < 50 && !/\|(1|t)$/.test(row); i++) {
    await new Promise((r) => setTimeout(r, 200));
    row = (await server.sql(`SELECT reporter_email, personal_erased_at IS NOT NULL FROM reports WHERE id = ${id}`)).trim();
  }
  assert.match(row, /^\|(1|t)$/);
  // The public answer had no personal data to lose; it is rebuilt, the same.
  const after = await get(path, { on: second });
  assert.equal(after.headers['x-answer-cache'], 'miss');
  assert.notEqual(after.headers.etag, before.headers.etag);
  assert.equal(after.body, before.body);
});

test('two processes on one database see each other\'s writes at once', async () => {
  const s = await staff();
  const id = await postReport('Skylten har ramlat');
  const path = `/open311/v2/requests/${id}.json?extensions=true`;
  await changesAtOnce(path, async () => {
    const res = await s.submit(`/personal/felanmalan/${id}`, { status: 'fixed', public_text: 'Skylten sitter igen.' },
      { action: `/personal/felanmalan/${id}` });
    assert.equal(res.status, 303);
  }, (body) => assert.equal(one(body).status_notes, 'Skylten sitter igen.'), { on: second });
  let other;
  await changesAtOnce('/open311/v2/requests.json?service_code=nedskrapning', async () => {
    const res = await request(`${second.url}/open311/v2/requests.json`, { method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: urlencode({ api_key: key, service_code: 'nedskrapning', lat: '57.7402', long: '12.1002', description: 'Via den andra' }) });
    assert.equal(res.status, 200);
    other = JSON.parse(res.body)[0].service_request_id;
  }, (body) => assert.ok(ids(body).includes(other)));
});

test('answers are kept per language; a login session or an api_key never uses the cache', async () => {
  const sv = await cached('/open311/v2/services.json', { headers: { 'Accept-Language': 'sv' } });
  const en = await cached('/open311/v2/services.json', { headers: { 'Accept-Language': 'en' } });
  const light = (res) => JSON.parse(res.body).find((x) => x.service_code === 'gatubelysning').service_name;
  assert.equal(light(sv), 'Trasig gatubelysning');
  assert.equal(light(en), 'Broken street light');
  assert.equal((await get('/open311/v2/services.json?lang=en')).body, en.body);
  const s = await staff();
  for (let i = 0; i < 2; i++) {
    const res = await s.get('/open311/v2/requests.json');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-answer-cache'], undefined, 'a logged-in request bypasses the cache');
    assert.equal(res.headers.etag, undefined);
    const keyed = await get(`/open311/v2/requests.json?api_key=${encodeURIComponent(key)}`);
    assert.equal(keyed.status, 200);
    assert.equal(keyed.headers['x-answer-cache'], undefined, 'a request with an api_key bypasses the cache');
  }
});

test('the byte budget: answers above a quarter of it are not kept; 0 turns the cache off', async () => {
  const tiny = await startServer({ demo: true, config: { answer_cache_bytes: '4K' } });
  const off = await startServer({ config: { answer_cache_bytes: '0' } });
  try {
    const big = '/open311/v2/services.json';
    assert.ok((await get(big, { on: tiny })).body.length > 1024);
    for (let i = 0; i < 2; i++)
      assert.equal((await get(big, { on: tiny })).headers['x-answer-cache'], 'too-large');
    // Small answers fill the 4 KiB; the oldest are pushed out, never more than fits.
    const small = (n) => `/open311/v2/requests.json?service_code=x${n}`;
    for (let n = 0; n < 40; n++) {
      assert.equal((await get(small(n), { on: tiny })).headers['x-answer-cache'], 'first', 'asked once: not kept');
      assert.equal((await get(small(n), { on: tiny })).headers['x-answer-cache'], 'miss', 'asked again: kept');
    }
    await cached(small(39), { on: tiny });
    assert.equal((await get(small(0), { on: tiny })).headers['x-answer-cache'], 'miss', 'evicted');
    const res = await get(big, { on: off });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-answer-cache'], undefined);
    assert.equal(res.headers.etag, undefined);
  } finally {
    await tiny.stop();
    await off.stop();
  }
});
