// expect.mjs — checks that many tests share: the security headers of every
// response, the language of a page, the shape of an error page.
import assert from 'node:assert/strict';

/* Every response, error pages and redirects included, carries these. */
export function assertSecurityHeaders(res, what = '') {
  const where = what ? ` (${what})` : '';
  const csp = res.headers['content-security-policy'];
  assert.ok(csp, `Content-Security-Policy missing${where}`);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/, `CSP allows inline code${where}: ${csp}`);
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean)
    .map((d) => { const [name, ...values] = d.split(/\s+/); return [name.toLowerCase(), values]; }));
  assert.deepEqual(directives['frame-ancestors'], ["'none'"], `CSP frame-ancestors is not 'none'${where}: ${csp}`);
  assert.ok(directives['default-src'] || directives['script-src'], `CSP restricts no scripts${where}: ${csp}`);
  assert.deepEqual(directives['object-src'], ["'none'"], `CSP object-src is not 'none'${where}: ${csp}`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `X-Content-Type-Options${where}`);
  assert.match(res.headers['referrer-policy'] ?? '', /^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/,
    `Referrer-Policy${where}`);
}

/* The lang attribute of the page's <html> element. */
export function pageLanguage(html) {
  const m = /<html[^>]*\blang="([^"]*)"/i.exec(html);
  return m ? m[1] : null;
}

/* An HTML error page for status in lang, saying text. */
export function assertErrorPage(res, status, lang, text) {
  assert.equal(res.status, status, `status: ${res.body.slice(0, 300)}`);
  assert.match(res.headers['content-type'] ?? '', /^text\/html; charset=utf-8/i);
  assert.equal(pageLanguage(res.body), lang, 'language of the error page');
  if (text)
    assert.ok(res.body.includes(text), `expected "${text}" in the ${status} page:\n${res.body.slice(0, 2000)}`);
}
