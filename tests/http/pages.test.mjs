// pages.test.mjs — information pages and the front page (src/pages/): the
// demo pages in both languages, the front page's service links (only for
// services that exist), publishing (drafts are never public), the history of
// versions and restoring an old one, the preview, Markdown that tries to
// inject script, 404s, the English fallback, the menu, conflicting saves,
// form errors, CSRF and who may edit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO } from '../lib/rig.mjs';
import { Client, login } from '../lib/client.mjs';
import { text, forms } from '../lib/html.mjs';
import { assertErrorPage, assertSecurityHeaders, pageLanguage } from '../lib/expect.mjs';

const DEMO_SLUGS = ['start', 'samverkan', 'medborgarlofte', 'lagesbild', 'om-tjansten'];
/* The services the front page may lead to (src/pages/public.c). */
const SERVICES = ['/felanmalan', '/tipsa', '/trygghetsundersokning', '/lagesbild', '/medborgarloften', '/kontakt', '/omraden'];
const FALLBACK_NOTE = 'This page is not available in English yet. The Swedish version is shown here.';

let server;
before(async () => { server = await startServer({ demo: true }); });
after(async () => { await server?.stop(); });

async function loggedIn(who, lang = null) {
  const c = new Client(server.url, { lang });
  const res = await login(c, DEMO[who].email, DEMO[who].password);
  assert.equal(res.status, 303, `login as ${who}: ${text(res.body).slice(0, 300)}`);
  return c;
}

const editorPath = (slug, lang = 'sv') => `/personal/sidor/${slug}/${lang}`;

/* Creates a page through the list's form. Returns the response (303 on success). */
function createPage(c, slug, fields = {}) {
  return c.submit('/personal/sidor', { slug, ...fields }, { action: '/personal/sidor' });
}

/* Presses a button of the editor (preview, draft or publish) with title and body. */
function editorSubmit(c, slug, lang, action, title, body, { page = null } = {}) {
  return c.submit(editorPath(slug, lang), { action, form_title: title, form_body: body },
    { action: `${editorPath(slug, lang)}#forhandsvisning`, page });
}

/* The versions listed in the editor's history: [{number, href, row (text)}], newest first. */
async function history(c, slug, lang = 'sv') {
  const res = await c.get(editorPath(slug, lang));
  assert.equal(res.status, 200);
  return [...res.body.matchAll(/<tr>\s*<th scope="row"><a href="([^"]*\/versioner\/(\d+))">[\s\S]*?<\/tr>/g)]
    .map((m) => ({ href: m[1], number: Number(m[2]), row: text(m[0]) }));
}

/* The main element's HTML of a page. */
function main(html) {
  const m = /<main\b[\s\S]*?<\/main>/.exec(html);
  assert.ok(m, 'no <main>');
  return m[0];
}

test('the demo pages are published in Swedish and in English', async () => {
  const sv = new Client(server.url);
  const en = new Client(server.url, { lang: 'en' });
  for (const slug of DEMO_SLUGS) {
    const a = await sv.get(`/sida/${slug}`);
    assert.equal(a.status, 200, slug);
    assertSecurityHeaders(a, slug);
    assert.equal(pageLanguage(a.body), 'sv');
    const b = await en.get(`/sida/${slug}`);
    assert.equal(b.status, 200, slug);
    assert.equal(pageLanguage(b.body), 'en');
    assert.ok(!b.body.includes(FALLBACK_NOTE), `${slug} has an English version`);
    assert.doesNotMatch(/<article>[\s\S]*<\/article>/.exec(b.body)[0], /lang="sv"/, `${slug}: the English page is marked as Swedish`);
    const h1sv = /<h1[^>]*>([^<]+)<\/h1>/.exec(a.body)[1], h1en = /<h1[^>]*>([^<]+)<\/h1>/.exec(b.body)[1];
    assert.notEqual(h1sv, h1en, `${slug}: the same title in both languages`);
  }
  // The accessibility statement names the standard, how to report and the supervisory authority.
  const statement = text((await sv.get('/sida/om-tjansten')).body);
  for (const words of ['Tillgänglighetsredogörelse', 'WCAG 2.1', 'AA', 'DIGG', 'Rapportera brister'])
    assert.ok(statement.includes(words), `the accessibility statement lacks "${words}"`);
  const lagesbild = text((await sv.get('/sida/lagesbild')).body);
  for (const q of ['Vilka problem är vanligast?', 'Hur stor är risken att utsättas för brott?',
    'Hur ser utvecklingen ut över tid?', 'Vilka möjligheter ska vi ta vara på?'])
    assert.ok(lagesbild.includes(q), `the lägesbild page lacks "${q}"`);
});

test('the front page: site name, the start page, the menu and the emergency numbers', async () => {
  for (const [lang, words] of [['sv', ['medborgarlöfte', 'Vilka problem är vanligast?', 'aktivitetsplan', 'Uppföljning']],
    ['en', ['citizen promise', 'Which problems are most common?', 'activity plan', 'Follow-up']]]) {
    const c = new Client(server.url, { lang });
    const res = await c.get('/');
    assert.equal(res.status, 200);
    assert.equal(pageLanguage(res.body), lang);
    assert.match(res.body, /<title>Trygg i Partille<\/title>/);
    assert.match(res.body, /<h1>Trygg i Partille<\/h1>/);
    const page = text(res.body);
    for (const w of words)
      assert.ok(page.includes(w), `the ${lang} front page lacks "${w}"`);
    assert.match(page, /112/);
    assert.match(page, /114 14/);
    // The menu of published pages, "start" itself not in it.
    for (const slug of ['samverkan', 'medborgarlofte', 'lagesbild', 'om-tjansten'])
      assert.match(res.body, new RegExp(`<li><a href="/sida/${slug}"`), `menu entry ${slug}`);
    assert.doesNotMatch(res.body, /<li><a href="\/sida\/start"/);
  }
});

test('the front page links to a service exactly when the service exists', async () => {
  const c = new Client(server.url);
  const home = await c.get('/');
  const section = /<section aria-labelledby="services-title">[\s\S]*?<\/section>/.exec(home.body)?.[0] ?? '';
  let linked = 0;
  for (const path of SERVICES) {
    const res = await c.get(path);
    const exists = res.status !== 404;
    assert.equal(section.includes(`href="${path}"`), exists,
      `${path} answers ${res.status}, so its link should ${exists ? '' : 'not '}be on the front page`);
    linked += exists ? 1 : 0;
  }
  // Nothing else is offered as a service.
  const hrefs = [...section.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(hrefs.filter((h) => !SERVICES.includes(h)), []);
  assert.equal(hrefs.length, linked);
  if (linked === 0)
    assert.equal(section, '', 'an empty services section');
});

test('unknown, unpublished and malformed page addresses are 404', async () => {
  const c = new Client(server.url);
  for (const path of ['/sida/finns-inte', '/sida/Start', '/sida/start-', '/sida/a--b', '/sida/%3Cscript%3E', `/sida/${'a'.repeat(61)}`])
    assertErrorPage(await c.get(path), 404, 'sv', 'Sidan finns inte');
  const en = new Client(server.url, { lang: 'en' });
  assertErrorPage(await en.get('/sida/finns-inte'), 404, 'en', 'Page not found');
});

test('publishing: a new page is not public until published, drafts never are', async () => {
  const sam = await loggedIn('samordnare');
  const visitor = new Client(server.url);
  const created = await createPage(sam, 'test-publicering', { menu_order: '50' });
  assert.equal(created.status, 303, text(created.body).slice(0, 500));
  assert.equal(created.headers.location, editorPath('test-publicering'));
  assert.equal((await visitor.get('/sida/test-publicering')).status, 404, 'an empty page is public');

  // A draft is saved but not shown.
  const draft = await editorSubmit(sam, 'test-publicering', 'sv', 'draft', 'Utkastets rubrik', 'Första *utkastet*.');
  assert.equal(draft.status, 303);
  assert.equal(draft.headers.location, editorPath('test-publicering'));
  const editor = await sam.get(editorPath('test-publicering'));
  assert.match(editor.body, /Utkastet är sparat/);
  assert.match(editor.body, /value="Utkastets rubrik"/, 'the editor shows the draft');
  assert.equal((await visitor.get('/sida/test-publicering')).status, 404, 'a draft is public');

  // Published, it is.
  const published = await editorSubmit(sam, 'test-publicering', 'sv', 'publish', 'Publicerad rubrik', 'Publicerad *text*.');
  assert.equal(published.status, 303);
  let page = await visitor.get('/sida/test-publicering');
  assert.equal(page.status, 200);
  assert.match(page.body, /<h1>Publicerad rubrik<\/h1>/);
  assert.match(page.body, /Publicerad <em>text<\/em>\./);
  assert.match(page.body, /<title>Publicerad rubrik – Trygg i Partille<\/title>/);
  // It joins the menu.
  assert.match((await visitor.get('/')).body, /<a href="\/sida\/test-publicering">Publicerad rubrik<\/a>/);

  // A newer draft does not replace what visitors see.
  assert.equal((await editorSubmit(sam, 'test-publicering', 'sv', 'draft', 'Hemligt utkast', 'HEMLIGT UTKAST')).status, 303);
  page = await visitor.get('/sida/test-publicering');
  assert.ok(!page.body.includes('HEMLIGT UTKAST') && !page.body.includes('Hemligt utkast'), 'the draft leaked');
  assert.match(page.body, /Publicerad <em>text<\/em>/);
  assert.ok(!(await visitor.get('/')).body.includes('Hemligt utkast'), 'the draft title leaked into the menu');
  const list = await sam.get('/personal/sidor');
  assert.match(text(list.body), /\/sida\/test-publicering Publicerad, med ett nyare utkast Ingen text än 50/);
});

test('English: the Swedish version with a note until an English one is published', async () => {
  const sam = await loggedIn('samordnare');
  assert.equal((await createPage(sam, 'test-sprak')).status, 303);
  assert.equal((await editorSubmit(sam, 'test-sprak', 'sv', 'publish', 'Svensk rubrik', 'Svensk text.')).status, 303);
  const en = new Client(server.url, { lang: 'en' });
  let page = await en.get('/sida/test-sprak');
  assert.equal(page.status, 200);
  assert.equal(pageLanguage(page.body), 'en');
  assert.ok(page.body.includes(FALLBACK_NOTE), 'no note about the missing English version');
  assert.match(page.body, /<h1 lang="sv">Svensk rubrik<\/h1>/, 'the Swedish title is not marked as Swedish');
  assert.match(page.body, /<div class="page-text" lang="sv">\s*<p>Svensk text\.<\/p>/);
  assert.match(page.body, /<a href="\/sida\/test-sprak" lang="sv" aria-current="page">Svensk rubrik<\/a>/,
    'the menu marks the Swedish title');
  // An English draft changes nothing; the published English version replaces the fallback.
  assert.equal((await editorSubmit(sam, 'test-sprak', 'en', 'draft', 'English draft', 'Draft.')).status, 303);
  assert.ok((await en.get('/sida/test-sprak')).body.includes(FALLBACK_NOTE));
  assert.equal((await editorSubmit(sam, 'test-sprak', 'en', 'publish', 'English title', 'English text.')).status, 303);
  page = await en.get('/sida/test-sprak');
  assert.ok(!page.body.includes(FALLBACK_NOTE));
  assert.match(page.body, /<h1>English title<\/h1>/);
  assert.match(page.body, /<p>English text\.<\/p>/);
  // Swedish visitors still get Swedish.
  assert.match((await new Client(server.url).get('/sida/test-sprak')).body, /<h1>Svensk rubrik<\/h1>/);
  // ?lang=en works the same way as the preference.
  assert.match((await new Client(server.url).get('/sida/test-sprak?lang=en')).body, /<h1>English title<\/h1>/);
});

test('preview renders the Markdown in the editor and saves nothing', async () => {
  const sam = await loggedIn('samordnare');
  assert.equal((await createPage(sam, 'test-forhandsvisning')).status, 303);
  assert.equal((await editorSubmit(sam, 'test-forhandsvisning', 'sv', 'draft', 'Ett', 'Ett.')).status, 303);
  const before = await history(sam, 'test-forhandsvisning');
  const res = await editorSubmit(sam, 'test-forhandsvisning', 'sv', 'preview', 'Förhandsrubrik', '## Del\n\nMed **fetstil**.');
  assert.equal(res.status, 200);
  assert.match(res.body, /Förhandsvisning, inte sparad/);
  assert.match(res.body, /<h2>Del<\/h2>\s*<p>Med <strong>fetstil<\/strong>\.<\/p>/);
  // The form keeps what was typed.
  const form = forms(res.body).find((f) => f.action.endsWith('#forhandsvisning'));
  assert.equal(form.fields.find((f) => f.name === 'form_title').value, 'Förhandsrubrik');
  assert.equal(form.fields.find((f) => f.name === 'form_body').value, '## Del\n\nMed **fetstil**.');
  assert.deepEqual(await history(sam, 'test-forhandsvisning'), before, 'a preview saved a version');
  // Enter in the title field sends no button: a preview too.
  const enter = await sam.submit(editorPath('test-forhandsvisning'), { form_title: 'T', form_body: 'B' },
    { action: /#forhandsvisning$/ });
  assert.equal(enter.status, 200);
  assert.match(enter.body, /Förhandsvisning, inte sparad/);
  assert.deepEqual(await history(sam, 'test-forhandsvisning'), before);
});

test('the history lists every version with author and time; an old one is restored as a draft', async () => {
  const sam = await loggedIn('samordnare');
  const visitor = new Client(server.url);
  assert.equal((await createPage(sam, 'test-historik')).status, 303);
  assert.equal((await editorSubmit(sam, 'test-historik', 'sv', 'publish', 'Version ett', 'FÖRSTA TEXTEN')).status, 303);
  assert.equal((await editorSubmit(sam, 'test-historik', 'sv', 'draft', 'Version två', 'ANDRA TEXTEN')).status, 303);
  assert.equal((await editorSubmit(sam, 'test-historik', 'sv', 'publish', 'Version tre', 'TREDJE TEXTEN')).status, 303);
  let versions = await history(sam, 'test-historik');
  assert.deepEqual(versions.map((v) => v.number), [3, 2, 1]);
  assert.match(versions[0].row, /Publicerad, visas för besökarna Version tre Sam Samordnare \d{4}-\d\d-\d\d \d\d:\d\d/);
  assert.match(versions[1].row, /Utkast Version två Sam Samordnare/);
  assert.match(versions[2].row, /Publicerad Version ett Sam Samordnare/);
  assert.doesNotMatch(versions[2].row, /visas för besökarna/);

  // An old version, as it looked, with its Markdown.
  const old = await sam.get(versions[2].href);
  assert.equal(old.status, 200);
  assert.match(old.body, /FÖRSTA TEXTEN/);
  assert.match(text(old.body), /Sparad \d{4}-\d\d-\d\d \d\d:\d\d av Sam Samordnare/);
  assert.equal((await sam.get(`${editorPath('test-historik')}/versioner/99`)).status, 404);
  assert.equal((await sam.get(`${editorPath('test-historik')}/versioner/x`)).status, 404);

  // Restoring makes a new draft; visitors still see version 3.
  const restored = await sam.submit(versions[2].href, {}, { action: versions[2].href });
  assert.equal(restored.status, 303);
  assert.equal(restored.headers.location, editorPath('test-historik'));
  versions = await history(sam, 'test-historik');
  assert.deepEqual(versions.map((v) => v.number), [4, 3, 2, 1]);
  assert.match(versions[0].row, /Utkast Återställd från version 1 Version ett/);
  assert.match((await visitor.get('/sida/test-historik')).body, /TREDJE TEXTEN/);
  const editor = await sam.get(editorPath('test-historik'));
  assert.match(editor.body, /FÖRSTA TEXTEN<\/textarea>/, 'the editor shows the restored draft');
  // Publishing it makes it public.
  assert.equal((await editorSubmit(sam, 'test-historik', 'sv', 'publish', 'Version ett', 'FÖRSTA TEXTEN')).status, 303);
  assert.match((await visitor.get('/sida/test-historik')).body, /FÖRSTA TEXTEN/);

  // Every change is in the audit log.
  const admin = await loggedIn('admin');
  const log = text((await admin.get('/personal/logg?action=page.')).body);
  for (const entry of ['page.create page:test-historik', 'page.publish page:test-historik sv version 1',
    'page.save_draft page:test-historik sv version 2', 'page.restore page:test-historik sv version 4 from version 1',
    'page.publish page:test-historik sv version 5'])
    assert.ok(log.includes(entry), `audit log lacks "${entry}":\n${log.slice(0, 1500)}`);
});

test('Markdown that tries to inject script comes out harmless', async () => {
  const sam = await loggedIn('samordnare');
  const visitor = new Client(server.url);
  assert.equal((await createPage(sam, 'test-xss')).status, 303);
  const body = [
    '<script>alert("block")</script>',
    '',
    'Inline <img src=x onerror=alert("img")> and <a href="javascript:alert(1)">raw link</a>.',
    '',
    '[md link](javascript:alert("md")) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[entity](java&#115;cript:alert(1)) <vbscript:msgbox(1)> ![svg](data:image/svg+xml;base64,PHN2Zz4=)',
    '',
    '<iframe src="https://evil.example/"></iframe><svg onload=alert(1)>',
    '',
    '[title](/ok "x\\" onmouseover=\\"alert(1)") SAFE-END',
  ].join('\n');
  const title = '<script>alert("title")</script>';
  const preview = await editorSubmit(sam, 'test-xss', 'sv', 'preview', title, body);
  assert.equal(preview.status, 200);
  const published = await editorSubmit(sam, 'test-xss', 'sv', 'publish', title, body);
  assert.equal(published.status, 303);
  const page = await visitor.get('/sida/test-xss');
  assert.equal(page.status, 200);
  for (const html of [main(preview.body), main(page.body)]) {
    const lower = html.toLowerCase();
    assert.doesNotMatch(lower, /<script/);
    assert.doesNotMatch(lower, /<(img|iframe|svg)\b[^>]*\bon\w+=/);
    assert.doesNotMatch(lower, /<iframe|<svg|<object/);
    assert.doesNotMatch(lower, /(href|src)="\s*(javascript|vbscript|data):/);
    assert.doesNotMatch(lower, /\son(error|load|mouseover|click)="/);
    assert.match(html, /&lt;script&gt;alert\(&quot;title&quot;\)&lt;\/script&gt;/, 'the title is escaped');
    assert.match(html, /SAFE-END/, 'the text after the attacks is shown');
    assert.match(html, /<a href="">md link<\/a>/);
  }
  // The stored Markdown is shown to staff as text, escaped.
  const versions = await history(sam, 'test-xss');
  const old = await sam.get(versions[0].href);
  assert.match(old.body, /<textarea[^>]*>&lt;script&gt;alert\(&quot;block&quot;\)&lt;\/script&gt;/);
  assert.doesNotMatch(main(old.body).toLowerCase(), /<script/);
});

test('a save over a colleague\'s newer version is refused once, keeping the text', async () => {
  const a = await loggedIn('samordnare');
  const b = await loggedIn('admin');
  assert.equal((await createPage(a, 'test-krock')).status, 303);
  assert.equal((await editorSubmit(a, 'test-krock', 'sv', 'publish', 'Start', 'Start.')).status, 303);
  const pageA = await a.get(editorPath('test-krock'));
  const pageB = await b.get(editorPath('test-krock'));
  assert.equal((await editorSubmit(a, 'test-krock', 'sv', 'publish', 'Från A', 'Text från A.', { page: pageA })).status, 303);
  const clash = await editorSubmit(b, 'test-krock', 'sv', 'publish', 'Från B', 'Text från B.', { page: pageB });
  assert.equal(clash.status, 409);
  assert.match(clash.body, /Någon annan har sparat en ny version/);
  assert.match(clash.body, /Text från B\.<\/textarea>/);
  assert.match((await new Client(server.url).get('/sida/test-krock')).body, /Text från A\./);
  // Pressing again, now knowingly, saves.
  const again = await b.submit(editorPath('test-krock'), { action: 'publish' }, { action: /#forhandsvisning$/, page: clash });
  assert.equal(again.status, 303);
  assert.match((await new Client(server.url).get('/sida/test-krock')).body, /Text från B\./);
  assert.match((await history(a, 'test-krock'))[0].row, /Ada Administratör/);
});

test('form errors: missing and bad fields are shown beside the fields', async () => {
  const sam = await loggedIn('samordnare');
  let res = await createPage(sam, '');
  assert.equal(res.status, 400);
  assert.match(res.body, /Fyll i sidans adress\./);
  res = await createPage(sam, 'Stora_Bokstäver');
  assert.equal(res.status, 422);
  assert.match(res.body, /id="slug-error"/);
  assert.match(res.body, /value="Stora_Bokstäver"/, 'what was typed is kept');
  res = await createPage(sam, 'samverkan');
  assert.equal(res.status, 409);
  assert.match(res.body, /Det finns redan en sida med den adressen/);
  res = await createPage(sam, 'test-fel', { menu_order: '1000' });
  assert.equal(res.status, 422);
  assert.match(res.body, /id="menu_order-error"/);

  assert.equal((await createPage(sam, 'test-fel')).status, 303);
  res = await editorSubmit(sam, 'test-fel', 'sv', 'publish', '', '');
  assert.equal(res.status, 400);
  assert.match(res.body, /<a href="#form_title">Fyll i en rubrik\.<\/a>/);
  assert.match(res.body, /<a href="#form_body">Skriv sidans text\.<\/a>/);
  res = await editorSubmit(sam, 'test-fel', 'sv', 'publish', 'x'.repeat(201), 'Text');
  assert.equal(res.status, 422);
  res = await editorSubmit(sam, 'test-fel', 'sv', 'publish', 'Rubrik', 'a\u0001b');
  assert.equal(res.status, 422);
  res = await editorSubmit(sam, 'test-fel', 'sv', 'bogus', 'Rubrik', 'Text');
  assert.equal(res.status, 400);
  assert.deepEqual(await history(sam, 'test-fel'), [], 'a failed form saved something');
  // Unknown pages and languages.
  assert.equal((await sam.get(editorPath('finns-inte'))).status, 404);
  assert.equal((await sam.get(editorPath('test-fel', 'de'))).status, 404);
  assert.equal((await sam.get(editorPath('test-fel', 'SV'))).status, 404);
  res = await sam.get('/personal/sidor/test-fel');
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, editorPath('test-fel'));
});

test('the menu: order and whether a page is listed', async () => {
  const sam = await loggedIn('samordnare');
  const visitor = new Client(server.url);
  const menuOrder = async () => [...(await visitor.get('/')).body.matchAll(/<li><a href="\/sida\/([a-z0-9-]+)"/g)].map((m) => m[1]);
  assert.equal((await createPage(sam, 'test-meny', { menu_order: '1' })).status, 303);
  assert.equal((await editorSubmit(sam, 'test-meny', 'sv', 'publish', 'Menysida', 'Text.')).status, 303);
  let order = await menuOrder();
  assert.equal(order[0], 'test-meny', `menu order: ${order}`);
  let res = await sam.submit(editorPath('test-meny'), { menu_order: '999' }, { action: '/personal/sidor/test-meny' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, editorPath('test-meny'));
  order = await menuOrder();
  assert.equal(order[order.length - 1], 'test-meny', `menu order: ${order}`);
  // Unticking "in the menu" takes it out; the page itself stays public.
  res = await sam.submit(editorPath('test-meny'), { in_menu: null }, { action: '/personal/sidor/test-meny' });
  assert.equal(res.status, 303);
  assert.ok(!(await menuOrder()).includes('test-meny'));
  assert.equal((await visitor.get('/sida/test-meny')).status, 200);
  res = await sam.submit(editorPath('test-meny'), { menu_order: '-1' }, { action: '/personal/sidor/test-meny' });
  assert.equal(res.status, 422);
  const admin = await loggedIn('admin');
  assert.match(text((await admin.get('/personal/logg?action=page.menu')).body), /page\.menu page:test-meny menu 999 \(hidden\)/);
});

test('only coordinators and administrators edit; every form needs its CSRF token', async () => {
  assert.equal((await createPage(await loggedIn('samordnare'), 'test-behorighet')).status, 303);
  const targets = [
    ['/personal/sidor', { slug: 'inte-tillatet' }],
    ['/personal/sidor/test-behorighet', { menu_order: '3' }],
    [editorPath('test-behorighet'), { action: 'publish', base: '0', form_title: 'X', form_body: 'Y' }],
    [`${editorPath('test-behorighet')}/versioner/1`, {}],
  ];
  for (const who of ['handlaggare', 'polis']) {
    const c = await loggedIn(who);
    for (const path of ['/personal/sidor', editorPath('start'), `${editorPath('start')}/versioner/1`])
      assertErrorPage(await c.get(path), 403, 'sv', 'Åtkomst nekad');
    const csrf = await c.csrf('/personal/');
    for (const [path, fields] of targets)
      assert.equal((await c.post(path, { csrf, ...fields })).status, 403, `${who} POST ${path}`);
    const start = await c.get('/personal/');
    assert.doesNotMatch(start.body, /href="\/personal\/sidor"/, `${who} is offered the editor`);
  }
  // Logged out: GET leads to the login page, POST is refused.
  const anonymous = new Client(server.url);
  const res = await anonymous.get('/personal/sidor');
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, '/personal/logga-in?next=%2Fpersonal%2Fsidor');
  const token = await anonymous.csrf('/personal/logga-in');
  for (const [path, fields] of targets)
    assert.equal((await anonymous.post(path, { csrf: token, ...fields })).status, 403, `anonymous POST ${path}`);

  // A coordinator without the token, with a wrong one, or from another site.
  const sam = await loggedIn('samordnare');
  const good = await sam.csrf('/personal/sidor');
  for (const [path, fields] of targets) {
    assert.equal((await sam.post(path, fields)).status, 403, `no token: ${path}`);
    assert.equal((await sam.post(path, { ...fields, csrf: 'x'.repeat(32) })).status, 403, `wrong token: ${path}`);
    assert.equal((await sam.post(path, { ...fields, csrf: good }, { headers: { Origin: 'https://evil.example' } })).status,
      403, `other origin: ${path}`);
  }
  assert.deepEqual(await history(sam, 'test-behorighet'), [], 'a refused request saved something');
  assert.equal((await sam.get('/personal/sidor')).status, 200);
  assert.match((await sam.get('/personal/')).body, /href="\/personal\/sidor"/, 'the coordinator is not offered the editor');
  // The administrator may edit too.
  const admin = await loggedIn('admin');
  assert.equal((await admin.get('/personal/sidor')).status, 200);
  assert.equal((await editorSubmit(admin, 'test-behorighet', 'sv', 'draft', 'Admin', 'Text.')).status, 303);
});

test('the editor list shows every page and its state per language', async () => {
  const sam = await loggedIn('samordnare', 'en');
  const res = await sam.get('/personal/sidor');
  assert.equal(res.status, 200);
  assert.equal(pageLanguage(res.body), 'en');
  const t = text(res.body);
  for (const slug of DEMO_SLUGS)
    assert.match(t, new RegExp(`/sida/${slug} Published Published`), `${slug} in the list`);
  assert.match(t, /\/sida\/start Published Published Not in the menu/, 'start is not in the menu');
});
