// auth.test.mjs — staff login and everything around it: the generic failure
// message, the session cookie, redirects when logged out, roles, logout,
// administrators adding users, forced and voluntary password changes,
// throttling, session expiry and the audit log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO } from '../lib/rig.mjs';
import { Client, login, setCookie, request } from '../lib/client.mjs';
import { forms, text } from '../lib/html.mjs';
import { assertErrorPage, assertSecurityHeaders } from '../lib/expect.mjs';

const GENERIC_FAILURE = 'Fel e-postadress eller lösenord.';

let server;
before(async () => { server = await startServer({ demo: true }); });
after(async () => { await server?.stop(); });

async function loggedIn(who) {
  const c = new Client(server.url);
  const res = await login(c, DEMO[who].email, DEMO[who].password);
  assert.equal(res.status, 303, `login as ${who}: ${text(res.body).slice(0, 300)}`);
  return c;
}

/* The password shown once on the "user created" or "new password" page. */
function shownPassword(html) {
  const m = /<code class="password"[^>]*>([^<]+)<\/code>/.exec(html);
  assert.ok(m, `no password on the page:\n${text(html).slice(0, 500)}`);
  return m[1];
}

/* Adds a user through the administrators' form. Returns {res, password}. */
async function addUser(admin, email, roles = ['handlaggare'], name = 'Test Person') {
  const res = await admin.submit('/personal/anvandare', { email, name, roles }, { action: '/personal/anvandare' });
  return { res, password: res.status === 200 ? shownPassword(res.body) : null };
}

/* The rows of the user list: [{email, text}]. */
async function userRows(admin) {
  const res = await admin.get('/personal/anvandare');
  assert.equal(res.status, 200);
  return [...res.body.matchAll(/<tr>\s*<th scope="row"><a href="([^"]+)">([^<]+)<\/a><\/th>([\s\S]*?)<\/tr>/g)]
    .map((m) => ({ href: m[1], email: m[2], text: text(m[3]) }));
}

test('the login page has a form with email, password and a csrf token', async () => {
  const c = new Client(server.url);
  const res = await c.get('/personal/logga-in');
  assert.equal(res.status, 200);
  assertSecurityHeaders(res);
  const form = forms(res.body).find((f) => f.action === '/personal/logga-in');
  assert.ok(form, 'no login form');
  assert.equal(form.method, 'post');
  const names = form.fields.map((f) => f.name);
  for (const n of ['csrf', 'email', 'password'])
    assert.ok(names.includes(n), `no ${n} field`);
  assert.equal(form.fields.find((f) => f.name === 'password').type, 'password');
  // Logged out, staff pages send to the login page and come back after.
  for (const path of ['/personal/', '/personal/anvandare', '/personal/logg', '/personal/losenord', '/personal/anvandare/1']) {
    const r = await c.get(path);
    assert.equal(r.status, 303, path);
    assert.equal(r.headers.location, `/personal/logga-in?next=${encodeURIComponent(path)}`, path);
  }
});

test('a failed login says the same whatever was wrong, and sets no session', async () => {
  const cases = [
    [DEMO.admin.email, 'wrong-password-123'],
    ['nobody@trygg.example', 'wrong-password-123'],
    [DEMO.admin.email.toUpperCase(), 'DEMO-ADMIN-2026'],
  ];
  const bodies = [];
  for (const [email, password] of cases) {
    const c = new Client(server.url);
    const res = await login(c, email, password);
    assert.equal(res.status, 422, `${email}: ${res.status}`);
    assert.ok(res.body.includes(GENERIC_FAILURE), `generic message for ${email}`);
    assert.equal(setCookie(res, 'trygg'), undefined, 'no session cookie after a failure');
    assert.ok(!res.body.includes(password), 'the password is never sent back');
    assert.match(res.body, new RegExp(`value="${email.toLowerCase().replace(/[.]/g, '\\.')}"`), 'the address is kept');
    bodies.push(text(res.body).replace(/value="[^"]*"/g, ''));
    assert.equal((await c.get('/personal/')).status, 303);
  }
  // Missing fields are a 400 with a message beside each field.
  const c = new Client(server.url);
  const empty = await login(c, '', '');
  assert.equal(empty.status, 400);
  assert.match(empty.body, /id="email-error"/);
  assert.match(empty.body, /id="password-error"/);
});

test('a successful login sets a safe session cookie and opens the staff pages', async () => {
  const c = new Client(server.url);
  const res = await login(c, DEMO.admin.email, DEMO.admin.password);
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, '/personal/');
  const cookie = setCookie(res, 'trygg');
  assert.ok(cookie, 'no session cookie');
  const attrs = cookie.split(';').map((a) => a.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), cookie);
  assert.ok(attrs.includes('samesite=lax'), cookie);
  assert.ok(attrs.includes('path=/'), cookie);
  assert.ok(!attrs.includes('secure'), `no Secure over plain http: ${cookie}`);
  assert.ok(!attrs.some((a) => a.startsWith('max-age') || a.startsWith('expires')), `a browser-session cookie: ${cookie}`);
  assert.match(cookie, /^trygg=[A-Za-z0-9_-]{43};/);
  const start = await c.get('/personal/');
  assert.equal(start.status, 200);
  assert.ok(start.body.includes(DEMO.admin.email));
  assert.match(start.body, /href="\/personal\/anvandare"/);
  assert.match(start.body, /action="\/personal\/logga-ut"/);
  // The login page of someone logged in goes on to the start page.
  assert.equal((await c.get('/personal/logga-in')).status, 303);
});

test('login goes back to a local next page only', async () => {
  const c = new Client(server.url);
  const res = await login(c, DEMO.admin.email, DEMO.admin.password, { next: '/personal/logg' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, '/personal/logg');
  for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
    const d = new Client(server.url);
    const r = await login(d, DEMO.admin.email, DEMO.admin.password, { next });
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/personal/', `next=${next}`);
  }
});

test('a token from before the login is not the token after it (no session fixation)', async () => {
  const c = new Client(server.url);
  c.cookies.set('trygg', 'A'.repeat(43));
  const res = await login(c, DEMO.admin.email, DEMO.admin.password);
  assert.equal(res.status, 303);
  assert.notEqual(c.cookies.get('trygg'), 'A'.repeat(43));
});

test('roles: a police officer cannot open the administrators\' pages', async () => {
  const polis = await loggedIn('polis');
  const start = await polis.get('/personal/');
  assert.equal(start.status, 200);
  assert.doesNotMatch(start.body, /href="\/personal\/anvandare"/);
  assert.doesNotMatch(start.body, /href="\/personal\/logg"/);
  for (const path of ['/personal/anvandare', '/personal/logg', '/personal/anvandare/1']) {
    const res = await polis.get(path);
    assertErrorPage(res, 403, 'sv', 'Åtkomst nekad');
    assertSecurityHeaders(res, path);
  }
  polis.lang = 'en';
  assertErrorPage(await polis.get('/personal/anvandare'), 403, 'en', 'Access denied');
  // Forms posted by hand fare no better, with a valid token.
  const csrf = await polis.csrf('/personal/');
  const add = await polis.post('/personal/anvandare', { csrf, email: 'x@trygg.example', name: 'X', roles: 'admin' });
  assert.equal(add.status, 403);
  const edit = await polis.post('/personal/anvandare/1', { csrf, action: 'reset_password' });
  assert.equal(edit.status, 403);
  for (const who of ['handlaggare', 'samordnare']) {
    const c = await loggedIn(who);
    assert.equal((await c.get('/personal/anvandare')).status, 403, who);
  }
});

test('logout ends the session: the old cookie no longer works', async () => {
  const c = await loggedIn('samordnare');
  const token = c.cookies.get('trygg');
  assert.equal((await c.get('/personal/')).status, 200);
  // Without the form token, logout is refused (a link elsewhere cannot log anyone out).
  assert.equal((await c.post('/personal/logga-ut', {})).status, 403);
  assert.equal((await c.get('/personal/')).status, 200);
  const res = await c.submit('/personal/', {}, { action: '/personal/logga-ut' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, '/');
  assert.match(setCookie(res, 'trygg') ?? '', /^trygg=;.*Max-Age=0/i, 'the cookie is deleted');
  const page = await c.get('/', { follow: true });
  assert.ok(page.body.includes('Du är utloggad'), 'a notice says so');
  // Someone who kept the cookie gets nowhere with it.
  const replay = new Client(server.url);
  replay.cookies.set('trygg', token);
  const r = await replay.get('/personal/');
  assert.equal(r.status, 303);
  assert.match(r.headers.location, /^\/personal\/logga-in/);
});

test('an administrator adds a user, who must change the generated password', async () => {
  const admin = await loggedIn('admin');
  const email = 'ny.handlaggare@trygg.example';
  const { res, password } = await addUser(admin, email, ['handlaggare', 'samordnare'], 'Ny Handläggare');
  assert.equal(res.status, 200, text(res.body).slice(0, 500));
  assert.ok(res.body.includes('Användaren är skapad'));
  assert.match(res.headers['cache-control'] ?? '', /no-store/, 'the password page is never cached');
  assert.ok(password.length >= 12, `generated password: ${password}`);
  // Shown once: the list and the user's page do not show it.
  const list = await admin.get('/personal/anvandare');
  assert.ok(!list.body.includes(password));
  const row = (await userRows(admin)).find((u) => u.email === email);
  assert.ok(row, 'the new user is in the list');
  assert.match(row.text, /Ny Handläggare/);
  assert.match(row.text, /Handläggare, Samordnare/);
  assert.match(row.text, /Måste byta lösenord/);
  const page = await admin.get(row.href);
  assert.equal(page.status, 200);
  assert.ok(!page.body.includes(password));

  // The new user logs in and is sent to change the password first.
  const user = new Client(server.url);
  const first = await login(user, email, password);
  assert.equal(first.status, 303);
  const start = await user.get('/personal/');
  assert.equal(start.status, 303);
  assert.equal(start.headers.location, '/personal/losenord');
  const form = await user.get('/personal/losenord', { follow: true });
  assert.equal(form.status, 200);
  assert.ok(form.body.includes('Välj ett nytt lösenord innan du fortsätter'), 'the flash notice');
  // Refusals: wrong current password, too short, not repeated the same.
  const wrong = await user.submit('/personal/losenord', {
    current_password: 'not-the-one-123', new_password: 'ett eget långt lösenord', repeat_password: 'ett eget långt lösenord',
  });
  assert.equal(wrong.status, 422);
  assert.match(wrong.body, /id="current_password-error"/);
  const short = await user.submit('/personal/losenord', {
    current_password: password, new_password: 'kort', repeat_password: 'kort',
  });
  assert.equal(short.status, 422);
  assert.match(short.body, /id="new_password-error"/);
  const differ = await user.submit('/personal/losenord', {
    current_password: password, new_password: 'ett eget långt lösenord', repeat_password: 'ett annat långt lösenord',
  });
  assert.equal(differ.status, 422);
  assert.match(differ.body, /id="repeat_password-error"/);
  const same = await user.submit('/personal/losenord', {
    current_password: password, new_password: password, repeat_password: password,
  });
  assert.equal(same.status, 422);
  // Still held at the password page.
  assert.equal((await user.get('/personal/')).headers.location, '/personal/losenord');
  const fresh = 'ett eget långt lösenord';
  const ok = await user.submit('/personal/losenord', { current_password: password, new_password: fresh, repeat_password: fresh });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.location, '/personal/');
  const home = await user.get('/personal/');
  assert.equal(home.status, 200);
  assert.ok(home.body.includes('Ditt lösenord är bytt'));
  assert.ok(home.body.includes(email));
  // The generated password is gone; the new one works.
  assert.equal((await login(new Client(server.url), email, password)).status, 422);
  assert.equal((await login(new Client(server.url), email, fresh)).status, 303);
  const after = (await userRows(admin)).find((u) => u.email === email);
  assert.doesNotMatch(after.text, /Måste byta lösenord/);
});

test('the add-user form refuses bad input', async () => {
  const admin = await loggedIn('admin');
  const taken = await addUser(admin, DEMO.polis.email);
  assert.equal(taken.res.status, 409);
  assert.match(taken.res.body, /id="email-error"/);
  const taken2 = await addUser(admin, DEMO.polis.email.toUpperCase());
  assert.equal(taken2.res.status, 409, 'addresses compare without case');
  const invalid = await addUser(admin, 'inte-en-adress');
  assert.equal(invalid.res.status, 422);
  const missing = await addUser(admin, '');
  assert.equal(missing.res.status, 400);
  const noRoles = await addUser(admin, 'utan.roll@trygg.example', []);
  assert.equal(noRoles.res.status, 422);
  assert.match(noRoles.res.body, /id="roles-error"/);
  assert.match(noRoles.res.body, /value="utan\.roll@trygg\.example"/, 'what was typed is kept');
  const forged = await addUser(admin, 'forged@trygg.example', ['root']);
  assert.equal(forged.res.status, 400);
  const markup = await addUser(admin, 'markup@trygg.example', ['polis'], '<script>alert(1)</script>');
  assert.ok(markup.res.status === 200 || markup.res.status === 422, `name with markup: ${markup.res.status}`);
  const list = await admin.get('/personal/anvandare');
  assert.ok(!list.body.includes('<script>alert(1)</script>'), 'names are escaped');
  const emails = (await userRows(admin)).map((u) => u.email);
  for (const e of ['inte-en-adress', 'utan.roll@trygg.example', 'forged@trygg.example'])
    assert.ok(!emails.includes(e), `${e} was added`);
});

test('changing a password logs out the user\'s other sessions', async () => {
  const admin = await loggedIn('admin');
  const email = 'tva.sessioner@trygg.example';
  const { password } = await addUser(admin, email, ['polis']);
  const first = 'första eget lösenordet';
  const a = new Client(server.url);
  await login(a, email, password);
  assert.equal((await a.submit('/personal/losenord', { current_password: password, new_password: first, repeat_password: first })).status, 303);
  const b = new Client(server.url);
  assert.equal((await login(b, email, first)).status, 303);
  assert.equal((await b.get('/personal/')).status, 200);
  const second = 'andra eget lösenordet!';
  const changed = await a.submit('/personal/losenord', { current_password: first, new_password: second, repeat_password: second });
  assert.equal(changed.status, 303);
  assert.equal((await a.get('/personal/')).status, 200, 'the session that changed it stays');
  assert.equal((await b.get('/personal/')).status, 303, 'the other session is over');
});

test('an administrator resets a password and disables an account', async () => {
  const admin = await loggedIn('admin');
  const email = 'aterstalld@trygg.example';
  const { password } = await addUser(admin, email, ['samordnare']);
  const row = (await userRows(admin)).find((u) => u.email === email);
  const user = new Client(server.url);
  assert.equal((await login(user, email, password)).status, 303);
  const reset = await admin.submit(row.href, {}, { action: row.href, page: await pageWithAction(admin, row.href, 'reset_password') });
  assert.equal(reset.status, 200);
  assert.ok(reset.body.includes('Nytt lösenord'));
  const newPassword = shownPassword(reset.body);
  assert.notEqual(newPassword, password);
  assert.equal((await user.get('/personal/')).status, 303, 'a reset ends the user\'s sessions');
  assert.equal((await login(new Client(server.url), email, password)).status, 422);
  const again = new Client(server.url);
  assert.equal((await login(again, email, newPassword)).status, 303);
  assert.equal((await again.get('/personal/')).headers.location, '/personal/losenord');
  // Disabled: sessions end at once, and logging in fails with the generic message.
  const disable = await admin.submit(row.href, {}, { action: row.href, page: await pageWithAction(admin, row.href, 'disable') });
  assert.equal(disable.status, 303);
  assert.equal((await again.get('/personal/losenord')).status, 303);
  const refused = await login(new Client(server.url), email, newPassword);
  assert.equal(refused.status, 422);
  assert.ok(refused.body.includes(GENERIC_FAILURE));
  const enable = await admin.submit(row.href, {}, { action: row.href, page: await pageWithAction(admin, row.href, 'enable') });
  assert.equal(enable.status, 303);
  assert.equal((await login(new Client(server.url), email, newPassword)).status, 303);
  // An administrator cannot disable themselves or drop their own admin role.
  const self = (await userRows(admin)).find((u) => u.email === DEMO.admin.email);
  const selfPage = await admin.get(self.href);
  assert.ok(!forms(selfPage.body).some((f) => f.fields.some((x) => x.name === 'action' && x.value === 'disable')));
  const csrf = await admin.csrf(self.href);
  assert.equal((await admin.post(self.href, { csrf, action: 'disable' })).status, 409);
  assert.equal((await admin.post(self.href, { csrf, action: 'save', name: 'Ada', roles: 'polis' })).status, 409);
  assert.equal((await admin.post(self.href, { csrf, action: 'frobnicate' })).status, 400);
  assert.equal((await admin.get('/personal/anvandare/999999')).status, 404);
  assert.equal((await admin.get('/personal/anvandare/abc')).status, 404);
});

/* The page at path with only the form whose hidden "action" is value, for submit(). */
async function pageWithAction(client, path, value) {
  const res = await client.get(path);
  const form = forms(res.body).find((f) => f.fields.some((x) => x.name === 'action' && x.value === value));
  assert.ok(form, `no ${value} form on ${path}`);
  return { ...res, body: form.html, url: new URL(path, client.base + '/').href };
}

test('sessions end when idle and at their absolute expiry', async () => {
  // Moving the session back in time in the database stands in for waiting
  // (session_idle_minutes is at least 1, session_absolute_hours at least 1).
  const c = await loggedIn('handlaggare');
  assert.equal((await c.get('/personal/')).status, 200);
  await server.sql(`UPDATE sessions SET last_seen_at = last_seen_at - ${61 * 60}, created_at = created_at - ${61 * 60}
    WHERE user_id = (SELECT id FROM users WHERE email = '${DEMO.handlaggare.email}')`);
  const idle = await c.get('/personal/');
  assert.equal(idle.status, 303, 'idle for longer than session_idle_minutes (60)');
  assert.match(setCookie(idle, 'trygg') ?? '', /Max-Age=0/, 'the dead cookie is deleted');

  const d = await loggedIn('handlaggare');
  await server.sql(`UPDATE sessions SET expires_at = expires_at - ${13 * 3600}
    WHERE user_id = (SELECT id FROM users WHERE email = '${DEMO.handlaggare.email}')`);
  assert.equal((await d.get('/personal/')).status, 303, 'past the absolute expiry');

  // Used a minute ago: still fine, and the use is recorded.
  const e = await loggedIn('handlaggare');
  await server.sql(`UPDATE sessions SET last_seen_at = last_seen_at - 120
    WHERE user_id = (SELECT id FROM users WHERE email = '${DEMO.handlaggare.email}')`);
  assert.equal((await e.get('/personal/')).status, 200);
  const rows = await server.sql(`SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE u.email = '${DEMO.handlaggare.email}' AND s.last_seen_at >= ${Math.floor(Date.now() / 1000) - 30}`);
  assert.equal(rows.trim(), '1');
  // The database keeps only hashes of the tokens.
  const ids = await server.sql('SELECT id FROM sessions');
  assert.ok(!ids.includes(e.cookies.get('trygg')), 'a token is stored in the clear');
});

test('the audit log lists logins, failures, logouts and user changes', async () => {
  const admin = await loggedIn('admin');
  const res = await admin.get('/personal/logg');
  assert.equal(res.status, 200);
  const page = text(res.body);
  for (const action of ['login.success', 'login.failure', 'logout', 'user.create', 'user.password_change',
    'user.reset_password', 'user.disable', 'user.enable'])
    assert.ok(page.includes(action), `no ${action} in the audit log`);
  assert.ok(page.includes(DEMO.admin.email));
  assert.ok(page.includes('wrong password') && page.includes('unknown account'), 'failure reasons');
  const filtered = await admin.get('/personal/logg?action=user.');
  assert.equal(filtered.status, 200);
  const actions = [...filtered.body.matchAll(/<td><code>([^<]*)<\/code><\/td>/g)].map((m) => m[1]);
  assert.ok(actions.length > 0);
  assert.ok(actions.every((a) => a.startsWith('user.')), actions.join(' '));
  for (const bad of ['?page=0', '?page=abc', '?user=-1', `?action=${'x'.repeat(65)}`])
    assert.equal((await admin.get(`/personal/logg${bad}`)).status, 400, bad);
  // Nothing secret is in the log: no passwords, no session tokens.
  assert.ok(!page.includes(DEMO.admin.password));
  assert.ok(!page.includes(admin.cookies.get('trygg')));
});

test('throttling: after too many failures even the right password gets 429', async () => {
  const s = await startServer({
    demo: true, config: { login_max_failures: 3, login_max_failures_per_address: 5, login_window_minutes: 15 },
  });
  try {
    // login_max_failures failures are tolerated; the one past them locks (src/auth/throttle.c).
    const c = new Client(s.url);
    for (let i = 0; i < 4; i++)
      assert.equal((await login(c, DEMO.polis.email, `fel-lösenord-${i}-xyz`)).status, 422, `failure ${i + 1}`);
    const locked = await login(c, DEMO.polis.email, DEMO.polis.password);
    assert.equal(locked.status, 429);
    assert.match(locked.headers['retry-after'] ?? '', /^\d+$/);
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assert.equal(setCookie(locked, 'trygg'), undefined);
    assert.ok(text(locked.body).includes('För många misslyckade inloggningsförsök'));
    // Past its own (higher) limit the address is locked too: then another
    // account from the same place gets nowhere either.
    assert.equal((await login(c, 'okand@trygg.example', 'fel-lösenord-5-xyz')).status, 422, 'failure 5 from the address');
    assert.equal((await login(c, 'okand@trygg.example', 'fel-lösenord-6-xyz')).status, 422, 'failure 6 from the address');
    const other = await login(new Client(s.url), DEMO.admin.email, DEMO.admin.password);
    assert.equal(other.status, 429);
    // In English as well.
    const en = new Client(s.url, { lang: 'en' });
    const lockedEn = await login(en, DEMO.polis.email, DEMO.polis.password);
    assert.equal(lockedEn.status, 429);
    assert.match(lockedEn.body, /<html lang="en"/);
    // The lock is kept in the database: a restart does not lift it.
    await s.signal('SIGTERM');
    await s.restart();
    assert.equal((await login(new Client(s.url), DEMO.polis.email, DEMO.polis.password)).status, 429);
  } finally {
    await s.stop();
  }
});

test('a request body never reaches the access log, and passwords never reach any log', async () => {
  const log = server.accessLog();
  assert.match(log, /"POST \/personal\/logga-in HTTP\/1\.1" (303|422)/);
  for (const who of Object.values(DEMO))
    assert.ok(!log.includes(who.password), 'a password in the access log');
  assert.ok(!server.output().includes(DEMO.admin.password), 'a password in the server output');
});

test('staff pages work in English too', async () => {
  const c = new Client(server.url, { lang: 'en' });
  const page = await c.get('/personal/logga-in');
  assert.match(page.body, /<html lang="en"/);
  const res = await login(c, DEMO.admin.email, 'wrong-password-xyz');
  assert.equal(res.status, 422);
  assert.match(res.body, /<html lang="en"/);
  assert.doesNotMatch(text(res.body), /Fel e-postadress eller lösenord/, 'the failure message is translated');
  await request(`${server.url}/healthz`);
});
