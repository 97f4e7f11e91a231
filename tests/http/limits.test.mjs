// limits.test.mjs — a few slow or hostile clients cannot starve everyone else:
// connections per address are limited, idle and slow connections are closed
// after the timeout, and while one address holds all it may, another address
// (127.0.0.2, also loopback) is still served at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, sleep } from '../lib/rig.mjs';

const PER_IP = 6;
const TIMEOUT = 2;

/* Opens a connection from localAddress and sends an incomplete request (no
 * blank line: a slowloris client). Resolves with the socket once connected. */
function slowClient(port, localAddress = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress }, () => {
      s.write('GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ');
      resolve(s);
    });
    s.on('error', reject);
  });
}

/* Resolves true when the socket is closed by the server within ms. */
function closedWithin(socket, ms) {
  return new Promise((resolve) => {
    if (socket.destroyed || socket.readableEnded)
      return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.on('close', () => { clearTimeout(timer); resolve(true); });
    socket.on('end', () => { clearTimeout(timer); resolve(true); });
    socket.on('error', () => { clearTimeout(timer); resolve(true); });
  });
}

/* One complete GET /healthz from localAddress; resolves with the status line, or null
 * when the server closed the connection without answering. */
function get(port, localAddress = '127.0.0.1') {
  return new Promise((resolve) => {
    let data = '';
    const s = net.connect({ host: '127.0.0.1', port, localAddress }, () => {
      s.write('GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    });
    s.setTimeout(10000, () => s.destroy());
    s.on('data', (d) => { data += d; });
    s.on('close', () => resolve(data ? data.split('\r\n')[0] : null));
    s.on('error', () => {});
  });
}

test('connections per address are limited; another address is still served', async (t) => {
  const server = await startServer({ config: { per_ip_limit: PER_IP, timeout_seconds: 30 } });
  t.after(() => server.stop());
  const slow = [];
  t.after(() => slow.forEach((s) => s.destroy()));
  for (let i = 0; i < PER_IP; i++)
    slow.push(await slowClient(server.port));
  await sleep(200);
  // The address has used its share: a further connection is refused (closed unanswered).
  assert.equal(await get(server.port), null, 'a connection over the per-address limit is closed');
  // Another address is not affected.
  assert.match(await get(server.port, '127.0.0.2'), /^HTTP\/1\.1 200/);
  // When the slow clients go, the address is served again.
  slow.forEach((s) => s.destroy());
  await sleep(300);
  assert.match(await get(server.port), /^HTTP\/1\.1 200/);
});

test('idle and slow connections are closed after the timeout', async (t) => {
  const server = await startServer({ config: { timeout_seconds: TIMEOUT } });
  t.after(() => server.stop());
  const slow = await slowClient(server.port);
  const idle = await new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: server.port }, () => resolve(s));
    s.on('error', reject);
  });
  t.after(() => { slow.destroy(); idle.destroy(); });
  assert.equal(await closedWithin(slow, (TIMEOUT + 5) * 1000), true, 'a request that never ends is cut off');
  assert.equal(await closedWithin(idle, (TIMEOUT + 5) * 1000), true, 'a connection that sends nothing is closed');
  assert.match(await get(server.port), /^HTTP\/1\.1 200/);
});
