// contact.test.mjs — "Hör av dig": the public form (validation with what was
// typed kept, the trap field, the rate limit, CSRF, the receipt) and the
// coordinator's inbox (roles, reading audited, answering by mail, handling,
// reopening, history, and erasing personal data after the retention time).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, testBinary, DEMO, ROOT, sleep } from '../lib/rig.mjs';
import { startSmtp } from '../lib/smtp.mjs';
import { Client, login } from '../lib/client.mjs';
import { forms, text } from '../lib/html.mjs';
import { assertSecurityHeaders, pageLanguage } from '../lib/expect.mjs';

let server, smtp;

before(async () => {
  smtp = await startSmtp();
  server = await startServer({ demo: true });
  // Options before the command's own words: the command line reads them only there.
  const settings = [['smtp_url', `smtp://127.0.0.1:${smtp.port}`], ['mail_from', 'trygg@partille.example'],
    ['mail_retry_seconds', '1']];
  for (const [k, v] of settings)
    await promisify(execFile)(testBinary(), ['settings', '--database', server.dbUrl, '--config', server.configFile, 'set', k, v], { cwd: ROOT });
});
after(async () => {
  await server?.stop();
  await smtp?.stop();
});

async function staff(who) {
  const c = new Client(server.url);
  const res = await login(c, DEMO[who].email, DEMO[who].password);
  assert.equal(res.status, 303, `login as ${who}`);
  return c;
}

/* A visitor with its own address (X-Forwarded-For is not trusted, so each
 * client here shares 127.0.0.1: tests that count use the rate limit on purpose). */
function visitor(lang = 'sv') {
  return new Client(server.url, { lang });
}

async function send(client, fields) {
  return client.submit('/kontakt', fields, { action: '/kontakt' });
}

async function count(sql) {
  return Number((await server.sql(sql)).trim());
}

test('the form: topics as radio buttons, the trap hidden from people and assistive technology', async () => {
  const res = await visitor().get('/kontakt');
  assert.equal(res.status, 200);
  assertSecurityHeaders(res);
  const form = forms(res.body).find((f) => f.action === '/kontakt');
  assert.ok(form);
  const names = new Set(form.fields.map((f) => f.name));
  for (const n of ['csrf', 'topic', 'message', 'name', 'email', 'area', 'webbplats'])
    assert.ok(names.has(n), `field ${n}`);
  assert.deepEqual(form.fields.filter((f) => f.name === 'topic').map((f) => f.attrs?.value ?? /value="([^"]+)"/.exec(f.tag)[1]),
    ['trygghet', 'forslag', 'fraga', 'annat']);
  const trap = /<div class="trap" aria-hidden="true">[\s\S]*?<input([^>]*)>/.exec(res.body);
  assert.ok(trap, 'the trap is inside an aria-hidden wrapper');
  assert.match(trap[1], /tabindex="-1"/);
  assert.match(trap[1], /autocomplete="off"/);
  const css = await visitor().get('/tema.css');
  assert.match(css.body, /\.trap \{[^}]*left: -10000px/);
  // English too.
  const en = await visitor('en').get('/kontakt');
  assert.equal(pageLanguage(en.body), 'en');
  assert.match(text(en.body), /Get in touch/);
});

test('validation: missing and wrong fields give 4xx with what was typed kept', async () => {
  const c = visitor();
  let res = await send(c, { message: '', name: 'Åsa Öberg', email: 'asa@example.se' });
  assert.equal(res.status, 400);
  let t = text(res.body);
  assert.match(t, /Välj vad ditt meddelande gäller/);
  assert.match(t, /Skriv ditt meddelande/);
  assert.match(res.body, /value="Åsa Öberg"/);
  assert.match(res.body, /aria-invalid="true"/);

  res = await send(c, { topic: 'fraga', message: 'Hej då – en fråga', email: 'inte-en-adress' });
  assert.equal(res.status, 422);
  assert.match(text(res.body), /namn@exempel\.se/);
  assert.match(res.body, />Hej då – en fråga<\/textarea>/);

  res = await send(c, { topic: 'fraga', message: 'x'.repeat(5001) });
  assert.equal(res.status, 422);
  assert.match(text(res.body), /högst 5 000 tecken/);

  res = await send(c, { topic: 'hack', message: 'Hej' });
  assert.equal(res.status, 400);

  res = await visitor('en').submit('/kontakt', { topic: 'fraga', message: '' }, { action: '/kontakt' });
  assert.equal(res.status, 400);
  assert.match(text(res.body), /Write your message/);
  assert.equal(await count('SELECT COUNT(*) FROM contact_messages'), 0, 'nothing stored');
});

test('CSRF: a post without the token or from another site is refused', async () => {
  const c = visitor();
  await c.get('/kontakt');
  let res = await c.post('/kontakt', { topic: 'fraga', message: 'Utan token' });
  assert.equal(res.status, 403);
  const token = await c.csrf('/kontakt');
  res = await c.post('/kontakt', { csrf: token, topic: 'fraga', message: 'Från en annan webbplats' },
    { headers: { Origin: 'https://evil.example' } });
  assert.equal(res.status, 403);
  assert.equal(await count('SELECT COUNT(*) FROM contact_messages'), 0);
});

test('a message is stored, the sender gets a receipt page and the contact is audited', async () => {
  const c = visitor();
  const res = await send(c, { topic: 'forslag', message: 'Fler bänkar och mer ljus i Kåhög, tack!', area: 'Kåhög', name: 'Per', email: 'per@example.se' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, '/kontakt/tack');
  const receipt = await c.get('/kontakt/tack');
  assert.equal(receipt.status, 200);
  const t = text(receipt.body);
  const reference = /K-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(t)?.[0];
  assert.ok(reference, t);
  assert.match(t, /kvitto till din e-postadress/);
  const row = await server.sql(`SELECT topic, area, name, email, status FROM contact_messages WHERE reference = '${reference}'`);
  assert.equal(row.trim(), 'forslag|Kåhög|Per|per@example.se|new');
  assert.match(await server.sql("SELECT action FROM audit_log WHERE action = 'contact.create'"), /contact\.create/);
  // The receipt mail (no coordinator address is set here).
  const [m] = await smtp.waitFor(1, 20000);
  assert.equal(m.to[0], 'per@example.se');
  // Without the cookie the receipt page sends to the form.
  assert.equal((await visitor().get('/kontakt/tack')).status, 303);
});

test('the trap: a filled-in trap field looks like success and stores nothing', async () => {
  const before = await count('SELECT COUNT(*) FROM contact_messages');
  const c = visitor();
  const res = await send(c, { topic: 'annat', message: 'Köp billiga klockor', webbplats: 'http://spam.example' });
  assert.equal(res.status, 303);
  const receipt = await c.get(res.headers.location);
  assert.match(text(receipt.body), /K-[A-Z0-9]{4}-[A-Z0-9]{4}/);
  assert.equal(await count('SELECT COUNT(*) FROM contact_messages'), before);
});

test('rate limit: after five messages in ten minutes the sixth gets a clear 429 and keeps the text', async () => {
  // Earlier tests in this file have used some of this address's allowance.
  await server.sql('DELETE FROM rate_limits');
  const c = visitor();
  for (let i = 1; i <= 5; i++) {
    const res = await send(c, { topic: 'fraga', message: `Fråga nummer ${i}` });
    assert.equal(res.status, 303, `message ${i}`);
  }
  const res = await send(c, { topic: 'fraga', message: 'Fråga nummer 6' });
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers['retry-after']) > 0);
  assert.match(text(res.body), /många meddelanden på kort tid/);
  assert.match(res.body, />Fråga nummer 6<\/textarea>/);
  const en = await visitor('en').submit('/kontakt', { topic: 'fraga', message: 'Question 7' }, { action: '/kontakt' });
  assert.equal(en.status, 429);
  assert.match(text(en.body), /many messages in a short time/);
  await server.sql('DELETE FROM rate_limits');
});

test('the inbox is for coordinators only', async () => {
  const anonymous = await visitor().get('/personal/kontakt');
  assert.equal(anonymous.status, 303);
  for (const who of ['polis', 'handlaggare', 'admin']) {
    const c = await staff(who);
    assert.equal((await c.get('/personal/kontakt')).status, 403, who);
    assert.equal((await c.get('/personal/kontakt/1')).status, 403, who);
    const token = await c.csrf('/personal/');
    assert.equal((await c.post('/personal/kontakt/1', { csrf: token, action: 'handle' })).status, 403, who);
  }
  const start = await (await staff('samordnare')).get('/personal/');
  assert.match(start.body, /href="\/personal\/kontakt"/);
});

test('the coordinator reads (audited), answers (mailed, in history), handles and reopens', async () => {
  smtp.clear();
  const sender = visitor('en');
  const sent = await send(sender, { topic: 'trygghet', message: 'It feels unsafe near the station at night.', email: 'eva@example.se', name: 'Eva' });
  assert.equal(sent.status, 303);
  const [receipt] = await smtp.waitFor(1, 20000);
  assert.match(receipt.headers.subject, /^We have received your message \(K-/, 'the receipt in the sender\'s language');
  smtp.clear();

  const coordinator = await staff('samordnare');
  const inbox = await coordinator.get('/personal/kontakt');
  assert.equal(inbox.status, 200);
  const href = /href="(\/personal\/kontakt\/\d+)"/.exec(inbox.body)?.[1];
  assert.ok(href, 'a message in the inbox');
  assert.doesNotMatch(inbox.body, /eva@example\.se/, 'the list shows no personal data');
  const page = await coordinator.get(href);
  assert.equal(page.status, 200);
  assert.match(text(page.body), /It feels unsafe near the station at night\./);
  const id = href.split('/').pop();
  assert.match(await server.sql(`SELECT action FROM audit_log WHERE action = 'contact.view' AND object = 'contact:${id}'`), /contact\.view/);

  // An empty answer is refused; a real one is mailed in the sender's language.
  let res = await coordinator.submit(href, { answer: '' }, { action: href });
  assert.equal(res.status, 400);
  res = await coordinator.submit(href, { answer: 'Tack! Vi tar upp det med polisen – och kommunens belysningsgrupp.' }, { action: href });
  assert.equal(res.status, 303);
  const [answer] = await smtp.waitFor(1, 20000);
  assert.equal(answer.to[0], 'eva@example.se');
  const subject = Buffer.from(/=\?UTF-8\?B\?([^?]+)\?=/.exec(answer.headers.subject)?.[1] ?? '', 'base64').toString('utf8') || answer.headers.subject;
  assert.match(subject, /Reply to your message/);
  assert.match(answer.body.replace(/=\r\n/g, ''), /kommunens belysningsgrupp/);
  let after = await coordinator.get(href);
  let t = text(after.body);
  assert.match(t, /Besvarad/);
  assert.match(t, /Tack! Vi tar upp det med polisen/);
  assert.match(t, /Sam Samordnare/);

  const statusForm = forms(after.body).find((f) => f.fields.some((x) => x.name === 'action' && x.value === 'handle'));
  assert.ok(statusForm, 'a handle button');
  const token = await coordinator.csrf(href);
  res = await coordinator.post(href, { csrf: token, action: 'handle' });
  assert.equal(res.status, 303);
  after = await coordinator.get(href);
  assert.match(text(after.body), /Hanterad/);
  res = await coordinator.post(href, { csrf: await coordinator.csrf(href), action: 'reopen' });
  assert.equal(res.status, 303);
  after = await coordinator.get(href);
  t = text(after.body);
  assert.match(t, /Status Ny/);
  assert.match(t, /Öppnat igen/);
  assert.match(t, /Markerat som hanterat/);
  for (const action of ['contact.answered', 'contact.handled', 'contact.reopened'])
    assert.match(await server.sql(`SELECT action FROM audit_log WHERE action = '${action}' AND object = 'contact:${id}'`),
      new RegExp(action.replace('.', '\\.')));
  const handledList = await coordinator.get('/personal/kontakt?status=handled');
  assert.doesNotMatch(handledList.body, new RegExp(`href="${href}"`));
  assert.equal((await coordinator.get('/personal/kontakt?status=nonsense')).status, 400);
  assert.equal((await coordinator.get('/personal/kontakt/999999')).status, 404);
  res = await coordinator.post(href, { csrf: await coordinator.csrf(href), action: 'explode' });
  assert.equal(res.status, 400);
});

test('retention: personal data of messages handled long ago is erased at start and every hour', async () => {
  const c = visitor();
  await server.sql('DELETE FROM rate_limits');
  await send(c, { topic: 'annat', message: 'Gammalt meddelande med personuppgifter', name: 'Gunnar', email: 'gunnar@example.se' });
  const id = (await server.sql("SELECT id FROM contact_messages WHERE name = 'Gunnar'")).trim();
  const thirteenMonths = 13 * 31 * 24 * 3600;
  await server.sql(`UPDATE contact_messages SET status = 'handled', handled_at = ${Math.floor(Date.now() / 1000) - thirteenMonths} WHERE id = ${id}`);
  await server.signal('SIGTERM');
  await server.restart();
  for (let i = 0; i < 50; i++) {
    const row = (await server.sql(`SELECT name, email, message, erased_at IS NOT NULL FROM contact_messages WHERE id = ${id}`)).trim();
    if (/\|(1|t)$/.test(row))
      break;
    await sleep(200);
  }
  const row = (await server.sql(`SELECT name, email, message, topic FROM contact_messages WHERE id = ${id}`)).trim();
  assert.equal(row, '|||annat');
  const coordinator = await staff('samordnare');
  const page = await coordinator.get(`/personal/kontakt/${id}`);
  assert.match(text(page.body), /raderade enligt gallringsreglerna/);
  assert.match(await server.sql(`SELECT detail FROM audit_log WHERE action = 'contact.erase' AND object = 'contact:${id}'`), /retention/);
});
