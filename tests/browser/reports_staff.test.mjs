// reports_staff.test.mjs — the staff side of Felanmälan in a browser: a
// samordnare adds a unit and a response template; a handläggare filters the
// inbox, assigns a report to themself and the unit, forwards it to the police,
// fills the public text from the template and closes the report; the police
// see it in their list; the resident's follow-up page shows the public text
// and the closed status. Every page is checked with axe (tests/lib/browser.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO } from '../lib/rig.mjs';
import { withBrowser, logIn, PHONE } from '../lib/browser.mjs';
import { Client } from '../lib/client.mjs';

let server;

before(async () => {
  server = await startServer({ demo: true });
});
after(async () => {
  await server?.stop();
});

const TEMPLATE = 'Lampan är bytt. Tack för att du hörde av dig!';

test('a handläggare filters, assigns, uses a template and closes a report; the resident sees it closed', async () => {
  const resident = new Client(server.url);
  const sent = await resident.submit('/felanmalan', { category: 'gatubelysning', description: 'Gatlampan vid biblioteket är släckt.',
    place_lat: '57.74', place_lon: '12.10', place_text: 'Vid biblioteket', confirmed: '1' }, { action: '/felanmalan' });
  assert.equal(sent.status, 303);
  const link = sent.headers.location;
  const id = (await server.sql('SELECT MAX(id) FROM reports')).trim();

  await withBrowser(server.url, 'reports-staff-samordnare', {}, async (b) => {
    await logIn(b, DEMO.samordnare.email, DEMO.samordnare.password);
    await b.click('main a[href="/personal/felanmalan/enheter"]');
    await b.fill({ '#unit-name': 'Gatuenheten' });
    await b.click('main form[action="/personal/felanmalan/enheter"] button[type="submit"]');
    assert.ok((await b.page.textContent('main')).includes('Gatuenheten'));
    await b.click('main a[href="/personal/felanmalan"]');
    await b.click('main a[href="/personal/felanmalan/mallar"]');
    await b.fill({ '#title': 'Lampa bytt', '#body': TEMPLATE });
    await b.click('main form[action="/personal/felanmalan/mallar"] button[type="submit"]');
    assert.ok((await b.page.textContent('main')).includes('Lampa bytt'));
  });

  await withBrowser(server.url, 'reports-staff-handlaggare', {}, async (b) => {
    await logIn(b, DEMO.handlaggare.email, DEMO.handlaggare.password);
    await b.goto('/personal/felanmalan');
    await b.page.selectOption('#kategori', 'gatubelysning');
    await b.fill({ '#q': 'biblioteket' });
    await b.page.selectOption('#sortering', 'nyast');
    await b.click('main form.filters button[type="submit"]');
    const url = new URL(b.page.url());
    assert.equal(url.searchParams.get('kategori'), 'gatubelysning');
    assert.equal(url.searchParams.get('sortering'), 'nyast');
    assert.equal(await b.page.locator('main tbody tr').count(), 1);
    await b.click(`main a[href="/personal/felanmalan/${id}"]`);
    await b.page.selectOption('#assign-person', { label: DEMO.handlaggare.name });
    await b.page.selectOption('#assign-unit', { label: 'Gatuenheten' });
    await b.click('main form[action$="/tilldela"] button[type="submit"]');
    assert.equal((await b.page.textContent('#assignee')).trim(), DEMO.handlaggare.name);
    assert.equal((await b.page.textContent('#unit')).trim(), 'Gatuenheten');
    await b.fill({ '#polis_note': 'Lampan verkar sönderslagen med flit.' });
    await b.click('main form[action$="/polisen"] button[type="submit"]');
    // With JavaScript, choosing the template fills the text at once ...
    await b.page.selectOption('#mall', { label: 'Lampa bytt' });
    assert.equal(await b.page.inputValue('#public_text'), TEMPLATE);
    // ... and the button (the way without JavaScript) does it through the server.
    await b.click('#use-template');
    assert.equal(await b.page.inputValue('#public_text'), TEMPLATE);
    await b.page.selectOption('#status-select', 'fixed');
    await b.click(`main form[method="post"][action="/personal/felanmalan/${id}"] button[type="submit"]`);
    assert.ok((await b.page.textContent('main')).includes('Åtgärdad'));
    await b.goto('/personal/felanmalan?tilldelad=mina&status=closed');
    assert.equal(await b.page.locator(`main a[href="/personal/felanmalan/${id}"]`).count(), 1);
  });

  await withBrowser(server.url, 'reports-staff-polis', {}, async (b) => {
    await logIn(b, DEMO.polis.email, DEMO.polis.password);
    await b.click('main a[href="/personal/polisen/felanmalningar"]');
    await b.click(`main a[href="/personal/polisen/felanmalningar/${id}"]`);
    assert.ok((await b.page.textContent('main')).includes('sönderslagen med flit'));
    await b.fill({ '#received_note': 'Anmälan upprättad.' });
    await b.click(`main form[action="/personal/polisen/felanmalningar/${id}"] button[type="submit"]`);
    assert.ok((await b.page.textContent('#police-received')).includes('Anmälan upprättad.'));
  });

  await withBrowser(server.url, 'reports-staff-follow-phone', { viewport: PHONE }, async (b) => {
    await b.goto(link);
    const t = await b.page.textContent('main');
    assert.ok(t.includes(TEMPLATE) && t.includes('Åtgärdad'));
    assert.ok(!t.includes('sönderslagen') && !t.includes('Gatuenheten'), 'internal things stay internal');
  });
});
