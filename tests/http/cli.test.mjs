// cli.test.mjs — the trygg command line: help and version, exit status 2 with a
// clear message for bad arguments, migrate and demo on a fresh database (and
// again, changing nothing), user add with a password on standard input or a
// generated one, user list; then a server on that database lets the new user in;
// and that trygg is not linked with libvips (only its photo helper is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, testBinary, startServer } from '../lib/rig.mjs';
import { Client, login } from '../lib/client.mjs';

/* Runs trygg with args; resolves {code, stdout, stderr} whatever the exit status. */
function trygg(args, input = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(testBinary(), args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

test('--help and --version answer on standard output with status 0', async () => {
  const help = await trygg(['--help']);
  assert.equal(help.code, 0);
  for (const word of ['serve', 'migrate', 'demo', 'user add', 'user list', '--database'])
    assert.ok(help.stdout.includes(word), `--help mentions ${word}`);
  const version = await trygg(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^trygg \d+\.\d+\.\d+/);
  for (const cmd of ['serve', 'migrate', 'demo', 'user']) {
    const r = await trygg([cmd, '--help']);
    assert.equal(r.code, 0, `${cmd} --help`);
    assert.match(r.stdout, new RegExp(`Usage: trygg ${cmd}`));
  }
});

test('bad arguments give a clear message and status 2', async () => {
  const cases = [
    [[], /missing command/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['serve', '--no-such-option'], /unknown or incomplete option/],
    [['serve', '--listen', 'nowhere'], /--listen 'nowhere' is not ADDRESS:PORT/],
    [['serve', '--database', 'mysql://x'], /must start with sqlite: or postgresql:\/\//],
    [['migrate', 'extra'], /unexpected argument 'extra'/],
    [['user'], /missing 'add' or 'list'/],
    [['user', 'add'], /one e-mail address/],
    [['user', 'add', 'a@b.example'], /needs --role/],
    [['user', 'add', 'a@b.example', '--role', 'chef'], /unknown role in 'chef'/],
    [['demo', '--role', 'admin'], /--role is only for 'user add'/],
    [['serve', '--config', '/nonexistent/trygg.conf'], /cannot read configuration file/],
  ];
  for (const [args, message] of cases) {
    const r = await trygg(args);
    assert.equal(r.code, 2, `trygg ${args.join(' ')} → status ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message, `trygg ${args.join(' ')}`);
    assert.equal(r.stdout, '', 'nothing on standard output');
  }
});

test('migrate, demo, user add and user list on a fresh database', async (t) => {
  // The server handle gives a fresh database (SQLite file or PostgreSQL database) and its config.
  const server = await startServer();
  t.after(() => server.stop());

  const migrate = await server.command(['migrate']);
  assert.match(migrate.stdout, /up to date/);
  const demo1 = await server.command(['demo']);
  assert.match(demo1.stdout, /admin@trygg\.example/);
  const before = (await server.command(['user', 'list'])).stdout;
  const demo2 = await server.command(['demo']); // a second time changes nothing and does not fail
  assert.match(demo2.stdout, /admin@trygg\.example/);
  assert.equal((await server.command(['user', 'list'])).stdout, before);

  // Password on standard input.
  const added = await server.command(['user', 'add', 'Kim.Kustbevakare@Trygg.Example', '--role', 'polis,samordnare',
    '--name', 'Kim Kust'], 'ett-langt-losenord-2026\n');
  assert.match(added.stdout, /Added kim\.kustbevakare@trygg\.example|Added Kim\.Kustbevakare@Trygg\.Example/i);
  assert.doesNotMatch(added.stdout, /Password:/);

  // No password given: one is generated and printed once.
  const generated = await server.command(['user', 'add', 'ny@trygg.example', '--role', 'handlaggare']);
  const m = generated.stdout.match(/Password: (\S+)/);
  assert.ok(m, generated.stdout);
  assert.ok(m[1].length >= 12);

  const list = await server.command(['user', 'list']);
  assert.match(list.stdout, /kim\.kustbevakare@trygg\.example/);
  assert.match(list.stdout, /polis/);
  assert.match(list.stdout, /samordnare/);
  assert.match(list.stdout, /ny@trygg\.example/);

  // The same address again is refused with a message and status 1.
  await assert.rejects(server.command(['user', 'add', 'kim.kustbevakare@trygg.example', '--role', 'polis'],
    'ett-annat-losenord-2026\n'), /exited with 1/);
  // A password that is too short is refused.
  await assert.rejects(server.command(['user', 'add', 'kort@trygg.example', '--role', 'polis'], 'kort\n'),
    /exited with 1/);

  // The new user can log in with the password given on standard input.
  const client = new Client(server.url);
  const res = await login(client, 'kim.kustbevakare@trygg.example', 'ett-langt-losenord-2026');
  assert.ok(res.status < 400, `login answered ${res.status}`);
  const start = await client.get('/personal/');
  assert.equal(start.status, 200);
  assert.match(start.body, /Kim Kust/);
});

test('trygg is not linked with libvips: only the photo helper trygg-photo beside it is', () => {
  const helper = path.join(path.dirname(testBinary()), 'trygg-photo');
  assert.doesNotMatch(execFileSync('ldd', [testBinary()], { encoding: 'utf8' }), /libvips/);
  assert.ok(fs.existsSync(helper), `${helper} is built beside trygg`);
  assert.match(execFileSync('ldd', [helper], { encoding: 'utf8' }), /libvips\.so/);
});
