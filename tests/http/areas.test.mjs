// areas.test.mjs — the municipality's areas over HTTP and on the command line:
// the public list and /omraden.geojson (demo data of Partille, marked
// approximate), "which area is this point in", who may see the staff page,
// importing through the admin page (a good file, broken features with a
// reason each, files that are not GeoJSON), editing an area, the place
// chooser, and `trygg areas import|list` with its report and exit codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, DEMO, ROOT, testBinary } from '../lib/rig.mjs';
import { Client, login, request } from '../lib/client.mjs';
import { forms, text } from '../lib/html.mjs';
import { assertSecurityHeaders } from '../lib/expect.mjs';

const TILES = 'https://tiles.example.org/{z}/{x}/{y}.png';
const DEMO_AREAS = 15;
// Points well inside two demo areas (their Voronoi seeds in scripts/partille-areas.py).
const JONSERED = { lat: 57.75, lon: 12.165, name: 'Kåhög-Jonsered-Jonsered omland' };
const CENTRUM = { lat: 57.739, lon: 12.114, name: 'Partille centrum' };

let server;
before(async () => { server = await startServer({ demo: true, config: { map_tile_url: TILES } }); });
after(async () => { await server?.stop(); });

async function loggedIn(who, lang = null) {
  const c = new Client(server.url, { lang });
  const res = await login(c, DEMO[who].email, DEMO[who].password);
  assert.equal(res.status, 303, `login as ${who}`);
  return c;
}

/* A rectangle feature from (w, s) to (e, n) with properties. */
function box(properties, w, s, e, n) {
  return { type: 'Feature', properties, geometry: { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] } };
}

function collection(...features) {
  return JSON.stringify({ type: 'FeatureCollection', features });
}

/* Posts the import form as a browser would: multipart, with the file and the page's csrf token. */
async function upload(client, content, { filename = 'omraden.geojson', replace = false, approximate = false, csrf = null } = {}) {
  const token = csrf ?? await client.csrf('/personal/omraden');
  const boundary = `----trygg${Math.random().toString(16).slice(2)}`;
  const fields = [['csrf', token]];
  if (replace)
    fields.push(['replace', '1']);
  if (approximate)
    fields.push(['approximate', '1']);
  const parts = fields.map(([k, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
    'Content-Type: application/geo+json\r\n\r\n'), Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`));
  return client.send('/personal/omraden/import', {
    method: 'POST', body: Buffer.concat(parts),
    headers: { Origin: client.origin, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
  });
}

/* The report's rows: [{index, name, code, result}]. */
function reportRows(html) {
  const table = /<table class="table" id="import-items">([\s\S]*?)<\/table>/.exec(html);
  assert.ok(table, `no report table:\n${text(html).slice(0, 500)}`);
  return [...table[1].matchAll(/<tr[^>]*>\s*<td>(\d+)<\/td>\s*<th scope="row">([\s\S]*?)<\/th>\s*<td>([\s\S]*?)<\/td>\s*<td>([\s\S]*?)<\/td>/g)]
    .map((m) => ({ index: Number(m[1]), name: text(m[2]), code: text(m[3]), result: text(m[4]) }));
}

/* The report's counts: {Lästa: n, …}. */
function reportCounts(html) {
  const dl = /<dl class="facts" id="import-summary">([\s\S]*?)<\/dl>/.exec(html);
  assert.ok(dl, 'no summary');
  return Object.fromEntries([...dl[1].matchAll(/<dt>([^<]*)<\/dt>\s*<dd>([^<]*)<\/dd>/g)].map((m) => [m[1], Number(m[2])]));
}

async function geojson() {
  const res = await request(`${server.url}/omraden.geojson`);
  assert.equal(res.status, 200);
  return JSON.parse(res.body);
}

async function areaId(name) {
  const f = (await geojson()).features.find((x) => x.properties.name === name);
  assert.ok(f, `no area ${name}`);
  return f.properties.id;
}

test('the public page lists the demo areas with population, marked approximate, with a map', async () => {
  const res = await request(`${server.url}/omraden`);
  assert.equal(res.status, 200);
  assertSecurityHeaders(res, '/omraden');
  const page = text(res.body);
  assert.match(page, /Ungefärliga gränser\./);
  for (const name of ['Norra Sävedalen', 'Partille centrum', 'Västra Öjersjö', 'Kåhög-Jonsered-Jonsered omland'])
    assert.ok(page.includes(name), `${name} is listed`);
  assert.match(page, /Norra Sävedalen ungefärliga gränser 4 650/);
  assert.ok(res.body.includes('<td>4\u00a0650</td>'), 'thousands apart by a no-break space');
  assert.equal((res.body.match(/<span class="badge">ungefärliga gränser<\/span>/g) ?? []).length, DEMO_AREAS);
  // The map: its data, the tile server from the configuration, Leaflet served by Trygg, no inline script.
  const map = /<div class="map" data-map[^>]*>/.exec(res.body)?.[0];
  assert.ok(map, 'no map element');
  assert.match(map, /data-geojson="\/omraden\.geojson"/);
  assert.ok(map.includes(`data-tiles="${TILES}"`), map);
  assert.match(map, /role="region" aria-label="[^"]+"/);
  assert.match(res.body, /<script src="\/assets\/[0-9a-f]+\/vendor\/leaflet\/leaflet\.min\.js" defer><\/script>/);
  assert.match(res.body, /<script src="\/assets\/[0-9a-f]+\/js\/map\.js" defer><\/script>/);
  assert.doesNotMatch(res.body, /<script>(?!<)/);
  assert.match(res.headers['content-security-policy'], /img-src 'self' data: https:\/\/tiles\.example\.org;/);
  // The assets load.
  for (const m of res.body.matchAll(/(?:src|href)="(\/assets\/[0-9a-f]+\/(?:vendor\/leaflet|js\/map|css\/map)[^"]*)"/g)) {
    const asset = await request(server.url + m[1]);
    assert.equal(asset.status, 200, m[1]);
  }
  // In English too.
  const en = await request(`${server.url}/omraden?lang=en`);
  assert.match(text(en.body), /Approximate borders\..*Norra Sävedalen approximate borders 4,650/);
});

test('/omraden.geojson holds the boundary and the areas, for the maps', async () => {
  const res = await request(`${server.url}/omraden.geojson`);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^application\/geo\+json/);
  const data = JSON.parse(res.body);
  assert.equal(data.type, 'FeatureCollection');
  assert.equal(data.features.length, DEMO_AREAS + 1);
  const [boundary, ...areas] = data.features;
  assert.equal(boundary.properties.kind, 'municipality');
  assert.equal(boundary.properties.code, '1402');
  assert.equal(boundary.geometry.type, 'Polygon');
  let total = 0;
  for (const f of areas) {
    assert.equal(f.type, 'Feature');
    assert.equal(f.properties.kind, 'area');
    assert.equal(f.properties.approximate, true, f.properties.name);
    assert.ok(Number.isInteger(f.properties.population) && f.properties.population > 0);
    assert.ok(['Polygon', 'MultiPolygon'].includes(f.geometry.type));
    assert.equal(f.id, f.properties.id);
    total += f.properties.population;
  }
  assert.equal(total, 39852, 'the RegSO populations add up to Partille\'s');
});

test('/omraden/punkt says which area a point is in, or that it is outside', async () => {
  const ask = async (q) => request(`${server.url}/omraden/punkt?${q}`);
  for (const p of [JONSERED, CENTRUM]) {
    const res = await ask(`lat=${p.lat}&lon=${p.lon}`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^application\/json/);
    const answer = JSON.parse(res.body);
    assert.equal(answer.result, 'found');
    assert.equal(answer.area.name, p.name);
    assert.equal(answer.area.approximate, true);
  }
  assert.deepEqual(JSON.parse((await ask('lat=57.70&lon=11.97')).body), { result: 'outside' }); // Göteborg
  assert.deepEqual(JSON.parse((await ask('lat=12.1&lon=57.74')).body), { result: 'outside' }); // swapped
  for (const q of ['lat=57.7', 'lat=abc&lon=12', 'lat=91&lon=12', 'lat=57.7&lon=12.1x', 'lat=&lon=']) {
    const res = await ask(q);
    assert.equal(res.status, 400, q);
    assert.ok(JSON.parse(res.body).error, q);
  }
});

test('the staff page of the areas: administrators and coordinators only; only administrators import', async () => {
  const anonymous = new Client(server.url);
  const out = await anonymous.get('/personal/omraden');
  assert.equal(out.status, 303);
  assert.equal(out.headers.location, '/personal/logga-in?next=%2Fpersonal%2Fomraden');
  const polis = await loggedIn('polis');
  assert.equal((await polis.get('/personal/omraden')).status, 403);
  const samordnare = await loggedIn('samordnare');
  const view = await samordnare.get('/personal/omraden');
  assert.equal(view.status, 200);
  assert.ok(text(view.body).includes('Partille centrum'));
  assert.ok(!forms(view.body).some((f) => f.action === '/personal/omraden/import'), 'no import form for a coordinator');
  assert.equal((await upload(samordnare, collection(box({ name: 'X' }, 12.1, 57.73, 12.11, 57.74)))).status, 403);
  assert.equal((await samordnare.get(`/personal/omraden/${await areaId('Furulund')}`)).status, 403);
  const start = await samordnare.get('/personal/');
  assert.match(start.body, /href="\/personal\/omraden"/);
  const admin = await loggedIn('admin');
  const page = await admin.get('/personal/omraden');
  assert.equal(page.status, 200);
  const form = forms(page.body).find((f) => f.action === '/personal/omraden/import');
  assert.ok(form, 'an import form for an administrator');
  assert.equal(form.attrs.enctype, 'multipart/form-data');
  assert.ok(form.fields.some((f) => f.name === 'file' && f.type === 'file'));
  assert.match(text(page.body), /Kommungräns: Partille kommun \(1402\)/);
});

test('an administrator imports a good file: each feature reported, the areas in use, the audit log', async () => {
  const admin = await loggedIn('admin');
  const file = collection(
    box({ namn: 'Testområde Ett', kod: 'T1', befolkning: 120 }, 12.10, 57.730, 12.11, 57.735),
    box({ name: 'Testområde Två', code: 'T2' }, 12.11, 57.730, 12.12, 57.735),
  );
  const res = await upload(admin, file, { approximate: true });
  assert.equal(res.status, 200, text(res.body).slice(0, 400));
  assert.deepEqual(reportCounts(res.body), { Lästa: 2, Tillagda: 2, Uppdaterade: 0, Avvisade: 0 });
  assert.deepEqual(reportRows(res.body).map((r) => [r.index, r.name, r.code, r.result]), [
    [1, 'Testområde Ett', 'T1', 'Tillagt'],
    [2, 'Testområde Två', 'T2', 'Tillagt'],
  ]);
  const list = text((await admin.get('/personal/omraden')).body);
  assert.match(list, /Testområde Ett T1 120 Ungefärliga/);
  assert.match(list, /Testområde Två T2 – Ungefärliga/);
  // Importing again updates in place: the same ids.
  const before2 = await areaId('Testområde Två');
  const again = await upload(admin, file);
  assert.deepEqual(reportCounts(again.body), { Lästa: 2, Tillagda: 0, Uppdaterade: 2, Avvisade: 0 });
  assert.equal(await areaId('Testområde Två'), before2);
  const log = await admin.get('/personal/logg?action=area.');
  assert.match(text(log.body), /area\.import .*read=2 added=2 updated=0 rejected=0/);
});

test('broken features are listed one by one with the reason; the good ones are imported', async () => {
  const admin = await loggedIn('admin');
  const open = box({ name: 'Öppen ring' }, 12.10, 57.730, 12.11, 57.735);
  open.geometry.coordinates[0].pop();
  const bowtie = { type: 'Feature', properties: { name: 'Fluga' }, geometry: { type: 'Polygon', coordinates: [[[12.1, 57.73], [12.11, 57.74], [12.11, 57.73], [12.1, 57.74], [12.1, 57.73]]] } };
  const file = collection(
    box({ name: 'Godkänt', code: 'G1', population: '1 234' }, 12.12, 57.730, 12.13, 57.735),
    box({ code: 'N1' }, 12.10, 57.730, 12.11, 57.735),
    open,
    bowtie,
    box({ name: 'Bytt plats' }, 57.73, 12.10, 57.735, 12.11),
    box({ name: 'Negativ', population: -3 }, 12.10, 57.730, 12.11, 57.735),
    { type: 'Feature', properties: { name: 'Punkt' }, geometry: { type: 'Point', coordinates: [12.1, 57.73] } },
    box({ name: 'Dubblett', code: 'G1' }, 12.10, 57.730, 12.11, 57.735),
  );
  const res = await upload(admin, file);
  assert.equal(res.status, 200);
  assert.deepEqual(reportCounts(res.body), { Lästa: 8, Tillagda: 1, Uppdaterade: 0, Avvisade: 7 });
  const rows = reportRows(res.body);
  assert.equal(rows.length, 8);
  assert.equal(rows[0].result, 'Tillagt');
  const expected = [
    /^Avvisat: Namn saknas/,
    /^Avvisat: Geometrin kan inte användas\. En ring är inte sluten.*\(ring 1\)/,
    /^Avvisat: Geometrin kan inte användas\. En ring korsar sig själv\./,
    /^Avvisat: Området ligger helt utanför kommungränsen\. Har longitud och latitud bytt plats\?/,
    /^Avvisat: Befolkningen måste vara ett heltal/,
    /^Avvisat: Geometrin kan inte användas\. Geometrin måste vara av typen Polygon eller MultiPolygon\./,
    /^Avvisat: Ett tidigare område i filen har samma kod\./,
  ];
  expected.forEach((re, i) => assert.match(rows[i + 1].result, re, `row ${i + 2}`));
  assert.match(text((await admin.get('/personal/omraden')).body), /Godkänt G1 1 234/);
  // In English, the same report in English.
  const en = await loggedIn('admin', 'en');
  const english = await upload(en, collection(box({ code: 'N1' }, 12.10, 57.730, 12.11, 57.735),
    box({ name: 'Godkänt', code: 'G1' }, 12.12, 57.730, 12.13, 57.735)));
  assert.match(reportRows(english.body)[0].result, /^Rejected: The name is missing/);
  assert.equal(reportRows(english.body)[1].result, 'Updated');
  // Nothing usable at all: 422, and still every reason.
  const none = await upload(admin, collection(box({ code: 'N1' }, 12.10, 57.730, 12.11, 57.735), open));
  assert.equal(none.status, 422);
  assert.match(text(none.body), /Ingenting lästes in Inget område i filen kunde läsas in/);
  assert.equal(reportRows(none.body).length, 2);
});

test('a file that is not GeoJSON gets a 4xx and a clear message; nothing changes', async () => {
  const admin = await loggedIn('admin');
  const count = (await geojson()).features.length;
  const cases = [
    ['omraden.csv', 'namn;kod\nSävedalen;1\n', 400, /Filen är inte giltig JSON\. \(rad 1, kolumn \d+\)/],
    ['bild.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 400, /Filen är inte giltig JSON/],
    ['punkt.geojson', JSON.stringify({ type: 'Point', coordinates: [12, 57] }), 400, /Filen är inte GeoJSON med områden/],
    ['tom.geojson', collection(), 422, /Filen innehåller inga områden\./],
    ['sweref.geojson', JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3006' } }, features: [] }),
      422, /annat koordinatsystem än WGS84/],
  ];
  for (const [filename, content, status, message] of cases) {
    const res = await upload(admin, content, { filename });
    assert.equal(res.status, status, filename);
    const page = text(res.body);
    assert.match(page, message, filename);
    assert.match(page, /Det finns ett problem/, `${filename}: the error summary`);
    assert.match(res.body, /id="file-error"/, `${filename}: the message beside the field`);
    assert.match(res.body, /<a href="#file">/, `${filename}: the summary links to the field`);
  }
  // No file chosen.
  const token = await admin.csrf('/personal/omraden');
  const boundary = '----tryggnofile';
  const empty = await admin.send('/personal/omraden/import', {
    method: 'POST',
    body: `--${boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${token}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--${boundary}--\r\n`,
    headers: { Origin: admin.origin, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
  });
  assert.equal(empty.status, 400);
  assert.match(text(empty.body), /Välj en GeoJSON-fil att läsa in\./);
  // Without the form's token: refused before anything is read.
  assert.equal((await upload(admin, collection(box({ name: 'X' }, 12.1, 57.73, 12.11, 57.74)), { csrf: 'forged' })).status, 403);
  assert.equal((await geojson()).features.length, count);
});

test('an administrator edits an area; mistakes are shown beside their fields; the change is audited', async () => {
  const admin = await loggedIn('admin');
  const id = await areaId('Furulund');
  const page = `/personal/omraden/${id}`;
  const form = await admin.get(page);
  assert.equal(form.status, 200);
  assert.match(form.body, /data-highlight="\d+"/);
  const bad = await admin.submit(page, { population: 'många', name: '' }, { action: page });
  assert.equal(bad.status, 422);
  assert.match(bad.body, /id="population-error"/);
  assert.match(bad.body, /id="name-error"/);
  const taken = await admin.submit(page, { code: '1402C1150' }, { action: page }); // Partille centrum's
  assert.equal(taken.status, 409);
  assert.match(text(taken.body), /Ett annat område har redan den koden\./);
  const ok = await admin.submit(page, { name: 'Furulund och Ugglum', population: '2100', approximate: null }, { action: page });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.location, '/personal/omraden');
  const list = text((await admin.get('/personal/omraden')).body);
  assert.match(list, /Ändringarna är sparade\./);
  assert.match(list, /Furulund och Ugglum 1402C1060 2 100 Exakta/);
  assert.match(text((await admin.get('/personal/logg?action=area.update')).body), new RegExp(`area\\.update area:${id} code=1402C1060 population=2100 approximate=0`));
  assert.equal((await admin.get('/personal/omraden/999999')).status, 404);
  assert.equal((await admin.get('/personal/omraden/abc')).status, 404);
});

test('the place chooser: an area from the list, a point from the map, a point outside', async () => {
  const samordnare = await loggedIn('samordnare');
  const page = '/personal/omraden';
  const html = (await samordnare.get(page)).body;
  const form = forms(html).find((f) => f.action === '/personal/omraden/plats');
  assert.ok(form, 'the place chooser form');
  const select = form.fields.find((f) => f.name === 'place_area');
  assert.equal(select.type, 'select');
  assert.equal(select.options[0].value, '', 'first: "don\'t know"');
  assert.ok(select.options.length > DEMO_AREAS, 'then every area');
  assert.match(html, /<label for="place_area">/);
  assert.match(html, /<label for="place_text">/);
  for (const name of ['place_lat', 'place_lon'])
    assert.equal(form.fields.find((f) => f.name === name)?.type, 'hidden', name);
  const centrum = select.options.find((o) => o.label === 'Partille centrum');
  const chosen = await samordnare.submit(page, { place_area: centrum.value, place_text: 'Gamla Kronvägen 1' }, { action: '/personal/omraden/plats' });
  assert.equal(chosen.status, 200);
  assert.match(text(chosen.body), /Platsen ligger i området Partille centrum\. Beskrivning: Gamla Kronvägen 1/);
  // The point decides, whatever the list says.
  const point = await samordnare.submit(page, { place_area: centrum.value, place_lat: JONSERED.lat, place_lon: JONSERED.lon }, { action: '/personal/omraden/plats' });
  assert.equal(point.status, 200);
  assert.match(text(point.body), new RegExp(`Platsen ligger i området ${JONSERED.name}\\. Punkt:`));
  const outside = await samordnare.submit(page, { place_lat: '57.70', place_lon: '11.97' }, { action: '/personal/omraden/plats' });
  assert.equal(outside.status, 422);
  assert.match(outside.body, /id="place-error"/);
  assert.match(text(outside.body), /Platsen ligger utanför kommunen/);
  const nothing = await samordnare.submit(page, {}, { action: '/personal/omraden/plats' });
  assert.equal(nothing.status, 422);
  assert.match(text(nothing.body), /Välj ett område, klicka på kartan eller beskriv platsen\./);
  const unknown = await samordnare.submit(page, { place_area: '999999' }, { action: '/personal/omraden/plats' });
  assert.equal(unknown.status, 422);
  const broken = await samordnare.submit(page, { place_lat: 'north', place_lon: '12' }, { action: '/personal/omraden/plats' });
  assert.equal(broken.status, 422);
});

/* Runs `trygg areas ARGS` on db with config. Returns {code, stdout, stderr}. */
function areasCommand(srv, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(testBinary(), ['areas', ...args, '--database', srv.dbUrl, '--config', srv.configFile], { cwd: ROOT });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      assert.doesNotMatch(stderr, /AddressSanitizer|runtime error:/);
      resolve({ code, stdout, stderr });
    });
  });
}

test('trygg areas import: a report, exit 0 when something was imported, 1 when nothing, 2 on bad usage', async () => {
  const cli = await startServer();
  try {
    const dir = fs.mkdtempSync(path.join(cli.dir, 'files-'));
    const write = (name, content) => { const p = path.join(dir, name); fs.writeFileSync(p, content); return p; };
    const demo = path.join(ROOT, 'data/demo/partille_areas.geojson');

    const empty = await areasCommand(cli, ['list']);
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout.trim().split('\n').length, 1, 'only the heading');

    const good = await areasCommand(cli, ['import', demo, '--approximate']);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /read 16 features: 16 added, 0 updated, 0 rejected\. The municipality boundary was set\./);
    const list = await areasCommand(cli, ['list']);
    assert.equal(list.stdout.trim().split('\n').length, 1 + 16);
    assert.match(list.stdout, /1402C1150\s+2526\s+approximate\s+Partille centrum/);
    assert.match(list.stdout, /Partille kommun\s+\(municipality boundary\)/);

    const mixed = write('mixed.geojson', collection(box({ name: 'Nytt', code: 'N9' }, 12.10, 57.730, 12.11, 57.735),
      box({ code: 'X' }, 12.10, 57.730, 12.11, 57.735), box({ name: 'Bytt' }, 57.73, 12.10, 57.735, 12.11)));
    const partly = await areasCommand(cli, ['import', mixed, '--replace']);
    assert.equal(partly.code, 0, partly.stderr);
    assert.match(partly.stdout, /read 3 features: 1 added, 0 updated, 2 rejected, 15 retired \(not in the file\)\./);
    assert.match(partly.stdout, /feature 2 \(code X\): rejected: The name is missing/);
    assert.match(partly.stdout, /feature 3 "Bytt": rejected: The area lies wholly outside the municipality boundary/);
    assert.equal((await areasCommand(cli, ['list'])).stdout.trim().split('\n').length, 1 + 2, 'the boundary and the new area');

    const bad = write('bad.geojson', collection(box({ code: 'X' }, 12.10, 57.730, 12.11, 57.735)));
    const nothing = await areasCommand(cli, ['import', bad]);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /feature 1 \(code X\): rejected: The name is missing/);
    assert.match(nothing.stderr, /No area in the file could be imported/);

    const csv = await areasCommand(cli, ['import', write('areas.csv', 'namn;kod\n')]);
    assert.equal(csv.code, 1);
    assert.match(csv.stderr, /The file is not valid JSON\. \(line 1, column \d+: /);
    const missing = await areasCommand(cli, ['import', path.join(dir, 'none.geojson')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /The file could not be read\./);

    for (const args of [['import'], ['import', demo, 'extra'], ['import', demo, '--bogus'], ['remove'], [], ['list', '--replace']]) {
      const usage = await areasCommand(cli, args);
      assert.equal(usage.code, 2, args.join(' '));
      assert.match(usage.stderr, /Usage: trygg areas import FILE\.geojson/, args.join(' '));
    }
    const help = await areasCommand(cli, ['import', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--replace/);

    // The command line's imports are in the audit log, as the system's.
    assert.match(await cli.sql("SELECT detail FROM audit_log WHERE action = 'area.import' ORDER BY id"), /read=16 added=16[\s\S]*read=3 added=1 updated=0 rejected=2 retired=15 boundary=no replace/);
  } finally {
    await cli.stop();
  }
});
