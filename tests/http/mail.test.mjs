// mail.test.mjs — the mail outbox against the loopback SMTP server
// (tests/lib/smtp.mjs): with the mail server down a contact message is still
// accepted at once and its mail waits; when the server comes up the receipt
// and the coordinator's copy arrive exactly once, with correct UTF-8 subject
// and body; mail survives a restart of Trygg. Also the municipality's
// settings: validation on the admin page and the `trygg settings` command.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, testBinary, DEMO, ROOT, sleep } from '../lib/rig.mjs';
import { startSmtp } from '../lib/smtp.mjs';
import { Client, login } from '../lib/client.mjs';
import { text } from '../lib/html.mjs';

const execFileP = promisify(execFile);

const COORDINATOR = 'samordnare@partille.example';
const FROM = 'trygg@partille.example';
const MESSAGE = 'Gatlyktorna vid Åvägen är släckta – det känns otryggt på kvällarna. Går det att åtgärda?';

let server, smtp;

/* Runs `trygg ARGS…` with the server's database and configuration (options
 * first: the command line takes them before the command's own words). */
async function trygg(args, { expectFail = false } = {}) {
  const full = [args[0], '--database', server.dbUrl, '--config', server.configFile, ...args.slice(1)];
  try {
    const res = await execFileP(testBinary(), full, { cwd: ROOT });
    if (expectFail)
      assert.fail(`trygg ${args.join(' ')} should have failed:\n${res.stdout}`);
    return res;
  } catch (e) {
    if (!expectFail || e.code === undefined)
      throw e;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/* Decodes RFC 2047 encoded words ("=?UTF-8?B?…?=") in a header value. */
function decodeHeader(value) {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?B\?([^?]*)\?=/gi,
    (all, b64) => Buffer.from(b64, 'base64').toString('latin1'))
    .replace(/[\x80-\xff]+/g, (bytes) => Buffer.from(bytes, 'latin1').toString('utf8'));
}

/* Decodes a quoted-printable body into text. */
function decodeQuotedPrintable(body) {
  const bytes = [];
  const s = body.replace(/=\r\n/g, '');
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(s.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/* Rows of the outbox: [{recipient, attempts, sent, error}]. */
async function outbox() {
  const out = await server.sql('SELECT recipient, attempts, sent_at IS NOT NULL, last_error, length(body) FROM mail_outbox ORDER BY id');
  return out.trim().split('\n').filter(Boolean).map((line) => {
    const [recipient, attempts, sent, error, bodyLength] = line.split('|');
    return { recipient, attempts: Number(attempts), sent: sent === '1' || sent === 't', error, bodyLength: Number(bodyLength) };
  });
}

async function waitUntil(what, fn, timeoutMs = 20000) {
  const start = Date.now();
  for (;;) {
    const value = await fn();
    if (value)
      return value;
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function sendContact(fields) {
  const c = new Client(server.url);
  const started = Date.now();
  const res = await c.submit('/kontakt', fields, { action: '/kontakt' });
  return { res, ms: Date.now() - started, client: c };
}

before(async () => {
  smtp = await startSmtp();
  await smtp.stop(); // the mail server is down to begin with
  server = await startServer({ demo: true });
  for (const [k, v] of [['smtp_url', `smtp://127.0.0.1:${smtp.port}`], ['mail_from', FROM],
    ['coordinator_email', COORDINATOR], ['mail_retry_seconds', '1']])
    await trygg(['settings', 'set', k, v]);
});
after(async () => {
  await server?.stop();
  await smtp?.stop();
});

test('with the mail server down a message is accepted at once, and its mail arrives exactly once when it is up', async () => {
  const { res, ms, client } = await sendContact({ topic: 'trygghet', message: MESSAGE, name: 'Anna Andersson', email: 'anna@example.se' });
  assert.equal(res.status, 303, text(res.body).slice(0, 300));
  assert.ok(ms < 3000, `the form took ${ms} ms with the mail server down`);
  const receipt = await client.get(res.headers.location);
  const reference = /K-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(receipt.body)?.[0];
  assert.ok(reference, 'a reference on the receipt page');

  // Both mails wait in the outbox and have been tried.
  const waiting = await waitUntil('failed attempts', async () => {
    const rows = await outbox();
    return rows.length === 2 && rows.every((r) => r.attempts >= 1 && r.error) ? rows : null;
  });
  assert.deepEqual(waiting.map((r) => r.recipient).sort(), ['anna@example.se', COORDINATOR]);
  assert.ok(waiting.every((r) => !r.sent));
  assert.match(waiting[0].error, /connect/i);

  await smtp.start();
  const messages = await smtp.waitFor(2, 30000);
  await sleep(2500); // anything sent twice would arrive in this time
  assert.equal(smtp.messages.length, 2, 'each mail exactly once');

  const toAnna = messages.find((m) => m.to[0] === 'anna@example.se');
  const toCoordinator = messages.find((m) => m.to[0] === COORDINATOR);
  assert.ok(toAnna && toCoordinator, JSON.stringify(messages.map((m) => m.to)));
  for (const m of messages) {
    assert.equal(m.from, FROM);
    assert.equal(m.headers['mime-version'], '1.0');
    assert.match(m.headers['content-type'], /^text\/plain; charset=utf-8$/i);
    assert.equal(m.headers['content-transfer-encoding'], 'quoted-printable');
    assert.match(m.headers['message-id'], /^<[0-9a-f]{32}@partille\.example>$/);
    assert.ok(!Number.isNaN(Date.parse(m.headers.date)), `Date: ${m.headers.date}`);
    assert.match(decodeHeader(m.headers.from), /Trygg i Partille/);
    assert.ok(m.data.split('\r\n').every((line) => line.length <= 78), 'no line over 78 characters');
  }
  assert.equal(decodeHeader(toAnna.headers.subject), `Vi har tagit emot ditt meddelande (${reference})`);
  const annaBody = decodeQuotedPrintable(toAnna.body);
  assert.match(annaBody, new RegExp(reference));
  assert.match(annaBody, /Trygghet i mitt område/);
  assert.doesNotMatch(annaBody, /Gatlyktorna/, 'the receipt does not repeat what the form held');
  assert.equal(decodeHeader(toCoordinator.headers.subject), `Hör av dig: Trygghet i mitt område (${reference})`);
  const coordinatorBody = decodeQuotedPrintable(toCoordinator.body);
  assert.ok(coordinatorBody.includes(MESSAGE), coordinatorBody);
  assert.match(coordinatorBody, /Anna Andersson/);
  assert.match(coordinatorBody, /\/personal\/kontakt\/\d+/);

  const rows = await outbox();
  assert.ok(rows.every((r) => r.sent && r.bodyLength === 0), 'sent, and the bodies are no longer kept');
});

test('queued mail survives a restart of Trygg, and SIGTERM stops the worker promptly', async () => {
  smtp.clear();
  await smtp.stop();
  const { res } = await sendContact({ topic: 'fraga', message: 'En fråga om trygghetsvandringar i Öjersjö?', email: 'bo@example.se' });
  assert.equal(res.status, 303);
  await waitUntil('a failed attempt', async () => (await outbox()).some((r) => !r.sent && r.attempts >= 1));
  const started = Date.now();
  const exit = await server.signal('SIGTERM');
  assert.equal(exit.code, 0);
  assert.ok(Date.now() - started < 5000, `stopping took ${Date.now() - started} ms`);
  await smtp.start();
  await server.restart();
  const messages = await smtp.waitFor(2, 30000);
  await sleep(2000);
  assert.equal(smtp.messages.length, 2);
  assert.deepEqual(messages.map((m) => m.to[0]).sort(), ['bo@example.se', COORDINATOR]);
});

test('a mail refused by the server is tried again later', async () => {
  smtp.clear();
  smtp.failNext('RCPT', 451);
  smtp.failNext('RCPT', 451);
  const { res } = await sendContact({ topic: 'annat', message: 'Ett test av omförsök.' });
  assert.equal(res.status, 303);
  // Without an address only the coordinator's copy is sent, after the refusals.
  const [m] = await smtp.waitFor(1, 30000);
  assert.equal(m.to[0], COORDINATOR);
  // The server has the mail; Trygg records it once the SMTP session is over.
  const row = await waitUntil('the mail recorded as sent', async () => {
    const r = await server.sql("SELECT attempts, last_error, sent_at IS NOT NULL FROM mail_outbox WHERE recipient = 'samordnare@partille.example' ORDER BY id DESC LIMIT 1");
    return /\|(1|t)$/.test(r.trim()) ? r : null;
  });
  const [attempts, error, sent] = row.trim().split('|');
  assert.ok(Number(attempts) >= 2, `tried again after the refusal: ${row}`);
  assert.equal(error, '', 'the error of a refused try is cleared once the mail is sent');
  assert.match(sent, /^(1|t)$/);
});

test('the outbox page shows counts and masked addresses to administrators only', async () => {
  await smtp.stop();
  await sendContact({ topic: 'annat', message: 'Ett meddelande som väntar.', email: 'cecilia@example.se' });
  await waitUntil('a failed attempt', async () => (await outbox()).some((r) => !r.sent && r.attempts >= 1 && r.recipient === 'cecilia@example.se'));
  const admin = new Client(server.url);
  await login(admin, DEMO.admin.email, DEMO.admin.password);
  const page = await admin.get('/personal/utkorg');
  assert.equal(page.status, 200);
  const t = text(page.body);
  assert.match(t, /c\*\*\*@example\.se/);
  assert.doesNotMatch(page.body, /cecilia@example\.se/);
  assert.doesNotMatch(t, /Ett meddelande som väntar/);
  assert.match(t, /Couldn't connect|connect/i);
  // Try again now: audited.
  const retry = await admin.submit('/personal/utkorg', {}, { action: '/personal/utkorg' });
  assert.equal(retry.status, 303);
  const log = await admin.get('/personal/logg?action=mail.');
  assert.match(text(log.body), /mail\.retry/);
  for (const who of ['samordnare', 'polis', 'handlaggare']) {
    const c = new Client(server.url);
    await login(c, DEMO[who].email, DEMO[who].password);
    assert.equal((await c.get('/personal/utkorg')).status, 403, who);
    assert.equal((await c.get('/personal/installningar')).status, 403, who);
  }
  await smtp.start();
  await smtp.waitFor(2, 30000);
});

test('settings page: values are checked, kept when wrong, stored and audited when right', async () => {
  const admin = new Client(server.url);
  await login(admin, DEMO.admin.email, DEMO.admin.password);
  const page = await admin.get('/personal/installningar');
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.body, /value="hemligt/);
  // A pale colour, a bad phone number and a bad address are refused together.
  let res = await admin.submit('/personal/installningar', {
    brand_colour: '#ffdd00', contact_phone: 'ring oss', contact_email: 'inte en adress', site_name: 'Trygg i Partille',
  }, { action: '/personal/installningar' });
  assert.equal(res.status, 422);
  const t = text(res.body);
  assert.match(t, /Färgen är för ljus/);
  assert.match(t, /telefonnummer/);
  assert.match(t, /namn@exempel\.se/);
  assert.match(res.body, /value="ring oss"/, 'what was typed is kept');
  assert.match(await trygg(['settings', 'list']).then((r) => r.stdout), /contact_phone = 031-792 10 00/, 'nothing stored');

  res = await admin.submit('/personal/installningar', {
    brand_colour: '#1A5E20', contact_hours: 'Måndag–fredag 8–16', smtp_password: 'ett-hemligt-lösenord',
  }, { action: '/personal/installningar' });
  assert.equal(res.status, 303, text(res.body).slice(0, 500));
  const again = await admin.get('/personal/installningar');
  assert.match(again.body, /value="#1a5e20"/);
  assert.doesNotMatch(again.body, /ett-hemligt-lösenord/, 'the password is never shown');
  assert.match(text(again.body), /Ett lösenord är sparat/);
  const css = await admin.get('/tema.css');
  assert.equal(css.status, 200);
  assert.match(css.headers['content-type'], /^text\/css/);
  assert.match(css.body, /--brand: #1a5e20/);
  const cached = await admin.get('/tema.css', { headers: { 'If-None-Match': css.headers.etag } });
  assert.equal(cached.status, 304);
  const log = text((await admin.get('/personal/logg?action=settings.')).body);
  assert.match(log, /setting:brand_colour/);
  assert.match(log, /setting:smtp_password changed/);
  assert.doesNotMatch(log, /ett-hemligt-lösenord/);
  const list = (await trygg(['settings', 'list'])).stdout;
  assert.match(list, /smtp_password = \(set\)/);
  assert.doesNotMatch(list, /hemligt/);
});

test('settings page: a PNG logo is stored and served, SVG and other files are refused', async () => {
  const admin = new Client(server.url);
  await login(admin, DEMO.admin.email, DEMO.admin.password);
  const page = await admin.get('/personal/installningar');
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)[1];
  async function upload(name, type, bytes) {
    const boundary = '----trygg' + Math.random().toString(16).slice(2);
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${csrf}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="action"\r\n\r\nupload\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="logo"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`),
      bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    return admin.send('/personal/installningar/logotyp', {
      method: 'POST', body,
      headers: { Origin: admin.origin, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    });
  }
  const svg = await upload('logo.png', 'image/png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'));
  assert.equal(svg.status, 415);
  assert.match(text(svg.body), /SVG-bilder tas inte emot/);
  const gif = await upload('logo.gif', 'image/gif', Buffer.from('GIF89a....'));
  assert.equal(gif.status, 415);
  // The smallest PNG: one transparent pixel.
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
  const ok = await upload('logo.png', 'image/png', png);
  assert.equal(ok.status, 303, text(ok.body).slice(0, 300));
  const list = (await trygg(['settings', 'list'])).stdout;
  const name = /logo = (logo-[0-9a-f]{16}\.png)/.exec(list)?.[1];
  assert.ok(name, list);
  const img = await admin.get(`/logotyp/${name}`);
  assert.equal(img.status, 200);
  assert.equal(img.headers['content-type'], 'image/png');
  assert.deepEqual(img.buffer, png);
  assert.equal((await admin.get('/logotyp/..%2f..%2fetc%2fpasswd')).status, 404);
});

test('trygg settings: list, set, refuse bad values and unknown keys', async () => {
  const bad = await trygg(['settings', 'set', 'brand_colour', '#ffff00'], { expectFail: true });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /contrast/);
  const unknown = await trygg(['settings', 'set', 'no_such_key', 'x'], { expectFail: true });
  assert.equal(unknown.code, 2);
  const url = await trygg(['settings', 'set', 'smtp_url', 'http://mail.example'], { expectFail: true });
  assert.match(url.stderr, /smtp:\/\//);
  const ok = await trygg(['settings', 'set', 'contact_address', 'Gamla Kronvägen 32\\n433 82 Partille']);
  assert.match(ok.stdout, /contact_address set/);
  const list = (await trygg(['settings', 'list'])).stdout;
  assert.match(list, /contact_address = Gamla Kronvägen 32\\n433 82 Partille/);
  assert.match(list, /contact_email = kundcenter@partille\.se/);
  const audit = await server.sql("SELECT detail FROM audit_log WHERE action = 'settings.set' AND object = 'setting:contact_address'");
  assert.match(audit, /Gamla Kronvägen 32/);
  const usage = await trygg(['settings'], { expectFail: true });
  assert.equal(usage.code, 2);
});

test('two servers on one database never send the same mail twice', async () => {
  smtp.clear();
  if (!smtp.running)
    await smtp.start();
  // A second server beside the first, on the same database and configuration.
  const { spawn } = await import('node:child_process');
  const second = spawn(testBinary(), ['serve', '--listen', '127.0.0.1:0', '--database', server.dbUrl, '--config', server.configFile],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  second.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => second.on('exit', (code) => resolve(code)));
  try {
    await waitUntil('the second server', async () => /serving on/.test(output));
    const now = Math.floor(Date.now() / 1000);
    const rows = Array.from({ length: 30 }, (_, i) =>
      `(${now}, 'mottagare${i}@example.se', 'Prov ${i}', 'Provmeddelande ${i}', 'prov${String(i).padStart(28, '0')}', ${now})`);
    await server.sql(`INSERT INTO mail_outbox (created_at, recipient, subject, body, message_id, next_attempt_at) VALUES ${rows.join(', ')}`);
    await smtp.waitFor(30, 30000);
    await sleep(3000);
    assert.equal(smtp.messages.length, 30, 'thirty mails, each once');
    assert.equal(new Set(smtp.messages.map((m) => m.headers['message-id'])).size, 30);
  } finally {
    second.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.doesNotMatch(output, /ERROR: AddressSanitizer|runtime error:/);
  }
});
