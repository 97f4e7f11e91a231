// survey_import.test.mjs — the survey's import and population pages in a
// browser on a phone: a coordinator uploads a file with a bad row, reads the
// report, imports the valid rows only, then uploads population margins. axe
// checks every page on the way; screenshots go to build/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, DEMO } from '../lib/rig.mjs';
import { withBrowser, logIn, fitsWidth, PHONE } from '../lib/browser.mjs';

let server, roundId, dir;
before(async () => {
  server = await startServer({ demo: true });
  roundId = Number((await server.sql("SELECT id FROM survey_rounds WHERE slug = 'trygghetsundersokning-2026'")).trim());
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trygg-survey-import-'));
});
after(async () => {
  await server?.stop();
  if (dir)
    fs.rmSync(dir, { recursive: true, force: true });
});

function file(name, content) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

test('a coordinator imports answers and population margins on a phone', async () => {
  const base = `/personal/trygghetsundersokning/${roundId}`;
  await withBrowser(server.url, 'survey-import', { viewport: PHONE }, async (b) => {
    await logIn(b, DEMO.samordnare.email, DEMO.samordnare.password);
    await b.goto(`${base}/import`);
    assert.ok(await fitsWidth(b.page), 'the import page fits a phone');
    await b.page.setInputFiles('#file', file('svar.csv',
      'bakgrund.alder;bakgrund.kon;bakgrund.omrade;trygghet.kvall\n25-44;kvinna;Furulund;2\n25-44;kvinna;Furulund;9\n'));
    await b.click('form[action$="/import"] button[type="submit"]');
    assert.ok(await b.page.isVisible('.error-summary'));
    assert.match(await b.page.textContent('#import-issues'), /Svaret är inte ett av svarsalternativen/);
    await b.screenshot('survey-import-report');
    await b.click('form[action$="/import/giltiga"] button[type="submit"]');
    assert.match(await b.page.textContent('#import-done'), /1 svar lästes in från svar\.csv/);
    assert.match(await b.page.textContent('#earlier-imports'), /svar\.csv/);
    await b.screenshot('survey-import-done');

    await b.goto(`${base}/befolkning`);
    await b.page.setInputFiles('#file', file('alder.csv', 'age_group;antal\n16-24;100\n25-44;300\n45-64;250\n65-84;150\n'));
    await b.click('form[action$="/befolkning"] button[type="submit"]');
    assert.match(await b.page.textContent('#population-saved'), /age_group/);
    assert.ok(await fitsWidth(b.page), 'the population page fits a phone');
    await b.screenshot('survey-population');
  });
});
