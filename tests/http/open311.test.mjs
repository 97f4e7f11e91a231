// open311.test.mjs — the Open311 GeoReport v2 API at /open311/v2/: every call
// and every error in both XML and JSON (field names, error bodies, status
// codes, dates with zone), API keys (command line, revoked), the liberal
// forms real clients send (multipart photos too), the extensions, the
// jurisdiction_id rules, and that no reporter's personal data ever appears
// in an answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { startServer, DEMO } from '../lib/rig.mjs';
import { Client, login, request, urlencode } from '../lib/client.mjs';
import { makePng } from '../lib/png.mjs';

let server, key;
const INSIDE = { lat: '57.74', long: '12.10' };      // Partille (demo areas)
const OUTSIDE = { lat: '59.33', long: '18.06' };     // Stockholm
const ISO_ZONED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/;
const PERSONAL = ['Anna', 'Personsson', 'anna.personsson@example.se', '070-1234567', 'device-xyz'];

before(async () => {
  server = await startServer({ demo: true });
  key = (await server.command(['apikey', 'create', 'Testklient'])).stdout.trim();
});
after(async () => {
  await server?.stop();
});

function url(path) {
  return `${server.url}/open311/v2/${path}`;
}

async function get(path) {
  return request(url(path));
}

async function post(path, fields, headers = {}) {
  return request(url(path), { method: 'POST', body: urlencode(fields),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } });
}

/* multipart/form-data as mobile Open311 clients send it: fields, then files [{field, name, type, bytes}]. */
function multipart(fields, files) {
  const boundary = `----open311${crypto.randomBytes(8).toString('hex')}`;
  const parts = Object.entries(fields).map(([k, v]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files)
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\n` +
      `Content-Type: ${f.type}\r\n\r\n`), f.bytes, Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } };
}

/* A small PNG whose header claims 20000 × 20000 pixels (a decompression bomb): refused before decoding. */
function pngBomb() {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4), crc = Buffer.alloc(4), body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    len.writeUInt32BE(data.length);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20000, 0);
  ihdr.writeUInt32BE(20000, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(60001))), chunk('IEND', Buffer.alloc(0))]);
}

async function postMultipart(path, fields, files) {
  const m = multipart(fields, files);
  return request(url(path), { method: 'POST', body: m.body, headers: m.headers });
}

/* The text of every <name>…</name> in xml (no nesting of the same name). */
function tags(xml, name) {
  const out = [];
  const re = new RegExp(`<${name}>([\\s\\S]*?)</${name}>|<${name}/>`, 'g');
  for (let m; (m = re.exec(xml));)
    out.push(m[1] ?? '');
  return out;
}

function assertJson(res, status) {
  assert.equal(res.status, status, res.body);
  assert.match(res.headers['content-type'], /^application\/json; charset=utf-8/);
  return JSON.parse(res.body);
}

function assertXml(res, status, root) {
  assert.equal(res.status, status, res.body);
  assert.match(res.headers['content-type'], /^text\/xml; charset=utf-8/);
  assert.match(res.body, /^<\?xml version="1\.0" encoding="utf-8"\?>/);
  assert.match(res.body, new RegExp(`<${root}>[\\s\\S]*</${root}>\\s*$|<${root}/>`));
  return res.body;
}

function assertErrors(res, status, fmt, pattern) {
  if (fmt === 'json') {
    const body = assertJson(res, status);
    assert.ok(Array.isArray(body) && body.length >= 1);
    assert.equal(body[0].code, status);
    assert.match(body[0].description, pattern);
  } else {
    const xml = assertXml(res, status, 'errors');
    assert.deepEqual(tags(xml, 'code'), [String(status)]);
    assert.match(tags(xml, 'description')[0], pattern);
  }
}

async function create(fields = {}, fmt = 'json') {
  const res = await post(`requests.${fmt}`, { api_key: key, service_code: 'klotter', ...INSIDE,
    description: 'Klotter på muren', ...fields });
  assert.equal(res.status, 200, res.body);
  return fmt === 'json' ? JSON.parse(res.body)[0].service_request_id : tags(res.body, 'service_request_id')[0];
}

const REQUEST_FIELDS = ['service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description',
  'agency_responsible', 'service_notice', 'requested_datetime', 'updated_datetime', 'expected_datetime', 'address',
  'address_id', 'zipcode', 'lat', 'long', 'media_url'];

test('discovery in both formats', async () => {
  const j = assertJson(await get('discovery.json'), 200);
  assert.equal(j.endpoints[0].specification, 'http://wiki.open311.org/GeoReport_v2');
  assert.deepEqual(j.endpoints[0].formats, ['text/xml', 'application/json']);
  assert.match(j.changeset, ISO_ZONED);
  const x = assertXml(await get('discovery.xml'), 200, 'discovery');
  assert.deepEqual(tags(x, 'format'), ['text/xml', 'application/json']);
  assert.equal(tags(x, 'type')[0], 'production');
});

test('services: codes as strings, groups, metadata; same in XML', async () => {
  const j = assertJson(await get('services.json'), 200);
  const codes = j.map((s) => s.service_code);
  for (const c of ['gatubelysning', 'klotter', 'nedskrapning', 'felparkerad'])
    assert.ok(codes.includes(c), c);
  for (const s of j) {
    assert.deepEqual(Object.keys(s), ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group']);
    assert.equal(typeof s.service_code, 'string');
    assert.ok(['gata', 'park', 'parkering'].includes(s.group));
  }
  assert.equal(j.find((s) => s.service_code === 'felparkerad').metadata, true);
  assert.equal(j.find((s) => s.service_code === 'gatubelysning').metadata, false);
  const x = assertXml(await get('services.xml'), 200, 'services');
  assert.deepEqual(tags(x, 'service_code'), codes);
  const en = await request(url('services.json'), { headers: { 'Accept-Language': 'en' } });
  assert.ok(JSON.parse(en.body).some((s) => s.service_name === 'Wrongly parked vehicle'));
});

test('service definition with attributes and values; unknown code is 404 in both formats', async () => {
  const j = assertJson(await get('services/felparkerad.json'), 200);
  assert.equal(j.service_code, 'felparkerad');
  const reg = j.attributes.find((a) => a.code === 'registreringsnummer');
  assert.equal(reg.required, true);
  assert.equal(reg.datatype, 'string');
  assert.equal(reg.variable, true);
  const list = j.attributes.find((a) => a.code === 'hinder');
  assert.equal(list.datatype, 'singlevaluelist');
  assert.ok(list.values.some((v) => v.key === 'utfart'));
  const x = assertXml(await get('services/felparkerad.xml'), 200, 'service_definition');
  assert.ok(tags(x, 'key').includes('utfart'));
  assert.equal(tags(x, 'required')[0], 'true');
  for (const fmt of ['json', 'xml'])
    assertErrors(await get(`services/finns-inte.${fmt}`), 404, fmt, /service_code/);
});

test('POST requests: 403 without or with a wrong key, in both formats', async () => {
  for (const fmt of ['json', 'xml']) {
    assertErrors(await post(`requests.${fmt}`, { service_code: 'klotter', ...INSIDE }), 403, fmt, /api_key/);
    assertErrors(await post(`requests.${fmt}`, { api_key: 'fel', service_code: 'klotter', ...INSIDE }), 403, fmt, /api_key/);
  }
});

test('POST requests: 400 for what is missing or wrong, in both formats', async () => {
  const cases = [
    [{}, /service_code/],
    [{ service_code: 'klotter' }, /location/],
    [{ service_code: 'klotter', lat: '57.7' }, /together/],
    [{ service_code: 'klotter', ...OUTSIDE }, /outside/],
    [{ service_code: 'klotter', lat: 'x', long: '12' }, /numbers/],
    [{ service_code: 'felparkerad', ...INSIDE }, /registreringsnummer is required/],
    [{ service_code: 'felparkerad', ...INSIDE, 'attribute[registreringsnummer]': 'ABC123', 'attribute[hinder]': 'nej' }, /no value/],
    [{ service_code: 'klotter', ...INSIDE, 'attribute[okand]': 'x' }, /not one of this service/],
    [{ service_code: 'klotter', ...INSIDE, description: 'x'.repeat(4001) }, /4000/],
    [{ service_code: 'klotter', ...INSIDE, media_url: 'javascript:alert(1)' }, /media_url/],
  ];
  for (const fmt of ['json', 'xml'])
    for (const [fields, pattern] of cases)
      assertErrors(await post(`requests.${fmt}`, { api_key: key, ...fields }), 400, fmt, pattern);
  // The specification's error list: a service_code that does not exist is not found.
  for (const fmt of ['json', 'xml'])
    assertErrors(await post(`requests.${fmt}`, { api_key: key, service_code: 'finns-inte', ...INSIDE }), 404, fmt,
      /service_code not found/);
});

test('POST requests in JSON and XML: the answer is exactly the specification\'s (id, notice, account_id)', async () => {
  const res = await post('requests.json', { api_key: key, service_code: 'felparkerad', ...INSIDE,
    'attribute[registreringsnummer]': 'ABC123', 'attribute[hinder]': 'utfart', account_id: 'acc-1',
    description: 'Bil på trottoaren' });
  const j = assertJson(res, 200);
  assert.equal(j.length, 1);
  assert.deepEqual(Object.keys(j[0]), ['service_request_id', 'service_notice', 'account_id']);
  assert.match(j[0].service_request_id, /^\d+$/);
  assert.equal(j[0].account_id, 'acc-1');
  // Without an account_id it is null, as in the specification's example.
  const bare = assertJson(await post('requests.json', { api_key: key, service_code: 'klotter', ...INSIDE }), 200);
  assert.deepEqual(Object.keys(bare[0]), ['service_request_id', 'service_notice', 'account_id']);
  assert.equal(bare[0].account_id, null);
  assert.equal(bare[0].service_notice, '');
  const x = assertXml(await post('requests.xml', { api_key: key, service_code: 'klotter', address_string: 'Gamla vägen 1' }),
    200, 'service_requests');
  assert.match(x, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<service_requests><request><service_request_id>\d+<\/service_request_id><service_notice><\/service_notice><account_id\/><\/request><\/service_requests>\n$/);
  assert.deepEqual(tags(x, 'token'), [], 'no token: the id is known at once');
});

test('liberal: api_key in the query, jurisdiction_id, attribute[code][], first/last name, repeated media_url', async () => {
  const body = urlencode([['service_code', 'klotter'], ['lat', '57.74'], ['long', '12.10'], ['jurisdiction_id', 'partille.se'],
    ['attribute[stotande][]', 'ja'], ['first_name', 'Anna'], ['last_name', 'Personsson'],
    ['media_url', 'https://example.org/a.jpg'], ['media_url', 'https://example.org/b.jpg']]);
  const res = await request(url(`requests.xml?api_key=${encodeURIComponent(key)}`), { method: 'POST', body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  const id = tags(assertXml(res, 200, 'service_requests'), 'service_request_id')[0];
  const one = assertJson(await get(`requests/${id}.json?extensions=true&jurisdiction_id=partille.se`), 200)[0];
  assert.equal(one.media_url, 'https://example.org/a.jpg');
  assert.deepEqual(one.extended_attributes.photos, ['https://example.org/a.jpg', 'https://example.org/b.jpg']);
  // A configured jurisdiction must match.
  await server.command(['settings', 'set', 'open311_jurisdiction', 'partille.se']).catch(() => null);
  const set = (await server.sql("SELECT COUNT(*) FROM settings WHERE name = 'open311_jurisdiction'")).trim();
  if (set === '0')
    await server.sql("INSERT INTO settings (name, value) VALUES ('open311_jurisdiction', 'partille.se')");
  for (const fmt of ['json', 'xml'])
    assertErrors(await get(`services.${fmt}?jurisdiction_id=annan.se`), 404, fmt, /jurisdiction_id/);
  assertJson(await get('services.json?jurisdiction_id=partille.se'), 200);
  await server.sql("DELETE FROM settings WHERE name = 'open311_jurisdiction'");
});

test('jurisdiction_id: optional; when one is configured, a different one is 404 on every call, in both formats', async () => {
  // Not configured: any value is taken (one jurisdiction per endpoint), missing too.
  assertJson(await get('services.json?jurisdiction_id=vad.som.helst'), 200);
  await server.sql("DELETE FROM settings WHERE name = 'open311_jurisdiction'");
  await server.sql("INSERT INTO settings (name, value) VALUES ('open311_jurisdiction', 'partille.se')");
  try {
    const id = await create({ jurisdiction_id: 'partille.se' });
    assertJson(await get(`requests/${id}.json`), 200); // missing: fine, it is not required
    for (const fmt of ['json', 'xml']) {
      for (const p of ['discovery', 'services', 'services/klotter', 'requests', `requests/${id}`, 'servicerequestupdates'])
        assertErrors(await get(`${p}.${fmt}?jurisdiction_id=goteborg.se`), 404, fmt, /jurisdiction_id not found/);
      assertErrors(await post(`requests.${fmt}`, { api_key: key, service_code: 'klotter', ...INSIDE, jurisdiction_id: 'goteborg.se' }),
        404, fmt, /jurisdiction_id not found/);
    }
  } finally {
    await server.sql("DELETE FROM settings WHERE name = 'open311_jurisdiction'");
  }
});

test('multipart POST with photos in media, media[] or photo: re-encoded, stripped, shown as media_url', async () => {
  const SECRET = 'KameraSerie-0311';
  const png = makePng({ width: 90, height: 70, comment: SECRET });
  const res = await postMultipart('requests.json', { api_key: key, service_code: 'klotter', ...INSIDE,
    description: 'Klotter, foto från appen' }, [{ field: 'media', name: 'IMG_1.png', type: 'image/png', bytes: png }]);
  const id = assertJson(res, 200)[0].service_request_id;
  const one = assertJson(await get(`requests/${id}.json?extensions=true`), 200)[0];
  assert.match(one.media_url, /^http:\/\/[^/]+\/felanmalan\/foto\/\d+\.jpg$/);
  assert.deepEqual(one.extended_attributes.photos, [one.media_url]);
  const jpeg = await request(one.media_url);
  assert.equal(jpeg.status, 200);
  assert.equal(jpeg.headers['content-type'], 'image/jpeg');
  assert.deepEqual([...jpeg.buffer.subarray(0, 2)], [0xff, 0xd8]);
  assert.ok(!jpeg.buffer.includes(Buffer.from(SECRET)), 'metadata stripped');
  // media[] repeated and photo (FixMyStreet's apps), in XML, beside a media_url.
  const x = await postMultipart('requests.xml', { api_key: key, service_code: 'klotter', ...INSIDE,
    media_url: 'https://example.org/c.jpg' }, [
    { field: 'media[]', name: 'a.png', type: 'image/png', bytes: makePng({ seed: 2 }) },
    { field: 'media[]', name: 'b.png', type: 'image/png', bytes: makePng({ seed: 3 }) },
    { field: 'photo', name: 'c.png', type: 'image/png', bytes: makePng({ seed: 4 }) }]);
  const xid = tags(assertXml(x, 200, 'service_requests'), 'service_request_id')[0];
  const photos = assertJson(await get(`requests/${xid}.json?extensions=true`), 200)[0].extended_attributes.photos;
  assert.equal(photos.length, 4);
  assert.equal(photos[0], 'https://example.org/c.jpg');
  assert.equal(photos.filter((p) => /\/felanmalan\/foto\/\d+\.jpg$/.test(p)).length, 3);
  // Not an image, too many, no key: the specification's error bodies.
  for (const fmt of ['json', 'xml']) {
    const before = (await server.sql('SELECT COUNT(*) FROM reports')).trim();
    assertErrors(await postMultipart(`requests.${fmt}`, { api_key: key, service_code: 'klotter', ...INSIDE },
      [{ field: 'media', name: 'x.jpg', type: 'image/jpeg', bytes: Buffer.from('inte en bild alls') }]), 400, fmt,
    /media must be a JPEG, PNG, WebP or HEIC image/);
    assertErrors(await postMultipart(`requests.${fmt}`, { api_key: key, service_code: 'klotter', ...INSIDE },
      Array.from({ length: 6 }, (_, i) => ({ field: 'media[]', name: `${i}.png`, type: 'image/png', bytes: makePng({ seed: i }) }))),
    400, fmt, /at most 5/);
    assertErrors(await postMultipart(`requests.${fmt}`, { api_key: key, service_code: 'klotter', ...INSIDE },
      [{ field: 'media', name: 'bomb.png', type: 'image/png', bytes: pngBomb() }]), 400, fmt, /at most 40 megapixels/);
    assertErrors(await postMultipart(`requests.${fmt}`, { service_code: 'klotter', ...INSIDE },
      [{ field: 'media', name: 'a.png', type: 'image/png', bytes: png }]), 403, fmt, /api_key/);
    assert.equal((await server.sql('SELECT COUNT(*) FROM reports')).trim(), before, 'nothing stored on an error');
  }
});

test('GET requests: fields, dates with zone, open/closed, same in XML', async () => {
  const id = await create();
  const list = assertJson(await get('requests.json'), 200);
  const one = list.find((r) => r.service_request_id === id);
  assert.deepEqual(Object.keys(one), REQUEST_FIELDS);
  assert.equal(one.status, 'open');
  assert.match(one.requested_datetime, ISO_ZONED);
  assert.match(one.updated_datetime, ISO_ZONED);
  assert.equal(one.lat, 57.74);
  const x = assertXml(await get('requests.xml'), 200, 'service_requests');
  assert.deepEqual(tags(x, 'service_request_id'), list.map((r) => r.service_request_id));
  for (const d of tags(x, 'requested_datetime'))
    assert.match(d, ISO_ZONED);
  // closed after a status change
  await server.sql(`UPDATE reports SET status = 'fixed', is_open = 0 WHERE id = ${id}`);
  const closed = assertJson(await get('requests.json?status=closed'), 200);
  assert.ok(closed.some((r) => r.service_request_id === id && r.status === 'closed'));
  assert.ok(!assertJson(await get('requests.json?status=open'), 200).some((r) => r.service_request_id === id));
});

test('GET requests: filters and extensions', async () => {
  const a = await create({ service_code: 'nedskrapning', description: 'Skräp' });
  const b = await create({ service_code: 'gatubelysning', lat: '57.745', long: '12.115', description: 'Lampa' });
  const ids = (r) => r.map((x) => x.service_request_id);
  assert.deepEqual(ids(assertJson(await get(`requests.json?service_request_id=${a},${b}`), 200)), [a, b]);
  const byCode = ids(assertJson(await get('requests.json?service_code=nedskrapning,gatubelysning'), 200));
  assert.ok(byCode.includes(a) && byCode.includes(b));
  assert.ok(!ids(assertJson(await get('requests.json?service_code=gatubelysning'), 200)).includes(a));
  assert.deepEqual(assertJson(await get('requests.json?start_date=2001-01-01T00:00:00Z&end_date=2001-02-01T00:00:00%2B01:00'), 200), []);
  assert.ok(ids(assertJson(await get('requests.json?start_date=2001-01-01T00:00:00Z'), 200)).includes(a));
  const near = ids(assertJson(await get('requests.json?lat=57.745&long=12.115&radius=100'), 200));
  assert.ok(near.includes(b) && !near.includes(a));
  const box = ids(assertJson(await get('requests.json?bbox=12.11,57.74,12.12,57.75'), 200));
  assert.deepEqual(box.includes(b) && !box.includes(a), true);
  const page1 = assertJson(await get('requests.json?page_size=1&page=1'), 200);
  const page2 = assertJson(await get('requests.json?page_size=1&page=2'), 200);
  assert.equal(page1.length, 1);
  assert.notEqual(page1[0].service_request_id, page2[0].service_request_id);
  assert.deepEqual(assertJson(await get('requests.json?updated_after=2100-01-01T00:00:00Z'), 200), []);
  assert.ok(ids(assertJson(await get('requests.json?updated_before=2100-01-01T00:00:00Z'), 200)).includes(a));
  const ext = assertJson(await get(`requests.json?service_request_id=${a}&extensions=true`), 200)[0];
  assert.equal(ext.extended_attributes.detailed_status, 'OPEN');
  assert.ok(Array.isArray(ext.notes));
  const xext = assertXml(await get(`requests.xml?service_request_id=${a}&extensions=true`), 200, 'service_requests');
  assert.equal(tags(xext, 'detailed_status')[0], 'OPEN');
  for (const fmt of ['json', 'xml']) {
    assertErrors(await get(`requests.${fmt}?start_date=igår`), 400, fmt, /start_date/);
    assertErrors(await get(`requests.${fmt}?status=kanske`), 400, fmt, /status/);
    assertErrors(await get(`requests.${fmt}?bbox=1,2,3`), 400, fmt, /bbox/);
    assertErrors(await get(`requests.${fmt}?lat=57.7`), 400, fmt, /lat/);
    assertErrors(await get(`requests.${fmt}?page=0`), 400, fmt, /page/);
  }
});

test('GET requests/{id} and tokens/{token}; 404 in both formats', async () => {
  const res = await post('requests.json', { api_key: key, service_code: 'klotter', ...INSIDE });
  const { service_request_id: id } = JSON.parse(res.body)[0];
  // POST answers with the id; a report's public token is what tokens/ resolves.
  const token = (await server.sql(`SELECT public_token FROM reports WHERE id = ${id}`)).trim();
  assert.match(token, /^[a-z2-9]{26}$/);
  const one = assertJson(await get(`requests/${id}.json`), 200);
  assert.equal(one.length, 1);
  assert.equal(one[0].service_request_id, id);
  assert.equal(tags(assertXml(await get(`requests/${id}.xml`), 200, 'service_requests'), 'service_request_id')[0], id);
  assert.deepEqual(assertJson(await get(`tokens/${token}.json`), 200), [{ service_request_id: id, token }]);
  assert.equal(tags(assertXml(await get(`tokens/${token}.xml`), 200, 'service_requests'), 'token')[0], token);
  for (const fmt of ['json', 'xml']) {
    assertErrors(await get(`requests/999999.${fmt}`), 404, fmt, /not found/);
    assertErrors(await get(`tokens/finnsinte.${fmt}`), 404, fmt, /not found/);
    assertErrors(await get(`finnsinte.${fmt}`), 404, fmt, /no such/);
  }
});

test('servicerequestupdates in both formats', async () => {
  const id = await create();
  const j = assertJson(await get('servicerequestupdates.json'), 200);
  const u = j.find((x) => x.service_request_id === id);
  assert.deepEqual(Object.keys(u), ['update_id', 'service_request_id', 'status', 'updated_datetime', 'description', 'media_url']);
  assert.match(u.updated_datetime, ISO_ZONED);
  const x = assertXml(await get('servicerequestupdates.xml?start_date=2001-01-01'), 200, 'service_request_updates');
  assert.ok(tags(x, 'service_request_id').includes(id));
});

test('XML is escaped; revoked keys stop working', async () => {
  const id = await create({ description: '<b>&"\'</b>' }, 'xml');
  const x = assertXml(await get(`requests/${id}.xml`), 200, 'service_requests');
  assert.equal(tags(x, 'description')[0], '&lt;b&gt;&amp;&quot;&apos;&lt;/b&gt;');
  const other = (await server.command(['apikey', 'create', 'Kortlivad'])).stdout.trim();
  const listed = (await server.command(['apikey', 'list'])).stdout;
  const keyId = /^(\d+)\tKortlivad/m.exec(listed)[1];
  assert.equal((await post('requests.json', { api_key: other, service_code: 'klotter', ...INSIDE })).status, 200);
  await server.command(['apikey', 'revoke', keyId]);
  assertErrors(await post('requests.json', { api_key: other, service_code: 'klotter', ...INSIDE }), 403, 'json', /api_key/);
  assert.ok(!listed.includes(other), 'the key itself is never listed');
});

test('no personal data in any answer', async () => {
  const id = await create({ first_name: PERSONAL[0], last_name: PERSONAL[1], email: PERSONAL[2], phone: PERSONAL[3],
    device_id: PERSONAL[4] });
  const bodies = [];
  for (const fmt of ['json', 'xml'])
    for (const p of ['requests', `requests/${id}`, 'servicerequestupdates'])
      bodies.push((await get(`${p}.${fmt}?extensions=true`)).body);
  for (const body of bodies)
    for (const secret of PERSONAL)
      assert.ok(!body.includes(secret), `${secret} leaked`);
});

test('API keys on /personal/apinycklar: admin only, shown once, stored as a hash, revoked at once', async () => {
  const handler = new Client(server.url);
  await login(handler, DEMO.handlaggare.email, DEMO.handlaggare.password);
  assert.equal((await handler.get('/personal/apinycklar')).status, 403);
  const admin = new Client(server.url);
  assert.equal((await login(admin, DEMO.admin.email, DEMO.admin.password)).status, 303);
  const made = await admin.submit('/personal/apinycklar', { name: 'Sidans klient' }, { action: '/personal/apinycklar' });
  assert.equal(made.status, 303);
  const page = await admin.get('/personal/apinycklar');
  const shown = /<p class="secret">([a-z2-9]{52})<\/p>/.exec(page.body)[1];
  assert.ok(!(await admin.get('/personal/apinycklar')).body.includes(shown), 'shown once');
  assert.equal((await server.sql(`SELECT COUNT(*) FROM report_api_keys WHERE key_hash = '${shown}'`)).trim(), '0');
  assert.equal((await post('requests.json', { api_key: shown, service_code: 'klotter', ...INSIDE })).status, 200);
  const id = /action="\/personal\/apinycklar\/(\d+)\/aterkalla"/.exec(page.body.slice(page.body.indexOf('Sidans klient')))[1];
  assert.equal((await admin.submit('/personal/apinycklar', {}, { action: `/personal/apinycklar/${id}/aterkalla`, page })).status, 303);
  assertErrors(await post('requests.xml', { api_key: shown, service_code: 'klotter', ...INSIDE }), 403, 'xml', /api_key/);
});

test('multipart POST: a photo over the upload limit is refused with 413 and nothing is stored', async () => {
  const small = await startServer({ demo: true, config: { upload_file_limit: '200000' } });
  try {
    const smallKey = (await small.command(['apikey', 'create', 'Liten'])).stdout.trim();
    const m = multipart({ api_key: smallKey, service_code: 'klotter', ...INSIDE },
      [{ field: 'media', name: 'stor.png', type: 'image/png', bytes: Buffer.concat([makePng(), crypto.randomBytes(300000)]) }]);
    const res = await request(`${small.url}/open311/v2/requests.json`, { method: 'POST', body: m.body, headers: m.headers });
    assertErrors(res, 413, 'json', /too large/);
    const xml = await request(`${small.url}/open311/v2/requests.xml`, { method: 'POST', body: m.body, headers: m.headers });
    assertErrors(xml, 413, 'xml', /too large/);
    assert.equal((await small.sql("SELECT COUNT(*) FROM reports WHERE source = 'api'")).trim(), '0');
  } finally {
    await small.stop();
  }
});

test('errors found before the API sees the request are GeoReport v2 error lists too', async () => {
  // A body declared over the limit (refused before it is sent), a wrong method, an unknown path.
  const big = await request(`${server.url}/open311/v2/requests.json`, { method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(200 * 1024 * 1024) }, body: 'a=b' })
    .catch((e) => e);
  if (!(big instanceof Error))
    assertErrors(big, 413, 'json', /too large/);
  assertErrors(await request(`${server.url}/open311/v2/requests.json`, { method: 'DELETE' }), 405, 'json', /method/);
  assertErrors(await request(`${server.url}/open311/v2/requests.xml`, { method: 'PUT', body: 'x=1',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 405, 'xml', /method/);
  assertErrors(await request(`${server.url}/open311/v2/a/b/c.json`), 404, 'json', /not found/);
  assertErrors(await request(`${server.url}/open311/v2/a/b/c`), 404, 'xml', /not found/);
  // A malformed form body.
  assertErrors(await request(`${server.url}/open311/v2/requests.json`, { method: 'POST',
    headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, body: '--x\r\nbroken' }), 400, 'json', /could not be read/);
  // Pages outside the API keep the HTML error page.
  const page = await request(`${server.url}/felanmalan/a/b/c`);
  assert.equal(page.status, 404);
  assert.match(page.headers['content-type'], /text\/html/);
});
