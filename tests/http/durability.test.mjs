// durability.test.mjs — what the server promised survives a crash, and a
// stop is orderly.
//   SIGKILL: an administrator streams new users through the real form; the
//   server is killed in the middle; after a restart on the same database,
//   every user whose creation was acknowledged is there.
//   SIGTERM: a request in flight (a slow upload) is finished, new connections
//   are refused from the moment of the signal, and the exit status is 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, DEMO, sleep } from '../lib/rig.mjs';
import { Client, login, urlencode } from '../lib/client.mjs';
import { forms, defaultValues } from '../lib/html.mjs';

/* The e-mail addresses in the user list. */
async function listedEmails(admin) {
  const res = await admin.get('/personal/anvandare');
  assert.equal(res.status, 200);
  return new Set([...res.body.matchAll(/<th scope="row"><a href="[^"]+">([^<]+)<\/a><\/th>/g)].map((m) => m[1]));
}

test('SIGKILL in the middle of a stream of writes loses no acknowledged write', async (t) => {
  const server = await startServer({ demo: true });
  try {
    const admin = new Client(server.url);
    assert.equal((await login(admin, DEMO.admin.email, DEMO.admin.password)).status, 303);
    // The form is read once; the stream posts it again and again as a browser would.
    const page = await admin.get('/personal/anvandare');
    const form = forms(page.body).find((f) => f.action === '/personal/anvandare');
    const base = defaultValues(form).filter(([n]) => n === 'csrf');

    const acknowledged = [];
    let attempted = 0, stop = false;
    const killAfter = 20;
    let killed = null;
    async function worker(id) {
      for (let i = 0; !stop; i++) {
        const email = `stream-${id}-${i}@trygg.example`;
        attempted++;
        try {
          const res = await admin.post('/personal/anvandare',
            [...base, ['email', email], ['name', `Ström ${id}.${i}`], ['roles', 'handlaggare']]);
          if (res.status === 200 && res.body.includes('Användaren är skapad'))
            acknowledged.push(email);
          else if (!stop)
            assert.fail(`creating ${email}: ${res.status}`);
        } catch (e) {
          if (!killed)
            throw e; // a failure before the kill is a real one
          return;   // the connection died with the server: not acknowledged
        }
        if (acknowledged.length >= killAfter && !killed) {
          // Kill while the other workers' requests are in flight.
          killed = server.kill9();
          stop = true;
        }
      }
    }
    await Promise.all([1, 2, 3, 4].map(worker));
    const { signal } = await killed;
    assert.equal(signal, 'SIGKILL');
    assert.ok(acknowledged.length >= killAfter);

    t.diagnostic(`${acknowledged.length} writes acknowledged of ${attempted} attempted before SIGKILL`);
    await server.restart();
    // The session survived as well: it is in the database.
    const listed = await listedEmails(admin);
    const lost = acknowledged.filter((e) => !listed.has(e));
    assert.deepEqual(lost, [], `acknowledged but lost after SIGKILL (${acknowledged.length} acknowledged, ${attempted} attempted)`);
    // Nothing half-written either: every stream user that is there can be opened.
    const rows = await server.sql("SELECT count(*) FROM users WHERE email LIKE 'stream-%'");
    assert.ok(Number(rows.trim()) >= acknowledged.length);
    assert.ok(Number(rows.trim()) <= attempted);
    // And the server goes on writing after the crash.
    const after = await admin.submit('/personal/anvandare', { email: 'after.crash@trygg.example', name: 'Efter', roles: 'polis' },
      { action: '/personal/anvandare' });
    assert.equal(after.status, 200);
  } finally {
    await server.stop();
  }
});

/* Resolves with true when a TCP connection to port is refused, false when it is accepted. */
function refused(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => { s.destroy(); resolve(false); });
    s.on('error', (e) => resolve(e.code === 'ECONNREFUSED'));
  });
}

test('SIGTERM finishes a slow upload in flight, refuses new connections, exits 0', async () => {
  const server = await startServer({ demo: true, config: { grace_seconds: 20 } });
  const c = new Client(server.url);
  const token = await c.csrf('/personal/logga-in');
  // A login form posted slowly: the body comes in pieces over about two seconds.
  const body = urlencode({ csrf: token, email: DEMO.admin.email, password: DEMO.admin.password, padding: 'p'.repeat(20000) });
  const pieces = [];
  for (let i = 0; i < body.length; i += 1000)
    pieces.push(body.slice(i, i + 1000));
  const sock = net.connect({ host: '127.0.0.1', port: server.port });
  await new Promise((r) => sock.on('connect', r));
  let answer = '';
  sock.on('data', (d) => { answer += d.toString('latin1'); });
  const closed = new Promise((r) => sock.on('close', r));
  sock.write(`POST /personal/logga-in HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nOrigin: ${server.url}\r\n` +
    `Cookie: ${c.cookieHeader()}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
  sock.write(pieces[0]);
  await sleep(200);

  const exited = server.signal('SIGTERM', { timeoutMs: 30000 });
  // The listening socket closes at once; the upload is still unfinished meanwhile.
  let isRefused = false;
  for (let i = 0; i < 50 && !isRefused; i++) {
    await sleep(100);
    isRefused = await refused(server.port);
  }
  assert.equal(isRefused, true, 'new connections were still accepted 5 s after SIGTERM');
  for (const p of pieces.slice(1)) {
    sock.write(p);
    await sleep(100);
  }
  await closed;
  assert.match(answer, /^HTTP\/1\.1 303 /, `the upload in flight was not answered: ${answer.slice(0, 300)}`);
  assert.match(answer, /Set-Cookie: trygg=/);
  const { code, signal } = await exited;
  assert.equal(signal, null);
  assert.equal(code, 0, 'exit status after SIGTERM');
  assert.match(server.output(), /stopped/);
  await server.stop();
});

test('SIGTERM with nothing in flight exits at once with status 0, and an idle keep-alive connection does not hold it', async () => {
  const server = await startServer();
  const sock = net.connect({ host: '127.0.0.1', port: server.port });
  await new Promise((r) => sock.on('connect', r));
  sock.write('GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n');
  await new Promise((r) => sock.once('data', r));
  const t0 = Date.now();
  const { code } = await server.signal('SIGTERM');
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms to stop`);
  sock.destroy();
  await server.stop();
});

test('SIGTERM under a stream of Open311 POSTs and reads: exits 0 within the grace time, every acknowledged report is stored', async (t) => {
  const server = await startServer({ demo: true, config: { grace_seconds: 3 } });
  try {
    const key = (await server.command(['apikey', 'create', 'Stopptest'])).stdout.trim();
    const acknowledged = [];
    let signalled = null, stop = false;
    async function poster(id) {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${server.url}/open311/v2/requests.json`, { method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: urlencode({ api_key: key, service_code: 'klotter', lat: '57.7405', long: '12.1005',
              description: `Stopp ${id}.${i}` }) });
          const text = await res.text();
          if (res.status === 200)
            acknowledged.push(JSON.parse(text)[0].service_request_id);
          else if (!signalled)
            assert.fail(`POST ${id}.${i}: ${res.status} ${text}`);
        } catch (e) {
          if (!signalled)
            throw e;
          return; // refused or cut off after the signal: not acknowledged
        }
        if (acknowledged.length >= 40 && !signalled) {
          signalled = server.signal('SIGTERM', { timeoutMs: 15000 });
          stop = true;
        }
      }
    }
    async function reader() {
      while (!stop) {
        try {
          await fetch(`${server.url}/open311/v2/requests.json?bbox=12.09,57.73,12.11,57.75`).then((r) => r.text());
        } catch {
          return;
        }
      }
    }
    await Promise.all([...[1, 2, 3, 4, 5, 6].map(poster), reader(), reader()]);
    const { code, signal } = await signalled;
    assert.equal(signal, null);
    assert.equal(code, 0, 'exit status after SIGTERM under load');
    t.diagnostic(`${acknowledged.length} reports acknowledged before the stop`);
    await server.restart();
    const stored = new Set((await server.sql("SELECT id FROM reports WHERE source = 'api'")).trim().split(/\s+/));
    const lost = acknowledged.filter((id) => !stored.has(String(id)));
    assert.deepEqual(lost, [], 'acknowledged but not stored after the stop');
  } finally {
    await server.stop();
  }
});
