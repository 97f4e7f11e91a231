// browser.mjs — Debian's Chromium driven by playwright-core, for the browser
// tests. After every navigation the page is checked with axe-core (WCAG 2.0
// and 2.1, levels A and AA) and for errors in the console (a Content
// Security Policy violation shows up there); any finding fails the test with
// a readable list. Screenshots go to build/screenshots/ for people to look at.
//
//   const b = await openBrowser(server.url, { viewport: PHONE });
//   await b.goto('/');                 // navigates, then checks
//   await b.click('text=English');     // clicks, waits for the new page, checks
//   await b.fill({ '#email': 'a@b' }); await b.click('button[type=submit]');
//   await b.screenshot('front-page');
//   await b.close();
// or, with the screenshot and the closing done whatever happens:
//   await withBrowser(server.url, 'front-page', { viewport: PHONE }, async (b) => { … });
import { chromium } from 'playwright-core';
import axe from 'axe-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './rig.mjs';

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

const CHROMIUM = process.env.TRYGG_CHROMIUM || '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
// Everything a page loads must exist (the site serves /favicon.ico too).
const KNOWN_MISSING = [];
export const SCREENSHOTS = path.join(ROOT, 'build/screenshots');

/* axe's findings as lines a person can act on. */
export function formatViolations(url, violations) {
  const lines = [`${violations.length} accessibility violation(s) on ${url}:`];
  for (const v of violations) {
    lines.push(`- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes.slice(0, 5)) {
      lines.push(`    at ${n.target.join(' ')}: ${n.html.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (n.failureSummary)
        lines.push(`       ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
    if (v.nodes.length > 5)
      lines.push(`    … and ${v.nodes.length - 5} more`);
  }
  return lines.join('\n');
}

/* Opens Chromium with a fresh profile on base (the server's URL). */
export async function openBrowser(base, { viewport = DESKTOP, locale = 'sv-SE', isMobile = false } = {}) {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM} (install Debian's chromium: make deps)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'trygg-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport, isMobile, hasTouch: isMobile, locale,
    baseURL: base,
  });
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    // Failed loads are reported below with their address; the console's line has none.
    if (/^Failed to load resource/.test(m.text()))
      return;
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text()))
      problems.push(`console ${m.type()} on ${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`script error on ${page.url()}: ${e.message}`));
  // A page's own status is the test's business; everything it loads must load.
  page.on('response', (r) => {
    const req = r.request();
    if (r.status() >= 400 && !(req.isNavigationRequest() && req.frame() === page.mainFrame()) &&
        !KNOWN_MISSING.includes(new URL(r.url()).pathname))
      problems.push(`${r.status()} for ${req.resourceType()} ${r.url()} on ${page.url()}`);
  });
  page.on('requestfailed', (req) => problems.push(`failed to load ${req.url()}: ${req.failure()?.errorText}`));

  const b = {
    page, context, base, checked: [],
    /* Runs axe on the page as it is; throws on any violation or console error. */
    async check() {
      await page.waitForLoadState('load');
      // evaluate() is not bound by the page's CSP, so axe runs without weakening it.
      if (!(await page.evaluate(() => typeof window.axe === 'object')))
        await page.evaluate(axe.source);
      const result = await page.evaluate((tags) => window.axe.run(document, {
        runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'],
      }), AXE_TAGS);
      b.checked.push(page.url());
      const errors = problems.splice(0);
      if (result.violations.length)
        throw new Error(formatViolations(page.url(), result.violations));
      if (errors.length)
        throw new Error(errors.join('\n'));
    },
    /* Goes to path and checks the page. Returns the response. */
    async goto(p) {
      const res = await page.goto(p);
      await b.check();
      return res;
    },
    /* Clicks selector, waits for the page it leads to, and checks it. Returns the response. */
    async click(selector) {
      const [res] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
      await b.check();
      return res;
    },
    /* Fills fields ({selector: value}); checkboxes take true or false. */
    async fill(fields) {
      for (const [selector, value] of Object.entries(fields)) {
        if (typeof value === 'boolean')
          await page.setChecked(selector, value);
        else
          await page.fill(selector, value);
      }
    },
    /* Saves a screenshot of the whole page as build/screenshots/NAME.png. */
    async screenshot(name) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      const file = path.join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
  return b;
}

/* Opens a browser on base for fn, then saves build/screenshots/NAME.png of
 * where it ended (pass or fail) and closes it. Options as for openBrowser;
 * a PHONE viewport also makes the browser a touch-screen phone. */
export async function withBrowser(base, name, options, fn) {
  const b = await openBrowser(base, { isMobile: options.viewport === PHONE, ...options });
  try {
    await fn(b);
  } finally {
    await b.screenshot(name).catch(() => {});
    await b.close();
  }
}

/* True when the page is no wider than the window (nothing to scroll sideways). */
export function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

/* Logs in through the login page that /personal/ leads to. Returns the response. */
export async function logIn(b, email, password) {
  await b.goto('/personal/');
  await b.fill({ '#email': email, '#password': password });
  return b.click('main form button[type="submit"]');
}
