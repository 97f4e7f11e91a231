// smtp.test.mjs — self-test of the loopback mail server in tests/lib/smtp.mjs:
// a session by hand over node:net, dot-unstuffing, errors, refusals on request,
// stop and start on the same port, and a real libcurl client (the curl
// command, the same library the server sends mail with).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSmtp } from '../lib/smtp.mjs';

let smtp;
before(async () => { smtp = await startSmtp(); });
after(async () => { await smtp.stop(); });

/* A tiny SMTP client: sends each command, returns every reply (multi-line replies joined). */
async function converse(port, commands) {
  const sock = net.connect({ host: '127.0.0.1', port });
  let buffer = '';
  const replies = [];
  let wake = null;
  sock.on('data', (d) => {
    buffer += d.toString('utf8');
    for (let nl; (nl = buffer.indexOf('\r\n')) >= 0;) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 2);
      (replies.partial ??= []).push(line);
      if (line[3] === ' ' || line.length === 3) {
        replies.push(replies.partial.join('\n'));
        replies.partial = null;
        wake?.();
      }
    }
  });
  const closed = new Promise((r) => sock.on('close', r));
  const next = async (count) => {
    while (replies.length < count)
      await new Promise((r) => { wake = r; });
  };
  await next(1); // the greeting
  for (const c of commands) {
    const want = replies.length + 1;
    sock.write(c);
    await Promise.race([next(want), closed]);
  }
  sock.end();
  await closed;
  return replies;
}

test('a whole session by hand is recorded with dot-unstuffing', async () => {
  smtp.clear();
  const replies = await converse(smtp.port, [
    'EHLO client.test\r\n',
    'MAIL FROM:<noreply@trygg.example>\r\n',
    'RCPT TO:<a@example.org>\r\n',
    'RCPT TO:<b@example.org>\r\n',
    'DATA\r\n',
    'Subject: Hej\r\nFrom: Trygg <noreply@trygg.example>\r\n\r\nRad ett\r\n..punkt först\r\n...\r\n.\r\n',
    'QUIT\r\n',
  ]);
  assert.match(replies[0], /^220 /);
  assert.match(replies[1], /^250-.*\n250-8BITMIME[\s\S]*\n250 PIPELINING$/);
  assert.deepEqual(replies.slice(2, 5).map((r) => r.slice(0, 3)), ['250', '250', '250']);
  assert.match(replies[5], /^354 /);
  assert.match(replies[6], /^250 /);
  assert.match(replies[7], /^221 /);
  const [m] = await smtp.waitFor(1);
  assert.equal(m.from, 'noreply@trygg.example');
  assert.deepEqual(m.to, ['a@example.org', 'b@example.org']);
  assert.equal(m.headers.subject, 'Hej');
  assert.equal(m.body, 'Rad ett\r\n.punkt först\r\n..\r\n');
});

test('commands out of order, unknown commands, RSET and NOOP', async () => {
  smtp.clear();
  const replies = await converse(smtp.port, [
    'MAIL FROM:<x@example.org>\r\n', // before EHLO
    'HELO client.test\r\n',
    'RCPT TO:<y@example.org>\r\n',   // before MAIL
    'DATA\r\n',                      // before RCPT
    'MAIL FROM:x@example.org\r\n',   // no angle brackets
    'MAIL FROM:<x@example.org>\r\n',
    'RSET\r\n',
    'RCPT TO:<y@example.org>\r\n',   // the transaction was reset
    'NOOP\r\n',
    'FROB\r\n',
    'QUIT\r\n',
  ]);
  assert.deepEqual(replies.slice(1).map((r) => Number(r.slice(0, 3))),
    [503, 250, 503, 503, 501, 250, 250, 503, 250, 500, 221]);
  assert.equal(smtp.messages.length, 0);
});

test('failNext makes the next command fail once', async () => {
  smtp.clear();
  smtp.failNext('RCPT', 450);
  const session = [
    'EHLO c\r\n', 'MAIL FROM:<a@b.example>\r\n', 'RCPT TO:<c@d.example>\r\n', 'QUIT\r\n',
  ];
  let replies = await converse(smtp.port, session);
  assert.match(replies[3], /^450 /);
  replies = await converse(smtp.port, session);
  assert.match(replies[3], /^250 /);
});

test('stop refuses connections; start listens again on the same port', async () => {
  const port = smtp.port;
  await smtp.stop();
  assert.equal(smtp.running, false);
  await assert.rejects(new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(); });
    s.on('error', reject);
  }), { code: 'ECONNREFUSED' });
  await smtp.start();
  assert.equal(smtp.port, port);
  const replies = await converse(port, ['NOOP\r\n', 'QUIT\r\n']);
  assert.match(replies[1], /^250 /);
});

test('libcurl (the curl command) delivers a message', async (t) => {
  const curl = ['/usr/bin/curl', '/usr/local/bin/curl'].find((p) => fs.existsSync(p));
  if (!curl)
    return t.skip('no curl command on this machine');
  smtp.clear();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trygg-smtp-'));
  const file = path.join(dir, 'mail.txt');
  fs.writeFileSync(file, 'From: Trygg <noreply@trygg.example>\r\nTo: a@example.org\r\nSubject: Prov\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n\r\nHej då!\r\n.\r\nSista raden\r\n');
  try {
    await new Promise((resolve, reject) => execFile(curl, ['-sS', '--max-time', '10',
      `smtp://127.0.0.1:${smtp.port}`, '--mail-from', 'noreply@trygg.example', '--mail-rcpt', 'a@example.org',
      '--upload-file', file], (err, stdout, stderr) => err ? reject(new Error(stderr || err.message)) : resolve()));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const [m] = await smtp.waitFor(1);
  assert.equal(m.headers.subject, 'Prov');
  assert.deepEqual(m.to, ['a@example.org']);
  assert.equal(m.body, 'Hej då!\r\n.\r\nSista raden\r\n');
});
