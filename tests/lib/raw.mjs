// raw.mjs — HTTP over a bare TCP socket (node:net), for requests that no
// well-behaved client library would send: broken request lines, bad
// encodings, conflicting lengths, truncated bodies, several requests on one
// connection.
import net from 'node:net';

/* Splits the start of buf into complete HTTP/1.1 responses.
 * noBody(i): true when the i-th response answers a HEAD request.
 * Returns {responses: [{status, reason, headers (lower-case, multi-valued joined
 * with ", "), setCookies, body (Buffer)}], rest (Buffer not yet parsed)}. */
export function parseResponses(buf, noBody = () => false) {
  const responses = [];
  let pos = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end < 0)
      break;
    const head = buf.subarray(pos, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(head[0]);
    if (!m)
      throw new Error(`not an HTTP response: ${JSON.stringify(head[0])}`);
    const headers = {}, setCookies = [];
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase(), value = line.slice(colon + 1).trim();
      if (name === 'set-cookie')
        setCookies.push(value);
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const status = Number(m[2]);
    let bodyStart = end + 4, bodyEnd;
    let body = Buffer.alloc(0);
    if (noBody(responses.length) || status === 304 || status === 204 || (status >= 100 && status < 200)) {
      bodyEnd = bodyStart;
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts = [];
      let p = bodyStart, done = false;
      for (;;) {
        const lineEnd = buf.indexOf('\r\n', p);
        if (lineEnd < 0)
          break;
        const size = parseInt(buf.subarray(p, lineEnd).toString('latin1'), 16);
        if (size === 0) {
          const trailerEnd = buf.indexOf('\r\n\r\n', lineEnd - 2 < p ? p : lineEnd - 2);
          if (trailerEnd < 0)
            break;
          p = trailerEnd + 4;
          done = true;
          break;
        }
        if (lineEnd + 2 + size + 2 > buf.length)
          break;
        parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        p = lineEnd + 2 + size + 2;
      }
      if (!done)
        break;
      body = Buffer.concat(parts);
      bodyEnd = p;
    } else if ('content-length' in headers) {
      bodyEnd = bodyStart + Number(headers['content-length']);
      if (bodyEnd > buf.length)
        break;
      body = buf.subarray(bodyStart, bodyEnd);
    } else {
      break; // body runs to the end of the connection: complete only on close
    }
    responses.push({ status, reason: m[3] ?? '', version: m[1], headers, setCookies, body, text: body.toString('utf8') });
    pos = bodyEnd;
  }
  return { responses, rest: buf.subarray(pos) };
}

/* Sends data (a string, a Buffer, or an array of them sent delayMs apart) to
 * 127.0.0.1:port and collects what comes back. It stops when the server closes
 * the connection, when `expect` complete responses have arrived, or after
 * timeoutMs. With halfClose, the writing side is shut after sending (as a
 * client that has nothing more to say). With closeAfterSend, the socket is
 * dropped right after sending (a client that gives up mid-request).
 * Returns {responses, status (of the first response, or null), buffer, closed
 * (the server ended the connection), reset (it reset it), timedOut}. */
export function raw(port, data, { timeoutMs = 10000, delayMs = 20, expect = 1, head = false, halfClose = false,
  closeAfterSend = false, stopWhenAnswered = true } = {}) {
  const parts = (Array.isArray(data) ? data : [data]).map((d) => Buffer.isBuffer(d) ? d : Buffer.from(d, 'latin1'));
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const chunks = [];
    let closed = false, reset = false, timedOut = false, finished = false, writeError = null;
    const finish = () => {
      if (finished)
        return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      const buffer = Buffer.concat(chunks);
      let parsed;
      try {
        parsed = parseResponses(buffer, () => head);
      } catch (e) {
        parsed = { responses: [], rest: buffer, error: e.message };
      }
      // A response whose body runs to the end of the connection.
      if (closed && parsed.rest.length && !parsed.error) {
        const tail = parseResponses(Buffer.concat([parsed.rest, Buffer.from('\r\n\r\n')]), () => true);
        if (tail.responses.length === 1)
          parsed.responses.push(tail.responses[0]);
      }
      resolve({
        responses: parsed.responses, status: parsed.responses[0]?.status ?? null, parseError: parsed.error ?? null,
        buffer, text: buffer.toString('latin1'), closed, reset, timedOut, writeError,
      });
    };
    const timer = setTimeout(() => { timedOut = true; finish(); }, timeoutMs);
    sock.on('data', (d) => {
      chunks.push(d);
      try {
        if (parseResponses(Buffer.concat(chunks), () => head).responses.length >= expect && expect > 0)
          finish();
      } catch { /* not HTTP: wait for the close */ }
    });
    sock.on('end', () => { closed = true; finish(); });
    sock.on('close', () => { closed = true; finish(); });
    sock.on('error', (e) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') {
        reset = true;
        closed = true;
        if (e.syscall === 'write')
          writeError = e.code;
      }
      finish();
    });
    sock.on('connect', async () => {
      // A server that answers early (413) is not fed the rest of the body.
      for (let i = 0; i < parts.length && !finished && !(i > 0 && chunks.length && stopWhenAnswered); i++) {
        if (i > 0 && delayMs)
          await new Promise((r) => setTimeout(r, delayMs));
        if (!finished)
          sock.write(parts[i]);
      }
      if (closeAfterSend)
        setTimeout(() => { closed = false; finish(); }, delayMs);
      else if (halfClose && !finished)
        sock.end();
    });
  });
}

/* Opens a connection and leaves it to the caller: {socket, send(data), read(n responses)}. */
export function connect(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      let buffer = Buffer.alloc(0), taken = 0;
      const waiters = [];
      let closed = false;
      const check = () => {
        for (const w of [...waiters]) {
          const { responses } = parseResponses(buffer, w.noBody);
          if (responses.length >= w.n || closed) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(responses.slice(taken, w.n));
            taken = Math.max(taken, Math.min(w.n, responses.length));
          }
        }
      };
      sock.on('data', (d) => { buffer = Buffer.concat([buffer, d]); check(); });
      sock.on('close', () => { closed = true; check(); });
      sock.on('error', () => {});
      resolve({
        socket: sock,
        get closed() { return closed; },
        send(data) { sock.write(Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1')); },
        /* Waits until n responses in all have arrived on this connection; returns the new ones. */
        read(n, noBody = () => false) {
          return new Promise((res) => { waiters.push({ n, noBody, resolve: res }); check(); });
        },
        close() { sock.destroy(); },
      });
    });
    sock.on('error', reject);
  });
}
