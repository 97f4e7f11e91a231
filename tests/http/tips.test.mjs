// tips.test.mjs — "Tipsa polisen": the whole conversation (a tip with a
// photo, a question from the police, the tipster's answer with receipt and
// passphrase, closing, erasure by the retention rule), officers being added,
// approved, removed, re-keyed and changing passwords, and the consequences
// the service promises: a dump of the database, the upload and data folders,
// the access log and the server's output holds no tip text, no photo and no
// marker; administrators and coordinators cannot read a tip through any
// route; a database taken over by someone (with the configuration) does not
// open a tip; no cookie of the tipster's pages outlives the visit; and the
// access log has no line for the service.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, testDb, DEMO } from '../lib/rig.mjs';
import { Client, login } from '../lib/client.mjs';
import { csrfToken, forms, text } from '../lib/html.mjs';
import { assertSecurityHeaders } from '../lib/expect.mjs';
import { makePng } from '../lib/png.mjs';

const execFileP = promisify(execFile);
const MARKER = `unik-markor-${crypto.randomBytes(6).toString('hex')}`;
const TIP_TEXT = `En blå skåpbil säljer narkotika vid tunneln varje fredag ${MARKER}`;
const PLACE_TEXT = `Gångtunneln vid stationen ${MARKER}-plats`;
const QUESTION = `Vilket registreringsnummer hade bilen? ${MARKER}-fråga`;
const ANSWER = `Det började på ABC, resten såg jag inte ${MARKER}-svar`;
const PHOTO = makePng({ width: 96, height: 64, seed: 7, comment: `${MARKER}-exif GPS 57.74N 12.10E` });

let server;
const lastingCookies = [];   // Set-Cookie lines with Max-Age or Expires seen on /tipsa*
const secrets = new Set([TIP_TEXT, PLACE_TEXT, QUESTION, ANSWER, MARKER]);
let photoBytes = null;       // the re-encoded photo as an officer downloads it
let tip = null;              // { id, receipt, passphrase }

before(async () => {
  server = await startServer({ demo: true });
});
after(async () => {
  await server?.stop();
});

/* A tipster: a client whose every response from the tip pages is checked for lasting cookies. */
class Tipster extends Client {
  async send(p, opts) {
    const res = await super.send(p, opts);
    if (new URL(res.url).pathname.startsWith('/tipsa'))
      for (const line of res.headers['set-cookie'] ?? [])
        if (/;\s*(max-age|expires)\s*=/i.test(line))
          lastingCookies.push(`${res.url}: ${line}`);
    return res;
  }
}

async function staff(who, password = DEMO[who].password, email = DEMO[who].email) {
  const c = new Client(server.url);
  const res = await login(c, email, password);
  assert.equal(res.status, 303, `login as ${email}`);
  return c;
}

/* Posts the tip form as a browser does: multipart, with the page's csrf token. */
async function sendTip(client, fields, files = []) {
  const page = await client.get('/tipsa');
  assert.equal(page.status, 200);
  const boundary = `----trygg${crypto.randomBytes(8).toString('hex')}`;
  const parts = [['csrf', csrfToken(page.body)], ...Object.entries(fields)].map(([k, v]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files)
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="${f.name}"\r\n` +
      `Content-Type: ${f.type}\r\n\r\n`), f.bytes, Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return client.send('/tipsa', {
    method: 'POST', body: Buffer.concat(parts),
    headers: { Origin: client.origin, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
  });
}

function secretOf(html, id) {
  const m = new RegExp(`id="${id}">([^<]*)<`).exec(html);
  return m ? m[1] : null;
}

/* Posts one of the tip page's forms (they share their address; "action" tells them apart). */
async function tipAction(client, id, fields) {
  const csrf = csrfToken((await client.get(`/personal/tips/${id}`)).body);
  return client.post(`/personal/tips/${id}`, { csrf, ...fields });
}

async function count(sql) {
  return Number((await server.sql(sql)).trim());
}

/* Everything someone who takes the server's disk and database gets: a dump of
 * the database, every file in the server's folder (database files, data and
 * upload folders, access log, configuration, server log) and its output. */
async function everything() {
  const chunks = [];
  if (testDb() === 'pg') {
    const name = new URL(server.dbUrl).pathname.slice(1);
    const { stdout } = await execFileP('pg_dump', ['-h', '127.0.0.1', '-p', process.env.TRYGG_PG_PORT, '-U', 'trygg',
      '-d', name], { maxBuffer: 256 << 20 });
    chunks.push(Buffer.from(stdout));
  } else {
    const { stdout } = await execFileP('sqlite3', [server.dbUrl.slice('sqlite:'.length), '.dump'], { maxBuffer: 256 << 20 });
    chunks.push(Buffer.from(stdout));
  }
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory())
        walk(p);
      else if (e.isFile())
        chunks.push(fs.readFileSync(p));
    }
  };
  walk(server.dir);
  chunks.push(Buffer.from(server.output()));
  return Buffer.concat(chunks);
}

/* Fails when any secret appears in all, as bytes or as hex (how dumps show blobs). */
function assertNothingLeaks(all, what) {
  const lower = all.toString('latin1').toLowerCase();
  for (const s of secrets) {
    const bytes = Buffer.from(s);
    assert.ok(!all.includes(bytes), `${what}: "${s.slice(0, 40)}…" found in the dump`);
    assert.ok(!lower.includes(bytes.toString('hex')), `${what}: "${s.slice(0, 40)}…" found as hex in the dump`);
  }
  for (const [name, bytes] of [['the uploaded photo', PHOTO], ['the stored photo', photoBytes]]) {
    if (!bytes)
      continue;
    // A stretch from the middle: headers are alike in every image.
    const middle = bytes.subarray(Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 48);
    assert.ok(!all.includes(middle), `${what}: bytes of ${name} found in the dump`);
    assert.ok(!lower.includes(middle.toString('hex')), `${what}: bytes of ${name} found as hex in the dump`);
  }
}

test('the form says what is stored and where emergencies go, works without JavaScript, and is never cached', async () => {
  const res = await new Tipster(server.url).get('/tipsa');
  assert.equal(res.status, 200);
  // The site's policy comes first, the page's own last: browsers follow the last one.
  const policies = res.headers['referrer-policy'].split(/\s*,\s*/);
  assert.equal(policies.at(-1), 'no-referrer');
  assertSecurityHeaders({ ...res, headers: { ...res.headers, 'referrer-policy': policies.at(-1) } });
  assert.equal(res.headers['cache-control'], 'no-store');
  const page = text(res.body);
  assert.match(page, /112/);
  assert.match(page, /114 14/);
  assert.match(page, /IP-adress/);
  const form = forms(res.body).find((f) => f.action.startsWith('/tipsa'));
  assert.equal(form.attrs.enctype, 'multipart/form-data');
  const names = new Set(form.fields.map((f) => f.name));
  for (const n of ['csrf', 'what', 'place_text', 'when', 'how', 'photos', 'contact'])
    assert.ok(names.has(n), `field ${n}`);
  // The header's language switch does not carry /tipsa into another page's log line.
  assert.doesNotMatch(res.body, /next=%2Ftipsa/);
});

test('a tipster sends a tip with a photo and gets a receipt and a passphrase, shown once', async () => {
  const tipster = new Tipster(server.url);
  const before = await count('SELECT COUNT(*) FROM tips');
  const area = (await server.sql("SELECT id FROM areas WHERE kind <> 'municipality' ORDER BY id LIMIT 1")).trim();
  const res = await sendTip(tipster, { what: TIP_TEXT, place_area: area, place_text: PLACE_TEXT, when: 'Fredagar runt 22',
    how: 'saw', contact: '' }, [{ name: `${MARKER}.png`, type: 'image/png', bytes: PHOTO }]);
  assert.equal(res.status, 200, text(res.body).slice(0, 400));
  assert.equal(res.headers['cache-control'], 'no-store');
  const receipt = secretOf(res.body, 'receipt'), passphrase = secretOf(res.body, 'passphrase');
  assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
  assert.match(passphrase, /^[a-z]+( [a-z]+){5}$/);
  secrets.add(receipt.replace(/ /g, ''));
  secrets.add(passphrase);
  assert.equal(await count('SELECT COUNT(*) FROM tips'), before + 1);
  const id = Number((await server.sql('SELECT MAX(id) FROM tips')).trim());
  tip = { id, receipt, passphrase };
  // Only the day is kept.
  const day = Number((await server.sql(`SELECT received_day FROM tips WHERE id = ${id}`)).trim());
  assert.equal(day % 86400, 0);
  assert.equal(await count(`SELECT COUNT(*) FROM tip_attachments WHERE tip_id = ${id}`), 1);
  // The upload folder is empty again: the temporary file was scrubbed and removed.
  assert.deepEqual(fs.readdirSync(server.config.upload_dir), []);
});

test('a form with a mistake is shown again with its errors; nothing is stored', async () => {
  const tipster = new Tipster(server.url);
  const before = await count('SELECT COUNT(*) FROM tips');
  let res = await sendTip(tipster, { what: '', when: '' });
  assert.equal(res.status, 400);
  assert.match(text(res.body), /Beskriv vad som har hänt/);
  res = await sendTip(tipster, { what: 'Något hände' }, [{ name: 'a.txt', type: 'text/plain', bytes: Buffer.from('inte en bild') }]);
  assert.equal(res.status, 422);
  assert.match(text(res.body), /kunde inte läsas som en bild/);
  assert.equal(await count('SELECT COUNT(*) FROM tips'), before);
});

test('an officer opens the tip (audited, without content), sees the photo without its metadata, and asks a question', async () => {
  const polis = await staff('polis');
  const inbox = await polis.get('/personal/tips');
  assert.equal(inbox.status, 200);
  assert.match(inbox.body, new RegExp(`href="/personal/tips/${tip.id}"`));
  assert.ok(!inbox.body.includes(MARKER), 'the inbox shows no content');
  const page = await polis.get(`/personal/tips/${tip.id}`);
  assert.equal(page.status, 200);
  assert.ok(text(page.body).includes(TIP_TEXT));
  assert.ok(text(page.body).includes(PLACE_TEXT));
  const audit = await server.sql(`SELECT action, object, detail FROM audit_log WHERE object = 'tip:${tip.id}'`);
  assert.match(audit, new RegExp(`tip\\.open\\|tip:${tip.id}\\|$`, 'm'));
  assert.ok(!audit.includes(MARKER));
  const img = /<img src="([^"]+)"/.exec(page.body);
  assert.ok(img, 'the photo is shown');
  const photo = await polis.get(img[1]);
  assert.equal(photo.status, 200);
  assert.equal(photo.headers['content-type'], 'image/jpeg');
  assert.equal(photo.headers['cache-control'], 'no-store');
  assert.deepEqual([...photo.buffer.subarray(0, 2)], [0xff, 0xd8]);
  assert.ok(!photo.buffer.includes(Buffer.from(MARKER)), 'the metadata of the photo is gone');
  photoBytes = photo.buffer;
  const res = await tipAction(polis, tip.id, { action: 'question', question: QUESTION });
  assert.equal(res.status, 303);
  const after = await polis.get(`/personal/tips/${tip.id}`);
  assert.ok(text(after.body).includes(QUESTION));
});

test('the tipster comes back with receipt and passphrase, reads the question and answers', async () => {
  const tipster = new Tipster(server.url);
  let res = await tipster.get('/tipsa/svar');
  assert.equal(res.status, 200);
  assert.ok(forms(res.body).some((f) => f.action.startsWith('/tipsa/svar')));
  // A wrong passphrase, and a receipt that does not exist: the same answer.
  res = await tipster.submit('/tipsa/svar', { receipt: tip.receipt, passphrase: 'fel ord fel ord fel ord' }, { action: '/tipsa/svar' });
  assert.equal(res.status, 422);
  res = await tipster.submit('/tipsa/svar', { receipt: '0000 0000 0000 0000', passphrase: tip.passphrase }, { action: '/tipsa/svar' });
  assert.equal(res.status, 422);
  // Upper case and extra spaces are forgiven.
  res = await tipster.submit('/tipsa/svar', { receipt: tip.receipt.replace(/ /g, '-'),
    passphrase: `  ${tip.passphrase.toUpperCase().replace(/ /g, '  ')} ` }, { action: '/tipsa/svar' });
  assert.equal(res.status, 303);
  const cookie = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('trygg-tips='));
  assert.ok(cookie, 'a visit cookie');
  assert.doesNotMatch(cookie, /max-age|expires/i);
  res = await tipster.get('/tipsa/svar');
  assert.equal(res.status, 200);
  assert.ok(text(res.body).includes(QUESTION), 'the question is shown');
  assert.ok(!text(res.body).includes(TIP_TEXT), 'the tip itself is not shown to whoever holds the passphrase');
  res = await tipster.submit('/tipsa/svar', { answer: ANSWER }, { action: /\/tipsa\/svar\/svara/, page: res });
  assert.equal(res.status, 303);
  res = await tipster.get(res.headers.location);
  assert.ok(text(res.body).includes(ANSWER));
  assert.equal(await count('SELECT COUNT(*) FROM tip_visits'), 1);
  // The conversation is also readable by the police, marked as a new answer.
  const polis = await staff('polis');
  const inbox = await polis.get('/personal/tips');
  assert.match(text(inbox.body), /Nytt svar/);
  const page = await polis.get(`/personal/tips/${tip.id}`);
  assert.ok(text(page.body).includes(ANSWER));
  // The dump while everything is stored holds none of it.
  assertNothingLeaks(await everything(), 'with the tip stored');
  // Ending the visit: the row goes and the cookie is emptied (still without Max-Age).
  res = await tipster.submit('/tipsa/svar', {}, { action: /\/tipsa\/svar\/avsluta/, page: await tipster.get('/tipsa/svar') });
  assert.equal(res.status, 200);
  assert.equal(await count('SELECT COUNT(*) FROM tip_visits'), 0);
  res = await tipster.get('/tipsa/svar');
  assert.ok(!text(res.body).includes(QUESTION), 'the visit is over');
});

test('the police close the tip with tags and an area; the retention rule erases it for good', async () => {
  const polis = await staff('polis');
  const area = (await server.sql("SELECT id FROM areas WHERE kind <> 'municipality' ORDER BY id LIMIT 1")).trim();
  let res = await tipAction(polis, tip.id, { action: 'update', status: 'closed', tags: ['narkotika', 'vapen'], area,
    assigned: '' });
  assert.equal(res.status, 303);
  assert.equal((await server.sql(`SELECT status FROM tips WHERE id = ${tip.id}`)).trim(), 'closed');
  assert.equal(await count(`SELECT COUNT(*) FROM tip_tags WHERE tip_id = ${tip.id}`), 2);
  // The settings: a retention of one day.
  res = await polis.submit('/personal/tips/installningar', { retention_days: '1', threshold: '5' });
  assert.equal(res.status, 303);
  const files = fs.readdirSync(path.join(server.config.data_dir, 'tips'));
  assert.equal(files.length, 1);
  // Not yet: closed today.
  await server.command(['tips', 'retention']);
  assert.equal(await count(`SELECT COUNT(*) FROM tips WHERE id = ${tip.id}`), 1);
  // Closed two days ago: erased, with its conversation, tags and photo file.
  await server.sql(`UPDATE tips SET closed_day = closed_day - 2 * 86400 WHERE id = ${tip.id}`);
  await server.command(['tips', 'retention']);
  for (const table of ['tips WHERE id', 'tip_messages WHERE tip_id', 'tip_tags WHERE tip_id', 'tip_attachments WHERE tip_id'])
    assert.equal(await count(`SELECT COUNT(*) FROM ${table} = ${tip.id}`), 0, table);
  assert.deepEqual(fs.readdirSync(path.join(server.config.data_dir, 'tips')), []);
  res = await polis.get(`/personal/tips/${tip.id}`);
  assert.equal(res.status, 404);
  assertNothingLeaks(await everything(), 'after erasure');
});

test('administrators and coordinators cannot read a tip through any route', async () => {
  const id = Number((await server.sql('SELECT MIN(id) FROM tips')).trim());
  const photo = (await server.sql('SELECT id FROM tip_attachments ORDER BY id LIMIT 1')).trim() || '1';
  const gets = ['/personal/tips', `/personal/tips/${id}`, `/personal/tips/${id}/bild/${photo}`, '/personal/tips/nycklar',
    '/personal/tips/installningar', '/personal/tips/lagesbild', '/personal/tips/annat'];
  const posts = [[`/personal/tips/${id}`, { action: 'question', question: 'x' }],
    [`/personal/tips/${id}`, { action: 'update', status: 'read' }], ['/personal/tips/nycklar', { action: 'rotate' }],
    ['/personal/tips/installningar', { retention_days: '1', threshold: '2' }]];
  for (const who of ['admin', 'samordnare', 'handlaggare']) {
    const c = await staff(who);
    const csrf = await c.csrf('/personal/');
    for (const p of gets) {
      const res = await c.get(p);
      assert.equal(res.status, 403, `${who} GET ${p}`);
      assert.ok(!res.body.includes('tip-what'), `${who} GET ${p} shows no tip`);
    }
    for (const [p, fields] of posts) {
      const res = await c.post(p, { csrf, ...fields });
      assert.equal(res.status, 403, `${who} POST ${p}`);
    }
    // Their start page does not even link to the service.
    assert.doesNotMatch((await c.get('/personal/')).body, /\/personal\/tips/);
  }
  const anonymous = new Client(server.url);
  assert.equal((await anonymous.get(`/personal/tips/${id}`)).status, 303);
});

test('a new officer waits for approval, is approved, changes password, and is removed; the key is rotated', async () => {
  const admin = await staff('admin');
  let res = await admin.submit('/personal/anvandare', { email: 'ny.polis@trygg.example', name: 'Nina Ny', roles: 'polis' },
    { action: '/personal/anvandare' });
  assert.equal(res.status, 200);
  const generated = /<code class="password"[^>]*>([^<]+)</.exec(res.body)[1];
  const newbie = await staff('polis', generated, 'ny.polis@trygg.example');
  const fresh = 'nina-eget-losenord-2026';
  res = await newbie.submit('/personal/losenord', { current_password: generated, new_password: fresh, repeat_password: fresh });
  assert.equal(res.status, 303);
  // Pending: the inbox says so, a tip does not open.
  const id = Number((await server.sql('SELECT MIN(id) FROM tips')).trim());
  res = await newbie.get(`/personal/tips/${id}`);
  assert.equal(res.status, 403);
  assert.match(text(res.body), /godkänna dig/);
  const fingerprint = /class="secret">([0-9A-F-]{19})</.exec(res.body)[1];
  // The officer with access sees the same fingerprint and approves.
  const polis = await staff('polis');
  const keys = await polis.get('/personal/tips/nycklar');
  assert.ok(keys.body.includes(fingerprint));
  const newId = (await server.sql("SELECT id FROM users WHERE email = 'ny.polis@trygg.example'")).trim();
  res = await polis.submit('/personal/tips/nycklar', { action: 'grant', user: newId }, { action: '/personal/tips/nycklar', page: keys });
  assert.equal(res.status, 303);
  // In the same login session: the key reaches it through the officer's own key.
  res = await newbie.get(`/personal/tips/${id}`);
  assert.equal(res.status, 200);
  // The password change re-wrapped the key: a new login with the new password opens the tips.
  const again = await staff('polis', fresh, 'ny.polis@trygg.example');
  assert.equal((await again.get(`/personal/tips/${id}`)).status, 200);

  // Rotation: everything is sealed anew; both officers still read.
  const sealedBefore = (await server.sql(`SELECT hex(sealed) FROM tips WHERE id = ${id}`).catch(() => '')).trim();
  const keyBefore = (await server.sql('SELECT id FROM tip_unit_keys')).trim();
  res = await polis.submit('/personal/tips/nycklar', { action: 'rotate' }, { action: '/personal/tips/nycklar',
    page: await polis.get('/personal/tips/nycklar') });
  assert.equal(res.status, 303);
  const keyAfter = (await server.sql('SELECT id FROM tip_unit_keys')).trim();
  assert.notEqual(keyAfter, keyBefore);
  assert.equal(await count(`SELECT COUNT(*) FROM tips WHERE unit_key_id <> ${keyAfter}`), 0);
  if (testDb() === 'sqlite')
    assert.notEqual((await server.sql(`SELECT hex(sealed) FROM tips WHERE id = ${id}`)).trim(), sealedBefore);
  assert.equal((await polis.get(`/personal/tips/${id}`)).status, 200);
  assert.equal((await again.get(`/personal/tips/${id}`)).status, 200);

  // Removal: the key goes, and the tips are locked for that officer at once.
  res = await polis.submit('/personal/tips/nycklar', { action: 'remove', user: newId }, {
    action: '/personal/tips/nycklar', page: await polis.get('/personal/tips/nycklar') });
  assert.equal(res.status, 303);
  assert.equal(await count(`SELECT COUNT(*) FROM tip_officer_keys WHERE user_id = ${newId}`), 0);
  assert.equal((await again.get(`/personal/tips/${id}`)).status, 403);
  // The last officer with access cannot be removed.
  const polisId = (await server.sql(`SELECT id FROM users WHERE email = '${DEMO.polis.email}'`)).trim();
  res = await polis.submit('/personal/tips/nycklar', { action: 'remove', user: polisId }, {
    action: '/personal/tips/nycklar', page: await polis.get('/personal/tips/nycklar') });
  assert.equal(res.status, 409);
});

test('the lägesbild gets only cells of at least the threshold', async () => {
  const polis = await staff('polis');
  const res = await polis.get('/personal/tips/lagesbild');
  assert.equal(res.status, 200);
  const rows = [...res.body.matchAll(/<tr><th scope="row">[^<]*<\/th><td>[^<]*<\/td><td>[^<]*<\/td><td>(\d+)<\/td><\/tr>/g)]
    .map((m) => Number(m[1]));
  // The demo has five narcotics tips in one area this month: exactly that cell.
  assert.deepEqual(rows, [5]);
  assert.doesNotMatch(text(res.body), /Skadegörelse/);
});

test('a database taken over together with the configuration does not open a tip', async () => {
  const id = Number((await server.sql('SELECT MIN(id) FROM tips')).trim());
  // The taker sets the officer's password to one they know, and makes the administrator an officer too.
  const known = (await server.sql(`SELECT password_hash FROM users WHERE email = '${DEMO.admin.email}'`)).trim();
  await server.sql(`UPDATE users SET password_hash = '${known}' WHERE email = '${DEMO.polis.email}'`);
  await server.sql(`UPDATE users SET roles = roles | 4 WHERE email = '${DEMO.admin.email}'`);
  for (const email of [DEMO.polis.email, DEMO.admin.email]) {
    const c = await staff('admin', DEMO.admin.password, email);
    const res = await c.get(`/personal/tips/${id}`);
    assert.equal(res.status, 403, email);
    assert.ok(!res.body.includes('tip-what'));
    assert.equal((await c.get('/personal/tips/nycklar')).status, 200);
    const grant = await c.post('/personal/tips/nycklar', { csrf: await c.csrf('/personal/tips/nycklar'), action: 'grant',
      user: (await server.sql(`SELECT id FROM users WHERE email = '${email}'`)).trim() });
    assert.equal(grant.status, 403, 'nobody can approve themselves');
  }
});

test('a sixth tip within the hour from one address is refused (429), and nothing of it is stored', async () => {
  const own = await startServer({ demo: true });
  try {
    const c = new Tipster(own.url);
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const page = await c.get('/tipsa');
      const res = await c.submit('/tipsa', { what: `Tips nummer ${i}` }, { action: '/tipsa', page });
      statuses.push(res.status);
    }
    // The form is multipart in browsers; urlencoded works too.
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    const stored = Number((await own.sql("SELECT COUNT(*) FROM tips WHERE status = 'new'")).trim());
    assert.equal(stored, 3 + 5); // the demo's new tips and these five
    assert.doesNotMatch(await own.sql('SELECT key FROM rate_limits'), /127\.0\.0\.1/);
  } finally {
    await own.stop();
  }
});

test('no cookie of the tipster pages outlives the visit, and the access log has no line for the service', async () => {
  // Paths that are not pages are not logged either.
  const c = new Tipster(server.url);
  assert.equal((await c.get('/tipsa/finns-inte')).status, 404);
  assert.deepEqual(lastingCookies, []);
  const log = server.accessLog();
  assert.ok(log.length > 0, 'the access log is written (other pages)');
  const lines = log.split('\n').filter((l) => /\/tipsa|\/personal\/tips/.test(l));
  assert.deepEqual(lines, []);
  assert.ok(!server.output().includes(MARKER));
});
