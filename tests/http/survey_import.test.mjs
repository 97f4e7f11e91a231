// survey_import.test.mjs — importing answers to a survey round from a CSV
// file (a clean file; a file with bad rows: nothing imported, every bad row
// reported in Swedish and English, then the explicit valid-rows-only import;
// semicolons with a byte order mark; unknown columns), the codebook and the
// template, population margins (good and bad files), roles and CSRF.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, DEMO, ROOT } from '../lib/rig.mjs';
import { Client, login } from '../lib/client.mjs';
import { forms, text, defaultValues } from '../lib/html.mjs';
import { assertSecurityHeaders } from '../lib/expect.mjs';

let server;
let roundId;
const BASE = () => `/personal/trygghetsundersokning/${roundId}`;

/* The default question bank with one number item added (16–84), so that a
 * number out of range can be tried. */
function questionnaire() {
  const q = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/survey/bank.json'), 'utf8'));
  q.sections[q.sections.length - 1].items.push({
    code: 'bakgrund.hushall', type: 'number', min: 1, max: 20, text: { sv: 'Hur många bor i hushållet?' },
  });
  return JSON.stringify(q);
}

before(async () => {
  server = await startServer({ demo: true });
  const json = questionnaire().replaceAll("'", "''");
  await server.sql(`INSERT INTO survey_rounds (slug, title_sv, title_en, year, status, questionnaire, margins, created_at, updated_at)
    VALUES ('importtest', 'Importtest', 'Import test', 2026, 'closed', '${json}', 'age_group,area', 0, 0)`);
  roundId = Number((await server.sql("SELECT id FROM survey_rounds WHERE slug = 'importtest'")).trim());
  assert.ok(roundId > 0);
});
after(async () => { await server?.stop(); });

async function loggedIn(who, lang = null) {
  const c = new Client(server.url, { lang });
  const res = await login(c, DEMO[who].email, DEMO[who].password);
  assert.equal(res.status, 303, `login as ${who}`);
  return c;
}

async function count(sql) {
  return Number((await server.sql(sql)).trim());
}
const responses = () => count(`SELECT COUNT(*) FROM survey_responses WHERE round_id = ${roundId}`);

/* Posts a file as a browser would (multipart with the page's csrf token). */
async function upload(client, action, content, { filename = 'svar.csv', csrf = undefined, page = null } = {}) {
  const token = csrf !== undefined ? csrf : await client.csrf(page ?? action);
  const boundary = `----trygg${Math.random().toString(16).slice(2)}`;
  const parts = [];
  if (token != null)
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${token}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
    'Content-Type: text/csv\r\n\r\n'), Buffer.isBuffer(content) ? content : Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`));
  return client.send(action, {
    method: 'POST', body: Buffer.concat(parts),
    headers: { Origin: client.origin, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
  });
}

/* The report table's rows as {line, column, value, message}. */
function reportRows(html, id = 'import-issues') {
  const table = new RegExp(`<table class="table" id="${id}">([\\s\\S]*?)</table>`).exec(html);
  if (!table)
    return [];
  return [...table[1].matchAll(/<tr>\s*<th scope="row">([^<]*)<\/th>\s*<td>([^<]*)<\/td>\s*<td>([^<]*)<\/td>\s*<td>([^<]*)<\/td>\s*<\/tr>/g)]
    .map((m) => ({ line: m[1], column: m[2], value: text(m[3]), message: text(m[4]) }));
}

const HEADER = 'bakgrund.alder,bakgrund.kon,bakgrund.omrade,trygghet.kvall,utsatt.ran,anmalt.ran,bakgrund.hushall,oppen.tryggare,trygghet.plats,mode,ref,weight';

test('a clean file: every row imported in one go, recorded, listed and audited', async () => {
  const admin = await loggedIn('samordnare');
  const page = await admin.get(`${BASE()}/import`);
  assert.equal(page.status, 200);
  assertSecurityHeaders(page);
  assert.ok(forms(page.body).some((f) => f.action === `${BASE()}/import`), 'an upload form');
  const before = await responses();
  const csv = `${HEADER}\n` +
    '25-44,kvinna,Partille centrum,3,1,2,3,"Mer ljus, tack","57.739,12.114",phone,T-1,1.5\n' +
    '65-84,man,västra öjersjö,1,2,,,,,paper,P-2,\n' +
    '16-24,annat,Björndammen,ganska_otrygg,nej,,2,"Två\nrader",,,,\n';
  const res = await upload(admin, `${BASE()}/import`, csv, { filename: 'ren.csv' });
  assert.equal(res.status, 200, JSON.stringify(reportRows(res.body)) + server.output().slice(-3000));
  assert.match(text(res.body), /3 svar lästes in från ren\.csv/);
  assert.equal(await responses(), before + 3);
  const rows = (await server.sql(`SELECT mode, source_ref, base_weight FROM survey_responses WHERE round_id = ${roundId} ORDER BY id DESC LIMIT 3`))
    .trim().split('\n').reverse();
  assert.deepEqual(rows.map((r) => r.split('|').slice(0, 2).join('|')), ['phone|T-1', 'paper|P-2', 'import|ren.csv:4']);
  assert.equal(Number(rows[0].split('|')[2]), 1.5);
  const place = await server.sql(`SELECT a.lat, a.lon, ar.name FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id
    LEFT JOIN areas ar ON ar.id = a.area_id WHERE r.round_id = ${roundId} AND a.item_code = 'trygghet.plats'`);
  assert.match(place, /57\.739\|12\.114\|Partille centrum/);
  const texts = await server.sql(`SELECT value_text, text_review FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id
    WHERE r.round_id = ${roundId} AND a.item_code = 'oppen.tryggare' ORDER BY a.id`);
  assert.match(texts, /Mer ljus, tack\|pending/);
  assert.match(texts, /Två\nrader\|pending/);
  const imp = await server.sql(`SELECT filename, rows_total, rows_imported, rows_rejected FROM survey_imports WHERE round_id = ${roundId}`);
  assert.match(imp, /ren\.csv\|3\|3\|0/);
  const again = await admin.get(`${BASE()}/import`);
  assert.match(again.body, /<table class="table" id="earlier-imports">[\s\S]*ren\.csv/);
  const adminUser = await loggedIn('admin');
  const log = await adminUser.get('/personal/logg');
  assert.match(text(log.body), /survey\.import .*rows=3 imported=3 rejected=0/);
});

test('semicolons, a byte order mark and CRLF, as Swedish Excel writes them', async () => {
  const c = await loggedIn('admin');
  const before = await responses();
  const csv = '\uFEFFbakgrund.alder;bakgrund.kon;bakgrund.omrade;trygghet.plats;weight\r\n' +
    '45-64;2;Furulund;;2,5\r\n25-44;1;1402C1150;57.739,12.114;\r\n';
  const res = await upload(c, `${BASE()}/import`, csv, { filename: 'excel.csv' });
  assert.equal(res.status, 200, JSON.stringify(reportRows(res.body)) + server.output().slice(-3000));
  assert.equal(await responses(), before + 2);
  assert.match(await server.sql(`SELECT base_weight FROM survey_responses WHERE round_id = ${roundId} AND source_ref = 'excel.csv:2'`), /^2\.5/);
});

/* Every kind of bad row, each on its own line, and two good rows. */
function badFile() {
  const long = 'x'.repeat(2001);
  const lines = [
    HEADER,
    '25-44,kvinna,Furulund,2,2,,,,,,,',                               // 2 good
    '25-44,kvinna,Furulund,9,2,,,,,,,',                               // 3 not an option
    '25-44,kvinna,Furulund,2,2,,21,,,,,',                             // 4 number out of range
    '25-44,kvinna,Furulund,2,2,1,,,,,,',                              // 5 answer to a question not asked
    ',kvinna,Furulund,2,2,,,,,,,',                                    // 6 required missing
    '25-44,kvinna,Mars,2,2,,,,,,,',                                   // 7 no such area
    `25-44,kvinna,Furulund,2,2,,,${long},,,,`,                         // 8 too long text
    '25-44,kvinna,Furulund,2,2,,,te"xt,,,,',                          // 9 broken quoting
  ];
  const latin1 = Buffer.from('25-44,kvinna,\xd6jersj\xf6,2,2,,,,,,,\n', 'latin1'); // 10 not UTF-8
  return Buffer.concat([Buffer.from(lines.join('\n') + '\n'), latin1, Buffer.from('65-84,man,Lexby-Lexby omland,1,2,,,,,,,\n')]); // 11 good
}

const EXPECTED_SV = [
  ['3', 'trygghet.kvall', '9', 'Svaret är inte ett av svarsalternativen.'],
  ['4', 'bakgrund.hushall', '21', 'Talet ligger utanför det tillåtna intervallet.'],
  ['5', 'anmalt.ran', '1', 'Frågan ställs inte med de svar som getts tidigare.'],
  ['6', 'bakgrund.alder', '', 'Frågan måste besvaras.'],
  ['7', 'bakgrund.omrade', 'Mars', 'Området finns inte.'],
  ['8', 'oppen.tryggare', null, 'Texten är för lång.'],
  ['9', '', '', 'Citattecknen på raden är felaktiga'],
  ['10', '', '', 'Raden är inte UTF-8'],
];
const EXPECTED_EN = [
  'The answer is not one of the options.',
  'The number is outside the allowed range.',
  'The question is not asked given the earlier answers.',
  'This question must be answered.',
  'The area does not exist.',
  'The text is too long.',
  'The quotes on the row are wrong',
  'The row is not UTF-8',
];

test('bad rows: nothing imported, every bad row reported (Swedish and English), then the valid rows only when asked', async () => {
  const sv = await loggedIn('samordnare');
  const before = await responses();
  const res = await upload(sv, `${BASE()}/import`, badFile(), { filename: 'trasig.csv' });
  assert.equal(res.status, 422, JSON.stringify(reportRows(res.body)) + server.output().slice(-3000));
  assert.equal(await responses(), before, 'nothing imported');
  assert.match(res.body, /class="error-summary"/);
  assert.match(text(res.body), /8 av totalt 10 rader har fel\. Ingenting har lästs in\./);
  const rows = reportRows(res.body);
  assert.equal(rows.length, EXPECTED_SV.length, JSON.stringify(rows, null, 1));
  EXPECTED_SV.forEach(([line, column, value, message], i) => {
    assert.equal(rows[i].line, line);
    assert.equal(rows[i].column, column, `column of row ${line}`);
    if (value !== null)
      assert.equal(rows[i].value, value, `value of row ${line}`);
    assert.ok(rows[i].message.startsWith(message), `row ${line}: ${rows[i].message}`);
  });
  assert.ok(rows[5].value.endsWith('…') && rows[5].value.length < 100, 'a long value is shortened on the page');
  assert.match(text(res.body), /Rader med fel: 3, 4, 5, 6, 7, 8, 9, 10/);

  const en = await loggedIn('admin', 'en');
  const resEn = await upload(en, `${BASE()}/import`, badFile(), { filename: 'trasig.csv' });
  assert.equal(resEn.status, 422);
  const rowsEn = reportRows(resEn.body);
  assert.equal(rowsEn.length, EXPECTED_EN.length);
  EXPECTED_EN.forEach((m, i) => assert.ok(rowsEn[i].message.startsWith(m), `row ${rowsEn[i].line}: ${rowsEn[i].message}`));
  assert.match(text(resEn.body), /8 out of 10 rows have errors\. Nothing has been imported\./);
  assert.match(text(resEn.body), /Import only the valid rows \(2\), skip the 8 invalid ones/);
  assert.equal(await responses(), before, 'still nothing imported');

  // The second step, explicitly: the valid rows only.
  const form = forms(res.body).find((f) => f.action === `${BASE()}/import/giltiga`);
  assert.ok(form, 'the valid-rows-only form');
  assert.match(text(res.body), /Importera bara de giltiga raderna \(2\), hoppa över de 8 ogiltiga/);
  const fields = defaultValues(form);
  const done = await sv.post(form.action, fields);
  assert.equal(done.status, 200, done.body.slice(0, 3000));
  assert.equal(await responses(), before + 2);
  const refs = await server.sql(`SELECT source_ref FROM survey_responses WHERE round_id = ${roundId} ORDER BY id DESC LIMIT 2`);
  assert.deepEqual(refs.trim().split('\n').sort(), ['trasig.csv:11', 'trasig.csv:2']);
  assert.match(text(done.body), /2 svar lästes in från trasig\.csv/);
  assert.match(text(done.body), /Rader som inte lästes in/);
  assert.equal(reportRows(done.body).length, 8, 'the rejected rows are listed');
  const imp = await server.sql(`SELECT rows_total, rows_imported, rows_rejected, report FROM survey_imports
    WHERE round_id = ${roundId} AND filename = 'trasig.csv'`);
  assert.match(imp, /^10\|2\|8\|/);
  const report = JSON.parse(imp.trim().split('|').slice(3).join('|'));
  assert.deepEqual(report.rejected.map((r) => r.line), [3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(report.rejected[0].error, 'not_option');

  // The earlier import's page lists the rejected rows again, in the reader's language.
  const list = await en.get(`${BASE()}/import`);
  const href = new RegExp(`href="(${BASE()}/import/\\d+)">trasig\\.csv`).exec(list.body);
  assert.ok(href, 'a link to the import');
  const detail = await en.get(href[1]);
  assert.equal(detail.status, 200);
  const detailRows = reportRows(detail.body);
  assert.deepEqual(detailRows.map((r) => r.line), ['3', '4', '5', '6', '7', '8', '9', '10']);
  EXPECTED_EN.forEach((m, i) => assert.ok(detailRows[i].message.startsWith(m), `row ${detailRows[i].line}: ${detailRows[i].message}`));
  assert.equal((await en.get(`${BASE()}/import/999999`)).status, 404);

  // The kept file is used once.
  const twice = await sv.post(form.action, fields);
  assert.equal(twice.status, 410);
  assert.equal(await responses(), before + 2);
  // Another user cannot use the token.
  const other = await en.post(form.action, { ...Object.fromEntries(fields), csrf: await en.csrf(`${BASE()}/import`) });
  assert.equal(other.status, 410);
});

test('unknown columns, an empty file, a UTF-16 file: refused as a whole, nothing imported', async () => {
  const c = await loggedIn('samordnare');
  const before = await responses();
  const unknown = await upload(c, `${BASE()}/import`, 'bakgrund.alder,skostorlek,bakgrund.kon,favoritfarg\n25-44,42,man,blå\n');
  assert.equal(unknown.status, 422);
  assert.match(text(unknown.body), /Kolumner som inte finns i enkäten: skostorlek, favoritfarg/);
  const empty = await upload(c, `${BASE()}/import`, '\n\n');
  assert.equal(empty.status, 422);
  assert.match(text(empty.body), /Filen är tom/);
  const headerOnly = await upload(c, `${BASE()}/import`, 'bakgrund.alder\n');
  assert.equal(headerOnly.status, 422);
  const utf16 = await upload(c, `${BASE()}/import`, Buffer.from('\uFEFFbakgrund.alder\n25-44\n', 'utf16le'));
  assert.equal(utf16.status, 422);
  assert.match(text(utf16.body), /UTF-16/);
  const none = await c.send(`${BASE()}/import`, { method: 'POST', body: Buffer.from('csrf=' + await c.csrf(`${BASE()}/import`)),
    headers: { Origin: c.origin, 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(none.status, 400);
  assert.equal(await responses(), before);
});

test('the codebook and the template', async () => {
  const c = await loggedIn('handlaggare');
  const book = await c.get(`${BASE()}/kodbok.csv`);
  assert.equal(book.status, 200);
  assert.match(book.headers['content-type'], /^text\/csv/);
  assert.ok(book.body.startsWith('\uFEFF'));
  assert.match(book.body, /\r\nutsatt\.ran;"?Har du under de senaste 12 månaderna/);
  assert.match(book.body, /anmalt\.ran;[^\r\n]*;single;"1=Ja; 2=Nej; 3=Vet inte";bara om utsatt\.ran = 1;nej/);
  assert.match(book.body, /bakgrund\.omrade;[^\r\n]*Partille centrum \(1402C1150\)/);
  assert.match(book.body, /bakgrund\.hushall;[^\r\n]*;number;heltal 1–20;;nej/);
  assert.match(book.body, /bakgrund\.alder;[^\r\n]*;ja\r\n/);
  const tmpl = await c.get(`${BASE()}/mall.csv`);
  assert.equal(tmpl.status, 200);
  const header = tmpl.body.replace('\uFEFF', '').trim().split(';');
  assert.ok(header.includes('problem.klotter') && header.includes('bakgrund.hushall'));
  assert.deepEqual(header.slice(-3), ['mode', 'ref', 'weight']);
  assert.equal((await c.get('/personal/trygghetsundersokning/999999/kodbok.csv')).status, 404);
});

test('roles and CSRF', async () => {
  const anon = new Client(server.url);
  const r0 = await anon.get(`${BASE()}/import`);
  assert.equal(r0.status, 303);
  assert.match(r0.headers.location, /logga-in/);
  for (const who of ['handlaggare', 'polis']) {
    const c = await loggedIn(who);
    assert.equal((await c.get(`${BASE()}/import`)).status, 403, who);
    assert.equal((await c.get(`${BASE()}/befolkning`)).status, 403, who);
    const token = await c.csrf('/personal/');
    assert.equal((await upload(c, `${BASE()}/import`, `${HEADER}\n`, { csrf: token })).status, 403, who);
  }
  const polis = await loggedIn('polis');
  assert.equal((await polis.get(`${BASE()}/kodbok.csv`)).status, 403);
  const c = await loggedIn('samordnare');
  const before = await responses();
  const noToken = await upload(c, `${BASE()}/import`, 'bakgrund.alder,bakgrund.kon,bakgrund.omrade\n25-44,man,Furulund\n', { csrf: null });
  assert.equal(noToken.status, 403);
  const badToken = await upload(c, `${BASE()}/import`, 'bakgrund.alder,bakgrund.kon,bakgrund.omrade\n25-44,man,Furulund\n', { csrf: 'x'.repeat(40) });
  assert.equal(badToken.status, 403);
  assert.equal(await responses(), before);
});

async function margins() {
  return (await server.sql(`SELECT margin, cell, count FROM survey_population WHERE round_id = ${roundId} ORDER BY margin, cell`)).trim();
}

test('population margins: good files stored and shown with totals; missing cells a warning', async () => {
  const c = await loggedIn('samordnare');
  const page = await c.get(`${BASE()}/befolkning`);
  assert.equal(page.status, 200);
  assert.match(text(page.body), /Inga befolkningsuppgifter är sparade/);
  const age = '\uFEFFage_group;antal\r\n16-24;1000\r\n25-44;3000\r\n45-64;2500\r\n65-84;1500\r\n';
  const res = await upload(c, `${BASE()}/befolkning`, age, { filename: 'alder.csv' });
  assert.equal(res.status, 200, JSON.stringify(reportRows(res.body)) + server.output().slice(-3000));
  assert.match(text(res.body), /Marginalen är sparad/);
  assert.match(await margins(), /age_group\|16-24\|1000/);
  // Areas by name or code; the others are missing and count as 0.
  const area = 'area,count\nPartille centrum,5000\n1402C1060,2900\nöjersjö,0\n';
  const res2 = await upload(c, `${BASE()}/befolkning`, area);
  assert.equal(res2.status, 422, 'Öjersjö is two areas: not a name');
  const area2 = 'area,count\nPartille centrum,5000\n1402C1060,2970\n';
  const res3 = await upload(c, `${BASE()}/befolkning`, area2);
  assert.equal(res3.status, 200, res3.body.slice(0, 3000));
  assert.match(text(res3.body), /Varning: celler som saknas i filen/);
  assert.match(res3.body, /<li>1402C1010<\/li>/);
  assert.match(await margins(), /area\|1402C1150\|5000/);
  // Totals 8000 and 7970: within 0.5 %.
  assert.match(text(res3.body), /Marginalernas totaler stämmer överens/);
  assert.match(res3.body, /<td class="total">8000<\/td>/);
  assert.match(res3.body, /<td class="total">7970<\/td>/);
  const area3 = 'area,count\nPartille centrum,5000\n1402C1060,4000\n';
  const res4 = await upload(c, `${BASE()}/befolkning`, area3);
  assert.equal(res4.status, 200);
  assert.match(text(res4.body), /totaler skiljer sig med mer än 0\.5 %/);
  // English.
  const en = await loggedIn('admin', 'en');
  const page2 = await en.get(`${BASE()}/befolkning`);
  assert.match(text(page2.body), /Warning: the totals of the margins differ by more than 0\.5 %/);
});

test('population margins: bad files are refused with every problem listed, nothing stored', async () => {
  const c = await loggedIn('admin');
  const before = await margins();
  const bad = 'age_group;antal\n15-24;10\n25-44;-3\n45-64;många\n25-44;5\n65-84;1\n65-84;2\n';
  const res = await upload(c, `${BASE()}/befolkning`, bad);
  assert.equal(res.status, 422, JSON.stringify(reportRows(res.body)) + server.output().slice(-3000));
  const rows = reportRows(res.body, 'population-issues');
  assert.deepEqual(rows.map((r) => r.line), ['2', '3', '4', '7']);
  assert.match(rows[0].message, /inget av frågans svarsalternativ/);
  assert.equal(rows[0].value, '15-24');
  assert.match(rows[1].message, /0 eller större/);
  assert.match(rows[2].message, /0 eller större/);
  assert.match(rows[3].message, /Cellen finns redan på rad 6/);
  const cols = await upload(c, `${BASE()}/befolkning`, 'age_group,shoe,count\n16-24,1,3\n');
  assert.equal(cols.status, 422);
  assert.match(text(cols.body), /ingen bakgrundsfråga/);
  const noCount = await upload(c, `${BASE()}/befolkning`, 'age_group\n16-24\n');
  assert.equal(noCount.status, 422);
  assert.match(text(noCount.body), /saknar kolumnen antal/);
  const notMargin = await upload(c, `${BASE()}/befolkning`, 'sex,count\nkvinna,3\nman,3\n');
  assert.equal(notMargin.status, 422);
  assert.match(text(notMargin.body), /viktar inte efter den här marginalen/);
  assert.equal(await margins(), before);
});

test('the demo rounds: two published rounds of generated answers, one open round, margins; loading again adds nothing', async () => {
  const rounds = (await server.sql(`SELECT slug, status, open_link, generated, margins,
      (SELECT COUNT(*) FROM survey_responses s WHERE s.round_id = r.id AND s.status = 'complete')
    FROM survey_rounds r WHERE slug LIKE 'trygghetsundersokning-%' ORDER BY year`)).trim().split('\n');
  assert.deepEqual(rounds, [
    'trygghetsundersokning-2022|published|0|1|age_group,area|1000',
    'trygghetsundersokning-2025|published|0|1|age_group,area|1000',
    'trygghetsundersokning-2026|open|1|0|age_group,area|0',
  ]);
  // The margins of each round: age groups and areas with the same total.
  const totals = (await server.sql(`SELECT r.slug, p.margin, COUNT(*), SUM(p.count) FROM survey_population p
    JOIN survey_rounds r ON r.id = p.round_id WHERE r.slug LIKE 'trygghetsundersokning-%' GROUP BY r.slug, p.margin ORDER BY r.slug, p.margin`))
    .trim().split('\n').map((l) => l.split('|'));
  assert.equal(totals.length, 6);
  for (const [, margin, cells, sum] of totals) {
    assert.equal(Number(cells), margin === 'age_group' ? 4 : 15);
    assert.equal(Number(sum), Number(totals[0][3]));
  }
  // Every area of the demo has answers; places lie in the respondent's area.
  const areas = await count(`SELECT COUNT(DISTINCT s.area_id) FROM survey_responses s JOIN survey_rounds r ON r.id = s.round_id
    WHERE r.slug = 'trygghetsundersokning-2022'`);
  assert.equal(areas, 15);
  const places = (await server.sql(`SELECT COUNT(*), SUM(CASE WHEN a.area_id = s.area_id THEN 1 ELSE 0 END) FROM survey_answers a
    JOIN survey_responses s ON s.id = a.response_id WHERE a.item_code = 'trygghet.plats'`)).trim().split('|').map(Number);
  assert.ok(places[0] > 20 && places[0] === places[1], `places: ${places}`);
  // Free texts: some approved (with their public text), the rest pending.
  const texts = (await server.sql(`SELECT text_review, COUNT(*), SUM(CASE WHEN text_public IS NULL THEN 0 ELSE 1 END) FROM survey_answers
    WHERE text_review IS NOT NULL GROUP BY text_review ORDER BY text_review`)).trim().split('\n').map((l) => l.split('|'));
  assert.equal(texts[0][0], 'approved');
  assert.ok(Number(texts[0][1]) > 10 && texts[0][1] === texts[0][2]);
  assert.equal(texts[1][0], 'pending');
  assert.ok(Number(texts[1][1]) > Number(texts[0][1]) && texts[1][2] === '0');
  // Routing holds in the generated data: "reported" only after "victim = yes".
  const stray = await count(`SELECT COUNT(*) FROM survey_answers a JOIN survey_answers v ON v.response_id = a.response_id
    AND v.item_code = REPLACE(a.item_code, 'anmalt.', 'utsatt.') WHERE a.item_code LIKE 'anmalt.%' AND v.value_code <> 1`);
  assert.equal(stray, 0);
  // The older answer more often than the young (so weighting matters).
  const byAge = (await server.sql(`SELECT a.value_code, COUNT(*) FROM survey_answers a JOIN survey_responses s ON s.id = a.response_id
    JOIN survey_rounds r ON r.id = s.round_id WHERE r.slug = 'trygghetsundersokning-2022' AND a.item_code = 'bakgrund.alder'
    GROUP BY a.value_code ORDER BY a.value_code`)).trim().split('\n').map((l) => Number(l.split('|')[1]));
  assert.ok(byAge[3] > 2 * byAge[0], `answers by age group: ${byAge}`);

  const answersBefore = await count('SELECT COUNT(*) FROM survey_answers');
  await server.loadDemo(); // throws when the command fails
  assert.equal(await count("SELECT COUNT(*) FROM survey_rounds WHERE slug LIKE 'trygghetsundersokning-%'"), 3);
  assert.equal(await count('SELECT COUNT(*) FROM survey_answers'), answersBefore);
});

test('a published round takes no import and no new margins', async () => {
  const c = await loggedIn('samordnare');
  const id = Number((await server.sql("SELECT id FROM survey_rounds WHERE slug = 'trygghetsundersokning-2022'")).trim());
  const base = `/personal/trygghetsundersokning/${id}`;
  const page = await c.get(`${base}/import`);
  assert.equal(page.status, 200);
  assert.match(text(page.body), /resultat är publicerade/);
  assert.ok(!forms(page.body).some((f) => f.action === `${base}/import`), 'no upload form');
  const before = await count(`SELECT COUNT(*) FROM survey_responses WHERE round_id = ${id}`);
  const res = await upload(c, `${base}/import`, 'bakgrund.alder,bakgrund.kon,bakgrund.omrade\n25-44,man,Furulund\n', { page: `${BASE()}/import` });
  assert.equal(res.status, 409);
  assert.match(text(res.body), /Avpublicera den innan/);
  assert.equal(await count(`SELECT COUNT(*) FROM survey_responses WHERE round_id = ${id}`), before);
  const pop = await upload(c, `${base}/befolkning`, 'age_group,count\n16-24,1\n', { page: `${BASE()}/befolkning` });
  assert.equal(pop.status, 409);
  assert.match(await server.sql(`SELECT SUM(count) FROM survey_population WHERE round_id = ${id} AND margin = 'age_group'`), /^30322/);
});

test('a margin of two keys in any column order is stored in the order of the round\'s margin', async () => {
  await server.sql(`UPDATE survey_rounds SET margins = 'age_group*sex,area' WHERE id = ${roundId}`);
  try {
    const c = await loggedIn('samordnare');
    const lines = ['sex;age_group;antal'];
    for (const age of ['16-24', '25-44', '45-64', '65-84'])
      for (const sex of ['kvinna', 'man'])
        lines.push(`${sex === 'kvinna' ? 'Kvinna' : '2'};${age};${age === '16-24' ? 500 : 1000}`);
    const res = await upload(c, `${BASE()}/befolkning`, lines.join('\n') + '\n');
    assert.equal(res.status, 200, res.body.slice(0, 2000));
    assert.match(text(res.body), /Marginalen är sparad age_group\*sex: 8 celler/);
    // "annat" is not in the file: a warning, counted as 0.
    assert.match(res.body, /<li>16-24\|annat<\/li>/);
    const cells = await server.sql(`SELECT cell, count FROM survey_population WHERE round_id = ${roundId} AND margin = 'age_group*sex' ORDER BY cell`);
    assert.match(cells, /^16-24\|kvinna\|500/m);
    assert.match(cells, /^65-84\|man\|1000/m);
    assert.equal(cells.trim().split('\n').length, 8);
  } finally {
    await server.sql(`UPDATE survey_rounds SET margins = 'age_group,area' WHERE id = ${roundId}`);
  }
});

test('trygg survey import: every problem printed, nothing imported, then --valid-only; exit status 0, 1 and 2', async () => {
  const dir = fs.mkdtempSync(path.join(server.dir, 'cli-'));
  const bad = path.join(dir, 'trasig.csv');
  fs.writeFileSync(bad, badFile());
  const before = await responses();
  await assert.rejects(server.command(['survey', 'import', 'importtest', bad]), (e) => {
    assert.match(e.message, /exited with 1/);
    assert.match(e.message, /8 of 10 rows have errors/);
    assert.match(e.message, /line 3, column trygghet\.kvall, value "9": not one of the options/);
    assert.match(e.message, /line 10: the row is not UTF-8/);
    assert.match(e.message, /nothing imported \(--valid-only imports the valid rows/);
    return true;
  });
  assert.equal(await responses(), before);
  const ok = await server.command(['survey', 'import', String(roundId), bad, '--valid-only']);
  assert.match(ok.stdout, /Imported 2 of 10 rows into importtest/);
  assert.equal(await responses(), before + 2);
  assert.match(await server.sql(`SELECT rows_imported, rows_rejected, imported_by IS NULL FROM survey_imports
    WHERE round_id = ${roundId} ORDER BY id DESC LIMIT 1`), /^2\|8\|(1|t)/);
  await assert.rejects(server.command(['survey', 'import', 'trygghetsundersokning-2022', bad]), /published/);
  await assert.rejects(server.command(['survey', 'import', 'ingen-sadan', bad]), /no survey round ingen-sadan/);
  await assert.rejects(server.command(['survey', 'import', 'importtest']), /exited with 2[\s\S]*needs a round/);
  await assert.rejects(server.command(['survey', 'export']), /exited with 2[\s\S]*unknown survey command/);
  const help = await server.command(['survey', '--help']);
  assert.match(help.stdout, /Usage: trygg survey import ROUND FILE\.csv/);
});
