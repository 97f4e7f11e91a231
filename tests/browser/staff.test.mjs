// staff.test.mjs — the staff pages in a browser: an administrator logs in,
// adds a user and logs out; the new user logs in and must change the
// generated password first. axe checks every page on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO } from '../lib/rig.mjs';
import { withBrowser, logIn, PHONE, DESKTOP } from '../lib/browser.mjs';

let server;
before(async () => { server = await startServer({ demo: true }); });
after(async () => { await server?.stop(); });

const NEW_USER = { email: 'ny.kollega@trygg.example', name: 'Ny Kollega' };
let generatedPassword = null;

test('an administrator logs in, adds a user and logs out', async () => {
  await withBrowser(server.url, 'admin-add-user', { viewport: DESKTOP }, async (b) => {
    // A failed login first: the error summary is announced and takes the focus.
    await b.goto('/personal/logga-in');
    await b.fill({ '#email': DEMO.admin.email, '#password': 'fel lösenord' });
    await b.click('main form button[type="submit"]');
    assert.ok(await b.page.isVisible('.error-summary'));
    assert.equal(await b.page.evaluate(() => document.activeElement?.classList.contains('error-summary')), true);
    await b.screenshot('login-failed');

    await b.fill({ '#email': DEMO.admin.email, '#password': DEMO.admin.password });
    await b.click('main form button[type="submit"]');
    assert.equal(new URL(b.page.url()).pathname, '/personal/');
    await b.screenshot('staff-start-admin');
    await b.click('main a[href="/personal/anvandare"]');
    assert.equal(new URL(b.page.url()).pathname, '/personal/anvandare');
    // Add the user, forgetting the roles first.
    await b.fill({ '#email': NEW_USER.email, '#name': NEW_USER.name });
    await b.click('form[action="/personal/anvandare"] button[type="submit"]');
    assert.ok(await b.page.isVisible('#roles-error'));
    assert.equal(await b.page.inputValue('#email'), NEW_USER.email, 'what was typed is kept');
    await b.fill({ '#role-handlaggare': true });
    await b.click('form[action="/personal/anvandare"] button[type="submit"]');
    assert.match(await b.page.textContent('h1'), /Användaren är skapad/);
    generatedPassword = (await b.page.textContent('code.password')).trim();
    assert.ok(generatedPassword.length >= 12);
    await b.screenshot('user-created');
    await b.click('main a[href="/personal/anvandare"]');
    assert.match(await b.page.textContent('table'), new RegExp(NEW_USER.email.replace(/\./g, '\\.')));
    await b.goto('/personal/logg');
    assert.match(await b.page.textContent('table'), /user\.create/);
    await b.screenshot('audit-log');
    await b.click('form.logout button[type="submit"]');
    assert.equal(new URL(b.page.url()).pathname, '/');
    assert.match(await b.page.textContent('main'), /Du är utloggad/);
    const back = await b.goto('/personal/');
    assert.match(new URL(b.page.url()).pathname, /^\/personal\/logga-in/, `logged out: ${back.status()}`);
  });
});

test('the new user logs in on a phone and must change the password first', async () => {
  assert.ok(generatedPassword, 'the previous test made the user');
  await withBrowser(server.url, 'new-user-password', { viewport: PHONE }, async (b) => {
    await logIn(b, NEW_USER.email, generatedPassword);
    assert.equal(new URL(b.page.url()).pathname, '/personal/losenord', 'sent to change the password first');
    assert.match(await b.page.textContent('main'), /Välj ett nytt lösenord innan du fortsätter/);
    await b.screenshot('forced-password-change');
    // The repeat does not match: an error, and the form again.
    await b.fill({ '#current_password': generatedPassword, '#new_password': 'mitt nya långa lösenord', '#repeat_password': 'mitt nya långa lösenorD' });
    await b.click('main form button[type="submit"]');
    assert.ok(await b.page.isVisible('#repeat_password-error'));
    await b.fill({ '#current_password': generatedPassword, '#new_password': 'mitt nya långa lösenord', '#repeat_password': 'mitt nya långa lösenord' });
    await b.click('main form button[type="submit"]');
    assert.equal(new URL(b.page.url()).pathname, '/personal/');
    assert.match(await b.page.textContent('main'), /Ditt lösenord är bytt/);
    assert.match(await b.page.textContent('main'), /Handläggare/);
    // A handläggare has no administrators' links.
    assert.equal(await b.page.locator('a[href="/personal/anvandare"]').count(), 0);
  });
});
