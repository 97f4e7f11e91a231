// reports.test.mjs — Felanmälan from the resident's side: the form without
// JavaScript (categories grouped, extra questions, place chooser, errors kept),
// "is it one of these?" and support, the private follow-up link (add
// information, withdraw), photos re-encoded with every piece of metadata —
// EXIF GPS and camera included — gone, and no personal data in any public
// page or API answer. A report from the form looks the same in every output
// (web page, Atom, XML, JSON, the map's GeoJSON) as one sent through the API.
// The place taken from a photo's GPS only with consent, HEIC photos, and the
// markers of the public map.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, DEMO } from '../lib/rig.mjs';
import { Client, login, request, urlencode } from '../lib/client.mjs';
import { csrfToken, forms, text } from '../lib/html.mjs';
import { makePng } from '../lib/png.mjs';

let server, key;
const PLACE = { place_lat: '57.74', place_lon: '12.10', place_text: 'Vid muren' };
const PERSONAL = { name: 'Bertil Hemligsson', email: 'bertil.hemligsson@example.se', phone: '070-9876543' };
const GPS_SECRET = 'TryggTestKamera-SN4711';

before(async () => {
  server = await startServer({ demo: true });
  key = (await server.command(['apikey', 'create', 'Jämförelse'])).stdout.trim();
});
after(async () => {
  await server?.stop();
});

function resident(lang = 'sv') {
  return new Client(server.url, { lang });
}

/* Posts the form as a browser does: multipart, with the page's csrf token. */
async function sendForm(client, fields, files = []) {
  const page = await client.get('/felanmalan');
  assert.equal(page.status, 200);
  const boundary = `----trygg${crypto.randomBytes(8).toString('hex')}`;
  const parts = [['csrf', csrfToken(page.body)], ...Object.entries(fields)].map(([k, v]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files)
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="${f.name}"\r\n` +
      `Content-Type: ${f.type}\r\n\r\n`), f.bytes, Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return client.send('/felanmalan', {
    method: 'POST', body: Buffer.concat(parts),
    headers: { Origin: client.origin, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
  });
}

/* A tiny big-endian EXIF segment (APP1) with a camera make and a GPS position. */
function exifSegment() {
  const make = Buffer.from(`${GPS_SECRET}\0`, 'latin1');
  const entry = (tag, type, count, value) => {
    const b = Buffer.alloc(12);
    b.writeUInt16BE(tag, 0); b.writeUInt16BE(type, 2); b.writeUInt32BE(count, 4);
    if (Buffer.isBuffer(value)) value.copy(b, 8); else b.writeUInt32BE(value, 8);
    return b;
  };
  // Layout (offsets from the TIFF header): header 8, IFD0 (2 entries) 8+2+24+4 = 38 → make at 38,
  // GPS IFD after the make, then the three rationals of the latitude.
  const makeAt = 38, gpsAt = makeAt + make.length, gpsSize = 2 + 2 * 12 + 4, ratAt = gpsAt + gpsSize;
  const ifd0 = Buffer.concat([Buffer.from([0, 2]), entry(0x010f, 2, make.length, makeAt), entry(0x8825, 4, 1, gpsAt),
    Buffer.alloc(4)]);
  const gps = Buffer.concat([Buffer.from([0, 2]), entry(0x0001, 2, 2, Buffer.from('N\0\0\0', 'latin1')),
    entry(0x0002, 5, 3, ratAt), Buffer.alloc(4)]);
  const rat = Buffer.alloc(24);
  [[57, 1], [44, 1], [2400, 100]].forEach(([n, d], i) => { rat.writeUInt32BE(n, i * 8); rat.writeUInt32BE(d, i * 8 + 4); });
  const tiff = Buffer.concat([Buffer.from('MM\0\x2a\0\0\0\x08', 'latin1'), ifd0, make, gps, rat]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length + 2);
  return Buffer.concat([Buffer.from([0xff, 0xe1]), len, body]);
}

/* A JPEG with an EXIF segment that holds a camera make and a full GPS
 * position (latitude and longitude with their N/S and E/W references), built
 * byte by byte (big-endian TIFF) and put in after the SOI of jpeg. */
function withGps(jpeg, lat, lon, make = GPS_SECRET) {
  const text = Buffer.from(`${make}\0${make.length % 2 ? '' : '\0'}`, 'latin1'); // even length keeps offsets even
  const entry = (tag, type, count, value) => {
    const b = Buffer.alloc(12);
    b.writeUInt16BE(tag, 0); b.writeUInt16BE(type, 2); b.writeUInt32BE(count, 4);
    if (Buffer.isBuffer(value)) value.copy(b, 8); else b.writeUInt32BE(value, 8);
    return b;
  };
  const dms = (deg) => {
    const a = Math.abs(deg), d = Math.floor(a), m = Math.floor((a - d) * 60);
    const sec = Math.round(((a - d) * 60 - m) * 60 * 10000);
    const b = Buffer.alloc(24);
    [[d, 1], [m, 1], [sec, 10000]].forEach(([n, q], i) => { b.writeUInt32BE(n, i * 8); b.writeUInt32BE(q, i * 8 + 4); });
    return b;
  };
  const ifd0At = 8, makeAt = ifd0At + 2 + 2 * 12 + 4, gpsAt = makeAt + text.length;
  const latAt = gpsAt + 2 + 4 * 12 + 4, lonAt = latAt + 24;
  const ifd0 = Buffer.concat([Buffer.from([0, 2]), entry(0x010f, 2, make.length + 1, makeAt), entry(0x8825, 4, 1, gpsAt),
    Buffer.alloc(4)]);
  const gps = Buffer.concat([Buffer.from([0, 4]),
    entry(0x0001, 2, 2, Buffer.from(`${lat < 0 ? 'S' : 'N'}\0\0\0`, 'latin1')), entry(0x0002, 5, 3, latAt),
    entry(0x0003, 2, 2, Buffer.from(`${lon < 0 ? 'W' : 'E'}\0\0\0`, 'latin1')), entry(0x0004, 5, 3, lonAt),
    Buffer.alloc(4)]);
  const tiff = Buffer.concat([Buffer.from('MM\0\x2a\0\0\0\x08', 'latin1'), ifd0, text, gps, dms(lat), dms(lon)]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), len, body, jpeg.subarray(2)]);
}

/* What exiftool (Debian's libimage-exiftool-perl) reads from bytes as {tag: value}, or null without it. */
function exiftool(bytes, ...tags) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trygg-exif-'));
  try {
    const file = path.join(dir, 'f.jpg');
    fs.writeFileSync(file, bytes);
    return JSON.parse(execFileSync('exiftool', ['-j', '-n', ...tags, file], { encoding: 'utf8' }))[0];
  } catch (e) {
    if (e.code === 'ENOENT')
      return null;
    throw e;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/* A plain JPEG re-encoded by Trygg itself (from a PNG sent through the API). */
async function plainJpeg(seed = 5) {
  const boundary = `----trygg${crypto.randomBytes(8).toString('hex')}`;
  const fields = { api_key: key, service_code: 'klotter', lat: '57.74', long: '12.10', description: 'Bas för testbild' };
  const parts = Object.entries(fields).map(([k, v]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="a.png"\r\n` +
    'Content-Type: image/png\r\n\r\n'), makePng({ width: 120, height: 90, seed }), Buffer.from(`\r\n--${boundary}--\r\n`));
  const res = await request(`${server.url}/open311/v2/requests.json`, { method: 'POST', body: Buffer.concat(parts),
    headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } });
  assert.equal(res.status, 200, res.body);
  const id = JSON.parse(res.body)[0].service_request_id;
  const media = JSON.parse((await api(`requests/${id}.json`)).body)[0].media_url;
  return (await request(media)).buffer;
}

/* How report id looks in each public output, with what must differ between
 * two reports (number, times, links) taken out. */
async function outputs(id) {
  const out = {};
  const ext = JSON.parse((await api(`requests/${id}.json?extensions=true`)).body)[0];
  for (const k of ['service_request_id', 'requested_datetime', 'updated_datetime'])
    delete ext[k];
  ext.notes = ext.notes.map((n) => ({ ...n, datetime: 'T' }));
  out.json = ext;
  out.xml = (await api(`requests/${id}.xml?extensions=true`)).body
    .replace(/<(service_request_id|requested_datetime|updated_datetime|datetime)>[^<]*<\/\1>/g, '<$1/>');
  const page = (await resident().get(`/felanmalan/arende/${id}`)).body;
  out.page = {
    facts: [...page.matchAll(/<dt>([^<]*)<\/dt><dd>([^<]*)<\/dd>/g)].filter((m) => m[1] !== 'Inkommen').map((m) => `${m[1]}=${m[2]}`),
    description: /<h2>Beskrivning<\/h2>\s*<p>([^<]*)<\/p>/.exec(page)?.[1],
    history: [...page.matchAll(/<li>[^<]*?: ([^<]*)<\/li>/g)].map((m) => m[1]),
  };
  assert.ok(out.page.description && out.page.facts.length >= 3, 'the public page was read');
  const feed = (await resident().get('/felanmalan/flode')).body;
  const entry = [...feed.matchAll(/<entry>[\s\S]*?<\/entry>/g)].map((m) => m[0]).find((e) => e.includes(`/felanmalan/arende/${id}<`));
  assert.ok(entry, 'the report is in the feed');
  out.atom = entry.replace(/<(id|updated|published)>[^<]*<\/\1>/g, '<$1/>').replace(/href="[^"]*"/g, 'href=""');
  const geo = JSON.parse((await resident().get('/felanmalan/karta.geojson')).body).features.find((f) => f.properties.id === Number(id));
  assert.ok(geo, 'the report is on the map');
  out.geojson = { geometry: geo.geometry, properties: { ...geo.properties, id: 0, url: '' } };
  return out;
}

/* The service_request_id of a follow-up page's reference number. */
function reference(html) {
  return /Referensnummer<\/dt><dd>(\d+)<\/dd>/.exec(html)?.[1];
}

async function api(path) {
  const res = await request(`${server.url}/open311/v2/${path}`);
  assert.equal(res.status, 200, res.body);
  return res;
}

test('the form: categories grouped Gata / Park / Parkering, extra questions, place chooser, photos, no script needed', async () => {
  const res = await resident().get('/felanmalan');
  assert.equal(res.status, 200);
  const form = forms(res.body).find((f) => f.action === '/felanmalan');
  assert.ok(form);
  assert.equal(form.attrs.enctype, 'multipart/form-data');
  const names = new Set(form.fields.map((f) => f.name));
  for (const n of ['csrf', 'category', 'place_area', 'place_text', 'place_lat', 'place_lon', 'description', 'photos',
    'name', 'email', 'phone', 'attr-felparkerad-registreringsnummer'])
    assert.ok(names.has(n), `field ${n}`);
  const t = text(res.body);
  for (const g of ['Gata', 'Park', 'Parkering'])
    assert.ok(t.includes(g), g);
  const en = await resident('en').get('/felanmalan');
  assert.ok(text(en.body).includes('Wrongly parked vehicle'));
});

test('errors are shown with what was typed kept', async () => {
  const res = await resident().submit('/felanmalan', { description: 'Något', ...PLACE }, { action: '/felanmalan' });
  assert.equal(res.status, 422);
  assert.match(res.body, /error-summary/);
  assert.ok(res.body.includes('Något'));
  const missing = await resident().submit('/felanmalan', { category: 'felparkerad', description: 'Bil', ...PLACE },
    { action: '/felanmalan' });
  assert.equal(missing.status, 422, 'a required question unanswered');
  const noPlace = await resident().submit('/felanmalan', { category: 'klotter', description: 'Klotter' }, { action: '/felanmalan' });
  assert.equal(noPlace.status, 422);
});

test('an anonymous report: reference number and a private follow-up link; the same in the API as one sent there', async () => {
  const c = resident();
  const res = await c.submit('/felanmalan', { category: 'gatubelysning', description: 'Lampan blinkar', ...PLACE,
    place_lat: '57.7402', place_lon: '12.1003' }, { action: '/felanmalan' });
  assert.equal(res.status, 303, res.body);
  assert.match(res.headers.location, /^\/felanmalan\/folj\/[a-z2-9]{26}$/);
  const page = await c.get(res.headers.location);
  assert.equal(page.status, 200);
  const id = reference(page.body);
  assert.ok(id);
  assert.ok(text(page.body).includes('Mottagen'));
  const viaForm = JSON.parse((await api(`requests/${id}.json`)).body)[0];
  const posted = await request(`${server.url}/open311/v2/requests.json`, { method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: urlencode({ api_key: key, service_code: 'gatubelysning', lat: '57.7402', long: '12.1003',
      address_string: 'Vid muren', description: 'Lampan blinkar' }) });
  const other = JSON.parse(posted.body)[0].service_request_id;
  const viaApi = JSON.parse((await api(`requests/${other}.json`)).body)[0];
  for (const k of ['service_request_id', 'requested_datetime', 'updated_datetime'])
    delete viaForm[k], delete viaApi[k];
  assert.deepEqual(viaForm, viaApi);
  // …and in every other output: JSON with extensions, XML, the public page, the Atom feed, the map's GeoJSON.
  const looks = await Promise.all([id, other].map((n) => outputs(n)));
  for (const what of Object.keys(looks[0]))
    assert.deepEqual(looks[0][what], looks[1][what], what);
  assert.equal((await resident().get('/felanmalan/folj/abcdefghijkmnpqrstuvwxyz2')).status, 404);
});

test('"is it one of these?": open reports of the same category nearby, support, or send anyway', async () => {
  const c = resident();
  const first = await c.submit('/felanmalan', { category: 'lekplats', description: 'Gungan är trasig', ...PLACE },
    { action: '/felanmalan' });
  assert.equal(first.status, 303);
  const id = reference((await c.get(first.headers.location)).body);
  const other = resident();
  const again = await other.submit('/felanmalan', { category: 'lekplats', description: 'Trasig gunga', ...PLACE },
    { action: '/felanmalan' });
  assert.equal(again.status, 200);
  assert.ok(again.body.includes('Gungan är trasig'));
  assert.ok(forms(again.body).some((f) => f.action === `/felanmalan/${id}/stod`));
  const sup = await other.submit('/felanmalan', {}, { action: `/felanmalan/${id}/stod`, page: again });
  assert.equal(sup.status, 303);
  assert.equal((await server.sql(`SELECT supporters FROM reports WHERE id = ${id}`)).trim(), '1');
  const anyway = await other.submit('/felanmalan', { category: 'lekplats', description: 'Trasig gunga' },
    { action: '/felanmalan', page: again });
  assert.equal(anyway.status, 303, 'confirmed: sent');
});

test('the follow-up link: add information (not public), withdraw (closed in the API)', async () => {
  const c = resident();
  const res = await c.submit('/felanmalan', { category: 'nedskrapning', description: 'Skräp vid bänken', ...PLACE,
    ...PERSONAL }, { action: '/felanmalan' });
  assert.equal(res.status, 303);
  const link = res.headers.location;
  const page = await c.get(link);
  const id = reference(page.body);
  for (const v of Object.values(PERSONAL))
    assert.ok(!page.body.includes(v), 'the follow-up page shows no contact details either');
  const add = await c.submit(link, { text: 'Det ligger glas också' }, { action: `${link}/komplettera` });
  assert.equal(add.status, 303);
  const api1 = (await api(`requests/${id}.json?extensions=true`)).body;
  assert.ok(!api1.includes('glas'), 'what the resident adds is for staff');
  const w = await c.submit(link, {}, { action: `${link}/aterkalla` });
  assert.equal(w.status, 303);
  assert.ok(text((await c.get(link)).body).includes('Återkallad'));
  assert.equal(JSON.parse((await api(`requests/${id}.json`)).body)[0].status, 'closed');
  // Mail with the link was queued for the address given.
  assert.equal((await server.sql(`SELECT COUNT(*) FROM mail_outbox WHERE recipient = '${PERSONAL.email}'`)).trim(), '1');
});

test('photos: re-encoded, EXIF with GPS and camera gone, thumbnails made', async () => {
  const c = resident();
  const png = makePng({ width: 80, height: 60, comment: GPS_SECRET });
  const first = await sendForm(c, { category: 'klotter', description: 'Klotter med bild', ...PLACE, confirmed: '1' },
    [{ name: 'a.png', type: 'image/png', bytes: png }]);
  assert.equal(first.status, 303, first.body);
  const id = reference((await c.get(first.headers.location)).body);
  const media = JSON.parse((await api(`requests/${id}.json`)).body)[0].media_url;
  assert.match(media, /\/felanmalan\/foto\/\d+\.jpg$/);
  const jpeg = (await request(media)).buffer;
  assert.equal(jpeg[0], 0xff);
  assert.equal(jpeg[1], 0xd8);
  // The same JPEG with an EXIF segment (camera and GPS) put in after SOI.
  const withExif = Buffer.concat([jpeg.subarray(0, 2), exifSegment(), jpeg.subarray(2)]);
  assert.ok(withExif.includes(Buffer.from(GPS_SECRET)) && withExif.includes(Buffer.from('Exif\0\0', 'latin1')));
  const second = await sendForm(c, { category: 'klotter', description: 'Klotter med GPS', ...PLACE, confirmed: '1' },
    [{ name: 'b.jpg', type: 'image/jpeg', bytes: withExif }, { name: 'c.png', type: 'image/png', bytes: png }]);
  assert.equal(second.status, 303, second.body);
  const page = await c.get(second.headers.location);
  const photos = [...page.body.matchAll(/\/felanmalan\/foto\/\d+(-t)?\.jpg/g)].map((m) => m[0]);
  assert.equal(photos.length, 4, 'two photos, each with a thumbnail');
  for (const p of photos) {
    const res = await request(server.url + p);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/jpeg');
    assert.ok(!res.buffer.includes(Buffer.from(GPS_SECRET)), `${p}: camera text gone`);
    assert.ok(!res.buffer.includes(Buffer.from('Exif', 'latin1')), `${p}: no EXIF`);
    assert.ok(!res.buffer.includes(Buffer.from([0xff, 0xe1])), `${p}: no APP1 segment`);
  }
  const notImage = await sendForm(c, { category: 'klotter', description: 'Inte en bild', ...PLACE, confirmed: '1' },
    [{ name: 'x.jpg', type: 'image/jpeg', bytes: Buffer.from('inte en bild') }]);
  assert.equal(notImage.status, 422);
  assert.equal((await request(`${server.url}/felanmalan/foto/999999.jpg`)).status, 404);
});

test('no personal data in any public page, feed or API answer, from the form or the API, in every format', async () => {
  await server.sql('DELETE FROM rate_limits');
  const c = resident();
  const res = await c.submit('/felanmalan', { category: 'skadegorelse', description: 'Krossad ruta', ...PLACE,
    ...PERSONAL, confirmed: '1' }, { action: '/felanmalan' });
  assert.equal(res.status, 303);
  const bodies = [];
  const follow = await c.get(res.headers.location);
  bodies.push(follow.body); // the resident's own page shows no contact details either
  const id = reference(follow.body);
  // The same person through the API, with every personal field a client may send.
  const API_PERSONAL = { first_name: 'Cecilia', last_name: 'Privatsson', email: 'cecilia.privatsson@example.se',
    phone: '073-1112223', device_id: 'enhet-7f3a9c', account_id: 'konto-55aa11' };
  const posted = await request(`${server.url}/open311/v2/requests.json`, { method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: urlencode({ api_key: key, service_code: 'skadegorelse', lat: '57.7403', long: '12.1004', description: 'Krossad ruta',
      ...API_PERSONAL }) });
  assert.equal(posted.status, 200, posted.body);
  const other = JSON.parse(posted.body)[0].service_request_id;
  const token = (await server.sql(`SELECT public_token FROM reports WHERE id = ${other}`)).trim();
  const paths = ['/felanmalan', '/felanmalan/lista', '/felanmalan/lista?kategori=skadegorelse', '/felanmalan/flode',
    '/felanmalan/flode?kategori=skadegorelse', '/felanmalan/karta.geojson', '/felanmalan/karta.geojson?kategori=skadegorelse'];
  for (const n of [id, other])
    paths.push(`/felanmalan/arende/${n}`);
  for (const fmt of ['json', 'xml']) {
    for (const p of ['discovery', 'services', 'services/skadegorelse', `tokens/${token}`, 'servicerequestupdates'])
      paths.push(`/open311/v2/${p}.${fmt}`, `/open311/v2/${p}.${fmt}?start_date=2001-01-01&extensions=true`);
    for (const ext of ['', '?extensions=true', '?extensions=1'])
      for (const p of ['requests', `requests/${id}`, `requests/${other}`])
        paths.push(`/open311/v2/${p}.${fmt}${ext}`);
    paths.push(`/open311/v2/requests.${fmt}?service_request_id=${id},${other}&extensions=true`);
  }
  for (const p of paths) {
    const r = await resident().get(p);
    assert.equal(r.status, 200, p);
    bodies.push(r.body);
  }
  assert.ok(bodies.some((b) => b.includes('Krossad ruta')), 'the reports themselves are shown');
  bodies.push((await resident().submit('/felanmalan', { category: 'skadegorelse', description: 'Ruta', ...PLACE },
    { action: '/felanmalan' })).body);
  for (const [i, body] of bodies.entries())
    for (const v of [...Object.values(PERSONAL), ...Object.values(API_PERSONAL), 'Cecilia Privatsson'])
      assert.ok(!body.includes(v), `${v} leaked in ${paths[i - 1] ?? 'the follow-up page'}`);
});

test('staff: the inbox, contact details audited, status with a public text reaches the API, the resident and mail', async () => {
  const c = resident();
  const res = await c.submit('/felanmalan', { category: 'gatubelysning', description: 'Mörkt vid skolan', ...PLACE,
    ...PERSONAL, confirmed: '1' }, { action: '/felanmalan' });
  assert.equal(res.status, 303);
  const link = res.headers.location;
  const id = reference((await c.get(link)).body);
  const police = new Client(server.url);
  assert.equal((await login(police, DEMO.polis.email, DEMO.polis.password)).status, 303);
  assert.equal((await police.get('/personal/felanmalan')).status, 403);
  const staff = new Client(server.url);
  assert.equal((await login(staff, DEMO.handlaggare.email, DEMO.handlaggare.password)).status, 303);
  const inbox = await staff.get('/personal/felanmalan?q=skolan');
  assert.equal(inbox.status, 200);
  assert.ok(inbox.body.includes(`/personal/felanmalan/${id}`));
  assert.ok(!(await staff.get('/personal/felanmalan?q=finnsintealls')).body.includes(`/personal/felanmalan/${id}"`));
  const detail = await staff.get(`/personal/felanmalan/${id}`);
  assert.equal(detail.status, 200);
  assert.ok(detail.body.includes(PERSONAL.email));
  assert.equal((await server.sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'report.view_contact' AND object = 'report:${id}'`)).trim(), '1');
  const upd = await staff.submit(`/personal/felanmalan/${id}`, { status: 'fixed', public_text: 'Lampan är bytt.',
    internal_note: 'Beställt av entreprenören' }, { action: `/personal/felanmalan/${id}` });
  assert.equal(upd.status, 303);
  const one = JSON.parse((await api(`requests/${id}.json?extensions=true`)).body)[0];
  assert.equal(one.status, 'closed');
  assert.equal(one.status_notes, 'Lampan är bytt.');
  assert.equal(one.extended_attributes.detailed_status, 'FIXED');
  assert.ok(!JSON.stringify(one).includes('entreprenören'), 'internal notes stay internal');
  const follow = text((await c.get(link)).body);
  assert.ok(follow.includes('Lampan är bytt.') && follow.includes('Åtgärdad'));
  assert.ok(!follow.includes('entreprenören'));
  assert.equal((await server.sql(`SELECT COUNT(*) FROM mail_outbox WHERE recipient = '${PERSONAL.email}' AND subject LIKE '%${id}%'`)).trim(), '2');
});

test('the public list, each report\'s public page, and Atom feeds per category and area', async () => {
  const c = resident();
  const res = await c.submit('/felanmalan', { category: 'overgivet-fordon', description: 'Rostig cykel sedan i våras', ...PLACE,
    confirmed: '1' }, { action: '/felanmalan' });
  const id = reference((await c.get(res.headers.location)).body);
  const area = (await server.sql(`SELECT area_id FROM reports WHERE id = ${id}`)).trim();
  const list = await resident().get('/felanmalan/lista?kategori=overgivet-fordon&status=open');
  assert.equal(list.status, 200);
  assert.ok(list.body.includes(`/felanmalan/arende/${id}`));
  assert.ok(!(await resident().get('/felanmalan/lista?kategori=klotter')).body.includes(`/felanmalan/arende/${id}"`));
  assert.ok(!(await resident().get('/felanmalan/lista?fran=2001-01-01&till=2001-12-31')).body.includes(`/felanmalan/arende/${id}"`));
  // Dates are Swedish days: 2026-06-10 22:30 UTC is 00:30 on 11 June in Partille.
  const sent = (await server.sql(`SELECT requested_at FROM reports WHERE id = ${id}`)).trim();
  await server.sql(`UPDATE reports SET requested_at = ${Date.UTC(2026, 5, 10, 22, 30) / 1000} WHERE id = ${id}`);
  const listed = async (q) => (await resident().get(`/felanmalan/lista?${q}`)).body.includes(`/felanmalan/arende/${id}"`);
  assert.ok(await listed('fran=2026-06-11&till=2026-06-11'), 'on the Swedish day it was sent');
  assert.ok(!(await listed('fran=2026-06-10&till=2026-06-10')), 'not on the UTC day');
  assert.ok(await listed('fran=2026-06-10T22:00:00Z&till=2026-06-10T23:00:00Z'), 'a full time is taken as it is');
  await server.sql(`UPDATE reports SET requested_at = ${sent} WHERE id = ${id}`);
  const page = await resident().get(`/felanmalan/arende/${id}`);
  assert.equal(page.status, 200);
  assert.ok(text(page.body).includes('Rostig cykel') && text(page.body).includes('Mottagen'));
  assert.equal((await resident().get('/felanmalan/arende/999999')).status, 404);
  for (const q of ['kategori=overgivet-fordon', `omrade=${area}`]) {
    const feed = await resident().get(`/felanmalan/flode?${q}`);
    assert.equal(feed.status, 200);
    assert.match(feed.headers['content-type'], /^application\/atom\+xml/);
    assert.match(feed.body, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom">/);
    assert.ok(feed.body.includes(`/felanmalan/arende/${id}</id>`), q);
    assert.match(feed.body, /<updated>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/updated>/);
  }
  assert.ok(!(await resident().get('/felanmalan/flode?kategori=klotter')).body.includes(`/felanmalan/arende/${id}<`));
  assert.ok(!(await resident().get('/felanmalan/flode?omrade=999999')).body.includes('<entry>'));
});

test('categories and their questions are data that a samordnare edits; Open311 shows them at once', async () => {
  const handler = new Client(server.url);
  await login(handler, DEMO.handlaggare.email, DEMO.handlaggare.password);
  assert.equal((await handler.get('/personal/felanmalan-kategorier')).status, 403);
  const s = new Client(server.url);
  assert.equal((await login(s, DEMO.samordnare.email, DEMO.samordnare.password)).status, 303);
  const page = '/personal/felanmalan-kategorier';
  assert.equal((await s.get(page)).status, 200);
  const add = await s.submit(page, { code: 'snorojning', group: 'gata', name_sv: 'Snöröjning', name_en: 'Snow clearing',
    description_sv: 'Gator som inte är plogade.', description_en: 'Streets not cleared.' }, { action: page });
  assert.equal(add.status, 303);
  assert.equal((await s.submit(page, { code: 'snorojning', group: 'gata', name_sv: 'X', name_en: 'X' }, { action: page })).status, 409);
  const q = await s.submit(page, { code: 'halka', datatype: 'singlevaluelist', name_sv: 'Är det halt?', name_en: 'Is it slippery?',
    choices: 'ja|Ja|Yes\nnej|Nej|No', required: '1' }, { action: `${page}/snorojning/fragor` });
  assert.equal(q.status, 303);
  const def = JSON.parse((await api('services/snorojning.json')).body);
  assert.equal(def.attributes[0].code, 'halka');
  assert.equal(def.attributes[0].required, true);
  assert.deepEqual(def.attributes[0].values.map((v) => v.key), ['ja', 'nej']);
  assert.ok(JSON.parse((await api('services.json')).body).some((x) => x.service_code === 'snorojning' && x.group === 'gata'));
  // Retired: gone from the list and the form, still known to the reports that have it.
  const retire = await s.submit(page, { group: 'gata', name_sv: 'Snöröjning', name_en: 'Snow clearing', active: null },
    { action: `${page}/snorojning` });
  assert.equal(retire.status, 303);
  assert.ok(!JSON.parse((await api('services.json')).body).some((x) => x.service_code === 'snorojning'));
  const rm = await s.submit(page, {}, { action: `${page}/snorojning/fragor/halka/ta-bort` });
  assert.equal(rm.status, 303);
  assert.equal((await server.sql("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'report.%' AND object = 'category:snorojning'")).trim(), '4');
});

test('retention: a reporter\'s name, e-mail and phone are erased a year after closing; the report stays', async () => {
  await server.sql('DELETE FROM rate_limits'); // earlier tests used this address's allowance
  const c = resident();
  const res = await c.submit('/felanmalan', { category: 'klotter', description: 'Klotter på gångtunneln', ...PLACE,
    ...PERSONAL, name: 'Greta Gallring', email: 'greta.gallring@example.se', confirmed: '1' }, { action: '/felanmalan' });
  assert.equal(res.status, 303, res.body);
  const id = reference((await c.get(res.headers.location)).body);
  const thirteenMonths = 13 * 31 * 24 * 3600;
  await server.sql(`UPDATE reports SET status = 'fixed', is_open = 0, closed_at = ${Math.floor(Date.now() / 1000) - thirteenMonths} WHERE id = ${id}`);
  // The background job runs when the server starts, and hourly.
  await server.signal('SIGTERM');
  await server.restart();
  let row = '';
  for (let i = 0; i < 50; i++) {
    row = (await server.sql(`SELECT reporter_name, reporter_email, personal_erased_at IS NOT NULL FROM reports WHERE id = ${id}`)).trim();
    if (/\|(1|t)$/.test(row))
      break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(row, /^\|\|(1|t)$/, `personal data erased: ${row}`);
  assert.match(await server.sql(`SELECT description FROM reports WHERE id = ${id}`), /Klotter på gångtunneln/);
  assert.match(await server.sql("SELECT detail FROM audit_log WHERE action = 'report.erase_personal'"), /retention: \d+ reports/);
});

test('the place from a photo\'s GPS: only with consent and no place chosen; the stored photo keeps no GPS', async () => {
  await server.sql('DELETE FROM rate_limits');
  const LAT = 57.7402, LON = 12.1003; // inside the demo areas of Partille
  const jpeg = withGps(await plainJpeg(), LAT, LON);
  const read = exiftool(jpeg, '-GPSLatitude', '-GPSLongitude');
  if (read) { // the bytes built above are a GPS position to an independent reader too
    assert.ok(Math.abs(read.GPSLatitude - LAT) < 1e-5 && Math.abs(read.GPSLongitude - LON) < 1e-5, JSON.stringify(read));
  }
  const photo = [{ name: 'gps.jpg', type: 'image/jpeg', bytes: jpeg }];
  const form = (await resident().get('/felanmalan')).body;
  const box = forms(form).find((f) => f.action === '/felanmalan').fields.find((f) => f.name === 'photo_place');
  assert.ok(box && box.type === 'checkbox' && !box.checked, 'the consent box is there and off by default');
  assert.ok(text(form).includes('Använd bildens position'));

  // Consent, nothing chosen: the point and its area come from the photo.
  const c = resident();
  const yes = await sendForm(c, { category: 'klotter', description: 'Klotter, plats från bilden', photo_place: '1', confirmed: '1' }, photo);
  assert.equal(yes.status, 303, yes.body);
  const id = reference((await c.get(yes.headers.location)).body);
  const one = JSON.parse((await api(`requests/${id}.json?extensions=true`)).body)[0];
  assert.ok(Math.abs(one.lat - LAT) < 1e-5 && Math.abs(one.long - LON) < 1e-5, `${one.lat},${one.long}`);
  assert.notEqual(one.extended_attributes.area, '', 'the area of the point');
  const stored = (await request(one.media_url)).buffer;
  assert.ok(!stored.includes(Buffer.from('Exif', 'latin1')) && !stored.includes(Buffer.from(GPS_SECRET)), 'no EXIF kept');
  const left = exiftool(stored, '-GPS:all', '-Make');
  if (left)
    assert.deepEqual(Object.keys(left).filter((k) => k !== 'SourceFile'), [], 'exiftool finds no GPS and no camera');

  // No consent: the point is not taken, and with no other place the form says so.
  const no = await sendForm(resident(), { category: 'klotter', description: 'Klotter utan samtycke', confirmed: '1' }, photo);
  assert.equal(no.status, 422);
  const noText = await sendForm(c, { category: 'klotter', description: 'Klotter med bara adress', place_text: 'Gamla vägen 3',
    confirmed: '1' }, photo);
  assert.equal(noText.status, 303, noText.body);
  const plain = JSON.parse((await api(`requests/${reference((await c.get(noText.headers.location)).body)}.json`)).body)[0];
  assert.equal(plain.lat, null, 'no consent: no point');
  assert.equal(plain.address, 'Gamla vägen 3');

  // Consent, but a place chosen: the resident's choice wins.
  const area = (await server.sql('SELECT MIN(id) FROM areas WHERE kind <> \'municipality\'')).trim();
  const chosen = await sendForm(c, { category: 'klotter', description: 'Klotter, område valt', place_area: area, photo_place: '1',
    confirmed: '1' }, photo);
  assert.equal(chosen.status, 303, chosen.body);
  const mine = JSON.parse((await api(`requests/${reference((await c.get(chosen.headers.location)).body)}.json`)).body)[0];
  assert.equal(mine.lat, null);

  // Consent, a photo without GPS and no place: a clear message; outside the municipality: another.
  const none = await sendForm(resident(), { category: 'klotter', description: 'Ingen position', photo_place: '1', confirmed: '1' },
    [{ name: 'plain.jpg', type: 'image/jpeg', bytes: await plainJpeg(6) }]);
  assert.equal(none.status, 422);
  assert.ok(text(none.body).includes('Bilden har ingen position'));
  const away = await sendForm(resident(), { category: 'klotter', description: 'Stockholm', photo_place: '1', confirmed: '1' },
    [{ name: 'sthlm.jpg', type: 'image/jpeg', bytes: withGps(await plainJpeg(7), 59.33, 18.06) }]);
  assert.equal(away.status, 422);
  assert.ok(text(away.body).includes('utanför kommunen'));
});

test('HEIC photos from phones are decoded (libheif) and stored as JPEG, through the form and the API', async (t) => {
  await server.sql('DELETE FROM rate_limits');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trygg-heic-'));
  let heic;
  try {
    fs.writeFileSync(path.join(dir, 'in.png'), makePng({ width: 64, height: 64, seed: 9 }));
    execFileSync('heif-enc', ['-q', '50', '-o', path.join(dir, 'out.heic'), path.join(dir, 'in.png')], { stdio: 'pipe' });
    heic = fs.readFileSync(path.join(dir, 'out.heic'));
  } catch (e) {
    if (e.code === 'ENOENT') {
      t.skip('heif-enc (Debian libheif-examples) is not installed');
      return;
    }
    throw e;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(heic.subarray(4, 12).toString('latin1'), 'ftypheic');
  const c = resident();
  const res = await sendForm(c, { category: 'klotter', description: 'Foto från telefonen', ...PLACE, confirmed: '1' },
    [{ name: 'IMG_0001.HEIC', type: 'image/heic', bytes: heic }]);
  assert.equal(res.status, 303, res.body);
  const id = reference((await c.get(res.headers.location)).body);
  const media = JSON.parse((await api(`requests/${id}.json`)).body)[0].media_url;
  const jpeg = await request(media);
  assert.equal(jpeg.headers['content-type'], 'image/jpeg');
  assert.deepEqual([...jpeg.buffer.subarray(0, 2)], [0xff, 0xd8]);
  const boundary = 'heicboundary0311';
  const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n${key}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="service_code"\r\n\r\nklotter\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="address_string"\r\n\r\nTorget\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="x.heic"\r\nContent-Type: image/heic\r\n\r\n`),
  heic, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  const viaApi = await request(`${server.url}/open311/v2/requests.json`, { method: 'POST', body,
    headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } });
  assert.equal(viaApi.status, 200, viaApi.body);
  const other = JSON.parse((await api(`requests/${JSON.parse(viaApi.body)[0].service_request_id}.json`)).body)[0];
  assert.match(other.media_url, /\/felanmalan\/foto\/\d+\.jpg$/);
  // A phone's HEIC carries its GPS position in EXIF: taken with consent, then stripped.
  const gpsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trygg-heic-gps-'));
  let located = null;
  try {
    const file = path.join(gpsDir, 'IMG_0002.HEIC');
    fs.writeFileSync(file, heic);
    execFileSync('exiftool', ['-q', '-overwrite_original', '-GPSLatitude=57.7402', '-GPSLatitudeRef=N', '-GPSLongitude=12.1003',
      '-GPSLongitudeRef=E', `-Make=${GPS_SECRET}`, file], { stdio: 'pipe' });
    located = fs.readFileSync(file);
  } catch (e) {
    if (e.code !== 'ENOENT')
      throw e;
  } finally {
    fs.rmSync(gpsDir, { recursive: true, force: true });
  }
  if (located) { // exiftool (libimage-exiftool-perl) is installed
    const g = await sendForm(c, { category: 'klotter', description: 'HEIC med position', photo_place: '1', confirmed: '1' },
      [{ name: 'IMG_0002.HEIC', type: 'image/heic', bytes: located }]);
    assert.equal(g.status, 303, g.body);
    const one = JSON.parse((await api(`requests/${reference((await c.get(g.headers.location)).body)}.json`)).body)[0];
    assert.ok(Math.abs(one.lat - 57.7402) < 1e-5 && Math.abs(one.long - 12.1003) < 1e-5, `${one.lat},${one.long}`);
    const stored = (await request(one.media_url)).buffer;
    assert.ok(!stored.includes(Buffer.from(GPS_SECRET)) && !stored.includes(Buffer.from('Exif', 'latin1')));
  }
});

test('the public map: markers of the list\'s filters from a GeoJSON with bbox, no personal data; the list stays', async () => {
  await server.sql('DELETE FROM rate_limits');
  const c = resident();
  const res = await c.submit('/felanmalan', { category: 'nedskrapning', description: 'Skräp på kartan', ...PLACE,
    place_lat: '57.7411', place_lon: '12.1011', ...PERSONAL, confirmed: '1' }, { action: '/felanmalan' });
  assert.equal(res.status, 303, res.body);
  const id = Number(reference((await c.get(res.headers.location)).body));
  const list = await resident().get('/felanmalan/lista?kategori=nedskrapning&status=open');
  assert.equal(list.status, 200);
  const markers = /data-report-map data-markers="([^"]+)"/.exec(list.body)?.[1].replaceAll('&amp;', '&');
  assert.equal(markers, '/felanmalan/karta.geojson?kategori=nedskrapning&status=open');
  assert.ok(list.body.includes(`/felanmalan/arende/${id}"`), 'the table is there, without any script');
  assert.match(list.body, /<script src="\/assets\/[0-9a-f]+\/js\/report_map\.js" defer><\/script>/);
  const geo = await resident().get(markers);
  assert.equal(geo.status, 200);
  assert.match(geo.headers['content-type'], /^application\/geo\+json/);
  const data = JSON.parse(geo.body);
  assert.equal(data.type, 'FeatureCollection');
  assert.equal(data.truncated, false);
  const f = data.features.find((x) => x.properties.id === id);
  assert.ok(f, 'the report is a marker');
  assert.deepEqual(f.geometry, { type: 'Point', coordinates: [12.1011, 57.7411] });
  assert.deepEqual(Object.keys(f.properties), ['id', 'category', 'status', 'open', 'url']);
  assert.deepEqual(f.properties, { id, category: 'Nedskräpning', status: 'Mottagen', open: true, url: `/felanmalan/arende/${id}` });
  for (const v of Object.values(PERSONAL))
    assert.ok(!geo.body.includes(v));
  const ids = async (q) => JSON.parse((await resident().get(`/felanmalan/karta.geojson?${q}`)).body).features.map((x) => x.properties.id);
  assert.ok((await ids('bbox=12.10,57.74,12.11,57.75')).includes(id));
  assert.ok(!(await ids('bbox=12.20,57.74,12.30,57.75')).includes(id), 'outside the box');
  assert.ok(!(await ids('kategori=klotter')).includes(id), 'another category');
  assert.ok(!(await ids('status=closed')).includes(id));
  for (const all of await Promise.all([ids(''), ids('status=open')]))
    assert.ok(all.every((x) => Number.isInteger(x)));
  const bad = await resident().get('/felanmalan/karta.geojson?bbox=1,2,3');
  assert.equal(bad.status, 400);
  assert.match(bad.body, /bbox/);
  const en = JSON.parse((await resident('en').get(`/felanmalan/karta.geojson?kategori=nedskrapning`)).body);
  assert.equal(en.features.find((x) => x.properties.id === id).properties.status, 'Received');
});
