// client.mjs — an HTTP client for tests that behaves like a careful browser:
// it keeps cookies, reads the csrf field from a page, and posts forms with the
// server's own Origin. Redirects are not followed unless asked, so tests see
// every 303. Each request uses a new connection unless a keep-alive agent is
// given, so one test's connection never leaks into another's.
import crypto from 'node:crypto';
import http from 'node:http';
import { forms, defaultValues, csrfToken } from './html.mjs';

/* One request. Returns {status, headers (lower-case names; set-cookie is an
 * array), rawHeaders, body (text), buffer}. */
export function request(url, { method = 'GET', headers = {}, body = null, agent = false, timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const data = body == null ? null : Buffer.isBuffer(body) ? body : Buffer.from(body);
    const h = { ...headers };
    if (data && !Object.keys(h).some((k) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding'))
      h['Content-Length'] = data.length;
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: h, agent,
      timeout: timeoutMs,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, buffer, body: buffer.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data ?? undefined);
  });
}

/* application/x-www-form-urlencoded from an object or [name, value] pairs. */
export function urlencode(fields) {
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields).flatMap(([k, v]) =>
    Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]);
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/* multipart/form-data of fields ({name: value}) and files [{field, name, type, bytes}], as a
 * browser or a mobile app sends it. Returns {body, headers} for request() or Client.send(). */
export function multipart(fields, files = []) {
  const boundary = `----trygg${crypto.randomBytes(8).toString('hex')}`;
  const parts = Object.entries(fields).map(([k, v]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files)
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\n` +
      `Content-Type: ${f.type}\r\n\r\n`), f.bytes, Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } };
}

export class Client {
  /* base: the server's URL ("http://127.0.0.1:PORT"). */
  constructor(base, { lang = null } = {}) {
    this.base = base.replace(/\/$/, '');
    this.origin = new URL(this.base).origin;
    this.cookies = new Map();
    this.lang = lang;     // sent as Accept-Language when set
    this.last = null;     // the last response
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /* Takes the Set-Cookie headers of a response into the jar. */
  remember(res) {
    for (const line of res.headers['set-cookie'] ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim(), value = pair.slice(eq + 1).trim();
      const maxAge = attrs.map((a) => /^\s*max-age=(-?\d+)/i.exec(a)).find(Boolean);
      if (maxAge && Number(maxAge[1]) <= 0)
        this.cookies.delete(name);
      else
        this.cookies.set(name, value);
    }
  }

  async send(path, { method = 'GET', headers = {}, body = null, follow = false } = {}) {
    let url = new URL(path, this.base + '/').href;
    for (let hops = 0; ; hops++) {
      const h = { ...headers };
      if (this.cookies.size)
        h.Cookie = this.cookieHeader();
      if (this.lang && !Object.keys(h).some((k) => k.toLowerCase() === 'accept-language'))
        h['Accept-Language'] = this.lang;
      const res = await request(url, { method, headers: h, body });
      this.remember(res);
      res.url = url;
      this.last = res;
      if (!follow || ![301, 302, 303, 307, 308].includes(res.status) || hops >= 10)
        return res;
      url = new URL(res.headers.location, url).href;
      if (res.status === 303 || method === 'POST') {
        method = 'GET';
        body = null;
        headers = {};
      }
    }
  }

  get(path, opts = {}) {
    return this.send(path, { ...opts, method: 'GET' });
  }

  /* POSTs fields urlencoded with this server's Origin (unless headers say otherwise). */
  post(path, fields, { headers = {}, follow = false } = {}) {
    return this.send(path, {
      method: 'POST', follow, body: urlencode(fields),
      headers: { Origin: this.origin, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  /* The csrf token of the page at path (a GET), for hand-made posts. */
  async csrf(path = '/') {
    const res = await this.get(path);
    const token = csrfToken(res.body);
    if (token == null)
      throw new Error(`no csrf field on ${path} (status ${res.status})`);
    return token;
  }

  /* Opens the page at pagePath, takes its POST form whose action matches
   * `action` (a string that the action ends with, or a RegExp; default: the first
   * POST form that is not the logout form), keeps the form's own values (csrf
   * and other hidden fields, checked boxes, selected options), replaces them
   * with `fields`, and submits it as a browser would.
   * Returns the response to the POST. Throws when the page has no such form. */
  async submit(pagePath, fields = {}, { action = null, follow = false, page = null } = {}) {
    const res = page ?? await this.get(pagePath);
    const html = res.body;
    const candidates = forms(html).filter((f) => f.method === 'post');
    const form = candidates.find((f) => action == null ? !/logga-ut/.test(f.action)
      : action instanceof RegExp ? action.test(f.action) : f.action.endsWith(action));
    if (!form)
      throw new Error(`no POST form${action ? ` for ${action}` : ''} on ${pagePath} (status ${res.status}); forms: ` +
        JSON.stringify(candidates.map((f) => f.action)));
    const given = new Map(Object.entries(fields));
    const pairs = defaultValues(form).filter(([name]) => !given.has(name));
    for (const [k, v] of given) {
      if (v === undefined || v === null)
        continue;
      for (const x of Array.isArray(v) ? v : [v])
        pairs.push([k, String(x)]);
    }
    const pageUrl = new URL(pagePath, this.base + '/');
    const target = new URL(form.action || pagePath, pageUrl);
    return this.post(target.pathname + target.search, pairs, { follow, headers: { Referer: pageUrl.href } });
  }
}

/* Logs client in through the login form. Returns the response to the POST
 * (303 on success). */
export async function login(client, email, password, { next = null } = {}) {
  const page = next ? `/personal/logga-in?next=${encodeURIComponent(next)}` : '/personal/logga-in';
  return client.submit(page, { email, password }, { action: '/personal/logga-in' });
}

/* The Set-Cookie line for name in a response, or undefined. */
export function setCookie(res, name) {
  return (res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
}
