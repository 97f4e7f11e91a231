// survey_builder.test.mjs — survey rounds and the questionnaire builder for
// staff (src/survey/builder.c): who may use them, a new round from the
// question bank, from a copy of an earlier round (item codes kept) and from a
// file; the builder's actions, each checked by the questionnaire parser and
// refused with its message when it would break the questionnaire; export and
// import; status changes and the lock once answers exist; one-time codes
// (only their hashes stored); CSRF; the audit log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, DEMO, ROOT } from '../lib/rig.mjs';
import { Client, login } from '../lib/client.mjs';
import { csrfToken, text } from '../lib/html.mjs';

const BASE = '/personal/trygghetsundersokning';
const BANK = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/survey/bank.json'), 'utf8'));
const bankCodes = () => BANK.sections.flatMap((s) => s.items.map((i) => i.code));

let server;
before(async () => { server = await startServer({ demo: true }); });
after(async () => { await server?.stop(); });

async function loggedIn(who, lang = null) {
  const c = new Client(server.url, { lang });
  const res = await login(c, DEMO[who].email, DEMO[who].password);
  assert.equal(res.status, 303, `login as ${who}`);
  return c;
}

/* Posts fields and an optional file as multipart/form-data, as a browser
 * sends a form with a file field; the csrf token comes from the page at csrfFrom. */
async function multipart(client, action, fields, { file = null, csrfFrom = BASE, csrf = undefined } = {}) {
  const token = csrf === undefined ? await client.csrf(csrfFrom) : csrf;
  const boundary = `----trygg${Math.random().toString(16).slice(2)}`;
  const pairs = [...(token == null ? [] : [['csrf', token]]), ...Object.entries(fields)];
  const parts = pairs.map(([k, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file)
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\n` +
      'Content-Type: application/json\r\n\r\n'), Buffer.from(file.content), Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return client.send(action, {
    method: 'POST', body: Buffer.concat(parts),
    headers: { Origin: client.origin, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
  });
}

/* Creates a round; returns its id. */
async function createRound(client, fields, opts = {}) {
  const res = await multipart(client, BASE, fields, opts);
  assert.equal(res.status, 303, res.body);
  const m = new RegExp(`^${BASE}/(\\d+)$`).exec(res.headers.location);
  assert.ok(m, res.headers.location);
  return Number(m[1]);
}

/* The round's questionnaire as exported. */
async function exported(client, id) {
  const res = await client.get(`${BASE}/${id}/enkat.json`);
  assert.equal(res.status, 200);
  return JSON.parse(res.body);
}
const codesOf = (q) => q.sections.flatMap((s) => s.items.map((i) => i.code));
const itemOf = (q, code) => q.sections.flatMap((s) => s.items).find((i) => i.code === code);

/* Submits one builder action form as the page has it (csrf included). */
function act(client, id, action, fields) {
  return client.submit(`${BASE}/${id}/enkat`, fields, { action: `/enkat/${action}` });
}

let years = 2030;
const nextYear = () => String(years++);

test('only samordnare and admin reach the rounds; others are refused', async () => {
  const anonymous = new Client(server.url);
  const res = await anonymous.get(BASE);
  assert.equal(res.status, 303);
  assert.match(res.headers.location, /^\/personal\/logga-in/);
  const handler = await loggedIn('handlaggare');
  assert.equal((await handler.get(BASE)).status, 403);
  const token = await handler.csrf('/personal/');
  assert.equal((await handler.post(BASE, { csrf: token, title_sv: 'X', year: '2031', start: 'bank' })).status, 403);
  const polis = await loggedIn('polis');
  assert.equal((await polis.get(BASE)).status, 403);
  assert.equal((await polis.get(`${BASE}/1/koder`)).status, 403);
  // Nobody logged in: sent to the login page, and nothing is made.
  const rounds = await server.sql('SELECT COUNT(*) FROM survey_rounds');
  const anonymousToken = await anonymous.csrf('/personal/logga-in');
  const post = await anonymous.post(BASE, { csrf: anonymousToken, title_sv: 'X', year: '2031', start: 'bank' });
  assert.ok([303, 403].includes(post.status), String(post.status));
  assert.equal(await server.sql('SELECT COUNT(*) FROM survey_rounds'), rounds);
  const s = await loggedIn('samordnare');
  const start = await s.get('/personal/');
  assert.ok(start.body.includes(`href="${BASE}"`), 'a link on the start page');
  assert.equal((await s.get(BASE)).status, 200);
  const admin = await loggedIn('admin');
  assert.equal((await admin.get(BASE)).status, 200);
});

test('a new round from the question bank: slug from title and year, listed, audited', async () => {
  const s = await loggedIn('samordnare');
  const year = nextYear();
  const id = await createRound(s, { title_sv: 'Trygghetsundersökning', title_en: 'Safety survey', year, slug: '', start: 'bank' });
  const page = await s.get(`${BASE}/${id}`);
  assert.equal(page.status, 200);
  assert.ok(page.body.includes(`/trygghetsundersokning/trygghetsundersokning-${year}`), 'slug made from title and year');
  for (const suffix of ['/enkat', '/koder', '/registrera', '/import', '/befolkning', '/fritext'])
    assert.ok(page.body.includes(`href="${BASE}/${id}${suffix}"`), suffix);
  assert.ok(page.body.includes(`href="/trygghetsundersokning/trygghetsundersokning-${year}/svara"`));
  assert.deepEqual(codesOf(await exported(s, id)), bankCodes());
  const list = text((await s.get(BASE)).body);
  assert.match(list, new RegExp(`Trygghetsundersökning\\s+${year}\\s+Utkast\\s+0`));
  assert.equal((await server.sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'survey.round_create' AND object = 'survey_round:${id}'`)).trim(), '1');
  // The same slug again is refused, with the form kept.
  const again = await multipart(s, BASE, { title_sv: 'Trygghetsundersökning', year, start: 'bank' });
  assert.equal(again.status, 409);
  assert.match(text(again.body), /Det finns redan en undersökning med det adressnamnet/);
  // Missing title and a bad year: 422 with both messages linked to their fields.
  const bad = await multipart(s, BASE, { title_sv: '', year: 'nästa år', start: 'bank' });
  assert.equal(bad.status, 422);
  assert.ok(bad.body.includes('href="#title_sv"') && bad.body.includes('href="#year"'));
});

test('a copy of an earlier round keeps its items and their codes, custom ones included', async () => {
  const s = await loggedIn('samordnare');
  const first = await createRound(s, { title_sv: 'Omgång A', year: nextYear(), start: 'bank' });
  assert.equal((await act(s, first, 'ny', { section: 'trygghet', code: 'trygghet.hemma', type: 'single', scale: 'evening',
    role: 'unsafety', text_sv: 'Hur trygg känner du dig hemma?', text_en: 'How safe do you feel at home?' })).status, 303);
  assert.equal((await act(s, first, 'ta-bort', { code: 'problem.tiggeri' })).status, 303);
  const copy = await createRound(s, { title_sv: 'Omgång B', year: nextYear(), start: 'copy', copy_from: String(first) });
  const a = await exported(s, first), b = await exported(s, copy);
  assert.deepEqual(codesOf(b), codesOf(a));
  assert.ok(codesOf(b).includes('trygghet.hemma'));
  assert.ok(!codesOf(b).includes('problem.tiggeri'));
  // The earlier round's own item is offered in the builder of a round that lacks it.
  const third = await createRound(s, { title_sv: 'Omgång C', year: nextYear(), start: 'bank' });
  const builder = await s.get(`${BASE}/${third}/enkat`);
  assert.ok(builder.body.includes('value="trygghet.hemma"'));
  assert.equal((await act(s, third, 'lagg-till', { source: String(first), code: 'trygghet.hemma' })).status, 303);
  assert.deepEqual(itemOf(await exported(s, third), 'trygghet.hemma'), itemOf(a, 'trygghet.hemma'));
});

test('builder actions: remove, add back from the bank, move, edit texts, routing', async () => {
  const s = await loggedIn('samordnare');
  const id = await createRound(s, { title_sv: 'Byggaren', year: nextYear(), start: 'bank' });
  const problems = () => exported(s, id).then((q) => q.sections[0].items.map((i) => i.code));
  const before = await problems();

  assert.equal((await act(s, id, 'ta-bort', { code: 'problem.klotter' })).status, 303);
  assert.ok(!(await problems()).includes('problem.klotter'));
  const page = await s.get(`${BASE}/${id}/enkat`);
  assert.ok(page.body.includes('<option value="problem.klotter">'), 'offered from the bank again');
  assert.equal((await act(s, id, 'lagg-till', { source: 'bank', code: 'problem.klotter' })).status, 303);
  const after = await problems();
  assert.equal(after.at(-1), 'problem.klotter', 'added at the end of its section');

  const res = await act(s, id, 'flytta', { code: 'problem.klotter', direction: 'up' });
  assert.equal(res.status, 303);
  assert.match(res.headers.location, /#item-problem\.klotter$/);
  const moved = await problems();
  assert.equal(moved.at(-2), 'problem.klotter');
  assert.equal((await act(s, id, 'flytta', { code: before[0], direction: 'up' })).status, 422, 'the first cannot go up');
  assert.equal((await act(s, id, 'flytta', { code: before[0], direction: 'down' })).status, 303);
  assert.equal((await problems())[1], before[0]);

  assert.equal((await act(s, id, 'texter', { code: 'problem.klotter', text_sv: 'Klotter och tags', text_en: 'Graffiti and tags',
    help_sv: 'På väggar och skyltar', help_en: '', required: '1' })).status, 303);
  const edited = itemOf(await exported(s, id), 'problem.klotter');
  assert.deepEqual(edited.text, { sv: 'Klotter och tags', en: 'Graffiti and tags' });
  assert.deepEqual(edited.help, { sv: 'På väggar och skyltar' });
  assert.equal(edited.required, true);

  // Routing: asked only when the victim item was answered "yes"; then removed again.
  assert.equal((await act(s, id, 'villkor', { code: 'anmalt.hot', show_if_item: 'utsatt.misshandel', show_if_codes: '1, 2' })).status, 303);
  assert.deepEqual(itemOf(await exported(s, id), 'anmalt.hot').show_if, { item: 'utsatt.misshandel', codes: [1, 2] });
  assert.equal((await act(s, id, 'villkor', { code: 'oppen.bra', show_if_item: '', show_if_codes: '' })).status, 303);
  assert.equal(itemOf(await exported(s, id), 'oppen.bra').show_if, undefined);

  // Headings: the questionnaire's own and a section's, texts only.
  assert.equal((await act(s, id, 'rubriker', { section: '', heading_sv: 'Trygghet i Partille', heading_en: 'Safety in Partille',
    intro_sv: 'Tack för att du svarar.', intro_en: '' })).status, 303);
  let q = await exported(s, id);
  assert.deepEqual(q.title, { sv: 'Trygghet i Partille', en: 'Safety in Partille' });
  assert.deepEqual(q.intro, { sv: 'Tack för att du svarar.' });
  assert.equal((await s.submit(`${BASE}/${id}/enkat`, { heading_sv: 'Problem i området', heading_en: 'Problems in the area', intro_sv: '', intro_en: '' },
    { action: '/enkat/rubriker', page: await s.get(`${BASE}/${id}/enkat`).then((p) => ({ ...p, body: p.body.slice(p.body.indexOf('id="section-problem"')) })) })).status, 303);
  q = await exported(s, id);
  assert.deepEqual(q.sections[0].title, { sv: 'Problem i området', en: 'Problems in the area' });
  assert.equal(q.sections[0].intro, undefined);
  assert.equal((await act(s, id, 'rubriker', { section: 'finns-inte', heading_sv: 'X' })).status, 404);
  assert.equal((await act(s, id, 'rubriker', { section: '', heading_sv: '' })).status, 422);
  // Each single item shows its options with their codes, which routing conditions name.
  assert.match(text((await s.get(`${BASE}/${id}/enkat`)).body), /Svarsalternativ \(kod = text\): 1 = Ja/);

  // A new number item.
  assert.equal((await act(s, id, 'ny', { section: 'bakgrund', code: 'bakgrund.hushall', type: 'number', scale: 'yes_no',
    role: 'other', text_sv: 'Hur många bor i ditt hushåll?', text_en: 'How many live in your household?', min: '1', max: '20' })).status, 303);
  const added = itemOf(await exported(s, id), 'bakgrund.hushall');
  assert.equal(added.type, 'number');
  assert.equal(added.max, 20);
  assert.equal(added.scale, undefined, 'a scale only for single items');
  assert.equal((await server.sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'survey.questionnaire' AND object = 'survey_round:${id}'`)).trim(), '10');
});

test('a change that would break the questionnaire is refused with the parser\'s message, in Swedish or English', async () => {
  const sv = await loggedIn('samordnare');
  const id = await createRound(sv, { title_sv: 'Felaktiga ändringar', year: nextYear(), start: 'bank' });
  const stored = () => server.sql(`SELECT questionnaire FROM survey_rounds WHERE id = ${id}`);
  const before = await stored();

  // Routing to a later item.
  let res = await act(sv, id, 'villkor', { code: 'problem.klotter', show_if_item: 'utsatt.ran', show_if_codes: '1' });
  assert.equal(res.status, 422);
  assert.match(text(res.body), /Villkoret för frågan pekar inte på en tidigare flervalsfråga/);
  assert.match(text(res.body), /problem\.klotter/, 'says where');
  // Removing an item another item's routing depends on.
  res = await act(sv, id, 'ta-bort', { code: 'utsatt.ran' });
  assert.equal(res.status, 422);
  assert.match(text(res.body), /anmalt\.ran/);
  // A duplicate code, a bad code, a single item without a scale.
  const item = { section: 'problem', type: 'single', scale: 'problem', role: 'problem', text_sv: 'Ny fråga' };
  res = await act(sv, id, 'ny', { ...item, code: 'problem.klotter' });
  assert.equal(res.status, 422);
  assert.match(text(res.body), /Samma kod används två gånger/);
  res = await act(sv, id, 'ny', { ...item, code: 'Problem Klotter' });
  assert.equal(res.status, 422);
  assert.match(text(res.body), /En kod är ogiltig/);
  res = await act(sv, id, 'ny', { ...item, code: 'problem.ny', scale: '' });
  assert.equal(res.status, 422);
  assert.match(text(res.body), /Okänd svarsskala/);
  res = await act(sv, id, 'texter', { code: 'problem.klotter', text_sv: '', text_en: 'Graffiti' });
  assert.equal(res.status, 422);
  assert.match(text(res.body), /Skriv frågan på svenska/);
  assert.equal(await stored(), before, 'nothing was saved');

  const en = await loggedIn('samordnare', 'en');
  res = await act(en, id, 'ny', { ...item, code: 'problem.klotter' });
  assert.equal(res.status, 422);
  assert.match(text(res.body), /The same code is used twice/);
  res = await act(en, id, 'villkor', { code: 'problem.klotter', show_if_item: 'utsatt.ran', show_if_codes: '1' });
  assert.equal(res.status, 422);
  assert.doesNotMatch(text(res.body), /Villkoret/);
  assert.equal(await stored(), before);
});

test('export and import: a round trip, and bad files refused with a clear message', async () => {
  const s = await loggedIn('samordnare');
  const id = await createRound(s, { title_sv: 'Fil in och ut', year: nextYear(), start: 'bank' });
  const res = await s.get(`${BASE}/${id}/enkat.json`);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.match(res.headers['content-disposition'], /^attachment; filename="enkat-fil-in-och-ut-\d+\.json"/);
  assert.match(res.body, /\n {2}"format": "trygg-survey\/1"/, 'pretty printed');
  const doc = JSON.parse(res.body);
  doc.title.sv = 'Ändrad titel';
  doc.sections[0].items.reverse();
  const builderPage = `${BASE}/${id}/enkat`;
  const up = await multipart(s, `${BASE}/${id}/enkat.json`, {}, { file: { name: 'enkat.json', content: JSON.stringify(doc) }, csrfFrom: builderPage });
  assert.equal(up.status, 303, up.body);
  assert.deepEqual(await exported(s, id), doc);
  assert.equal((await server.sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'survey.questionnaire_import' AND object = 'survey_round:${id}'`)).trim(), '1');

  // A new round from the exported file.
  const fromFile = await createRound(s, { title_sv: 'Från fil', year: nextYear(), start: 'file' },
    { file: { name: 'enkat.json', content: JSON.stringify(doc) } });
  assert.deepEqual(await exported(s, fromFile), doc);

  const dup = structuredClone(doc);
  dup.sections[1].items.push(structuredClone(dup.sections[0].items[0]));
  const bad = [
    ['not JSON', 'det här är ingen enkät', 400, /Filen är inte giltig JSON/, /The file is not valid JSON/],
    ['another format', JSON.stringify({ ...doc, format: 'trygg-survey/9' }), 400, /Filen är inte en enkät i formatet trygg-survey\/1/, /trygg-survey\/1/],
    ['duplicate codes', JSON.stringify(dup), 422, /Samma kod används två gånger/, /The same code is used twice/],
  ];
  const en = await loggedIn('samordnare', 'en');
  const stored = await server.sql(`SELECT questionnaire FROM survey_rounds WHERE id = ${id}`);
  for (const [what, content, status, svText, enText] of bad) {
    const r1 = await multipart(s, `${BASE}/${id}/enkat.json`, {}, { file: { name: 'x.json', content }, csrfFrom: builderPage });
    assert.equal(r1.status, status, what);
    assert.match(text(r1.body), svText, what);
    assert.ok(r1.body.includes('href="#file"'), `${what}: linked to the file field`);
    const r2 = await multipart(en, `${BASE}/${id}/enkat.json`, {}, { file: { name: 'x.json', content }, csrfFrom: builderPage });
    assert.equal(r2.status, status, what);
    assert.match(text(r2.body), enText, what);
    assert.doesNotMatch(text(r2.body), svText, `${what} in English`);
    // A new round from the same file is refused the same way.
    const r3 = await multipart(s, BASE, { title_sv: 'Dålig fil', year: nextYear(), start: 'file' }, { file: { name: 'x.json', content } });
    assert.equal(r3.status, status, what);
    assert.match(text(r3.body), svText, what);
  }
  // The language cookie works as well as Accept-Language.
  const cookie = await loggedIn('samordnare');
  cookie.cookies.set('lang', 'en');
  const r4 = await multipart(cookie, `${BASE}/${id}/enkat.json`, {}, { file: { name: 'x.json', content: 'nej' }, csrfFrom: builderPage });
  assert.equal(r4.status, 400);
  assert.match(text(r4.body), /The file is not valid JSON/);
  assert.equal(await server.sql(`SELECT questionnaire FROM survey_rounds WHERE id = ${id}`), stored, 'nothing changed');
});

test('forms without the CSRF token are refused', async () => {
  const s = await loggedIn('samordnare');
  const id = await createRound(s, { title_sv: 'Utan token', year: nextYear(), start: 'bank' });
  assert.equal((await s.post(BASE, { title_sv: 'X', year: nextYear(), start: 'bank' })).status, 403);
  assert.equal((await s.post(`${BASE}/${id}/enkat/ta-bort`, { code: 'problem.klotter' })).status, 403);
  assert.equal((await s.post(`${BASE}/${id}/status`, { to: 'open' })).status, 403);
  assert.equal((await s.post(`${BASE}/${id}/koder`, { count: '3', batch: 'x' })).status, 403);
  assert.equal((await multipart(s, `${BASE}/${id}/enkat.json`, {}, { csrf: null, file: { name: 'x.json', content: '{}' } })).status, 403);
  assert.equal((await s.post(`${BASE}/${id}/enkat/ta-bort`, { csrf: 'fel', code: 'problem.klotter' })).status, 403);
  assert.ok(codesOf(await exported(s, id)).includes('problem.klotter'));
});

test('settings and status: draft, open, closed, published and back to open; the lock once answers exist', async () => {
  const s = await loggedIn('samordnare');
  const year = nextYear();
  const id = await createRound(s, { title_sv: 'Status', year, start: 'bank' });
  const page = `${BASE}/${id}`;
  const settings = (fields) => s.submit(page, fields, { action: page });
  assert.equal((await settings({ min_n: '0' })).status, 422);
  const wrong = await settings({ margins: 'age_group*skostorlek' });
  assert.equal(wrong.status, 422);
  assert.match(text(wrong.body), /Marginalerna ska vara bakgrundsfrågornas nycklar/);
  assert.equal((await settings({ closes_at: '2031-02-31' })).status, 422);
  const ok = await settings({ title_en: 'Status survey', opens_at: `${year}-03-01`, closes_at: `${year}-04-30`, open_link: '1',
    margins: 'age_group*sex,area', min_n: '25', trim_upper: '4.5', method_sv: '# Metod\n\nUrval ur **befolkningsregistret**.' });
  assert.equal(ok.status, 303, ok.body);
  const row = (await server.sql(`SELECT title_en, open_link, margins, min_n, trim_upper, method_sv FROM survey_rounds WHERE id = ${id}`)).trim();
  assert.ok(row.startsWith('Status survey|1|age_group*sex,area|25|4.5|# Metod'), row);
  // From the start of 1 March to the end of 30 April, Stockholm time (one hour less for summer time).
  const [opens, closes] = (await server.sql(`SELECT opens_at, closes_at FROM survey_rounds WHERE id = ${id}`)).trim().split('|').map(Number);
  assert.equal(opens, Date.UTC(Number(year), 2, 1) / 1000 - 3600, 'midnight in Stockholm (winter time)');
  assert.equal(closes, Date.UTC(Number(year), 4, 1) / 1000 - 7200, 'midnight in Stockholm (summer time)');
  const shown = await s.get(page);
  assert.ok(shown.body.includes(`value="${year}-03-01"`) && shown.body.includes(`value="${year}-04-30"`), 'the days shown as typed');

  const to = (status) => s.submit(page, { to: status }, { action: /\/status$/, page: null });
  const statusOf = async () => (await server.sql(`SELECT status FROM survey_rounds WHERE id = ${id}`)).trim();
  assert.equal((await s.post(`${page}/status`, { csrf: await s.csrf(page), to: 'published' })).status, 409, 'not from draft');
  assert.equal((await to('open')).status, 303);
  assert.equal(await statusOf(), 'open');
  assert.equal((await to('closed')).status, 303);
  assert.equal((await s.submit(page, { to: 'open' }, { action: /\/status$/ })).status, 303, 'back to open');
  assert.equal((await to('closed')).status, 303);
  const closedPage = await s.get(page);
  assert.ok(closedPage.body.includes('value="published"'));
  assert.equal((await s.submit(page, { to: 'published' }, { action: /\/status$/, page: closedPage })).status, 303);
  assert.equal(await statusOf(), 'published');
  assert.notEqual((await server.sql(`SELECT published_at FROM survey_rounds WHERE id = ${id}`)).trim(), '');
  assert.equal((await server.sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'survey.round_status' AND object = 'survey_round:${id}'`)).trim(), '5');

  // An answer arrives: the structure is locked, texts may still be corrected.
  await server.sql(`INSERT INTO survey_responses (round_id, mode, status, started_at, submitted_at, updated_at) VALUES (${id}, 'phone', 'complete', 1, 1, 1)`);
  const builder = await s.get(`${BASE}/${id}/enkat`);
  assert.match(text(builder.body), /Undersökningen har svar/);
  assert.ok(!builder.body.includes('/enkat/ta-bort'), 'no structural forms');
  const csrf = csrfToken(builder.body);
  const locked = await s.post(`${BASE}/${id}/enkat/ta-bort`, { csrf, code: 'problem.klotter' });
  assert.equal(locked.status, 409);
  assert.match(text(locked.body), /bara texterna kan ändras/);
  assert.equal((await s.post(`${BASE}/${id}/enkat/texter`, { csrf, code: 'problem.klotter', text_sv: 'Klotter', required: '1' })).status, 409,
    'whether required is structure');
  assert.equal((await act(s, id, 'texter', { code: 'problem.klotter', text_sv: 'Klotter (rättad text)', text_en: 'Graffiti' })).status, 303);
  assert.equal(itemOf(await exported(s, id), 'problem.klotter').text.sv, 'Klotter (rättad text)');
  const doc = await exported(s, id);
  const imp = await multipart(s, `${BASE}/${id}/enkat.json`, {}, { file: { name: 'x.json', content: JSON.stringify(doc) }, csrfFrom: `${BASE}/${id}/enkat` });
  assert.equal(imp.status, 409);
});

/* The hash Trygg keeps of a code (survey_code_hash in src/survey/store.c:
 * BLAKE2b-256 keyed with a context, of the code without dashes, upper case),
 * computed independently with Python's hashlib. */
function codeHash(code) {
  const norm = code.replace(/[\s-]/g, '').toUpperCase();
  return execFileSync('python3', ['-c',
    'import hashlib,sys; print(hashlib.blake2b(sys.argv[1].encode(), digest_size=32, key=b"trygg survey one-time code").hexdigest())',
    norm]).toString().trim();
}

test('one-time codes: shown once as CSV, only their hashes kept, counted per batch', async () => {
  const s = await loggedIn('samordnare');
  const id = await createRound(s, { title_sv: 'Koder', year: nextYear(), start: 'bank' });
  const page = `${BASE}/${id}/koder`;
  const intro = text((await s.get(page)).body);
  assert.match(intro, /fingeravtryck/);
  for (const count of ['0', '20001', 'många'])
    assert.equal((await s.submit(page, { batch: 'utskick 1', count }, { action: page })).status, 422, count);
  assert.equal((await s.submit(page, { batch: '', count: '3' }, { action: page })).status, 422);

  const res = await s.submit(page, { batch: 'utskick 1', count: '7' }, { action: page });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/csv/);
  assert.match(res.headers['content-disposition'], /^attachment; filename="koder-koder-\d+-utskick-1\.csv"/);
  const codes = res.body.trim().split(/\r?\n/);
  assert.equal(codes.length, 7);
  for (const c of codes)
    assert.match(c, /^[ACDEFGHJKMNPQRTUVWXY34679]{4}-[ACDEFGHJKMNPQRTUVWXY34679]{4}-[ACDEFGHJKMNPQRTUVWXY34679]{4}$/);
  assert.equal(new Set(codes).size, 7);
  const stored = (await server.sql(`SELECT code_hash FROM survey_codes WHERE round_id = ${id} ORDER BY code_hash`)).trim().split('\n');
  assert.deepEqual(stored, codes.map(codeHash).sort(), 'the database holds the hashes of exactly these codes');
  const dump = await server.sql(`SELECT * FROM survey_codes WHERE round_id = ${id}`);
  for (const c of codes) {
    assert.ok(!dump.includes(c) && !dump.includes(c.replace(/-/g, '')), 'never the code itself');
    assert.equal((await server.sql(`SELECT COUNT(*) FROM survey_codes WHERE code_hash = '${codeHash(c.toLowerCase())}'`)).trim(), '1',
      'found again as typed in lower case');
  }

  await s.submit(page, { batch: 'påminnelse', count: '2' }, { action: page });
  await server.sql(`UPDATE survey_codes SET used_at = 5 WHERE code_hash = '${codeHash(codes[0])}'`);
  const list = text((await s.get(page)).body);
  assert.match(list, /utskick 1\s+\S+ \S+\s+7\s+1\s+6/);
  assert.match(list, /påminnelse\s+\S+ \S+\s+2\s+0\s+2/);
  assert.equal((await server.sql(`SELECT detail FROM audit_log WHERE action = 'survey.codes' AND object = 'survey_round:${id}' ORDER BY id`)).trim(),
    '7 codes, batch utskick 1\n2 codes, batch påminnelse');
});

test('unknown rounds and actions are 404', async () => {
  const s = await loggedIn('samordnare');
  assert.equal((await s.get(`${BASE}/999999`)).status, 404);
  assert.equal((await s.get(`${BASE}/abc/enkat`)).status, 404);
  assert.equal((await s.get(`${BASE}/999999/koder`)).status, 404);
  const id = await createRound(s, { title_sv: 'Okänt', year: nextYear(), start: 'bank' });
  const csrf = await s.csrf(`${BASE}/${id}/enkat`);
  assert.equal((await s.post(`${BASE}/${id}/enkat/frobnicate`, { csrf })).status, 404);
  assert.equal((await s.post(`${BASE}/${id}/enkat/ta-bort`, { csrf, code: 'finns.inte' })).status, 404);
});
