// photo_helper.test.mjs — photos are decoded in a process of their own,
// build/trygg-photo (src/photo_helper/), never inside `trygg serve` (that
// trygg is not linked with libvips is in cli.test.mjs). A helper that hangs (killed at
// photo_timeout_seconds), crashes, fails or is missing gives the resident, the
// API client and the tipster a clear answer, never a 500, and leaves no file
// behind: no half-written photo in data/reports, no upload and no plaintext
// tip photo in the upload folder.
//
// The real helper is checked for its sandbox (limits, seccomp) on its own.
// The stand-in helper is a shell script (config key photo_helper) that does
// what the file "mode" beside it says, so one server serves every case.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, sleep, testBinary } from '../lib/rig.mjs';
import { Client, multipart, request } from '../lib/client.mjs';
import { csrfToken, text } from '../lib/html.mjs';
import { makePng } from '../lib/png.mjs';

let server, key, helperDir, modeFile;
const PNG = makePng({ width: 64, height: 48, seed: 11 });
const PLACE = { place_lat: '57.74', place_lon: '12.10', place_text: 'Vid muren' };

before(async () => {
  helperDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trygg-helper-'));
  modeFile = path.join(helperDir, 'mode');
  fs.writeFileSync(modeFile, 'hang');
  const helper = path.join(helperDir, 'fake-trygg-photo');
  // Run with an empty environment: every program by its full path.
  fs.writeFileSync(helper, `#!/bin/sh
case "$(/bin/cat ${modeFile})" in
hang) exec /bin/sleep 60 ;;
crash) echo partial; kill -SEGV $$ ;;
fail) echo error=vips; exit 1 ;;
esac
`, { mode: 0o700 });
  server = await startServer({ demo: true, config: { photo_helper: helper, photo_timeout_seconds: 1 } });
  key = (await server.command(['apikey', 'create', 'Hjälpprogram'])).stdout.trim();
});
after(async () => {
  await server?.stop();
  if (helperDir)
    fs.rmSync(helperDir, { recursive: true, force: true });
});

/* Every file under dir (none when it does not exist). */
function filesUnder(dir) {
  if (!fs.existsSync(dir))
    return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

/* No photo, upload or temporary file is left in the server's folders. The
 * request's upload is removed when the request ends, which may be just after
 * the answer arrives: the folders are looked at again for a while. */
async function assertNothingLeft(s, what) {
  const left = () => [...filesUnder(path.join(s.config.data_dir, 'reports')), ...filesUnder(s.config.upload_dir)];
  for (let i = 0; i < 100 && left().length > 0; i++)
    await sleep(100);
  assert.deepEqual(left(), [], `${what}: files left in data/reports or the upload folder`);
}

/* Posts the page's form at p with its csrf token and one photo, as a browser does. */
async function sendForm(s, p, fields) {
  const c = new Client(s.url);
  const page = await c.get(p);
  assert.equal(page.status, 200);
  const m = multipart({ csrf: csrfToken(page.body), ...fields }, [{ field: 'photos', name: 'a.png', type: 'image/png', bytes: PNG }]);
  return c.send(p, { method: 'POST', body: m.body, headers: { ...m.headers, Origin: c.origin } });
}

function postApi(s, apiKey) {
  const m = multipart({ api_key: apiKey, service_code: 'klotter', lat: '57.74', long: '12.10', description: 'Klotter med bild' },
    [{ field: 'media', name: 'IMG_1.png', type: 'image/png', bytes: PNG }]);
  return request(`${s.url}/open311/v2/requests.json`, { method: 'POST', body: m.body, headers: m.headers });
}

async function count(s, sql) {
  return Number((await s.sql(sql)).trim());
}

for (const mode of ['hang', 'crash']) {
  test(`a photo whose decoding ${mode === 'hang' ? 'runs too long' : 'crashes'}: refused as unreadable with 422 or 400, nothing stored`, async () => {
    fs.writeFileSync(modeFile, mode);
    const reports = await count(server, 'SELECT COUNT(*) FROM reports');
    const tips = await count(server, 'SELECT COUNT(*) FROM tips');

    const form = await sendForm(server, '/felanmalan', { category: 'klotter', description: 'Klotter med bild', ...PLACE, confirmed: '1' });
    assert.equal(form.status, 422, text(form.body).slice(0, 400));
    assert.match(text(form.body), /En av bilderna kunde inte läsas\. Skicka JPEG, PNG, WebP eller HEIC\./);

    const api = await postApi(server, key);
    assert.equal(api.status, 400, api.body);
    assert.match(JSON.parse(api.body)[0].description, /media must be a JPEG, PNG, WebP or HEIC image/);

    const tip = await sendForm(server, '/tipsa', { what: 'Något hände vid tunneln', place_text: 'Tunneln', when: 'I går', how: 'saw', contact: '' });
    assert.equal(tip.status, 422, text(tip.body).slice(0, 400));
    assert.match(text(tip.body), /En av filerna kunde inte läsas som en bild/);

    assert.equal(await count(server, 'SELECT COUNT(*) FROM reports'), reports);
    assert.equal(await count(server, 'SELECT COUNT(*) FROM tips'), tips);
    await assertNothingLeft(server, mode);
  });
}

test('a photo helper that fails by itself: the form asks to try again, the API answers 503, nothing stored', async () => {
  fs.writeFileSync(modeFile, 'fail');
  const reports = await count(server, 'SELECT COUNT(*) FROM reports');
  const form = await sendForm(server, '/felanmalan', { category: 'klotter', description: 'Klotter med bild', ...PLACE, confirmed: '1' });
  assert.equal(form.status, 422, text(form.body).slice(0, 400));
  assert.match(text(form.body), /Bilderna kunde inte sparas\. Försök igen\./);
  const api = await postApi(server, key);
  assert.equal(api.status, 503, api.body);
  assert.equal(JSON.parse(api.body)[0].description, 'the photo could not be stored');
  assert.equal(await count(server, 'SELECT COUNT(*) FROM reports'), reports);
  await assertNothingLeft(server, 'fail');
  // The operator learns why from the server's output.
  assert.match(server.output(), /photo: .*fake-trygg-photo failed \(exit status 1\)/);
  assert.match(server.output(), /photo: .*fake-trygg-photo ran longer than 1 s and was stopped/);
  assert.match(server.output(), /photo: .*fake-trygg-photo was ended by a signal/);
});

test('a photo helper that is missing: 503 from the API, the form asks to try again', async () => {
  const s = await startServer({ demo: true, config: { photo_helper: path.join(helperDir, 'no-such-helper') } });
  try {
    const apiKey = (await s.command(['apikey', 'create', 'Saknas'])).stdout.trim();
    const api = await postApi(s, apiKey);
    assert.equal(api.status, 503, api.body);
    const form = await sendForm(s, '/felanmalan', { category: 'klotter', description: 'Klotter med bild', ...PLACE, confirmed: '1' });
    assert.equal(form.status, 422);
    assert.match(text(form.body), /Bilderna kunde inte sparas\. Försök igen\./);
    await assertNothingLeft(s, 'missing');
    assert.match(s.output(), /no-such-helper could not be started/);
  } finally {
    await s.stop();
  }
});

test('the real helper runs sandboxed: no new privileges, a seccomp filter, memory, CPU, core and file-size limits', async () => {
  const helper = path.join(path.dirname(testBinary()), 'trygg-photo');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trygg-sandbox-'));
  try {
    // A FIFO nobody writes to: the helper waits in its first read, with every limit set.
    const fifo = path.join(dir, 'upload');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(helper, [fifo], { stdio: 'ignore', env: {} });
    try {
      let status = '';
      for (let i = 0; i < 100 && !/Seccomp:\s*2/.test(status); i++) {
        await sleep(100);
        status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      }
      assert.match(status, /NoNewPrivs:\s*1/);
      assert.match(status, /Seccomp:\s*2/, 'a seccomp filter is installed');
      const limits = fs.readFileSync(`/proc/${child.pid}/limits`, 'utf8');
      assert.match(limits, /Max cpu time\s+30\s/);
      assert.match(limits, /Max core file size\s+0\s/);
      assert.match(limits, /Max file size\s+67108864\s/);
      if (!/asan/.test(helper)) // AddressSanitizer needs terabytes of address space: no limit there
        assert.match(limits, /Max address space\s+1073741824\s/);
    } finally {
      child.kill('SIGKILL');
    }
    // And on a file that is no image: exit status 2 and error=not-image, nothing written.
    const bad = path.join(dir, 'bad.jpg'), out = path.join(dir, 'out.jpg');
    fs.writeFileSync(bad, 'inte en bild');
    const r = spawnSync(helper, ['--out', out, bad], { encoding: 'utf8', env: {} });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, 'error=not-image\n');
    assert.ok(!fs.existsSync(out));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
