// rig.mjs — the one place that starts and stops Trygg servers and their
// databases for the HTTP and browser tests.
//
// Each startServer() gets its own temporary folder (data, uploads, access log,
// configuration file, server output) and its own fresh database: a new SQLite
// file, or a new database in the private PostgreSQL cluster that tests/run.sh
// starts (scripts/pg-cluster.sh). The environment chooses:
//   TRYGG_BIN     server binary (default build/asan/trygg)
//   TRYGG_DB      sqlite (default) or pg
//   TRYGG_PG_DIR, TRYGG_PG_PORT   the cluster, for TRYGG_DB=pg
//   TRYGG_KEEP=1  keep the temporary folders (their paths are printed)
//
// stop() fails when the server's output holds a sanitizer report, so every
// test that stops its server also checks it for memory errors.
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const execFileP = promisify(execFile);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/* The demo logins that `trygg demo` creates (src/demo/demo.c). */
export const DEMO = {
  handlaggare: { email: 'handlaggare@trygg.example', password: 'demo-handlaggare-2026', name: 'Hanna Handläggare' },
  samordnare: { email: 'samordnare@trygg.example', password: 'demo-samordnare-2026', name: 'Sam Samordnare' },
  polis: { email: 'polis@trygg.example', password: 'demo-polis-2026', name: 'Per Polis' },
  admin: { email: 'admin@trygg.example', password: 'demo-admin-2026', name: 'Ada Administratör' },
};

/* Settings every test server gets; a test's own config wins. password_memlimit
 * and password_opslimit are libsodium's minimums (src/core/config.c allows
 * 8192 bytes and 1 pass), so a login costs milliseconds instead of a second
 * under the sanitizers. */
const TEST_CONFIG = {
  threads: 4,
  password_memlimit: '8K',
  password_opslimit: 1,
  grace_seconds: 10,
  timeout_seconds: 30,
};

const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer/;

export function testDb() {
  const db = process.env.TRYGG_DB || 'sqlite';
  if (db !== 'sqlite' && db !== 'pg')
    throw new Error(`TRYGG_DB must be sqlite or pg, not '${db}'`);
  return db;
}

export function testBinary() {
  return path.resolve(ROOT, process.env.TRYGG_BIN || 'build/asan/trygg');
}

let databaseCounter = 0;

/* Servers still running. When a test process ends without stopping its
 * servers (a crash, a timeout), they are killed rather than left behind. */
const running = new Set();
process.on('exit', () => {
  for (const child of running)
    child.kill('SIGKILL');
});

/* A new, empty database. Returns its URL. */
async function createDatabase(kind, dir) {
  if (kind === 'sqlite')
    return `sqlite:${path.join(dir, 'trygg.db')}`;
  const pgDir = process.env.TRYGG_PG_DIR, pgPort = process.env.TRYGG_PG_PORT;
  if (!pgDir || !pgPort)
    throw new Error('TRYGG_DB=pg needs TRYGG_PG_DIR and TRYGG_PG_PORT: the cluster that tests/run.sh starts ' +
      '(or: scripts/pg-cluster.sh start DIR PORT yourself)');
  const name = `t_${process.pid}_${Date.now().toString(36)}_${++databaseCounter}`;
  const { stdout } = await execFileP('sh', [path.join(ROOT, 'scripts/pg-cluster.sh'), 'createdb', pgDir, pgPort, name]);
  return stdout.trim();
}

/* Runs psql against the cluster's maintenance database (TRYGG_DB=pg only). */
export async function psql(sql, database = 'postgres') {
  const { stdout } = await execFileP('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1',
    '-p', process.env.TRYGG_PG_PORT, '-U', 'trygg', '-d', database, '-c', sql]);
  return stdout;
}

function configText(config) {
  return Object.entries(config).map(([k, v]) => `${k} = ${v}\n`).join('');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/* Runs a trygg command (not serve) with the server's database and config. */
async function runCommand(binary, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 || SANITIZER_REPORT.test(stderr))
        reject(new Error(`trygg ${args.join(' ')} exited with ${code ?? signal}:\n${stderr}`));
      else
        resolve({ stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/* Starts a server. Options:
 *   db      'sqlite' | 'pg' (default from TRYGG_DB)
 *   binary  path of trygg (default from TRYGG_BIN)
 *   config  extra configuration keys
 *   demo    load the demo logins before starting
 *   database  the URL of another server's database (handle.dbUrl), to run a
 *           second process on it; that server's stop() removes it, not this one's
 * Returns the server handle described at the end of this function. */
export async function startServer({ db = testDb(), binary = testBinary(), config = {}, demo = false,
  database = null } = {}) {
  if (!fs.existsSync(binary))
    throw new Error(`${binary} does not exist: run make -j2 build unit`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trygg-test-'));
  let dbUrl;
  try {
    dbUrl = database ?? await createDatabase(db, dir);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const fullConfig = {
    share_dir: ROOT,
    locale_dir: path.join(ROOT, 'build/locale'),
    data_dir: path.join(dir, 'data'),
    upload_dir: path.join(dir, 'upload'),
    access_log: path.join(dir, 'access.log'),
    ...TEST_CONFIG,
    ...config,
  };
  const configFile = path.join(dir, 'trygg.conf');
  fs.writeFileSync(configFile, configText(fullConfig));
  const common = ['--database', dbUrl, '--config', configFile];

  let port = 0;
  let proc = null;
  let output = '';           // everything the server printed on stderr, over all its runs
  let exited = null;         // promise of {code, signal} of the running process
  const logFile = path.join(dir, 'server.log');

  async function launch() {
    const child = spawn(binary, ['serve', '--listen', `127.0.0.1:${port}`, ...common], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0' },
    });
    proc = child;
    handle.proc = child;
    running.add(child);
    child.on('exit', () => running.delete(child));
    let seen = '';
    // 'close' comes after the last of stderr (a sanitizer report at exit included).
    exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(async () => {
        reject(new Error(`server did not start within 30 s:\n${seen}${await whatItWaitsFor(child.pid)}`));
      }, 30000);
      child.stderr.on('data', (d) => {
        const text = d.toString();
        output += text;
        seen += text;
        try {
          fs.appendFileSync(logFile, text);
        } catch { /* the folder is gone: the output is still kept in memory */ }
        const m = /serving on http:\/\/127\.0\.0\.1:(\d+)\//.exec(seen);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? signal}) before serving:\n${seen}`));
      });
    });
    port = await ready;
    handle.port = port;
    handle.url = `http://127.0.0.1:${port}`;
    await waitHealthy();
  }

  /* For the message of a server that hangs: its threads' kernel wait channels,
   * and on PostgreSQL what its connections are doing. */
  async function whatItWaitsFor(pid) {
    let text = '';
    try {
      const tasks = fs.readdirSync(`/proc/${pid}/task`);
      text += `\nthreads waiting in: ${tasks.map((t) => fs.readFileSync(`/proc/${pid}/task/${t}/wchan`, 'utf8')).join(', ')}`;
    } catch { /* gone */ }
    if (db === 'pg' && !database) {
      const name = new URL(dbUrl).pathname.slice(1);
      text += '\nPostgreSQL activity (database | state | wait | query):\n' + await psql(
        'SELECT datname, state, wait_event_type || \':\' || wait_event, left(query, 120) FROM pg_stat_activity ' +
        `WHERE datname = '${name}' OR wait_event_type = 'Lock'`).catch((e) => e.message);
    }
    return text;
  }

  async function waitHealthy() {
    for (let i = 0; i < 100; i++) {
      try {
        const res = await fetch(`${handle.url}/healthz`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200)
          return;
      } catch { /* not yet */ }
      await sleep(100);
    }
    throw new Error('server never answered /healthz with 200');
  }

  function checkSanitizers() {
    if (SANITIZER_REPORT.test(output))
      throw new Error(`sanitizer report in the server output (${logFile}):\n${output}`);
  }

  /* Waits for the process to exit; SIGKILLs it after timeoutMs. */
  async function waitExit(timeoutMs) {
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); });
    const result = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (result)
      return result;
    proc.kill('SIGKILL');
    const killed = await exited;
    return { ...killed, timedOut: true };
  }

  let stopped = false;
  const handle = {
    url: '',
    port: 0,
    dbUrl,
    dir,
    configFile,
    config: fullConfig,
    proc: null,
    /* The access log as written so far. */
    accessLog() {
      return fs.existsSync(fullConfig.access_log) ? fs.readFileSync(fullConfig.access_log, 'utf8') : '';
    },
    /* What the server printed on stderr, over all its runs. */
    output() {
      return output;
    },
    /* Runs another trygg command (e.g. ['user', 'add', …]) on this server's database. */
    command(args, input) {
      return runCommand(binary, [...args, ...common], input);
    },
    /* Runs SQL on this server's database beside the server (sqlite3 or psql),
     * for what no page can do: moving a session back in time, counting rows.
     * Returns the output, one row a line, columns separated by '|'. */
    async sql(query) {
      if (db === 'pg')
        return psql(query, new URL(dbUrl).pathname.slice(1));
      const { stdout } = await execFileP('sqlite3', ['-batch', '-cmd', '.timeout 10000', dbUrl.slice('sqlite:'.length), query]);
      return stdout;
    },
    loadDemo() {
      return runCommand(binary, ['demo', ...common]);
    },
    /* Sends signal (default SIGTERM) and waits for the exit. Returns {code, signal}.
     * Throws when the process had to be killed or printed a sanitizer report. */
    async signal(sig = 'SIGTERM', { timeoutMs = 30000 } = {}) {
      proc.kill(sig);
      const result = await waitExit(timeoutMs);
      if (result.timedOut)
        throw new Error(`server did not exit within ${timeoutMs} ms of ${sig}:\n${output}`);
      checkSanitizers();
      return result;
    },
    /* Kills the server at once, as a crash would. */
    async kill9() {
      proc.kill('SIGKILL');
      return exited;
    },
    /* Starts the server again on the same port, database and configuration. */
    async restart() {
      if (proc && proc.exitCode === null && proc.signalCode === null)
        throw new Error('restart() while the server still runs: stop it first');
      await launch();
    },
    /* Stops the server (SIGTERM unless told otherwise) and removes its folder and
     * database. Safe to call twice. Throws on a sanitizer report or a bad exit. */
    async stop({ signal = 'SIGTERM' } = {}) {
      if (stopped)
        return;
      stopped = true;
      let result = null;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        proc.kill(signal);
        result = await waitExit(30000);
      }
      try {
        checkSanitizers();
        if (result && result.timedOut)
          throw new Error(`server did not exit within 30 s of ${signal}:\n${output}`);
        if (result && signal === 'SIGTERM' && result.code !== 0)
          throw new Error(`server exited with ${result.code ?? result.signal} after SIGTERM:\n${output}`);
      } finally {
        await cleanup();
      }
    },
  };

  async function cleanup() {
    if (process.env.TRYGG_KEEP === '1') {
      process.stderr.write(`# kept ${dir} (${dbUrl})\n`);
      return;
    }
    if (db === 'pg' && !database) {
      const name = new URL(dbUrl).pathname.slice(1);
      await psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }

  try {
    if (demo)
      await runCommand(binary, ['demo', ...common]);
    await launch();
  } catch (e) {
    if (proc && proc.exitCode === null)
      proc.kill('SIGKILL');
    await cleanup();
    throw e;
  }
  return handle;
}

export { sleep };
