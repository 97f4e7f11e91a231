// platform.test.mjs — the platform under every feature: health check,
// security headers, static files and their caching, error pages in both
// languages, body limits, the language switch, HEAD, keep-alive and CSRF.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, testDb, psql, sleep } from '../lib/rig.mjs';
import { Client, request, setCookie, urlencode } from '../lib/client.mjs';
import { raw, connect } from '../lib/raw.mjs';
import { assertSecurityHeaders, assertErrorPage, pageLanguage } from '../lib/expect.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const get = (path, headers = {}) => request(server.url + path, { headers });

/* The fingerprinted URL of a static file, as the layout links it. */
async function assetUrl(file) {
  const home = await get('/');
  const m = new RegExp(`"(/assets/[0-9a-f]+/${file.replace('.', '\\.')})"`).exec(home.body);
  assert.ok(m, `no fingerprinted link to ${file} on the front page`);
  return m[1];
}

test('/healthz answers 200 with JSON and is never cached', async () => {
  const res = await get('/healthz');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.deepEqual(JSON.parse(res.body), { status: 'ok', database: true });
  assert.match(res.headers['cache-control'] ?? '', /no-store/);
  assertSecurityHeaders(res, '/healthz');
});

test('/healthz answers 503 while the database is gone, and 200 when it is back', async (t) => {
  if (testDb() !== 'pg') {
    // SQLite is a library inside the server: its health query ("SELECT 1" on an
    // open connection) reads no file, and the tests run as root, so neither
    // removing the file nor taking permissions away makes it fail. Corrupting
    // the file is not "the database is gone". Tested on PostgreSQL only.
    return t.skip('not feasible on SQLite (see the comment); tested with TRYGG_DB=pg');
  }
  const s = await startServer();
  const name = new URL(s.dbUrl).pathname.slice(1);
  try {
    assert.equal((await request(`${s.url}/healthz`)).status, 200);
    // Cut the server's connections and rename the database, so reconnecting fails too.
    let renamed = false;
    for (let i = 0; i < 50 && !renamed; i++) {
      await psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
      renamed = await psql(`ALTER DATABASE ${name} RENAME TO ${name}_gone`).then(() => true, () => false);
      if (!renamed)
        await sleep(100);
    }
    assert.ok(renamed, 'could not rename the database away from the server');
    const down = await request(`${s.url}/healthz`);
    assert.equal(down.status, 503);
    assert.deepEqual(JSON.parse(down.body), { status: 'unavailable', database: false });
    assertSecurityHeaders(down, '503');
    // A page that needs the database (here: to look up a session) says so with
    // the error page rather than crashing; the front page needs none and may answer.
    const page = await request(`${s.url}/personal/`, { headers: { Cookie: `trygg=${'A'.repeat(43)}` } });
    assert.equal(page.status, 503);
    assert.match(page.body, /<html lang="sv"/);
    const front = await request(`${s.url}/`);
    assert.ok([200, 500, 503].includes(front.status), `front page while the database is gone: ${front.status}`);
    if (front.status !== 200)
      assert.match(front.body, /<html lang="sv"/, 'an error page, not a crash');
    t.diagnostic(`front page while the database is gone: ${front.status}`);
    await psql(`ALTER DATABASE ${name}_gone RENAME TO ${name}`);
    let up = null;
    for (let i = 0; i < 50 && up?.status !== 200; i++) {
      up = await request(`${s.url}/healthz`);
      if (up.status !== 200)
        await sleep(100);
    }
    assert.equal(up.status, 200, 'the server did not recover when the database came back');
  } finally {
    await psql(`ALTER DATABASE ${name}_gone RENAME TO ${name}`).catch(() => {});
    await s.stop();
  }
});

test('security headers are on every kind of response', async () => {
  const css = await assetUrl('css/site.css');
  const cases = [
    ['GET', '/'], ['GET', '/healthz'], ['GET', '/robots.txt'], ['GET', '/static/css/site.css'], ['GET', css],
    ['GET', '/finns-inte'], ['DELETE', '/'], ['GET', '/sprak?lang=en&next=/'], ['GET', '/sprak?lang=xx'],
    ['GET', '/%zz'], ['GET', '/personal/'], ['HEAD', '/'], ['GET', '/personal/logga-in'],
  ];
  for (const [method, path] of cases) {
    const res = await request(server.url + path, { method });
    assertSecurityHeaders(res, `${method} ${path} → ${res.status}`);
  }
  const notModified = await get('/static/css/site.css', { 'If-None-Match': (await get('/static/css/site.css')).headers.etag });
  assert.equal(notModified.status, 304);
  assertSecurityHeaders(notModified, '304');
  const tooLarge = await request(`${server.url}/personal/logga-in`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': 10 << 20 },
  }).catch(() => null);
  if (tooLarge) // the server may close before node has read the answer; the raw 413 tests cover it
    assertSecurityHeaders(tooLarge, '413');
});

test('static files: ETag and 304, no-cache without a fingerprint', async () => {
  const res = await get('/static/css/site.css');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/css/);
  assert.match(res.headers.etag ?? '', /^"[0-9a-f]+"$/);
  assert.match(res.headers['cache-control'] ?? '', /no-cache/);
  assert.ok(res.body.length > 0);
  const again = await get('/static/css/site.css', { 'If-None-Match': res.headers.etag });
  assert.equal(again.status, 304);
  assert.equal(again.body, '');
  assert.equal(again.headers.etag, res.headers.etag);
  const changed = await get('/static/css/site.css', { 'If-None-Match': '"0000"' });
  assert.equal(changed.status, 200);
  assert.equal(changed.body, res.body);
  assert.equal((await get('/static/js/site.js')).status, 200);
  assert.equal((await get('/static/finns-inte.css')).status, 404);
});

test('static files: no way out of the static folder', async () => {
  for (const path of ['/static/../Makefile', '/static/%2e%2e/Makefile', '/static/..%2fMakefile',
    '/static/css/../../src/main.c', '/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/assets/x/../../Makefile',
    '/static//etc/passwd', '/static/css%2fsite.css%00.png']) {
    const res = await get(path);
    assert.ok([400, 404].includes(res.status), `${path} → ${res.status}`);
    assert.doesNotMatch(res.body, /CFLAGS|root:x:0/, path);
  }
});

test('fingerprinted /assets/ are cached for a year; a stale fingerprint is not', async () => {
  const url = await assetUrl('css/site.css');
  const res = await get(url);
  assert.equal(res.status, 200);
  assert.match(res.headers['cache-control'] ?? '', /immutable/);
  assert.match(res.headers['cache-control'] ?? '', /max-age=31536000/);
  assert.equal(res.body, (await get('/static/css/site.css')).body);
  const js = await get(await assetUrl('js/site.js'));
  assert.match(js.headers['content-type'], /^text\/javascript/);
  assert.match(js.headers['cache-control'] ?? '', /immutable/);
  const stale = await get(url.replace(/\/assets\/[0-9a-f]+\//, '/assets/0123456789abcdef/'));
  assert.equal(stale.status, 200);
  assert.doesNotMatch(stale.headers['cache-control'] ?? '', /immutable/);
  assert.equal((await get('/assets/0123456789abcdef/css/finns-inte.css')).status, 404);
});

test('404 and 405 pages in Swedish, and in English for Accept-Language: en', async () => {
  assertErrorPage(await get('/finns-inte'), 404, 'sv', 'Sidan finns inte');
  assertErrorPage(await get('/finns-inte', { 'Accept-Language': 'en-GB,en;q=0.9' }), 404, 'en', 'Page not found');
  assertErrorPage(await get('/finns-inte', { 'Accept-Language': 'de, sv;q=0.5' }), 404, 'sv', 'Sidan finns inte');
  assertErrorPage(await get('/finns-inte', { 'Accept-Language': 'nb-NO' }), 404, 'sv', 'Sidan finns inte');
  const sv405 = await request(`${server.url}/healthz`, { method: 'DELETE' });
  assertErrorPage(sv405, 405, 'sv', 'Metoden stöds inte');
  const en405 = await request(`${server.url}/`, { method: 'PUT', headers: { 'Accept-Language': 'en' }, body: '' });
  assertErrorPage(en405, 405, 'en', 'Method not allowed');
});

test('405 says which methods are allowed (RFC 9110 §15.5.6: Allow is required)', async () => {
  const res = await request(`${server.url}/healthz`, { method: 'DELETE' });
  assert.equal(res.status, 405);
  assert.ok(res.headers.allow, 'no Allow header on a 405');
  assert.match(res.headers.allow, /\bGET\b/);
});

test('413 for a Content-Length over the limit, before the body is sent', async () => {
  const res = await raw(server.port,
    'POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
    `Content-Length: ${300 * 1024}\r\n\r\n`);
  assert.equal(res.status, 413, res.text.slice(0, 300));
  assert.equal(pageLanguage(res.responses[0].text), 'sv');
  const huge = await raw(server.port,
    'POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nAccept-Language: en\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
    'Content-Length: 99999999999999\r\n\r\n');
  assert.equal(huge.status, 413);
  assert.ok(huge.responses[0].text.includes('Too large'));
});

test('413 for a chunked body that grows over the limit', async () => {
  const chunk = 'a'.repeat(16 * 1024);
  const parts = ['POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n'];
  for (let i = 0; i < 40; i++) { // 640 KiB, over the 256 KiB default
    const data = `x${i}=${chunk}&`;
    parts.push(`${data.length.toString(16)}\r\n${data}\r\n`);
  }
  parts.push('0\r\n\r\n');
  const res = await raw(server.port, parts, { delayMs: 5 });
  assert.equal(res.status, 413, res.text.slice(0, 300));
  // The same for a body that is not a form (the raw-body path).
  const json = ['POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n'];
  for (let i = 0; i < 40; i++)
    json.push(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  json.push('0\r\n\r\n');
  const res2 = await raw(server.port, json, { delayMs: 5 });
  assert.ok([413, 403, 415].includes(res2.status), `non-form chunked body: ${res2.status}`);
  assert.equal(res2.status, 413, 'a non-form body over the limit is refused as too large');
});

test('the language switch sets a cookie and goes back to a local page only', async () => {
  const c = new Client(server.url);
  const res = await c.get('/sprak?lang=en&next=/finns-inte');
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, '/finns-inte');
  const cookie = setCookie(res, 'lang');
  assert.match(cookie, /^lang=en;/);
  assert.match(cookie, /Path=\//);
  assert.match(cookie, /Max-Age=\d{7,}/);
  assert.match(cookie, /SameSite=Lax/i);
  const home = await c.get('/');
  assert.equal(pageLanguage(home.body), 'en');
  assert.match(home.body, /href="\/sprak\?lang=sv&amp;next=%2F"/);
  // The cookie wins over Accept-Language; ?lang= wins over the cookie.
  assert.equal(pageLanguage((await c.get('/', { headers: { 'Accept-Language': 'sv' } })).body), 'en');
  assert.equal(pageLanguage((await c.get('/?lang=sv')).body), 'sv');
  assertErrorPage(await c.get('/finns-inte'), 404, 'en', 'Page not found');
  await c.get('/sprak?lang=sv&next=/');
  assert.equal(pageLanguage((await c.get('/')).body), 'sv');
  for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'evil', '%2F%2Fevil.example',
    '/%0d%0aSet-Cookie:x=1']) {
    const r = await request(`${server.url}/sprak?lang=en&next=${encodeURIComponent(next)}`);
    assert.equal(r.status, 303, next);
    assert.ok(r.headers.location.startsWith('/') && !r.headers.location.startsWith('//') &&
      !r.headers.location.startsWith('/\\'), `next=${next} → Location ${r.headers.location}`);
    assert.ok(!(r.headers['set-cookie'] ?? []).some((x) => x.startsWith('x=')), 'header injection');
  }
  assert.equal((await request(`${server.url}/sprak?lang=xx&next=/`)).status, 400);
  assert.equal((await request(`${server.url}/sprak`)).status, 400);
});

test('HEAD answers like GET without a body', async () => {
  for (const path of ['/', '/healthz', '/static/css/site.css', '/finns-inte']) {
    const g = await get(path);
    const h = await request(server.url + path, { method: 'HEAD' });
    assert.equal(h.status, g.status, path);
    assert.equal(h.body, '', path);
    assert.equal(h.headers['content-type'], g.headers['content-type'], path);
    if (path !== '/' && path !== '/finns-inte') // pages hold per-request values; files do not
      assert.equal(h.headers['content-length'], String(g.buffer.length), path);
  }
});

test('keep-alive: several requests on one connection', async () => {
  const conn = await connect(server.port);
  try {
    const paths = ['/healthz', '/', '/static/css/site.css', '/robots.txt', '/healthz'];
    for (const [i, path] of paths.entries()) {
      conn.send(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      const [res] = await conn.read(i + 1);
      assert.ok(res, `no answer to request ${i + 1} on the connection`);
      assert.equal(res.status, 200, path);
      assert.equal(conn.closed, false, `connection closed after ${path}`);
    }
    // Pipelined: three at once.
    conn.send('GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nHEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /robots.txt HTTP/1.1\r\nHost: a\r\n\r\n');
    const three = await conn.read(paths.length + 3, (i) => i === paths.length + 1);
    assert.deepEqual(three.map((r) => r.status), [200, 200, 200]);
    assert.match(three[2].text, /Disallow: \/personal\//);
  } finally {
    conn.close();
  }
  // HTTP/1.0 closes unless asked to keep alive; Connection: close is honoured.
  const old = await raw(server.port, 'GET /healthz HTTP/1.0\r\n\r\n', { expect: 0 });
  assert.equal(old.status, 200);
  assert.ok(old.closed);
  const close = await raw(server.port, 'GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', { expect: 0 });
  assert.equal(close.status, 200);
  assert.ok(close.closed);
});

test('keep-alive: an error page does not cost the connection', {
  todo: 'server.c queues early refusals (404, 405, 400) before libmicrohttpd has read the request, so it closes the connection',
}, async () => {
  for (const path of ['/finns-inte', '/%zz']) {
    const res = await raw(server.port, `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n`,
      { expect: 2, timeoutMs: 5000 });
    assert.deepEqual(res.responses.map((r) => r.status), [path === '/%zz' ? 400 : 404, 200], path);
  }
});

test('CSRF: a POST needs the form token and our own origin', async () => {
  const c = new Client(server.url);
  const token = await c.csrf('/personal/logga-in');
  assert.match(token, /^[0-9a-f]{32}$/);
  const form = { email: 'nobody@trygg.example', password: 'not-the-password' };
  // No token at all.
  const none = await c.post('/personal/logga-in', form);
  assertErrorPage(none, 403, 'sv', 'Formuläret kunde inte skickas');
  // A wrong token.
  assert.equal((await c.post('/personal/logga-in', { ...form, csrf: 'f'.repeat(32) })).status, 403);
  // The right token from a foreign origin, or a foreign referrer without an origin.
  assert.equal((await c.post('/personal/logga-in', { ...form, csrf: token }, { headers: { Origin: 'http://evil.example' } })).status, 403);
  assert.equal((await c.post('/personal/logga-in', { ...form, csrf: token }, {
    headers: { Origin: 'http://127.0.0.1:1' },
  })).status, 403, 'same host, other port');
  assert.equal((await c.send('/personal/logga-in', {
    method: 'POST', body: urlencode({ ...form, csrf: token }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Referer: 'http://evil.example/personal/logga-in' },
  })).status, 403);
  assert.equal((await c.send('/personal/logga-in', {
    method: 'POST', body: urlencode({ ...form, csrf: token }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Referer: `${server.url}.evil.example/` },
  })).status, 403, 'referrer that only starts with our origin');
  // A token from another visitor (another cookie) is no good either.
  const other = new Client(server.url);
  const otherToken = await other.csrf('/personal/logga-in');
  assert.equal((await c.post('/personal/logga-in', { ...form, csrf: otherToken })).status, 403);
  // In English for an English reader.
  c.lang = 'en';
  assertErrorPage(await c.post('/personal/logga-in', form), 403, 'en', 'The form could not be sent');
  // With everything right, the form is handled (a failed login, not a 403).
  const ok = await c.post('/personal/logga-in', { ...form, csrf: token });
  assert.notEqual(ok.status, 403);
  assert.ok(ok.status < 500);
});
