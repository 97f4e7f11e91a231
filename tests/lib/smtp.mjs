// smtp.mjs — a mail server on loopback for tests of Trygg's outgoing mail.
// It speaks enough of RFC 5321 for libcurl's SMTP client: EHLO/HELO, MAIL
// FROM, RCPT TO, DATA (with dot-unstuffing), RSET, NOOP, VRFY, QUIT; no TLS
// and no AUTH. It records every accepted message, and can be stopped and
// started again on the same port, so a test can check that mail waits in the
// outbox while the server is down and goes out when it is back.
//
//   const smtp = await startSmtp();          // a free port on 127.0.0.1
//   … smtp.port, await smtp.waitFor(1), smtp.messages …
//   await smtp.stop(); … await smtp.start(); // same port
//   smtp.failNext('RCPT', 450)               // answer the next RCPT TO with 450
import net from 'node:net';

const MAX_LINE = 4096;          // RFC 5321 allows 1000 per text line; be generous
const MAX_MESSAGE = 10 << 20;

/* Parses "FROM:<a@b> SIZE=10" after the verb; returns the address or null. */
function pathArgument(rest, keyword) {
  const m = new RegExp(`^${keyword}:\\s*<([^>]*)>(.*)$`, 'i').exec(rest);
  return m ? m[1] : null;
}

/* Splits a message into headers (lower-case names, unfolded) and body. */
export function parseMessage(data) {
  const split = data.indexOf('\r\n\r\n');
  const headText = split < 0 ? data : data.slice(0, split);
  const body = split < 0 ? '' : data.slice(split + 4);
  const headers = {};
  for (const line of headText.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

export async function startSmtp({ port = 0, hostname = 'mail.test' } = {}) {
  const messages = [];
  const sessions = new Set();
  const failures = [];           // [{verb, code}] answered once each
  const waiters = [];
  let server = null;

  function notify() {
    for (const w of [...waiters]) {
      if (messages.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(messages.slice(0, w.n));
      }
    }
  }

  function takeFailure(verb) {
    const i = failures.findIndex((f) => f.verb === verb);
    return i < 0 ? null : failures.splice(i, 1)[0].code;
  }

  function session(sock) {
    sessions.add(sock);
    sock.on('close', () => sessions.delete(sock));
    sock.on('error', () => {});
    const reply = (text) => { if (!sock.destroyed) sock.write(`${text}\r\n`); };
    let pending = Buffer.alloc(0);
    let helo = null, from = null, rcpt = [], inData = false, dataLines = [], dataSize = 0;
    const reset = () => { from = null; rcpt = []; inData = false; dataLines = []; dataSize = 0; };

    function dataLine(line) {
      if (line === '.') {
        const data = dataLines.join('\r\n') + '\r\n';
        inData = false;
        const code = takeFailure('DATA-END');
        if (code) {
          reply(`${code} message not accepted (test failure)`);
        } else if (dataSize > MAX_MESSAGE) {
          reply('552 message too large');
        } else {
          messages.push({ helo, from, to: [...rcpt], data, ...parseMessage(data), at: new Date() });
          reply(`250 2.0.0 queued as ${messages.length}`);
          notify();
        }
        reset();
        return;
      }
      // Dot-unstuffing: a line that began with '.' was sent with one more.
      const text = line.startsWith('.') ? line.slice(1) : line;
      dataSize += text.length + 2;
      if (dataSize <= MAX_MESSAGE)
        dataLines.push(text);
    }

    function command(line) {
      const sp = line.indexOf(' ');
      const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
      const rest = sp < 0 ? '' : line.slice(sp + 1).trim();
      const failure = takeFailure(verb);
      if (failure) {
        reply(`${failure} ${verb} refused (test failure)`);
        if (failure === 421)
          sock.end();
        return;
      }
      switch (verb) {
      case 'EHLO':
        helo = rest;
        reset();
        reply(`250-${hostname} greets ${rest || 'you'}`);
        reply('250-8BITMIME');
        reply('250-SMTPUTF8');
        reply(`250-SIZE ${MAX_MESSAGE}`);
        reply('250 PIPELINING');
        break;
      case 'HELO':
        helo = rest;
        reset();
        reply(`250 ${hostname}`);
        break;
      case 'MAIL': {
        const addr = pathArgument(rest, 'FROM');
        if (helo === null)
          reply('503 5.5.1 EHLO first');
        else if (addr === null)
          reply('501 5.5.4 syntax: MAIL FROM:<address>');
        else if (from !== null)
          reply('503 5.5.1 nested MAIL command');
        else {
          from = addr;
          reply('250 2.1.0 ok');
        }
        break;
      }
      case 'RCPT': {
        const addr = pathArgument(rest, 'TO');
        if (from === null)
          reply('503 5.5.1 MAIL first');
        else if (!addr)
          reply('501 5.5.4 syntax: RCPT TO:<address>');
        else {
          rcpt.push(addr);
          reply('250 2.1.5 ok');
        }
        break;
      }
      case 'DATA':
        if (rcpt.length === 0)
          reply('503 5.5.1 RCPT first');
        else {
          inData = true;
          reply('354 end data with <CR><LF>.<CR><LF>');
        }
        break;
      case 'RSET':
        reset();
        reply('250 2.0.0 ok');
        break;
      case 'NOOP':
        reply('250 2.0.0 ok');
        break;
      case 'VRFY':
        reply('252 2.1.5 cannot verify, will try');
        break;
      case 'QUIT':
        reply(`221 2.0.0 ${hostname} closing`);
        sock.end();
        break;
      default:
        reply('500 5.5.2 command not recognized');
      }
    }

    sock.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (let nl; (nl = pending.indexOf('\n')) >= 0;) {
        let line = pending.subarray(0, nl).toString('utf8');
        pending = pending.subarray(nl + 1);
        if (line.endsWith('\r'))
          line = line.slice(0, -1);
        if (inData)
          dataLine(line);
        else
          command(line);
      }
      if (!inData && pending.length > MAX_LINE) {
        reply('500 5.5.6 line too long');
        sock.destroy();
      }
    });
    reply(`220 ${hostname} ESMTP test server`);
  }

  const smtp = {
    port,
    messages,
    /* Starts listening (again) on smtp.port, or a free port the first time. */
    start() {
      return new Promise((resolve, reject) => {
        server = net.createServer(session);
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: smtp.port, exclusive: true }, () => {
          smtp.port = server.address().port;
          resolve(smtp);
        });
      });
    },
    /* Stops listening and drops every open session, as a crashed server would. */
    stop() {
      return new Promise((resolve) => {
        if (!server)
          return resolve();
        for (const s of sessions)
          s.destroy();
        server.close(() => resolve());
        server = null;
      });
    },
    get running() {
      return server !== null;
    },
    /* Answers the next command `verb` ('MAIL', 'RCPT', 'DATA', 'DATA-END' for the
     * end of the message, …) with code instead of going on. */
    failNext(verb, code) {
      failures.push({ verb: verb.toUpperCase(), code });
    },
    /* Resolves with the first n messages once they have arrived; rejects after timeoutMs. */
    waitFor(n = 1, timeoutMs = 10000) {
      return new Promise((resolve, reject) => {
        const w = { n, resolve };
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`expected ${n} message(s) within ${timeoutMs} ms, have ${messages.length}`));
        }, timeoutMs);
        waiters.push(w);
        notify();
      });
    },
    clear() {
      messages.length = 0;
    },
  };
  await smtp.start();
  return smtp;
}
