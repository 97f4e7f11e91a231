// survey_results.test.mjs — the safety survey's published results: the list
// of rounds, a round's results page, the CSV with the same figures, the
// methods page, suppression of figures on too few answers, unpublished rounds
// (404 for the public, a preview for staff), the staff's weights report with a
// raking that cannot be done, the free-text review (nothing unreviewed is ever
// public), and the lägesbild's view of the figures.
//
// The answers are generated here by a seeded generator and written straight
// into the tables, so the expected numbers can be computed independently:
// round 2021 is not raked (every weight 1), so its shares and means are plain
// averages computed below in JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, DEMO, ROOT } from '../lib/rig.mjs';
import { Client, login } from '../lib/client.mjs';
import { csrfToken, text } from '../lib/html.mjs';

const SECRET_NAME = 'Kalle Hemligsson';
const EDITED = 'En granne vill ha bättre belysning vid busshållplatsen.';
const REJECTED = 'Bertil Avvisadsson ska ut ur området';
let server, areas;

/* A small deterministic generator (LCG), so every run writes the same answers. */
function generator(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function pick(rand, weights) {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rand() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i];
    if (x < 0) return i + 1;
  }
  return weights.length;
}

const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

/* Writes n complete responses for round id; returns them as {item: code} maps. */
async function generateAnswers(roundId, n, seed, { texts = false } = {}) {
  const bank = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/survey/bank.json'), 'utf8'));
  const items = bank.sections.flatMap((s) => s.items);
  const rand = generator(seed);
  const people = [];
  const rows = [];
  const responses = [];
  for (let i = 0; i < n; i++) {
    const id = roundId * 100000 + i + 1;
    // the last area gets few answers (its figures are suppressed)
    const areaIndex = pick(rand, areas.map((_, k) => (k === areas.length - 1 ? 0.25 : 1))) - 1;
    const area = areas[areaIndex];
    const a = { 'bakgrund.alder': pick(rand, [2, 4, 4, 3]), 'bakgrund.kon': pick(rand, [1, 1]), 'bakgrund.omrade': area.id };
    for (const it of items) {
      if (it.role === 'background' || it.type !== 'single') continue;
      if (it.show_if) {
        if (!it.show_if.codes.includes(a[it.show_if.item])) continue;
      }
      const opts = bank.scales[it.scale].options.length;
      let w;
      if (it.role === 'problem') w = [5 - (areaIndex % 3), 2 + (areaIndex % 3), 1, 1, 1];
      else if (it.role === 'victim') w = [1, 8, 0.3];
      else w = Array.from({ length: opts }, (_, k) => 1 + ((k + areaIndex) % 3));
      if (rand() < 0.05 && it.role !== 'victim') continue; // some leave a question blank
      a[it.code] = pick(rand, w.slice(0, opts));
    }
    people.push(a);
    responses.push(`(${id}, ${roundId}, 'paper', 'complete', ${area.id}, 1, 1700000000, 1700000000, 1700000000)`);
    for (const [code, v] of Object.entries(a)) {
      rows.push(`(${id}, ${q(code)}, ${v}, NULL, ${code === 'bakgrund.omrade' ? v : 'NULL'}, NULL)`);
    }
    if (texts && i < 3) {
      const t = [`${SECRET_NAME} på Storgatan stör alla`, REJECTED, 'Mer ljus i parken'][i];
      rows.push(`(${id}, 'oppen.tryggare', NULL, ${q(t)}, NULL, 'pending')`);
    }
  }
  await server.sql(`INSERT INTO survey_responses (id, round_id, mode, status, area_id, base_weight, started_at, submitted_at, updated_at) VALUES ${responses.join(',')}`);
  for (let i = 0; i < rows.length; i += 800) {
    await server.sql(`INSERT INTO survey_answers (response_id, item_code, value_code, value_text, area_id, text_review) VALUES ${rows.slice(i, i + 800).join(',')}`);
  }
  return people;
}

async function createRound({ slug, year, status, margins, minN = 30 }) {
  const bank = fs.readFileSync(path.join(ROOT, 'data/survey/bank.json'), 'utf8');
  const out = await server.sql(`INSERT INTO survey_rounds (slug, title_sv, title_en, year, status, questionnaire, margins, min_n, trim_upper, generated, method_sv, created_at, updated_at, published_at)
    VALUES (${q(slug)}, ${q(`Trygghetsundersökning ${year}`)}, ${q(`Safety survey ${year}`)}, ${year}, ${q(status)}, ${q(bank)}, ${q(margins)}, ${minN}, 5, 0, ${q(`Brev till ett **slumpmässigt urval** ${year}.`)}, 1700000000, 1700000000, 1700000000) RETURNING id`);
  return Number(out.trim());
}

/* Population margins from the answers themselves, scaled: every cell with people has respondents. */
async function population(roundId, people, { extraCell = null } = {}) {
  const ages = ['16-24', '25-44', '45-64', '65-84'];
  const sexes = ['kvinna', 'man', 'annat'];
  const rows = [];
  for (let a = 0; a < 4; a++)
    for (let s = 0; s < 3; s++) {
      const count = people.filter((p) => p['bakgrund.alder'] === a + 1 && p['bakgrund.kon'] === s + 1).length;
      rows.push(['age_group*sex', `${ages[a]}|${sexes[s]}`, count * 37 + (count ? (a + 1) * 11 : 0)]);
    }
  const total = rows.reduce((t, r) => t + r[2], 0);
  const areaCounts = areas.map((ar) => people.filter((p) => p['bakgrund.omrade'] === ar.id).length);
  const sum = areaCounts.reduce((a, b) => a + b, 0);
  let left = total;
  areas.forEach((ar, k) => {
    const c = k === areas.length - 1 ? left : Math.round((total * areaCounts[k]) / sum);
    left -= c;
    rows.push(['area', ar.code, c]);
  });
  if (extraCell) rows.push(extraCell);
  await server.sql(`INSERT INTO survey_population (round_id, margin, cell, count, source, imported_at) VALUES ${rows
    .map(([m, c, n]) => `(${roundId}, ${q(m)}, ${q(c)}, ${n}, 'test', 1700000000)`).join(',')}`);
}

function parseCsv(body) {
  assert.ok(body.startsWith('\uFEFF'), 'CSV starts with a UTF-8 byte order mark');
  const lines = body.slice(1).split('\r\n').filter((l) => l !== '');
  const split = (l) => {
    const out = [];
    let cur = '', quoted = false;
    for (let i = 0; i < l.length; i++) {
      const ch = l[i];
      if (quoted) {
        if (ch === '"' && l[i + 1] === '"') { cur += '"'; i++; }
        else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') { out.push(cur); cur = ''; }
      else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const head = split(lines[0]);
  return lines.slice(1).map((l) => Object.fromEntries(split(l).map((v, i) => [head[i], v])));
}

let r2021, r2024, rDraft, people2021;

before(async () => {
  server = await startServer({ demo: true });
  areas = (await server.sql("SELECT id, code FROM areas WHERE kind = 'area' AND retired_at IS NULL ORDER BY name"))
    .trim().split('\n').map((l) => { const [id, code] = l.split('|'); return { id: Number(id), code }; });
  r2021 = await createRound({ slug: 'test-2021', year: 2021, status: 'published', margins: '' });
  people2021 = await generateAnswers(r2021, 500, 2021);
  r2024 = await createRound({ slug: 'test-2024', year: 2024, status: 'published', margins: 'age_group*sex,area' });
  const people2024 = await generateAnswers(r2024, 700, 2024, { texts: true });
  await population(r2024, people2024);
  rDraft = await createRound({ slug: 'test-utkast', year: 2025, status: 'closed', margins: 'age_group*sex,area' });
  const peopleDraft = await generateAnswers(rDraft, 200, 2025);
  // people in a cell nobody answered from: the raking cannot be done
  await population(rDraft, peopleDraft, { extraCell: null });
  await server.sql(`UPDATE survey_population SET count = 500 WHERE round_id = ${rDraft} AND cell = '16-24|annat'`);
});
after(async () => {
  await server?.stop();
});

async function staff(role = 'samordnare') {
  const c = new Client(server.url);
  await login(c, DEMO[role].email, DEMO[role].password);
  return c;
}

test('the list of rounds shows published rounds only', async () => {
  const res = await new Client(server.url).get('/trygghetsundersokning');
  assert.equal(res.status, 200);
  assert.match(res.body, /href="\/trygghetsundersokning\/test-2021"/);
  assert.match(res.body, /href="\/trygghetsundersokning\/test-2024"/);
  assert.doesNotMatch(res.body, /test-utkast/);
});

test('an unraked round gives the plain shares and means, on the page and in the CSV', async () => {
  const c = new Client(server.url);
  const csv = await c.get('/trygghetsundersokning/test-2021/resultat.csv');
  assert.equal(csv.status, 200);
  assert.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
  const rows = parseCsv(csv.body);
  const find = (item, option, index, type = 'all', domain = '') =>
    rows.find((r) => r.item === item && r.option === option && r.index === index && r.domain_type === type && r.domain === domain);
  // unsafety: share of codes 3, 4, 5 among those who answered
  const answered = people2021.filter((p) => p['trygghet.kvall'] !== undefined);
  const unsafe = answered.filter((p) => [3, 4, 5].includes(p['trygghet.kvall'])).length / answered.length;
  const u = find('trygghet.kvall', '', 'unsafety');
  assert.ok(Math.abs(Number(u.value) - unsafe) < 1e-6, `unsafety ${u.value} vs ${unsafe}`);
  assert.equal(Number(u.n), answered.length);
  assert.ok(Number(u.ci_low) < Number(u.value) && Number(u.value) < Number(u.ci_high));
  // problem index of klotter: mean of 0/3/6/0 scores, "vet inte" left out
  const score = { 1: 0, 2: 3, 3: 6, 4: 0 };
  const k = people2021.map((p) => score[p['problem.klotter']]).filter((v) => v !== undefined);
  const mean = k.reduce((a, b) => a + b, 0) / k.length;
  const pk = find('problem.klotter', '', 'problem');
  assert.ok(Math.abs(Number(pk.value) - mean) < 1e-6, `klotter ${pk.value} vs ${mean}`);
  // the share of one option in one area
  const area = areas[0];
  const inArea = people2021.filter((p) => p['bakgrund.omrade'] === area.id && p['problem.klotter'] !== undefined);
  const share = inArea.filter((p) => p['problem.klotter'] === 1).length / inArea.length;
  const cell = find('problem.klotter', 'nej', '', 'area', area.code);
  assert.ok(Math.abs(Number(cell.value) - share) < 1e-6, `share ${cell.value} vs ${share}`);
  // the page shows the same unsafety figure, rounded
  const page = await c.get('/trygghetsundersokning/test-2021');
  assert.equal(page.status, 200);
  assert.ok(text(page.body).includes(`${Math.round(unsafe * 100)} %`), 'the page shows the unsafety index');
});

test('the raked round: page, charts, CSV and lägesbild agree; suppressed figures are absent everywhere', async () => {
  const c = new Client(server.url);
  const page = await c.get('/trygghetsundersokning/test-2024');
  assert.equal(page.status, 200);
  // charts drawn by the server, with text alternatives
  const svgs = page.body.match(/<svg[^>]*>/g) ?? [];
  assert.ok(svgs.length >= 3, 'bar charts and trend charts');
  for (const s of svgs) {
    assert.match(s, /role="img"/);
    assert.match(s, /viewBox="/);
    assert.match(s, /aria-labelledby="/);
  }
  assert.match(page.body, /<title id="problem-chart-title">/);
  assert.match(page.body, /<desc id="problem-chart-desc">/);
  assert.match(page.body, /Otrygghetsindex över tid/);
  assert.match(page.body, /ingen säker skillnad|tydligt högre|tydligt lägre/);
  const rows = parseCsv((await c.get('/trygghetsundersokning/test-2024/resultat.csv')).body);
  assert.ok(rows.length > 1000);
  // every shown figure lies in its interval; shares of an item's options sum to 1
  for (const r of rows.filter((r) => r.suppressed === '0' && r.ci_low !== ''))
    assert.ok(Number(r.ci_low) <= Number(r.value) + 1e-9 && Number(r.value) <= Number(r.ci_high) + 1e-9, JSON.stringify(r));
  const opts = rows.filter((r) => r.item === 'trygghet.kvall' && r.option !== '' && r.domain_type === 'all');
  assert.ok(Math.abs(opts.reduce((t, r) => t + Number(r.value), 0) - 1) < 1e-9);
  // the small area: suppressed in the CSV, a dash on the page, absent in the lägesbild
  const small = areas[areas.length - 1];
  const smallRows = rows.filter((r) => r.domain_type === 'area' && r.domain === small.code);
  assert.ok(smallRows.length > 0);
  for (const r of smallRows) {
    assert.equal(r.suppressed, '1');
    assert.equal(r.value, '');
    assert.equal(r.ci_low, '');
    assert.ok(Number(r.n) < 30);
  }
  const unsafety = rows.find((r) => r.item === 'trygghet.kvall' && r.index === 'unsafety' && r.domain_type === 'all');
  assert.ok(text(page.body).includes(`${Math.round(Number(unsafety.value) * 100)} %`));
  assert.match(page.body, /aria-label="visas inte: för få svar"/);

  const s = await staff('samordnare');
  const lb = await s.get('/personal/lagesbild/trygghetsundersokning?fran=2024&till=2024');
  assert.equal(lb.status, 200);
  const trs = [...lb.body.matchAll(/<tr data-round="([^"]*)" data-area="(\d+)" data-item="([^"]*)" data-index="([^"]*)">(.*?)<\/tr>/g)];
  assert.ok(trs.length > 50);
  assert.ok(trs.every((m) => m[1] === 'test-2024'), 'only the years asked for');
  const whole = trs.find((m) => m[2] === '0' && m[3] === 'trygghet.kvall' && m[4] === 'unsafety');
  assert.ok(whole[5].includes(Number(unsafety.value).toFixed(6)), 'the lägesbild has the CSV figure');
  const smallTr = trs.filter((m) => m[2] === String(small.id));
  assert.ok(smallTr.length > 0);
  for (const m of smallTr) assert.match(m[5], /<td>–<\/td><td>–<\/td><td>–<\/td>/);
  const bad = await s.get('/personal/lagesbild/trygghetsundersokning?fran=tjugo');
  assert.equal(bad.status, 400);
});

test('an unpublished round is not public; staff may preview it and see why it has no weights', async () => {
  const pub = new Client(server.url);
  assert.equal((await pub.get('/trygghetsundersokning/test-utkast')).status, 404);
  assert.equal((await pub.get('/trygghetsundersokning/test-utkast/resultat.csv')).status, 404);
  assert.equal((await pub.get('/trygghetsundersokning/finns-inte')).status, 404);
  const s = await staff('samordnare');
  const preview = await s.get('/trygghetsundersokning/test-utkast');
  assert.equal(preview.status, 200);
  assert.match(preview.body, /Förhandsvisning/);
  const w = await s.get(`/personal/trygghetsundersokning/${rDraft}/vikter`);
  assert.equal(w.status, 200);
  assert.match(w.body, /Vikterna kunde inte räknas fram/);
  assert.match(w.body, /age_group\*sex/);
  assert.match(w.body, /16-24\|annat/);
  // a handläggare may not see the weights
  const h = await staff('handlaggare');
  assert.equal((await h.get(`/personal/trygghetsundersokning/${r2024}/vikter`)).status, 403);
});

test('the weights report meets the margins; the methods page has the same numbers', async () => {
  const s = await staff('admin');
  const w = await s.get(`/personal/trygghetsundersokning/${r2024}/vikter`);
  assert.equal(w.status, 200);
  assert.match(w.body, /Viktningen nådde marginalerna/);
  const checks = [...w.body.matchAll(/<tr><td>([^<]*)<\/td><th scope="row">([^<]*)<\/th><td>([\d.]+)<\/td><td>([\d.]+)<\/td><td>(\d+)<\/td><\/tr>/g)];
  assert.ok(checks.length >= 12 + areas.length);
  for (const m of checks) assert.ok(Math.abs(Number(m[3]) - Number(m[4])) <= 0.1, `${m[1]} ${m[2]}: ${m[3]} vs ${m[4]}`);
  const deff = w.body.match(/Designeffekt: ([\d.]+)/)[1];
  const methods = await new Client(server.url).get('/trygghetsundersokning/metod');
  assert.equal(methods.status, 200);
  assert.ok(methods.body.includes(`Designeffekt: ${deff}`));
  assert.match(methods.body, /<strong>slumpmässigt urval<\/strong>/, 'the round\'s method text as Markdown');
  assert.match(methods.body, /Taylorlinjärisering/);
});

test('free text is published only after review, and only in its reviewed form', async () => {
  const pub = new Client(server.url);
  const publicPages = async () => [
    (await pub.get('/trygghetsundersokning/test-2024')).body,
    (await pub.get('/trygghetsundersokning/test-2024/resultat.csv')).body,
    (await pub.get('/trygghetsundersokning/metod')).body,
    (await pub.get('/trygghetsundersokning')).body,
  ].join('\n');
  let all = await publicPages();
  assert.ok(!all.includes('Hemligsson') && !all.includes('Avvisadsson') && !all.includes('Mer ljus i parken'));

  const h = await staff('handlaggare');
  assert.equal((await h.get(`/personal/trygghetsundersokning/${r2024}/fritext`)).status, 403);
  const s = await staff('samordnare');
  const list = await s.get(`/personal/trygghetsundersokning/${r2024}/fritext`);
  assert.equal(list.status, 200);
  assert.ok(list.body.includes(SECRET_NAME));
  const ids = [...list.body.matchAll(/action="\/personal\/trygghetsundersokning\/\d+\/fritext\/(\d+)"/g)].map((m) => m[1]);
  assert.equal(ids.length, 3);
  const one = await s.get(`/personal/trygghetsundersokning/${r2024}/fritext?en=1`);
  assert.equal([...one.body.matchAll(/fritext\/\d+"/g)].length, 1, 'one at a time');

  const base = `/personal/trygghetsundersokning/${r2024}/fritext`;
  const decide = (id, fields) => s.submit(base, fields, { action: `${base}/${id}` });
  assert.equal((await decide(ids[0], { beslut: 'godkann_redigerad', text_public: '' })).status, 422);
  assert.equal((await decide(ids[0], { beslut: 'kanske' })).status, 422);
  assert.equal((await decide(ids[0], { beslut: 'godkann_redigerad', text_public: EDITED })).status, 303);
  assert.equal((await decide(ids[1], { beslut: 'avvisa' })).status, 303);
  const token = csrfToken((await s.get(base)).body);
  assert.equal((await s.post(`${base}/999999`, { csrf: token, beslut: 'avvisa' })).status, 404);
  // without the form token nothing changes
  const forged = await s.post(`${base}/${ids[2]}`, { beslut: 'godkann' });
  assert.equal(forged.status, 403);

  all = await publicPages();
  assert.ok(all.includes(EDITED), 'the edited version is public');
  assert.ok(!all.includes('Hemligsson'), 'the original text with the name is not');
  assert.ok(!all.includes('Avvisadsson'), 'a rejected text is not');
  assert.ok(!all.includes('Mer ljus i parken'), 'a text not yet reviewed is not');
  assert.equal((await decide(ids[2], { beslut: 'godkann' })).status, 303);
  all = await publicPages();
  assert.ok(all.includes('Mer ljus i parken'), 'approved as it was');
  const audit = await server.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'survey.text_review'");
  assert.equal(Number(audit.trim()), 3);
});

test('the results pages speak English too', async () => {
  const c = new Client(server.url, { lang: 'en' });
  const res = await c.get('/trygghetsundersokning/test-2024');
  assert.equal(res.status, 200);
  assert.match(res.body, /Safety survey 2024/);
  assert.match(res.body, /Unsafety index/);
  assert.ok(!/Huvudresultat/.test(res.body));
});
