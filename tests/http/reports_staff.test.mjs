// reports_staff.test.mjs — Felanmälan from the staff side, over HTTP: units
// and assignment (to a person and/or a unit, with the inbox's "mine", "my unit"
// and "unassigned"), the inbox's filters, sort orders and pages as GET
// parameters, response templates, duplicates (no self, no cycle, supporters
// move), forwarding to the police (their own list, contact details only when
// the handläggare chose so), bulk changes, and the CSV export. Each with the
// bad input it must refuse: unknown ids, another session's csrf token, the
// wrong role.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO } from '../lib/rig.mjs';
import { Client, login, request } from '../lib/client.mjs';
import { forms, text } from '../lib/html.mjs';

let server, handler, coordinator, police, otherCsrf;
const PLACE = { place_lat: '57.74', place_lon: '12.10', place_text: 'Vid torget' };

before(async () => {
  server = await startServer({ demo: true });
  handler = await staff('handlaggare');
  coordinator = await staff('samordnare');
  police = await staff('polis');
  otherCsrf = await (await staff('admin')).csrf('/personal/');
});
after(async () => {
  await server?.stop();
});

async function staff(who) {
  const c = new Client(server.url);
  assert.equal((await login(c, DEMO[who].email, DEMO[who].password)).status, 303);
  return c;
}

async function sql(query) {
  return (await server.sql(query)).trim();
}

/* A new report from the resident's form; returns its id. */
async function newReport(fields) {
  await server.sql('DELETE FROM rate_limits'); // the form allows ten reports per address and window
  const c = new Client(server.url);
  const res = await c.submit('/felanmalan', { category: 'klotter', ...PLACE, confirmed: '1', ...fields }, { action: '/felanmalan' });
  assert.equal(res.status, 303, res.body);
  const page = await c.get(res.headers.location);
  const id = /Referensnummer<\/dt><dd>(\d+)<\/dd>/.exec(page.body)[1];
  return { id, link: res.headers.location, resident: c };
}

/* Posts fields to path as client, with client's own csrf token (or the one given). */
async function post(client, path, fields, csrf = null) {
  return client.post(path, { csrf: csrf ?? await client.csrf('/personal/'), ...fields });
}

function inboxIds(html) {
  return [...html.matchAll(/<a href="\/personal\/felanmalan\/(\d+)">/g)].map((m) => m[1]);
}

async function userId(who) {
  return sql(`SELECT id FROM users WHERE email = '${DEMO[who].email}'`);
}

async function unitId(name) {
  return sql(`SELECT id FROM report_units WHERE name = '${name}'`);
}

test('units are data a samordnare edits; a handläggare belongs to one', async () => {
  assert.equal((await handler.get('/personal/felanmalan/enheter')).status, 403);
  assert.equal((await post(handler, '/personal/felanmalan/enheter', { name: 'Smygenheten' })).status, 403);
  assert.equal((await coordinator.get('/personal/felanmalan/enheter')).status, 200);
  for (const name of ['Gatuenheten', 'Parkenheten'])
    assert.equal((await coordinator.submit('/personal/felanmalan/enheter', { name }, { action: '/personal/felanmalan/enheter' })).status, 303);
  assert.equal((await post(coordinator, '/personal/felanmalan/enheter', { name: 'Gatuenheten' })).status, 409);
  assert.equal((await post(coordinator, '/personal/felanmalan/enheter', { name: '' })).status, 422);
  assert.equal((await post(coordinator, '/personal/felanmalan/enheter', { name: 'Enhet' }, otherCsrf)).status, 403, 'another session\'s csrf');
  const hanna = await userId('handlaggare'), gata = await unitId('Gatuenheten');
  assert.equal((await post(coordinator, '/personal/felanmalan/enheter/medlem', { person: hanna, enhet: gata })).status, 303);
  assert.equal((await post(coordinator, '/personal/felanmalan/enheter/medlem', { person: '999999', enhet: gata })).status, 404);
  assert.equal((await post(coordinator, '/personal/felanmalan/enheter/medlem', { person: hanna, enhet: '999999' })).status, 404);
  assert.equal((await post(coordinator, '/personal/felanmalan/enheter/medlem', { person: 'x', enhet: gata })).status, 422);
  assert.equal((await post(coordinator, '/personal/felanmalan/enheter/medlem', { person: await userId('polis'), enhet: gata })).status, 404,
    'only those who handle reports');
  assert.equal(await sql(`SELECT unit_id FROM report_unit_members WHERE user_id = ${hanna}`), gata);
  const page = text((await coordinator.get('/personal/felanmalan/enheter')).body);
  assert.ok(page.includes('Gatuenheten') && page.includes('Parkenheten'));
  assert.equal(await sql("SELECT COUNT(*) FROM audit_log WHERE action = 'report.unit_add'"), '2');
  // Renamed (a unit is never deleted: reports keep it).
  const park = await unitId('Parkenheten');
  assert.equal((await post(coordinator, `/personal/felanmalan/enheter/${park}`, { name: 'Parkenheten Väst' })).status, 303);
  assert.equal((await post(coordinator, `/personal/felanmalan/enheter/${park}`, { name: 'Gatuenheten' })).status, 409);
  assert.equal((await post(coordinator, `/personal/felanmalan/enheter/${park}`, { name: '' })).status, 422);
  assert.equal((await post(coordinator, '/personal/felanmalan/enheter/999999', { name: 'Ingen' })).status, 404);
  assert.equal((await post(handler, `/personal/felanmalan/enheter/${park}`, { name: 'Handläggarens' })).status, 403);
  assert.equal((await post(coordinator, `/personal/felanmalan/enheter/${park}`, { name: 'Parkenheten' })).status, 303);
});

test('assignment to a person and/or a unit: shown in inbox and report, filters mine / my unit / unassigned, internal history', async () => {
  const { id, link, resident } = await newReport({ description: 'Klotter på elskåpet vid torget' });
  const other = (await newReport({ description: 'Klotter på bänken vid torget' })).id;
  const hanna = await userId('handlaggare'), sam = await userId('samordnare');
  const gata = await unitId('Gatuenheten'), park = await unitId('Parkenheten');
  const assigned = await handler.submit(`/personal/felanmalan/${id}`, { person: hanna, enhet: gata }, { action: `/personal/felanmalan/${id}/tilldela` });
  assert.equal(assigned.status, 303);
  assert.equal(await sql(`SELECT assigned_to || '/' || unit_id FROM reports WHERE id = ${id}`), `${hanna}/${gata}`);
  assert.equal((await post(handler, `/personal/felanmalan/${other}/tilldela`, { person: '', enhet: park })).status, 303);
  const detail = text((await handler.get(`/personal/felanmalan/${id}`)).body);
  assert.ok(detail.includes(DEMO.handlaggare.name) && detail.includes('Gatuenheten'));
  assert.ok(detail.includes('Tilldelning (intern)'), 'the change is in the history, as internal');
  const inbox = await handler.get('/personal/felanmalan?q=vid+torget');
  assert.ok(text(inbox.body).includes(`${DEMO.handlaggare.name} (Gatuenheten)`));
  const mine = inboxIds((await handler.get('/personal/felanmalan?tilldelad=mina&q=vid+torget')).body);
  assert.deepEqual(mine, [id]);
  assert.deepEqual(inboxIds((await handler.get('/personal/felanmalan?tilldelad=min-enhet&q=vid+torget')).body), [id]);
  assert.deepEqual(inboxIds((await coordinator.get('/personal/felanmalan?tilldelad=min-enhet&q=vid+torget')).body), [],
    'the samordnare is in no unit');
  assert.deepEqual(inboxIds((await handler.get(`/personal/felanmalan?tilldelad=enhet-${park}&q=vid+torget`)).body), [other]);
  assert.ok(!inboxIds((await handler.get('/personal/felanmalan?tilldelad=ingen')).body).includes(id));
  // Taken off the person: unassigned only when neither a person nor a unit is left.
  assert.equal((await post(handler, `/personal/felanmalan/${id}/tilldela`, { person: sam, enhet: '' })).status, 303);
  assert.deepEqual(inboxIds((await handler.get(`/personal/felanmalan?tilldelad=person-${sam}&q=vid+torget`)).body), [id]);
  assert.equal((await post(handler, `/personal/felanmalan/${id}/tilldela`, { person: '', enhet: '' })).status, 303);
  assert.ok(inboxIds((await handler.get('/personal/felanmalan?tilldelad=ingen&q=vid+torget')).body).includes(id));
  assert.equal(await sql(`SELECT COUNT(*) FROM report_updates WHERE report_id = ${id} AND kind = 'assign' AND public = 0`), '3');
  assert.equal(await sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'report.assign' AND object = 'report:${id}'`), '3');
  // Never public.
  const follow = text((await resident.get(link)).body);
  assert.ok(!follow.includes('Gatuenheten') && !follow.includes(DEMO.handlaggare.name));
  const api = (await request(`${server.url}/open311/v2/requests/${id}.json?extensions=true`)).body;
  assert.ok(!api.includes('Gatuenheten'));
  // Bad input.
  assert.equal((await post(handler, `/personal/felanmalan/${id}/tilldela`, { person: '999999' })).status, 422);
  assert.equal((await post(handler, `/personal/felanmalan/${id}/tilldela`, { enhet: 'abc' })).status, 422);
  assert.equal((await post(handler, `/personal/felanmalan/${id}/tilldela`, { person: await userId('polis') })).status, 422);
  assert.equal((await post(handler, '/personal/felanmalan/999999/tilldela', { person: hanna })).status, 404);
  assert.equal((await post(handler, `/personal/felanmalan/${id}/tilldela`, { person: hanna }, otherCsrf)).status, 403);
  assert.equal((await post(police, `/personal/felanmalan/${id}/tilldela`, { person: hanna })).status, 403);
  assert.equal((await handler.get('/personal/felanmalan?tilldelad=nagon')).status, 400);
});

test('inbox filters, sort orders and pages are GET parameters; the form has labels and fieldsets', async () => {
  // Sixty old reports (2001) to page through, made beside the server.
  await server.sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
    INSERT INTO reports (category_id, status, is_open, requested_at, updated_at, source, public_token, follow_hash, description)
    SELECT c.id, 'received', 1, 978307200 + i * 3600, 978307200 + (61 - i) * 3600, 'web', 'sidtest-' || i, 'sidtest-' || i, 'Sidtest nummer ' || i
    FROM n, report_categories c WHERE c.code = 'gatubelysning'`);
  const ids = (await sql("SELECT id FROM reports WHERE description LIKE 'Sidtest%' ORDER BY requested_at")).split('\n');
  const base = '/personal/felanmalan?q=sidtest&fran=2001-01-01&till=2001-01-03';
  const first = await handler.get(`${base}&sortering=aldst`);
  assert.equal(first.status, 200);
  assert.deepEqual(inboxIds(first.body), ids.slice(0, 50));
  const next = /<a href="([^"]+)">Nästa sida<\/a>/.exec(first.body)[1].replaceAll('&amp;', '&');
  assert.match(next, /sortering=aldst/);
  const second = await handler.get(next);
  assert.deepEqual(inboxIds(second.body), ids.slice(50));
  assert.ok(!/Nästa sida/.test(second.body));
  assert.ok(/Föregående sida/.test(second.body));
  assert.deepEqual(inboxIds((await handler.get(`${base}&sortering=nyast`)).body).slice(0, 2), [ids[59], ids[58]]);
  assert.deepEqual(inboxIds((await handler.get(`${base}&sortering=uppdaterad`)).body).slice(0, 2), [ids[0], ids[1]]);
  // Time range, in days of Swedish time (UTC+1 in January): 1 January holds hours 1–22 UTC.
  assert.equal(inboxIds((await handler.get('/personal/felanmalan?q=sidtest&fran=2001-01-01&till=2001-01-01')).body).length, 22);
  assert.equal(inboxIds((await handler.get('/personal/felanmalan?q=sidtest&fran=2001-01-02')).body).length, 38);
  // Category and status.
  assert.equal(inboxIds((await handler.get(`${base}&kategori=klotter`)).body).length, 0);
  assert.equal(inboxIds((await handler.get(`${base}&kategori=gatubelysning`)).body).length, 50);
  await server.sql(`UPDATE reports SET status = 'in_progress' WHERE id = ${ids[0]}`);
  assert.deepEqual(inboxIds((await handler.get(`${base}&status=in_progress`)).body), [ids[0]]);
  assert.deepEqual(inboxIds((await handler.get(`${base}&status=closed`)).body), []);
  // Area.
  const { id } = await newReport({ description: 'Områdestest klotter' });
  const area = await sql(`SELECT area_id FROM reports WHERE id = ${id}`);
  const otherArea = await sql(`SELECT id FROM areas WHERE kind = 'area' AND id <> ${area} LIMIT 1`);
  assert.deepEqual(inboxIds((await handler.get(`/personal/felanmalan?q=omr%C3%A5destest&omrade=${area}`)).body), [id]);
  assert.deepEqual(inboxIds((await handler.get(`/personal/felanmalan?q=omr%C3%A5destest&omrade=${otherArea}`)).body), []);
  // The form: GET, every control labelled, inside a fieldset; the chosen values kept.
  const page = await handler.get(`${base}&sortering=kategori&status=fixed`);
  const form = forms(page.body).find((f) => f.method === 'get' && f.action === '/personal/felanmalan');
  assert.ok(/<fieldset[^>]*>\s*<legend>/.test(form.html));
  for (const f of form.fields.filter((x) => x.type !== 'submit')) {
    assert.ok(page.body.includes(`<label for="${f.attrs.id}">`), `label for ${f.name}`);
    assert.ok(['status', 'kategori', 'omrade', 'fran', 'till', 'tilldelad', 'q', 'sortering'].includes(f.name), f.name);
  }
  assert.equal(form.fields.find((f) => f.name === 'sortering').value, 'kategori');
  assert.equal(form.fields.find((f) => f.name === 'status').value, 'fixed');
  assert.equal(form.fields.find((f) => f.name === 'fran').value, '2001-01-01');
  // Bad input: a clear 400.
  for (const q of ['status=nonsense', 'fran=2001-13-45', 'till=igår', 'sortering=slump', 'sida=0', 'sida=x', 'omrade=abc',
    'kategori=%3Cscript%3E']) {
    const res = await handler.get(`/personal/felanmalan?${q}`);
    assert.equal(res.status, 400, q);
    assert.ok(!res.body.includes('<script>'));
  }
  assert.equal((await police.get('/personal/felanmalan')).status, 403);
  // In English, errors too.
  const en = new Client(server.url, { lang: 'en' });
  await login(en, DEMO.handlaggare.email, DEMO.handlaggare.password);
  const enPage = text((await en.get('/personal/felanmalan')).body);
  assert.ok(enPage.includes('Filters and sorting') && enPage.includes('Export the list as CSV'));
  assert.ok(text((await en.get('/personal/felanmalan?fran=igår')).body).includes('Write dates as YYYY-MM-DD.'));
});

test('response templates: handläggare manage them; one fills the public text without JavaScript', async () => {
  assert.equal((await police.get('/personal/felanmalan/mallar')).status, 403);
  const add = await handler.submit('/personal/felanmalan/mallar', { title: 'Klotter sanerat', body: 'Klottret är borttaget. Tack för din anmälan!' },
    { action: '/personal/felanmalan/mallar' });
  assert.equal(add.status, 303);
  const tid = await sql("SELECT id FROM report_templates WHERE title = 'Klotter sanerat'");
  assert.equal((await post(handler, '/personal/felanmalan/mallar', { title: '', body: 'x' })).status, 422);
  assert.equal((await post(handler, '/personal/felanmalan/mallar', { title: 'x', body: '' })).status, 422);
  assert.equal((await post(handler, '/personal/felanmalan/mallar', { title: 'x'.repeat(201), body: 'x' })).status, 422);
  assert.equal((await post(handler, '/personal/felanmalan/mallar', { title: 'Ny', body: 'x' }, otherCsrf)).status, 403);
  assert.equal((await post(coordinator, `/personal/felanmalan/mallar/${tid}`, { title: 'Klotter sanerat', body: 'Klottret är sanerat. Tack!' })).status, 303);
  assert.equal((await post(coordinator, '/personal/felanmalan/mallar/999999', { title: 'a', body: 'b' })).status, 404);
  const { id, link, resident } = await newReport({ description: 'Klotter på muren vid skolan' });
  const detail = await handler.get(`/personal/felanmalan/${id}`);
  const chooser = forms(detail.body).find((f) => f.method === 'get');
  assert.ok(chooser.fields.find((f) => f.name === 'mall').options.some((o) => o.value === tid && o.label === 'Klotter sanerat'));
  const filled = await handler.get(`/personal/felanmalan/${id}?mall=${tid}`);
  assert.equal(filled.status, 200);
  const form = forms(filled.body).find((f) => f.action === `/personal/felanmalan/${id}`);
  assert.equal(form.fields.find((f) => f.name === 'public_text').value, 'Klottret är sanerat. Tack!');
  assert.equal((await handler.submit(`/personal/felanmalan/${id}?mall=${tid}`, { status: 'fixed' },
    { action: `/personal/felanmalan/${id}` })).status, 303);
  const follow = text((await resident.get(link)).body);
  assert.ok(follow.includes('Klottret är sanerat. Tack!') && follow.includes('Åtgärdad'));
  assert.equal((await handler.get(`/personal/felanmalan/${id}?mall=999999`)).status, 404);
  assert.equal((await handler.get(`/personal/felanmalan/${id}?mall=abc`)).status, 404);
  assert.equal((await post(handler, `/personal/felanmalan/mallar/${tid}/ta-bort`, {})).status, 303);
  assert.equal((await post(handler, `/personal/felanmalan/mallar/${tid}/ta-bort`, {})).status, 404);
  assert.equal(await sql("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'report.template_%'"), '3');
});

test('duplicates: refused for itself and in a cycle; the status and link set; supporters move to the original', async () => {
  const original = await newReport({ description: 'Trasig lampa i tunneln' });
  const dup = await newReport({ description: 'Lampan i tunneln är trasig', email: 'dubbel@example.se' });
  await server.sql(`UPDATE reports SET supporters = 2 WHERE id = ${dup.id}`);
  await server.sql(`UPDATE reports SET supporters = 1 WHERE id = ${original.id}`);
  const self = await post(handler, `/personal/felanmalan/${dup.id}/dubblett`, { original: dup.id });
  assert.equal(self.status, 422);
  assert.ok(text(self.body).includes('dubblett av sig själv'));
  assert.equal((await post(handler, `/personal/felanmalan/${dup.id}/dubblett`, { original: '999999' })).status, 404);
  assert.equal((await post(handler, `/personal/felanmalan/${dup.id}/dubblett`, { original: 'abc' })).status, 422);
  assert.equal((await post(handler, '/personal/felanmalan/999999/dubblett', { original: original.id })).status, 404);
  assert.equal((await post(handler, `/personal/felanmalan/${dup.id}/dubblett`, { original: original.id }, otherCsrf)).status, 403);
  assert.equal((await post(police, `/personal/felanmalan/${dup.id}/dubblett`, { original: original.id })).status, 403);
  const done = await handler.submit(`/personal/felanmalan/${dup.id}`, { original: original.id }, { action: `/personal/felanmalan/${dup.id}/dubblett` });
  assert.equal(done.status, 303);
  assert.equal(await sql(`SELECT status || '/' || duplicate_of || '/' || supporters FROM reports WHERE id = ${dup.id}`), `duplicate/${original.id}/0`);
  assert.equal(await sql(`SELECT supporters FROM reports WHERE id = ${original.id}`), '3');
  // The duplicate's public page sends readers to the original.
  const pub = await request(`${server.url}/felanmalan/arende/${dup.id}`);
  assert.equal(pub.status, 200);
  assert.ok(pub.body.includes(`href="/felanmalan/arende/${original.id}"`), 'public page links to the original');
  const cycle = await post(handler, `/personal/felanmalan/${original.id}/dubblett`, { original: dup.id });
  assert.equal(cycle.status, 409);
  assert.ok(text(cycle.body).includes('dubbletter av varandra'));
  assert.equal((await post(handler, `/personal/felanmalan/${dup.id}/dubblett`, { original: original.id })).status, 409, 'already a duplicate');
  // A chain is refused too: the original must not itself be a duplicate.
  const third = await newReport({ description: 'Tunnellampan' });
  const chain = await post(handler, `/personal/felanmalan/${third.id}/dubblett`, { original: dup.id });
  assert.equal(chain.status, 409);
  assert.ok(text(chain.body).includes(original.id));
  // The resident sees it, gets the status mail, and the API says closed.
  const follow = text((await dup.resident.get(dup.link)).body);
  assert.ok(follow.includes('Dubblett') && follow.includes(`felanmälan ${original.id}`));
  assert.equal(await sql(`SELECT COUNT(*) FROM mail_outbox WHERE recipient = 'dubbel@example.se' AND subject LIKE '%${dup.id}: Dubblett%'`), '1');
  const api = JSON.parse((await request(`${server.url}/open311/v2/requests/${dup.id}.json?extensions=true`)).body)[0];
  assert.equal(api.status, 'closed');
  assert.equal(api.extended_attributes.detailed_status, 'DUPLICATE');
  const staffPage = text((await handler.get(`/personal/felanmalan/${dup.id}`)).body);
  assert.ok(staffPage.includes(`Dubblett av Felanmälan ${original.id}`));
});

test('forwarding to the police: their own list by area, contact details only when chosen, received by the police', async () => {
  const plain = await newReport({ description: 'Inbrott i förrådet vid lekplatsen', name: 'Polly Privat', email: 'polly@example.se', phone: '070-1112223' });
  const shared = await newReport({ description: 'Skadegörelse på busskuren', name: 'Sara Delad', email: 'sara@example.se' });
  assert.equal((await post(handler, `/personal/felanmalan/${plain.id}/polisen`, { polis_note: '' })).status, 422);
  assert.equal((await post(handler, '/personal/felanmalan/999999/polisen', { polis_note: 'x' })).status, 404);
  assert.equal((await post(handler, `/personal/felanmalan/${plain.id}/polisen`, { polis_note: 'x' }, otherCsrf)).status, 403);
  assert.equal((await post(police, `/personal/felanmalan/${plain.id}/polisen`, { polis_note: 'x' })).status, 403);
  const fwd = await handler.submit(`/personal/felanmalan/${plain.id}`, { polis_note: 'Troligen inbrott, dörren uppbruten.' },
    { action: `/personal/felanmalan/${plain.id}/polisen` });
  assert.equal(fwd.status, 303);
  assert.equal((await post(handler, `/personal/felanmalan/${plain.id}/polisen`, { polis_note: 'igen' })).status, 409);
  assert.equal((await post(handler, `/personal/felanmalan/${shared.id}/polisen`, { polis_note: 'Skadegörelse', with_contact: '1' })).status, 303);
  assert.equal(await sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'report.forward_police' AND object IN ('report:${plain.id}', 'report:${shared.id}')`), '2');
  // The police's list, by area.
  assert.equal((await handler.get('/personal/polisen/felanmalningar')).status, 403);
  const list = await police.get('/personal/polisen/felanmalningar');
  assert.equal(list.status, 200);
  assert.ok(list.body.includes(`/personal/polisen/felanmalningar/${plain.id}"`) && list.body.includes(`/personal/polisen/felanmalningar/${shared.id}"`));
  assert.ok(text(list.body).includes('Lokalpolisområde Partille'), 'the police area of the settings');
  const area = await sql(`SELECT area_id FROM reports WHERE id = ${plain.id}`);
  const otherArea = await sql(`SELECT id FROM areas WHERE kind = 'area' AND id <> ${area} LIMIT 1`);
  assert.ok((await police.get(`/personal/polisen/felanmalningar?omrade=${area}`)).body.includes(`/${plain.id}"`));
  assert.ok(!(await police.get(`/personal/polisen/felanmalningar?omrade=${otherArea}`)).body.includes(`/${plain.id}"`));
  assert.equal((await police.get('/personal/polisen/felanmalningar?omrade=x')).status, 400);
  // Without contact details unless included.
  const one = await police.get(`/personal/polisen/felanmalningar/${plain.id}`);
  assert.equal(one.status, 200);
  assert.ok(text(one.body).includes('Troligen inbrott') && text(one.body).includes('Inbrott i förrådet'));
  for (const v of ['Polly Privat', 'polly@example.se', '070-1112223'])
    assert.ok(!one.body.includes(v), `${v} shown to the police`);
  const withContact = await police.get(`/personal/polisen/felanmalningar/${shared.id}`);
  assert.ok(withContact.body.includes('sara@example.se'));
  assert.equal(await sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'report.view_contact' AND object = 'report:${shared.id}' AND detail = 'police'`), '1');
  assert.equal((await police.get(`/personal/polisen/felanmalningar/${(await newReport({ description: 'Ej till polisen' })).id}`)).status, 404);
  assert.equal((await police.get('/personal/polisen/felanmalningar/999999')).status, 404);
  // Received by the police; the handläggare sees it.
  assert.equal((await post(police, `/personal/polisen/felanmalningar/${plain.id}`, { received_note: 'Diarienummer 5000-K123' }, otherCsrf)).status, 403);
  const received = await police.submit(`/personal/polisen/felanmalningar/${plain.id}`, { received_note: 'Diarienummer 5000-K123' },
    { action: `/personal/polisen/felanmalningar/${plain.id}` });
  assert.equal(received.status, 303);
  const pending = (await police.get('/personal/polisen/felanmalningar?visa=nya')).body;
  assert.ok(!pending.includes(`/${plain.id}"`) && pending.includes(`/${shared.id}"`), 'only those not yet received');
  assert.equal((await police.get('/personal/polisen/felanmalningar?visa=kanske')).status, 400);
  const detail = text((await handler.get(`/personal/felanmalan/${plain.id}`)).body);
  assert.ok(detail.includes('Diarienummer 5000-K123') && detail.includes(DEMO.polis.name));
  const follow = text((await plain.resident.get(plain.link)).body);
  assert.ok(!follow.includes('Diarienummer') && !follow.includes('Troligen inbrott'), 'the forwarding is internal');
  assert.equal((await handler.post(`/personal/polisen/felanmalningar/${plain.id}`, { csrf: await handler.csrf('/personal/'), received_note: 'x' })).status, 403);
});

test('bulk changes: status with one public text (a mail to each reporter), assignment, forwarding; all or nothing', async () => {
  const a = await newReport({ description: 'Massändring ett', email: 'mass1@example.se' });
  const b = await newReport({ description: 'Massändring två', email: 'mass2@example.se' });
  const page = await handler.get('/personal/felanmalan?q=massändring');
  const form = forms(page.body).find((f) => f.action === '/personal/felanmalan/massandring');
  assert.ok(form.fields.some((f) => f.name === 'id' && f.type === 'checkbox' && f.value === a.id));
  const done = await handler.submit('/personal/felanmalan?q=massändring', { id: [a.id, b.id], atgard: 'status', status: 'action_scheduled',
    public_text: 'Saneringen är beställd.' }, { action: '/personal/felanmalan/massandring' });
  assert.equal(done.status, 303);
  assert.match(done.headers.location, /^\/personal\/felanmalan\?q=/, 'back to the same view');
  for (const r of [a, b]) {
    assert.equal(await sql(`SELECT status FROM reports WHERE id = ${r.id}`), 'action_scheduled');
    assert.equal(await sql(`SELECT COUNT(*) FROM report_updates WHERE report_id = ${r.id} AND kind = 'status' AND text = 'Saneringen är beställd.'`), '1');
    assert.ok(text((await r.resident.get(r.link)).body).includes('Saneringen är beställd.'));
  }
  assert.equal(await sql("SELECT COUNT(*) FROM mail_outbox WHERE recipient IN ('mass1@example.se', 'mass2@example.se') AND subject LIKE '%Åtgärd planerad%'"), '2');
  const park = await unitId('Parkenheten');
  assert.equal((await post(handler, '/personal/felanmalan/massandring', { id: [a.id, b.id], atgard: 'tilldela', person: '', enhet: park })).status, 303);
  assert.equal(await sql(`SELECT COUNT(*) FROM reports WHERE id IN (${a.id}, ${b.id}) AND unit_id = ${park}`), '2');
  assert.equal((await post(handler, '/personal/felanmalan/massandring', { id: [a.id], atgard: 'polisen', polis_note: 'Massvis' })).status, 303);
  assert.equal(await sql(`SELECT note FROM report_police WHERE report_id = ${a.id}`), 'Massvis');
  // Bad input changes nothing.
  const before = await sql(`SELECT COUNT(*) FROM report_updates WHERE report_id = ${b.id}`);
  assert.equal((await post(handler, '/personal/felanmalan/massandring', { id: [b.id, '999999'], atgard: 'status', status: 'fixed' })).status, 404);
  assert.equal((await post(handler, '/personal/felanmalan/massandring', { id: [b.id], atgard: 'status', status: 'fixed' }, otherCsrf)).status, 403);
  assert.equal((await post(police, '/personal/felanmalan/massandring', { id: [b.id], atgard: 'status', status: 'fixed' })).status, 403);
  assert.equal((await post(handler, '/personal/felanmalan/massandring', { atgard: 'status', status: 'fixed' })).status, 422);
  assert.equal((await post(handler, '/personal/felanmalan/massandring', { id: [b.id], atgard: 'radera' })).status, 400);
  assert.equal((await post(handler, '/personal/felanmalan/massandring', { id: [b.id], atgard: 'status', status: 'withdrawn' })).status, 422);
  assert.equal((await post(handler, '/personal/felanmalan/massandring', { id: [b.id], atgard: 'tilldela', enhet: '999999' })).status, 422);
  assert.equal((await post(handler, '/personal/felanmalan/massandring', { id: [b.id], atgard: 'status', status: 'fixed', tillbaka: 'https://evil.example/' })).status, 303);
  assert.equal(await sql(`SELECT COUNT(*) FROM report_updates WHERE report_id = ${b.id}`), String(Number(before) + 1));
  assert.equal(await sql(`SELECT status FROM reports WHERE id = ${b.id}`), 'fixed');
});

test('CSV export of the filtered list: RFC 4180, BOM, formula guard, attachment, audited, no personal data', async () => {
  const r = await newReport({ description: '=HYPERLINK("http://evil.example","klicka"), "citat"\nrad två', name: 'Csv Hemlig',
    email: 'csv.hemlig@example.se', phone: '070-5556667', place_text: '@Storgatan 1' });
  const res = await handler.get('/personal/felanmalan/export.csv?q=hyperlink&status=all&sortering=nyast');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/csv; charset=utf-8/);
  assert.match(res.headers['content-disposition'], /^attachment; filename="felanmalningar-\d{4}-\d\d-\d\d\.csv"$/);
  assert.deepEqual([...res.buffer.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const body = res.body.slice(1);
  const lines = body.split('\r\n');
  assert.equal(lines[0], 'Referensnummer,Kategori,Status,Område,Inkommen,Uppdaterad,Handläggare,Enhet,Adress,Latitud,Longitud,Beskrivning,Fler som sett felet,Dubblett av');
  assert.ok(lines[1].startsWith(`${r.id},Klotter,Mottagen,`));
  assert.ok(body.includes(`,'@Storgatan 1,`), 'a cell starting with @ is guarded');
  assert.ok(body.includes('"\'=HYPERLINK(""http://evil.example"",""klicka""), ""citat""\nrad två"'), 'quoted, quotes doubled, guarded');
  assert.ok(body.endsWith('\r\n'));
  for (const v of ['Csv Hemlig', 'csv.hemlig@example.se', '070-5556667'])
    assert.ok(!body.includes(v), `${v} exported`);
  assert.equal(await sql("SELECT COUNT(*) FROM audit_log WHERE action = 'report.export' AND detail LIKE 'rows=1 %hyperlink%'"), '1');
  // The same filters as the inbox, every page: 60 old reports from the paging test.
  const all = await handler.get('/personal/felanmalan/export.csv?q=sidtest&fran=2001-01-01&till=2001-01-03');
  assert.equal(all.body.split('\r\n').length - 2, 60);
  const none = await handler.get('/personal/felanmalan/export.csv?q=sidtest&kategori=klotter');
  assert.equal(none.body.split('\r\n').length - 2, 0);
  assert.equal((await handler.get('/personal/felanmalan/export.csv?fran=nej')).status, 400);
  assert.equal((await police.get('/personal/felanmalan/export.csv')).status, 403);
  const inbox = await handler.get('/personal/felanmalan?q=hyperlink&status=all');
  assert.ok(inbox.body.includes('href="/personal/felanmalan/export.csv?status=all&amp;q=hyperlink"'));
});
