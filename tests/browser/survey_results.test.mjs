// survey_results.test.mjs — the safety survey's public results in a browser,
// on a phone and on a desktop: the round list, a round's results with its
// server-drawn charts and tables, and the methods page, each checked with axe
// (tests/lib/browser.mjs). The charts must be images with a name, and the page
// must not scroll sideways on a phone (wide tables scroll in their own box).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/rig.mjs';
import { withBrowser, fitsWidth, PHONE, DESKTOP } from '../lib/browser.mjs';
import { createRound, generateAnswers, population, surveyAreas } from '../lib/survey_results_data.mjs';

let server;

before(async () => {
  server = await startServer({ demo: true });
  const areas = await surveyAreas(server);
  const first = await createRound(server, { slug: 'test-2021', year: 2021, status: 'published', margins: '' });
  await generateAnswers(server, areas, first, 400, 2021);
  const second = await createRound(server, { slug: 'test-2024', year: 2024, status: 'published', margins: 'age_group*sex,area' });
  const people = await generateAnswers(server, areas, second, 500, 2024);
  await population(server, areas, second, people);
});
after(async () => {
  await server?.stop();
});

for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
  test(`the public results pages on a ${name}`, async () => {
    await withBrowser(server.url, `survey-results-${name}`, { viewport }, async (b) => {
      const list = await b.goto('/trygghetsundersokning');
      assert.equal(list.status(), 200);
      const res = await b.goto('/trygghetsundersokning/test-2024');
      assert.equal(res.status(), 200);
      assert.ok(await fitsWidth(b.page), 'the results page scrolls sideways');
      // every chart is an image with a name taken from its title
      const charts = b.page.locator('svg.chart[role="img"]');
      const count = await charts.count();
      assert.ok(count >= 3, `charts: ${count}`);
      for (let i = 0; i < count; i++) {
        const label = await charts.nth(i).evaluate((el) =>
          el.getAttribute('aria-labelledby').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
        assert.ok(label.trim().length > 10, `chart ${i} has a name`);
      }
      // the map (when Leaflet is installed) colours the areas and writes each area's number on it
      if (await b.page.locator('#problem-map').count()) {
        await b.page.waitForSelector('#problem-map .survey-map-label');
        assert.ok(await b.page.getByLabel('Fråga som kartan visar').isVisible());
      }
      // the tables are there in text as well
      assert.ok(await b.page.getByRole('table', { name: /Problemindex per fråga och område/ }).isVisible());
      await b.screenshot(`survey-results-page-${name}`);
      // an item's full distribution opens without JavaScript (details/summary)
      await b.page.locator('details summary').first().click();
      await b.check();
      const methods = await b.goto('/trygghetsundersokning/metod');
      assert.equal(methods.status(), 200);
      assert.ok(await fitsWidth(b.page), 'the methods page scrolls sideways');
    });
  });
}
