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
import { startServer, DEMO } from '../lib/rig.mjs';
import { SECRET_NAME, REJECTED, createRound, generateAnswers, population, surveyAreas } from '../lib/survey_results_data.mjs';
import { Client, login } from '../lib/client.mjs';
import { csrfToken, text } from '../lib/html.mjs';

const EDITED = 'En granne vill ha bättre belysning vid busshållplatsen.';
let server, areas;

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
  areas = await surveyAreas(server);
  r2021 = await createRound(server, { slug: 'test-2021', year: 2021, status: 'published', margins: '' });
  people2021 = await generateAnswers(server, areas, r2021, 500, 2021);
  r2024 = await createRound(server, { slug: 'test-2024', year: 2024, status: 'published', margins: 'age_group*sex,area' });
  const people2024 = await generateAnswers(server, areas, r2024, 700, 2024, { texts: true });
  await population(server, areas, r2024, people2024);
  rDraft = await createRound(server, { slug: 'test-utkast', year: 2025, status: 'closed', margins: 'age_group*sex,area' });
  const peopleDraft = await generateAnswers(server, areas, rDraft, 200, 2025);
  // people in a cell nobody answered from: the raking cannot be done
  await population(server, areas, rDraft, peopleDraft);
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

test('new answers are counted at once (the cached results are recomputed)', async () => {
  const c = new Client(server.url);
  const unsafety = async () => parseCsv((await c.get('/trygghetsundersokning/test-2021/resultat.csv')).body)
    .find((r) => r.item === 'trygghet.kvall' && r.index === 'unsafety' && r.domain_type === 'all');
  const before = await unsafety();
  const id = r2021 * 100000 + 99999;
  await server.sql(`INSERT INTO survey_responses (id, round_id, mode, status, area_id, base_weight, started_at, submitted_at, updated_at) VALUES (${id}, ${r2021}, 'paper', 'complete', ${areas[0].id}, 1, 1700000001, 1700000001, 1700000001)`);
  await server.sql(`INSERT INTO survey_answers (response_id, item_code, value_code) VALUES (${id}, 'trygghet.kvall', 4), (${id}, 'bakgrund.omrade', ${areas[0].id})`);
  const after = await unsafety();
  assert.equal(Number(after.n), Number(before.n) + 1);
  const k = Number(before.value) * Number(before.n);
  assert.ok(Math.abs(Number(after.value) - (k + 1) / (Number(before.n) + 1)) < 1e-6);
  await server.sql(`DELETE FROM survey_answers WHERE response_id = ${id}`);
  await server.sql(`DELETE FROM survey_responses WHERE id = ${id}`);
  assert.equal((await unsafety()).n, before.n);
});

test('the results pages speak English too', async () => {
  const c = new Client(server.url, { lang: 'en' });
  const res = await c.get('/trygghetsundersokning/test-2024');
  assert.equal(res.status, 200);
  assert.match(res.body, /Safety survey 2024/);
  assert.match(res.body, /Unsafety index/);
  assert.ok(!/Huvudresultat/.test(res.body));
});
