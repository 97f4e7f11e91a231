// malformed.test.mjs — a corpus of malformed requests sent over raw sockets.
// Every one must be refused with a 4xx status, never a 5xx, and the server
// must go on answering afterwards (and print no sanitizer report: the rig's
// stop() checks). A few cases cannot be answered in HTTP at all; those
// expect the connection to be closed cleanly instead, and say why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/rig.mjs';
import { raw } from '../lib/raw.mjs';
import { Client, request } from '../lib/client.mjs';

let server;
let visitor = null; // the cookie and form token of a real visitor, for cases that must get past CSRF
// A short idle timeout, so the cases that leave a request unfinished end quickly.
before(async () => {
  server = await startServer({ config: { timeout_seconds: 3 } });
  const c = new Client(server.url);
  const csrf = await c.csrf('/personal/logga-in');
  visitor = { csrf, cookie: c.cookieHeader(), origin: c.origin };
});
after(async () => { await server?.stop(); });

const FORM = 'application/x-www-form-urlencoded';

/* A GET of target with the given extra header lines. */
const get = (target, headers = '') => `GET ${target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n${headers}\r\n`;

/* A POST to the login form (a route that takes forms) with body (latin1: any bytes). */
const post = (body, type = FORM, headers = '') =>
  `POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: ${type}\r\n` +
  `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n${headers}\r\n${body}`;

const multipart = (boundary, body) => post(body.replace(/\n/g, '\r\n'), `multipart/form-data; boundary=${boundary}`);

// libmicrohttpd 0.9.75 (Debian 12) closes the connection, without calling the
// application, when it cannot split the request line into method, target and
// version. RFC 9112 §3 says a server SHOULD answer 400 there, so HTTP could;
// the library does not, and nothing in Trygg's code runs before it decides.
const LIBMHD_CLOSE = 'libmicrohttpd closes an unparseable request line without an answer (see LIBMHD_CLOSE)';
// libmicrohttpd 0.9.75 ends the request target and header values at a NUL byte
// and hands the application the shortened string (even MHD_get_connection_values_n
// reports the shortened length), so the server cannot refuse what it cannot see.
// RFC 9110 §5.5 wants such a message refused. Known limitation: a todo.
const LIBMHD_NUL = 'libmicrohttpd truncates at the NUL byte and the application cannot see it';

/* Expectations:
 *   '4xx'    a response with a 4xx status.
 *   'close'  a 4xx response, or the connection closed without one; the case says
 *            in `why` why HTTP cannot answer it.
 *   'guest'  not an error in itself (the server ignores what it cannot use): any
 *            status below 500, and nobody is logged in. */
const corpus = [
  // ---- request line ----
  { name: 'garbage instead of a request line', send: 'GARBAGE\r\n\r\n', expect: 'close', why: LIBMHD_CLOSE },
  { name: 'method only', send: 'GET\r\nHost: t\r\n\r\n', expect: 'close', why: LIBMHD_CLOSE },
  { name: 'no version (HTTP/0.9 style)', send: 'GET /\r\nHost: t\r\n\r\n', expect: '4xx' },
  { name: 'space before the method', send: ' GET / HTTP/1.1\r\nHost: t\r\n\r\n', expect: 'close', why: LIBMHD_CLOSE },
  { name: 'extra word after the version', send: 'GET / HTTP/1.1 extra\r\nHost: t\r\n\r\n', expect: '4xx' },
  { name: 'control byte in the target', send: 'GET /\x01 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx' },
  { name: 'NUL byte in the request line', send: 'GET /\x00a HTTP/1.1\r\nHost: t\r\n\r\n', expect: '4xx', todo: LIBMHD_NUL },
  { name: 'absolute-form target', send: get('http://127.0.0.1/'), expect: '4xx' },
  { name: 'asterisk-form target', send: 'OPTIONS * HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx' },
  { name: 'CONNECT authority-form', send: 'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx' },
  { name: 'target without a leading slash', send: get('healthz'), expect: '4xx' },
  { name: 'unknown method', send: 'BREW / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx' },
  { name: 'lower-case method', send: 'get / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx' },
  { name: 'HTTP/1.1 without Host', send: 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n', expect: '4xx' },
  { name: 'two Host headers', send: 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n', expect: '4xx' },
  { name: 'target of 100 KiB', send: get(`/${'a'.repeat(100 * 1024)}`), expect: '4xx' },
  {
    name: 'only empty lines, then the client ends',
    send: '\r\n\r\n\r\n', expect: 'close', opts: { halfClose: true },
    why: 'no request was ever sent, so there is nothing to answer (RFC 9112 §2.2 lets a server ignore empty lines before a request)',
  },

  // ---- versions ----
  // A major version other than 1 may get 505 (RFC 9110 §15.6.6 defines it for exactly
  // this; it reports the client's protocol, not a fault of the server), so these two
  // accept 505 as well as 400.
  { name: 'HTTP/2.0 in an HTTP/1 request line', send: 'GET / HTTP/2.0\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx', allow505: true },
  { name: 'HTTP/3.0', send: 'GET / HTTP/3.0\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx', allow505: true },
  { name: 'lower-case http/1.1', send: 'GET / http/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx', allow505: true },
  { name: 'version HTTP/1', send: 'GET / HTTP/1\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx', allow505: true },
  { name: 'version HTTP/1.1x', send: 'GET / HTTP/1.1x\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx', allow505: true },
  { name: 'version HTTP/a.b', send: 'GET / HTTP/a.b\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx', allow505: true },
  { name: 'version HTTPS/1.1', send: 'GET / HTTPS/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', expect: '4xx', allow505: true },

  // ---- percent-encoding and UTF-8 in the path ----
  ...['%zz', '%0', '%', '%00', '%0g', '%C3%28', '%ff', '%C0%AF', '%E0%80%AF', '%ED%A0%80', '%F4%90%80%80', '%E2%82',
    '%F0%80%80%80'].map((bad) => ({ name: `path with ${bad}`, send: get(`/static/${bad}x`), expect: '4xx' })),
  { name: 'path with a raw 0xFF byte', send: get('/\xff'), expect: '4xx' },
  { name: 'path with a raw overlong "/" (C0 AF)', send: get('/static/\xc0\xafx'), expect: '4xx' },
  { name: 'path with raw invalid UTF-8 (C3 28)', send: get('/\xc3\x28'), expect: '4xx' },

  // ---- … in the query ----
  ...['%zz', '%0', '%', '%00', '%C3%28', '%ff', '%C0%AF', '%ED%A0%80'].map((bad) => ({
    name: `query with ${bad}`, send: get(`/?q=${bad}`), expect: '4xx',
  })),
  { name: 'query name with %ff', send: get('/?%ff=1'), expect: '4xx' },
  { name: 'query with a raw 0xFF byte', send: get('/?q=\xff'), expect: '4xx' },
  { name: 'query with a raw overlong byte pair', send: get('/sprak?lang=en&next=\xc0\xaf'), expect: '4xx' },

  // ---- … in form values ----
  ...['%zz', '%0', '%00', '%C3%28', '%ff', '%C0%AF', '%E0%80%AF', '%ED%A0%80'].map((bad) => ({
    name: `form value with ${bad}`, send: post(`email=${bad}&password=x`), expect: '4xx',
  })),
  { name: 'form name with %ff', send: post('%ff=1&password=x'), expect: '4xx' },
  { name: 'form value with a raw 0xFF byte', send: post('email=\xff&password=x'), expect: '4xx' },
  { name: 'form value with a raw overlong byte pair', send: post('email=\xc0\xaf&password=x'), expect: '4xx' },
  { name: 'form value with a raw NUL byte', send: post('email=a\x00b&password=x'), expect: '4xx' },

  // ---- headers ----
  { name: 'one header of 70 KiB', send: get('/', `X-Big: ${'a'.repeat(70 * 1024)}\r\n`), expect: '4xx' },
  { name: 'a Cookie header of 70 KiB', send: get('/', `Cookie: a=${'b'.repeat(70 * 1024)}\r\n`), expect: '4xx' },
  {
    name: '10,000 headers', expect: '4xx',
    send: get('/', Array.from({ length: 10000 }, (_, i) => `X-H${i}: v\r\n`).join('')),
  },
  { name: 'header line without a colon', send: get('/', 'NoColonHere\r\n'), expect: '4xx' },
  { name: 'white space before the colon', send: get('/', 'X-A : b\r\n'), expect: '4xx' },
  { name: 'header name with a space', send: get('/', 'X A: b\r\n'), expect: '4xx' },
  { name: 'NUL byte in a header value', send: get('/', 'X-A: a\x00b\r\n'), expect: '4xx', todo: LIBMHD_NUL },

  // ---- bodies ----
  { name: 'Content-Length not a number', send: 'POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n', expect: '4xx' },
  { name: 'Content-Length negative', send: 'POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n', expect: '4xx' },
  { name: 'Content-Length with a plus sign', send: 'POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Length: +5\r\n\r\nemail', expect: '4xx' },
  { name: 'Content-Length in hex', send: 'POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Length: 0x5\r\n\r\nemail', expect: '4xx' },
  { name: 'Content-Length as a list', send: 'POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 6\r\n\r\nemail', expect: '4xx' },
  { name: 'Content-Length that overflows 64 bits', send: 'POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n', expect: '4xx' },
  // Framing that two parties could read differently (request smuggling). These
  // carry a real visitor's token, so that only the framing can be refused: a
  // login form that got through would be answered 422.
  {
    // RFC 9112 §6.3: differing lengths make the framing invalid: 400, then close.
    name: 'two different Content-Lengths', expect: '4xx', exact: 400,
    send: () => {
      const body = `csrf=${visitor.csrf}&email=a%40b.example&password=wrong-password`;
      return `POST /personal/logga-in HTTP/1.1\r\nHost: ${new URL(visitor.origin).host}\r\nOrigin: ${visitor.origin}\r\n` +
        `Cookie: ${visitor.cookie}\r\nContent-Type: ${FORM}\r\nContent-Length: ${body.length}\r\nContent-Length: 5\r\n\r\n${body}`;
    },
  },
  {
    // RFC 9112 §6.3: Transfer-Encoding wins over Content-Length, and the server
    // MUST close the connection after answering (or refuse with 400): the
    // request hidden after the chunked body must never be answered.
    name: 'Content-Length and Transfer-Encoding: chunked together', expect: '4xx', closes: true,
    send: () => {
      const body = `csrf=${visitor.csrf}&email=a%40b.example&password=wrong-password`;
      return `POST /personal/logga-in HTTP/1.1\r\nHost: ${new URL(visitor.origin).host}\r\nOrigin: ${visitor.origin}\r\n` +
        `Cookie: ${visitor.cookie}\r\nContent-Type: ${FORM}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\nGET /robots.txt HTTP/1.1\r\nHost: t\r\n\r\n`;
    },
    opts: { expect: 2, timeoutMs: 5000 },
  },
  {
    name: 'Expect: 100-continue with a Content-Length over the limit', expect: '4xx',
    send: `POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Type: ${FORM}\r\nContent-Length: ${64 << 20}\r\nExpect: 100-continue\r\n\r\n`,
  },
  {
    name: 'body shorter than Content-Length, then the client ends its side',
    send: `POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Type: ${FORM}\r\nContent-Length: 1000\r\n\r\nemail=a`,
    expect: 'close', opts: { halfClose: true },
    why: 'the request can never be complete and the client has stopped sending: no status fits, the server can only close',
  },
  {
    name: 'body shorter than Content-Length, the client waits',
    send: `POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Type: ${FORM}\r\nContent-Length: 1000\r\n\r\nemail=a`,
    expect: 'close', opts: { timeoutMs: 15000 },
    why: 'the server cannot know whether the rest is coming; it may close an idle connection (RFC 9112 §9.5) after its timeout, with or without a 408',
  },
  {
    name: 'body shorter than Content-Length, the client disconnects',
    send: `POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Type: ${FORM}\r\nContent-Length: 1000\r\n\r\nemail=a`,
    expect: 'gone', opts: { closeAfterSend: true },
    why: 'nobody is left to answer; the corpus checks only that the server is unharmed',
  },
  { name: 'form body with a bare percent at the end', send: post('email=a%'), expect: '4xx' },

  // ---- chunked ----
  ...[
    ['chunk size not hex', 'zz\r\nemail\r\n0\r\n\r\n'],
    ['negative chunk size', '-5\r\nemail\r\n0\r\n\r\n'],
    ['chunk size that overflows', 'fffffffffffffffffffff\r\nemail\r\n0\r\n\r\n'],
    ['chunk longer than its size', '3\r\nemail=abc\r\n0\r\n\r\n'],
    ['chunk data without its CRLF', '5\r\nemailXX0\r\n\r\n'],
    ['chunk size line with garbage', '5 garbage\r\nemail\r\n0\r\n\r\n'],
    ['empty chunk size line', '\r\nemail\r\n0\r\n\r\n'],
  ].map(([name, body]) => ({
    name, expect: '4xx', opts: { halfClose: true },
    send: `POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Type: ${FORM}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
  })),
  {
    name: 'chunked body that never ends, the client ends its side',
    send: `POST /personal/logga-in HTTP/1.1\r\nHost: t\r\nContent-Type: ${FORM}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nemail\r\n`,
    expect: 'close', opts: { halfClose: true },
    why: 'as for a short Content-Length body: the request can never be complete',
  },

  // ---- multipart ----
  { name: 'multipart without a boundary', send: post('--x\r\n\r\n--x--\r\n', 'multipart/form-data'), expect: '4xx' },
  { name: 'multipart with an empty boundary', send: post('--\r\n\r\n----\r\n', 'multipart/form-data; boundary='), expect: '4xx' },
  { name: 'multipart with a boundary of 71 characters', send: multipart('b'.repeat(71), `--${'b'.repeat(71)}\nContent-Disposition: form-data; name="email"\n\na\n--${'b'.repeat(71)}--\n`), expect: '4xx' },
  // Bodies with boundary XyZ, written with \n for CRLF.
  ...[
    ['multipart body with a different boundary',
      '--Other\nContent-Disposition: form-data; name="email"\n\na\n--Other--\n'],
    ['multipart without the final boundary',
      '--XyZ\nContent-Disposition: form-data; name="email"\n\na\n'],
    ['multipart part without Content-Disposition',
      '--XyZ\nContent-Type: text/plain\n\na\n--XyZ--\n'],
    ['multipart part header without a colon',
      '--XyZ\nContent-Disposition form-data; name="email"\n\na\n--XyZ--\n'],
    ['multipart part header with invalid UTF-8',
      '--XyZ\nContent-Disposition: form-data; name="\xff"\n\na\n--XyZ--\n'],
    ['multipart folded part header',
      '--XyZ\nContent-Disposition: form-data;\n name="email"\n\na\n--XyZ--\n'],
    ['multipart file on a route that takes no files',
      '--XyZ\nContent-Disposition: form-data; name="f"; filename="a.txt"\nContent-Type: text/plain\n\nhello\n--XyZ--\n'],
    ['multipart part headers of 20 KiB',
      `--XyZ\nContent-Disposition: form-data; name="email"\nX-Pad: ${'p'.repeat(20 * 1024)}\n\na\n--XyZ--\n`],
    ['multipart text field with invalid UTF-8',
      '--XyZ\nContent-Disposition: form-data; name="email"\n\n\xc0\xaf\n--XyZ--\n'],
  ].map(([name, body]) => ({ name, expect: '4xx', send: multipart('XyZ', body) })),
  {
    name: 'multipart with bare LF line ends', expect: '4xx',
    send: post('--XyZ\nContent-Disposition: form-data; name="email"\n\na\n--XyZ--\n', 'multipart/form-data; boundary=XyZ'),
  },

  // ---- cookies: ignored, never an error, never a login ----
  { name: 'a random session cookie', send: get('/personal/', `Cookie: trygg=${crypto.randomBytes(32).toString('base64url')}\r\n`), expect: 'guest' },
  { name: 'a session cookie of one byte', send: get('/personal/', 'Cookie: trygg=a\r\n'), expect: 'guest' },
  { name: 'a session cookie with binary bytes', send: get('/personal/', 'Cookie: trygg=\x01\x02\x7f\xff\xfe\r\n'), expect: 'guest' },
  { name: 'a session cookie with invalid UTF-8', send: get('/personal/', 'Cookie: trygg=\xc0\xaf\xc3\x28\r\n'), expect: 'guest' },
  { name: 'a session cookie with SQL', send: get('/personal/', "Cookie: trygg=' OR '1'='1\r\n"), expect: 'guest' },
  { name: 'a session cookie of 4 KiB', send: get('/personal/', `Cookie: trygg=${'A'.repeat(4096)}\r\n`), expect: 'guest' },
  { name: 'an empty session cookie', send: get('/personal/', 'Cookie: trygg=\r\n'), expect: 'guest' },
  { name: 'two session cookies', send: get('/personal/', 'Cookie: trygg=a; trygg=b\r\n'), expect: 'guest' },
  { name: 'a cookie without a value', send: get('/personal/', 'Cookie: trygg\r\n'), expect: 'guest' },
  { name: 'a cookie without a name', send: get('/personal/', 'Cookie: =abc; ;;; =\r\n'), expect: 'guest' },
  { name: 'an unterminated quoted cookie', send: get('/personal/', 'Cookie: trygg="abc\r\n'), expect: 'guest' },
  { name: '300 cookies', send: get('/personal/', `Cookie: ${Array.from({ length: 300 }, (_, i) => `c${i}=${i}`).join('; ')}\r\n`), expect: 'guest' },
  { name: 'a __Host- session cookie over plain http', send: get('/personal/', 'Cookie: __Host-trygg=abc\r\n'), expect: 'guest' },
  { name: 'a garbage language cookie', send: get('/', 'Cookie: lang=\xff\xfe\r\n'), expect: 'guest' },
  { name: 'a garbage CSRF cookie', send: get('/personal/logga-in', 'Cookie: trygg-csrf=\x01\xff\r\n'), expect: 'guest' },
  { name: 'a flash cookie with bad percent-encoding', send: get('/', 'Cookie: flash=%zz%ff\r\n'), expect: 'guest' },
  { name: 'a flash cookie with markup', send: get('/', 'Cookie: flash=%3Cscript%3Ealert(1)%3C%2Fscript%3E\r\n'), expect: 'guest', noMarkup: true },
];

/* What a case sends: its bytes, or what its function makes of the visitor. */
const bytes = (c) => typeof c.send === 'function' ? c.send() : c.send;

function checkCase(c, res) {
  const detail = `${c.name}: status ${res.status}, closed ${res.closed}, timed out ${res.timedOut}\n` +
    `${res.text.slice(0, 400)}`;
  if (res.status !== null)
    assert.ok(res.status < 500 || (c.allow505 && res.status === 505), `5xx: ${detail}`);
  switch (c.expect) {
  case '4xx':
    assert.ok(res.status !== null && res.status >= 400 && res.status < 500 || (c.allow505 && res.status === 505),
      `expected a 4xx: ${detail}`);
    if (c.exact)
      assert.equal(res.status, c.exact, `expected exactly ${c.exact}: ${detail}`);
    if (c.closes)
      assert.ok(res.responses.length === 1 && res.closed, `expected one answer, then the connection closed: ${detail}`);
    break;
  case 'close':
    assert.ok(c.why, 'a close case needs a reason');
    if (res.status !== null)
      assert.ok(res.status >= 400 && res.status < 500, `expected a 4xx or a close: ${detail}`);
    else
      assert.ok(res.closed && !res.timedOut, `expected the connection to be closed: ${detail}`);
    break;
  case 'gone':
    assert.ok(c.why, 'a gone case needs a reason');
    break;
  case 'guest': {
    assert.ok(res.status !== null, `no answer: ${detail}`);
    const r = res.responses[0];
    if (res.status >= 400)
      break; // refusing a broken cookie header is also fine
    assert.ok(!/Logga ut|Log out/.test(r.text), `logged in by a forged cookie: ${detail}`);
    if (/^GET \/personal\/ /.test(bytes(c))) {
      assert.equal(res.status, 303, detail);
      assert.match(r.headers.location ?? '', /^\/personal\/logga-in/);
    }
    if (c.noMarkup)
      assert.ok(!r.text.includes('<script>alert'), `markup from a cookie reached the page: ${detail}`);
    break;
  }
  default:
    assert.fail(`unknown expectation ${c.expect}`);
  }
}

test('malformed requests get a 4xx or a clean close, never a 5xx', async (t) => {
  for (const c of corpus) {
    await t.test(c.name, { todo: c.todo }, async (st) => {
      const res = await raw(server.port, bytes(c), { timeoutMs: 10000, ...(c.opts ?? {}) });
      st.diagnostic(res.status !== null ? `answered ${res.status}` : res.timedOut ? 'no answer, connection still open'
        : 'connection closed without an answer');
      checkCase(c, res);
      // The server is unharmed after each case.
      assert.equal((await request(`${server.url}/healthz`)).status, 200, `after ${c.name}`);
    });
  }
});

test('the same corpus at once, from many connections', async () => {
  // Shuffled and concurrent, to shake out races between broken requests.
  const cases = corpus.filter((c) => c.expect !== 'close' || c.opts?.halfClose);
  const results = await Promise.all(cases.map((c) => raw(server.port, bytes(c), { timeoutMs: 20000, ...(c.opts ?? {}) })
    .then((res) => ({ c, res }))));
  for (const { c, res } of results)
    if (res.status !== null)
      assert.ok(res.status < 500 || (c.allow505 && res.status === 505), `${c.name}: ${res.status}`);
  const health = await request(`${server.url}/healthz`);
  assert.equal(health.status, 200);
});

test('the server still serves pages after the corpus', async () => {
  const home = await request(`${server.url}/`);
  assert.equal(home.status, 200);
  assert.match(home.body, /<html/);
  assert.equal((await request(`${server.url}/healthz`)).status, 200);
});
