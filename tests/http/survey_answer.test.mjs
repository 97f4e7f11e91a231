// survey_answer.test.mjs — answering the safety survey on the web (one-time
// code or open link: start, wrong and used codes, resume by cookie, by code
// and by link, routing without JavaScript, required answers, invalid values,
// review and submit that uses up the code, closed rounds, CSRF, nothing
// identifying kept) and staff entry of telephone and paper answers (roles,
// errors beside their fields with the input kept, routing, undo).
// The rate limit on codes is the last test: every client here shares
// 127.0.0.1, and the earlier tests' tries count too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO } from '../lib/rig.mjs';
import { Client, login, setCookie } from '../lib/client.mjs';
import { forms, text, csrfToken } from '../lib/html.mjs';
import { createRound } from '../lib/survey_round.mjs';

let server, round, openRound, areaId;

before(async () => {
  // trust_proxy: a test can say it came over https (X-Forwarded-Proto) for the cookie's Secure flag.
  server = await startServer({ demo: true, config: { trust_proxy: 'true' } });
  round = await createRound(server, { slug: 'svar-2026', codes: 6 });
  openRound = await createRound(server, { slug: 'oppen-2026', openLink: true });
  areaId = Number((await server.sql("SELECT MIN(id) FROM areas WHERE kind = 'area' AND retired_at IS NULL")).trim());
  assert.ok(areaId > 0, 'the demo has areas');
});
after(async () => {
  await server?.stop();
});

const base = (slug) => `/trygghetsundersokning/${slug}/svara`;
/* A condition as 1 or 0 in SQL that prints the same on SQLite and PostgreSQL. */
const flag = (cond) => `CASE WHEN ${cond} THEN 1 ELSE 0 END`;

async function staff(who) {
  const c = new Client(server.url);
  const res = await login(c, DEMO[who].email, DEMO[who].password);
  assert.equal(res.status, 303, `login as ${who}`);
  return c;
}

/* Starts answering with code in a new client. Returns {client, page}. */
async function startWithCode(slug, code, client = new Client(server.url)) {
  const res = await client.submit(base(slug), { code }, { action: '/kod' });
  return { client, res };
}

/* The names of the radio groups in fieldsets sent hidden (follow-ups not asked yet). */
function hiddenNames(html) {
  const names = new Set();
  for (const m of html.matchAll(/<fieldset[^>]*\shidden[\s>][\s\S]*?<\/fieldset>/g))
    for (const n of m[0].matchAll(/name="([^"]+)"/g))
      names.add(n[1]);
  return names;
}

/* An answer for every visible question of a section page: the last option of each
 * scale ("Vet inte" and the like, which ask no follow-ups), the first area. */
function fillPage(html) {
  const form = forms(html).find((f) => /\/del\/\d+$/.test(f.action));
  const hidden = hiddenNames(html);
  const fields = {};
  for (const f of form.fields) {
    if (!f.name || hidden.has(f.name))
      continue;
    if (f.type === 'radio')
      fields[f.name] = f.value;       // the last one wins
    else if (f.type === 'select' && f.name !== 'place_area')
      fields[f.name] = String(areaId);
  }
  fields.place_area = String(areaId);
  fields.place_text = 'Vid stationen';
  return fields;
}

/* Answers every section and lands on the review page. */
async function answerAll(client, slug) {
  let path = `${base(slug)}/del/1`;
  for (let i = 0; i < 20 && /\/del\/\d+$/.test(path); i++) {
    const page = await client.get(path);
    assert.equal(page.status, 200, `${path}: ${text(page.body).slice(0, 300)}`);
    const res = await client.submit(path, { ...fillPage(page.body), go: 'next' }, { page, action: /\/del\/\d+$/ });
    assert.equal(res.status, 303, `${path}: ${text(res.body).slice(0, 500)}`);
    path = new URL(res.headers.location, server.url).pathname;
  }
  assert.equal(path, `${base(slug)}/granska`);
  return path;
}

test('the start page asks for the code; a closed, a draft and a not yet open round are refused clearly', async () => {
  const c = new Client(server.url);
  const page = await c.get(base(round.slug));
  assert.equal(page.status, 200);
  assert.ok(forms(page.body).some((f) => f.action.endsWith('/svara/kod')), 'a code form');
  assert.ok(!forms(page.body).some((f) => f.action.endsWith('/starta')), 'no start button without the open link');

  const closed = await createRound(server, { slug: 'stangd-2025', status: 'closed', codes: 1 });
  const cp = await c.get(base(closed.slug));
  assert.match(text(cp.body), /Undersökningen är stängd och tar inte emot fler svar/);
  assert.ok(!forms(cp.body).some((f) => f.action.endsWith('/kod')), 'no code form on a closed round');
  const token = await c.csrf(base(round.slug));
  const post = await c.post(`${base(closed.slug)}/kod`, { csrf: token, code: closed.codes[0] });
  assert.equal(post.status, 409);
  assert.match(text(post.body), /stängd/);
  assert.equal((await server.sql(`SELECT COUNT(*) FROM survey_responses WHERE round_id = ${closed.id}`)).trim(), '0');

  const later = Math.floor(Date.now() / 1000) + 86400 * 3;
  const soon = await createRound(server, { slug: 'snart-2026', opensAt: later });
  assert.match(text((await c.get(base(soon.slug))).body), /har inte öppnat ännu/);
  const draft = await createRound(server, { slug: 'utkast-2026', status: 'draft' });
  assert.equal((await c.get(base(draft.slug))).status, 404);
  assert.equal((await c.get(base('finns-inte'))).status, 404);
});

test('a one-time code starts a response: any case, blanks and dashes; a resume cookie for the round only and a resume code shown', async () => {
  const typed = round.codes[0].toLowerCase().replace(/-/g, ' ');
  const { res } = await startWithCode(round.slug, typed);
  assert.equal(res.status, 200, text(res.body).slice(0, 400));
  const cookie = setCookie(res, 'trygg-svar');
  assert.ok(cookie, 'resume cookie set');
  assert.match(cookie, /; Path=\/trygghetsundersokning\/svar-2026\/svara;/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  const token = /<p class="secret" id="token">([A-Z0-9-]+)<\/p>/.exec(res.body)?.[1];
  assert.match(token ?? '', /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/, 'resume code shown');
  assert.notEqual(token, round.codes[0]);
  assert.ok(res.body.includes(`/svara/fortsatt/${token}`), 'resume link shown');
  const rows = await server.sql(`SELECT status, mode, ${flag('code_id IS NOT NULL')}, ${flag('resume_hash IS NOT NULL')} FROM survey_responses WHERE round_id = ${round.id}`);
  assert.equal(rows.trim(), 'in_progress|web|1|1');
  assert.equal((await server.sql(`SELECT COUNT(*) FROM survey_codes WHERE round_id = ${round.id} AND started_at IS NOT NULL`)).trim(), '1');
});

test('a wrong code gets a clear message and starts nothing; the code form needs the CSRF token', async () => {
  const c = new Client(server.url);
  const before = (await server.sql('SELECT COUNT(*) FROM survey_responses')).trim();
  const res = await c.submit(base(round.slug), { code: 'AAAA-BBBB-CCCC' }, { action: '/kod' });
  assert.equal(res.status, 422);
  assert.match(text(res.body), /Koden finns inte/);
  assert.match(res.body, /<a href="#code">/, 'error summary linked to the field');
  assert.match(res.body, /value="AAAA-BBBB-CCCC"/, 'what was typed is kept');
  const empty = await c.submit(base(round.slug), { code: '' }, { action: '/kod' });
  assert.equal(empty.status, 400);
  const forged = await c.post(`${base(round.slug)}/kod`, { code: round.codes[1] });
  assert.equal(forged.status, 403);
  assert.equal((await server.sql('SELECT COUNT(*) FROM survey_responses')).trim(), before);
});

test('resume: by cookie, by the one-time code on another device, by the resume code and by the link', async () => {
  const { client, res } = await startWithCode(round.slug, round.codes[1]);
  assert.equal(res.status, 200);
  const page1 = await client.get(`${base(round.slug)}/del/1`);
  const saved = await client.submit(`${base(round.slug)}/del/1`, { 'problem.klotter': '3', go: 'next' }, { page: page1 });
  assert.equal(saved.status, 303);
  assert.equal(saved.headers.location, `${base(round.slug)}/del/2`);

  // The same browser: the start page offers to go on, at the next section.
  const start = await client.get(base(round.slug));
  assert.match(text(start.body), /Du har redan börjat svara/);
  assert.ok(start.body.includes(`href="${base(round.slug)}/del/2"`));

  // Another device with the code: the answers are there; a new resume code.
  const other = await startWithCode(round.slug, round.codes[1]);
  assert.equal(other.res.status, 200);
  assert.match(text(other.res.body), /Välkommen tillbaka/);
  const again = await other.client.get(`${base(round.slug)}/del/1`);
  assert.match(again.body, /id="q-problem.klotter-3" name="problem.klotter" value="3" checked/);
  const token = /id="token">([A-Z0-9-]+)</.exec(other.res.body)[1];

  // A third device types the resume code; a fourth follows the link.
  const third = new Client(server.url);
  const typed = await third.submit(base(round.slug), { code: ` ${token.toLowerCase().replace(/-/g, ' ')} ` }, { action: '/kod' });
  assert.equal(typed.status, 303);
  assert.equal(typed.headers.location, `${base(round.slug)}/del/2`);
  assert.ok(setCookie(typed, 'trygg-svar').startsWith(`trygg-svar=${token};`), 'the cookie holds the printed form');
  const fourth = new Client(server.url);
  const link = await fourth.get(`${base(round.slug)}/fortsatt/${token}`);
  assert.equal(link.status, 303);
  assert.equal((await fourth.get(`${base(round.slug)}/del/1`)).status, 200);
  assert.equal((await new Client(server.url).get(`${base(round.slug)}/fortsatt/AAAA-AAAA-AAAA`)).status, 404);

  // Without a response in progress the pages lead to the start.
  const stranger = await new Client(server.url).get(`${base(round.slug)}/del/1`);
  assert.equal(stranger.status, 303);
  assert.equal(stranger.headers.location, base(round.slug));
});

test('routing without JavaScript: a follow-up comes back on the same page; answers to questions not asked are dropped', async () => {
  const { client } = await startWithCode(round.slug, round.codes[2]);
  const path = `${base(round.slug)}/del/3`;
  const page = await client.get(path);
  assert.match(page.body, /<fieldset[^>]*id="q-anmalt.ran"[^>]* hidden data-show-if="utsatt.ran" data-show-codes="1"/);
  const res = await client.submit(path, { 'utsatt.ran': '1', go: 'next' }, { page });
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, `${path}#q-form`, 'back to the same page for the follow-up');
  const shown = await client.get(path);
  assert.doesNotMatch(shown.body, /id="q-anmalt.ran"[^>]* hidden/);
  assert.match(text(shown.body), /fler frågor på den här sidan/);
  // Now a "no" with an answer to the follow-up (as a page with JavaScript may send): the follow-up goes.
  const res2 = await client.submit(path, { 'utsatt.ran': '2', 'anmalt.ran': '1', go: 'next' }, { page: shown });
  assert.equal(res2.status, 303);
  assert.equal(res2.headers.location, `${base(round.slug)}/del/4`);
  const stored = await server.sql(`SELECT a.item_code, a.value_code FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id ` +
    `JOIN survey_codes c ON c.id = r.code_id WHERE c.code_hash IS NOT NULL AND r.round_id = ${round.id} AND a.item_code LIKE '%.ran' ORDER BY a.item_code`);
  assert.ok(stored.includes('utsatt.ran|2'), stored);
  assert.ok(!stored.includes('anmalt.ran'), `the follow-up was dropped: ${stored}`);
  // With JavaScript (js=1) the person has seen the follow-up: no round trip.
  const res3 = await client.submit(path, { 'utsatt.ran': '1', 'anmalt.ran': '2', js: '1', go: 'next' });
  assert.equal(res3.headers.location, `${base(round.slug)}/del/4`);
});

test('required answers and invalid values: 4xx with the message at the top, linked to the question', async () => {
  const { client } = await startWithCode(round.slug, round.codes[3]);
  const last = `${base(round.slug)}/del/6`;
  const page = await client.get(last);
  assert.match(text(page.body), /Del 6 av 6/);
  const res = await client.submit(last, { go: 'next' }, { page });
  assert.equal(res.status, 422);
  assert.match(res.body, /<div class="error-summary"/);
  assert.match(res.body, /<a href="#q-bakgrund.alder-1">Frågan måste besvaras.<\/a>/);
  assert.match(res.body, /<fieldset class="field survey-item field-error" id="q-bakgrund.alder"/);
  // Going back does not ask for the required answers.
  const back = await client.submit(last, { go: 'back' }, { page });
  assert.equal(back.status, 303);
  assert.equal(back.headers.location, `${base(round.slug)}/del/5`);

  const first = `${base(round.slug)}/del/1`;
  const bad = await client.submit(first, { 'problem.klotter': '9', 'problem.brak': '2', go: 'next' });
  assert.equal(bad.status, 422);
  assert.match(text(bad.body), /Svaret är inte ett av svarsalternativen/);
  assert.match(bad.body, /id="q-problem.brak-2" name="problem.brak" value="2" checked/, 'valid answers kept');
  const place = `${base(round.slug)}/del/2`;
  const badPlace = await client.submit(place, { place_area: '99999999', go: 'next' });
  assert.equal(badPlace.status, 422);
  assert.match(badPlace.body, /<a href="#place_area">/);
  assert.equal((await client.get(`${base(round.slug)}/del/99`)).status, 404);
  assert.equal((await client.get(`${base(round.slug)}/del/x`)).status, 404);
});

test('review and submit: the response is complete, unlinked from the code, the code used up; the code cannot start again', async () => {
  const { client } = await startWithCode(round.slug, round.codes[4]);
  const review = await answerAll(client, round.slug);
  const page = await client.get(review);
  assert.match(text(page.body), /Granska dina svar/);
  assert.match(text(page.body), /Vid stationen/);
  const before = Number((await server.sql(`SELECT COUNT(*) FROM survey_responses WHERE round_id = ${round.id} AND status = 'complete'`)).trim());
  const res = await client.submit(review, {}, { page, action: '/skicka' });
  assert.equal(res.status, 303, text(res.body).slice(0, 400));
  assert.equal(res.headers.location, `${base(round.slug)}/tack`);
  assert.match(setCookie(res, 'trygg-svar'), /Max-Age=0/, 'the resume cookie is removed');
  const rows = (await server.sql(`SELECT mode, ${flag('code_id IS NULL')}, ${flag('resume_hash IS NULL')}, ${flag('submitted_at IS NOT NULL')}, area_id FROM survey_responses ` +
    `WHERE round_id = ${round.id} AND status = 'complete' ORDER BY id`)).trim().split('\n');
  assert.equal(rows.length, before + 1);
  assert.equal(rows.at(-1), `web|1|1|1|${areaId}`);
  const answers = await server.sql(`SELECT item_code, value_text, text_review FROM survey_answers WHERE item_code = 'trygghet.plats'`);
  assert.match(answers, /trygghet\.plats\|Vid stationen\|pending/);
  const thanks = await client.get(`${base(round.slug)}/tack`);
  assert.match(text(thanks.body), /Tack för dina svar/);
  // Nothing ties the answers to the code: it is used, and no response refers to it.
  assert.equal((await server.sql(`SELECT COUNT(*) FROM survey_codes WHERE used_at IS NOT NULL AND round_id = ${round.id}`)).trim(), '1');
  // Nor do the times: kept to the day on both sides, they cannot pair a response with its code.
  assert.equal((await server.sql(`SELECT started_at % 86400, used_at % 86400 FROM survey_codes WHERE used_at IS NOT NULL AND round_id = ${round.id}`)).trim(), '0|0');
  assert.equal((await server.sql(`SELECT started_at % 86400, submitted_at % 86400 FROM survey_responses WHERE round_id = ${round.id} ` +
    `AND status = 'complete' AND mode = 'web'`)).trim(), '0|0');
  const used = await startWithCode(round.slug, round.codes[4]);
  assert.equal(used.res.status, 409);
  assert.match(text(used.res.body), /Koden har redan använts/);
  // No address or browser in the access log for the answering pages.
  assert.doesNotMatch(server.accessLog(), /svara/);
});

test('the open link: a start button, a response without a code; a code-only round refuses it', async () => {
  const c = new Client(server.url);
  const page = await c.get(base(openRound.slug));
  assert.ok(forms(page.body).some((f) => f.action.endsWith('/starta')));
  const res = await c.submit(base(openRound.slug), {}, { page, action: '/starta' });
  assert.equal(res.status, 200);
  assert.ok(setCookie(res, 'trygg-svar'));
  assert.equal((await server.sql(`SELECT COUNT(*) FROM survey_responses WHERE round_id = ${openRound.id} AND code_id IS NULL AND status = 'in_progress'`)).trim(), '1');
  const review = await answerAll(c, openRound.slug);
  const sent = await c.submit(review, {}, { action: '/skicka' });
  assert.equal(sent.status, 303);
  const token = await c.csrf(base(round.slug));
  const refused = await c.post(`${base(round.slug)}/starta`, { csrf: token });
  assert.equal(refused.status, 403);
});

test('in English: the questionnaire\'s texts and the pages follow the language switch', async () => {
  const c = new Client(server.url, { lang: 'en' });
  const start = await c.get(base(openRound.slug));
  assert.match(text(start.body), /Your answers help the municipality/);
  assert.match(text(start.body), /Start answering/);
  await c.submit(base(openRound.slug), {}, { page: start, action: '/starta' });
  const page = await c.get(`${base(openRound.slug)}/del/1`);
  assert.match(text(page.body), /Part 1 of 6/);
  assert.match(text(page.body), /Don't know/);
  assert.match(page.body, /<html lang="en">/);
});

test('over https the resume cookie is Secure; a round that closes meanwhile refuses the next save', async () => {
  const c = new Client(server.url);
  const https = { 'X-Forwarded-Proto': 'https' };
  const page = await c.get(base(openRound.slug), { headers: https });
  const res = await c.post(`${base(openRound.slug)}/starta`, { csrf: csrfToken(page.body) },
    { headers: { ...https, Origin: `https://127.0.0.1:${server.port}` } });
  assert.equal(res.status, 200, text(res.body).slice(0, 300));
  assert.match(setCookie(res, 'trygg-svar'), /; Secure/);

  const late = await createRound(server, { slug: 'sen-2026', openLink: true });
  const l = new Client(server.url);
  await l.submit(base(late.slug), {}, { action: '/starta' });
  const section = await l.get(`${base(late.slug)}/del/1`);
  await server.sql(`UPDATE survey_rounds SET status = 'closed' WHERE id = ${late.id}`);
  const refused = await l.submit(`${base(late.slug)}/del/1`, { 'problem.klotter': '1', go: 'next' }, { page: section });
  assert.equal(refused.status, 409);
  assert.match(text(refused.body), /stängd/);
  assert.equal((await server.sql(`SELECT COUNT(*) FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id WHERE r.round_id = ${late.id}`)).trim(), '0');
});

test('submitting without the required answers: the review page says which, linked, and nothing is sent', async () => {
  const c = new Client(server.url);
  await c.submit(base(openRound.slug), {}, { action: '/starta' });
  const review = await c.get(`${base(openRound.slug)}/granska`);
  assert.match(text(review.body), /Inget svar/);
  const res = await c.submit(`${base(openRound.slug)}/granska`, {}, { page: review, action: '/skicka' });
  assert.equal(res.status, 422);
  assert.match(res.body, /<a href="#r-bakgrund.alder">Frågan måste besvaras.<\/a>/);
  assert.equal((await server.sql(`SELECT COUNT(*) FROM survey_responses WHERE round_id = ${openRound.id} AND status = 'complete'`)).trim(), '1');
});

test('staff entry: roles; errors beside their fields with the input kept; routing; save with a number; undo', async () => {
  const path = `/personal/trygghetsundersokning/${round.id}/registrera`;
  assert.equal((await new Client(server.url).get(path)).status, 303, 'login needed');
  assert.equal((await (await staff('polis')).get(path)).status, 403);
  const h = await staff('handlaggare');
  // A handläggare finds the form from the start page through the list of rounds taking answers.
  assert.ok((await h.get('/personal/')).body.includes('href="/personal/registrera-enkatsvar"'));
  const list = await h.get('/personal/registrera-enkatsvar');
  assert.equal(list.status, 200);
  assert.ok(list.body.includes(`href="${path}"`), 'the open round is listed');
  assert.equal((await (await staff('polis')).get('/personal/registrera-enkatsvar')).status, 403);
  const page = await h.get(path);
  assert.equal(page.status, 200);
  assert.match(page.body, /<input type="text" id="e-problem.nedskrapning" name="problem.nedskrapning" value=""[^>]* autofocus>/);
  assert.match(text(page.body), /1 Nej · 2 Ja, till viss del · 3 Ja, till stor del/);

  const bad = await h.submit(path, { 'problem.klotter': '9', 'anmalt.ran': '1', 'utsatt.ran': '2', 'bakgrund.kon': '1', ref: 'B-17' });
  assert.equal(bad.status, 422);
  const t = text(bad.body);
  assert.match(t, /Svaret är inte ett av svarsalternativen/);
  assert.match(t, /Frågan ställs inte med de svar som getts tidigare/);
  assert.match(t, /Frågan måste besvaras/);
  assert.match(bad.body, /id="e-problem.klotter" name="problem.klotter" value="9"/);
  assert.match(bad.body, /id="e-utsatt.ran" name="utsatt.ran" value="2"/);
  assert.match(bad.body, /value="B-17"/);
  assert.match(bad.body, /<a href="#e-anmalt.ran">/);
  assert.match(bad.body, /id="e-problem.klotter-error"/);

  const before = Number((await server.sql('SELECT COUNT(*) FROM survey_responses').then((x) => x.trim())));
  const area = (await server.sql(`SELECT code FROM areas WHERE id = ${areaId}`)).trim();
  const ok = await h.submit(path, {
    'problem.klotter': 'stor', 'utsatt.ran': '1', 'anmalt.ran': '2', 'bakgrund.alder': '2', 'bakgrund.kon': '1',
    'bakgrund.omrade': area, 'trygghet.plats': area, 'trygghet.plats:text': 'Torget', mode: 'paper', ref: 'B-17',
  });
  assert.equal(ok.status, 303, text(ok.body).slice(0, 600));
  const id = Number(/sparat=(\d+)/.exec(ok.headers.location)[1]);
  const userId = (await server.sql(`SELECT id FROM users WHERE email = '${DEMO.handlaggare.email}'`)).trim();
  assert.equal((await server.sql(`SELECT mode, status, entered_by, source_ref, area_id FROM survey_responses WHERE id = ${id}`)).trim(),
    `paper|complete|${userId}|B-17|${areaId}`);
  assert.equal((await server.sql(`SELECT value_code FROM survey_answers WHERE response_id = ${id} AND item_code = 'problem.klotter'`)).trim(), '3');
  assert.equal(Number((await server.sql('SELECT COUNT(*) FROM survey_responses')).trim()), before + 1);
  const fresh = await h.get(ok.headers.location);
  assert.match(text(fresh.body), new RegExp(`Svar nr ${id} sparat`));
  assert.match(fresh.body, /<option value="paper" selected>/, 'the mode stays for the next form');
  assert.match(fresh.body, /id="e-problem.klotter" name="problem.klotter" value=""/, 'a fresh empty form');
  assert.ok(forms(fresh.body).some((f) => f.action.endsWith(`/${id}/angra`)), 'an undo button');

  // Someone else cannot undo it; the one who entered it can, within ten minutes.
  const s = await staff('samordnare');
  const token = await s.csrf(path);
  assert.equal((await s.post(`${path}/${id}/angra`, { csrf: token })).status, 409);
  const undo = await h.submit(ok.headers.location, {}, { action: `/${id}/angra` });
  assert.equal(undo.status, 303);
  assert.equal((await server.sql(`SELECT COUNT(*) FROM survey_responses WHERE id = ${id}`)).trim(), '0');
  assert.equal((await server.sql(`SELECT COUNT(*) FROM survey_answers WHERE response_id = ${id}`)).trim(), '0');
  assert.match(await server.sql("SELECT action FROM audit_log WHERE action LIKE 'survey.entry%' ORDER BY id"), /survey\.entry\nsurvey\.entry_undo/);

  // A place as a point: its area is found as on the map; a point far away is refused.
  const far = await h.submit(path, { 'trygghet.plats': '59.33,18.06', 'bakgrund.alder': '1', 'bakgrund.kon': '2', 'bakgrund.omrade': String(areaId) });
  assert.equal(far.status, 422);
  assert.match(far.body, /<a href="#e-trygghet.plats">/);
  assert.match(far.body, /value="59.33,18.06"/);
  const [lat, lon] = (await server.sql(`SELECT (min_lat + max_lat) / 2, (min_lon + max_lon) / 2 FROM areas WHERE id = ${areaId}`)).trim().split('|');
  const point = await h.submit(path, { 'trygghet.plats': `${lat},${lon}`, 'bakgrund.alder': '1', 'bakgrund.kon': '2', 'bakgrund.omrade': String(areaId) });
  assert.equal(point.status, 303, text(point.body).slice(0, 400));
  const pointId = Number(/sparat=(\d+)/.exec(point.headers.location)[1]);
  const placed = (await server.sql(`SELECT lat IS NOT NULL, area_id FROM survey_answers WHERE response_id = ${pointId} AND item_code = 'trygghet.plats'`)).trim();
  assert.match(placed, /^(1|t)\|\d+$/, placed);

  const late = await h.submit(path, { 'bakgrund.alder': '1', 'bakgrund.kon': '2', 'bakgrund.omrade': String(areaId), mode: 'phone' });
  assert.equal(late.status, 303);
  const lateId = Number(/sparat=(\d+)/.exec(late.headers.location)[1]);
  await server.sql(`UPDATE survey_responses SET submitted_at = submitted_at - 601 WHERE id = ${lateId}`);
  const tooLate = await h.post(`${path}/${lateId}/angra`, { csrf: await h.csrf(path) });
  assert.equal(tooLate.status, 409);
  assert.match(text(tooLate.body), /inom tio minuter/);

  // A draft round takes no entries.
  const draft = await createRound(server, { slug: 'utkast-entry', status: 'draft' });
  assert.equal((await h.get(`/personal/trygghetsundersokning/${draft.id}/registrera`)).status, 409);
  const badMode = await h.submit(path, { mode: 'fax' });
  assert.equal(badMode.status, 400);
});

test('guessing codes is slowed down: after a few tries every code is refused for a while', async () => {
  const c = new Client(server.url);
  let limited = null;
  for (let i = 0; i < 25 && !limited; i++) {
    const res = await c.submit(base(round.slug), { code: `WRNG-CODE-${String(i).padStart(4, '0')}` }, { action: '/kod' });
    if (res.status === 429)
      limited = res;
    else
      assert.equal(res.status, 422);
  }
  assert.ok(limited, 'a 429 within 25 tries');
  assert.ok(limited.headers['retry-after']);
  assert.match(text(limited.body), /många koder på kort tid/);
  // A right code is refused too while the limit lasts: the limit is not an oracle.
  const right = await c.submit(base(round.slug), { code: round.codes[5] }, { action: '/kod' });
  assert.equal(right.status, 429);
});
