// open311_clients.test.mjs — Trygg's Open311 GeoReport v2 API as parsers and
// clients that no one here wrote see it:
//   - every XML answer (success and error) through libxml2's strict parser
//     (xmllint, Debian libxml2-utils), with the element names of the
//     specification's examples read back by XPath;
//   - Code for America's Node client, npm "open311" (node-open311 0.0.12),
//     driving discovery, services, a definition, POST, tokens, one request and
//     the list, in JSON and (when its XML parser sparkxml is there) XML.
// Each part is skipped only when its tool or module is not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { startServer } from '../lib/rig.mjs';
import { request, urlencode } from '../lib/client.mjs';

let server, key;
const INSIDE = { lat: '57.74', long: '12.10' }; // Partille (demo areas)

before(async () => {
  server = await startServer({ demo: true });
  key = (await server.command(['apikey', 'create', 'Tredjepartsklient'])).stdout.trim();
});
after(async () => {
  await server?.stop();
});

function url(path) {
  return `${server.url}/open311/v2/${path}`;
}

const hasXmllint = spawnSync('xmllint', ['--version']).error == null;

/* Parses xml strictly with libxml2 and returns the string value of each XPath. */
function xpath(xml, ...paths) {
  const check = spawnSync('xmllint', ['--noout', '--nonet', '-'], { input: xml, encoding: 'utf8' });
  assert.equal(check.status, 0, `not well-formed XML: ${check.stderr}\n${xml}`);
  return paths.map((p) => {
    const r = spawnSync('xmllint', ['--nonet', '--xpath', `string(${p})`, '-'], { input: xml, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.replace(/\n$/, '') : ''; // xmllint exits 10 for an empty result
  });
}

test('every XML answer is well-formed to a strict parser and uses the specification\'s element names', { skip: !hasXmllint && 'xmllint (libxml2-utils) is not installed' }, async () => {
  const posted = await request(url('requests.xml'), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: urlencode({ api_key: key, service_code: 'felparkerad', ...INSIDE, 'attribute[registreringsnummer]': 'ABC 123',
      'attribute[hinder]': 'utfart', description: 'Bil & släp <på> "trottoaren" – ÅÄÖ' }) });
  assert.equal(posted.status, 200, posted.body);
  const [id, notice] = xpath(posted.body, '/service_requests/request/service_request_id', 'count(/service_requests/request/account_id)');
  assert.match(id, /^\d+$/);
  assert.equal(notice, '1');
  const token = (await server.sql(`SELECT public_token FROM reports WHERE id = ${id}`)).trim();
  const cases = [
    ['discovery.xml', ['/discovery/endpoints/endpoint/specification', '/discovery/endpoints/endpoint/formats/format[1]'],
      ['http://wiki.open311.org/GeoReport_v2', 'text/xml']],
    ['services.xml', ['count(/services/service[service_code="felparkerad"])', '/services/service[service_code="felparkerad"]/metadata'],
      ['1', 'true']],
    ['services/felparkerad.xml', ['/service_definition/service_code',
      '/service_definition/attributes/attribute[code="hinder"]/values/value[key="utfart"]/key'], ['felparkerad', 'utfart']],
    [`requests/${id}.xml?extensions=true`, ['/service_requests/request/service_request_id', '/service_requests/request/description',
      '/service_requests/request/extended_attributes/detailed_status'], [id, 'Bil & släp <på> "trottoaren" – ÅÄÖ', 'OPEN']],
    [`requests.xml?service_request_id=${id}`, ['count(/service_requests/request)'], ['1']],
    [`tokens/${token}.xml`, ['/service_requests/request/service_request_id', '/service_requests/request/token'], [id, token]],
    ['servicerequestupdates.xml', [`count(/service_request_updates/request_update[service_request_id="${id}"])`], ['1']],
    ['requests/999999.xml', ['/errors/error/code', 'count(/errors/error/description)'], ['404', '1']],
    ['requests.xml?start_date=igår', ['/errors/error/code'], ['400']],
  ];
  for (const [path, paths, expected] of cases) {
    const res = await request(url(path));
    assert.match(res.headers['content-type'], /^text\/xml; charset=utf-8$/, path);
    assert.deepEqual(xpath(res.body, ...paths), expected, path);
  }
  const denied = await request(url('requests.xml'), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: urlencode({ service_code: 'klotter', ...INSIDE }) });
  assert.deepEqual(xpath(denied.body, '/errors/error/code'), ['403']);
});

/* Code for America's client (CommonJS, callback style), or null when not installed. */
function loadOpen311() {
  try {
    return createRequire(import.meta.url)('open311');
  } catch (e) {
    if (e.code === 'MODULE_NOT_FOUND')
      return null;
    throw e;
  }
}
const Open311 = loadOpen311();

/* Calls method of client with args and a node-style callback; resolves with the data. */
function call(client, method, ...args) {
  return new Promise((resolve, reject) => {
    client[method](...args, (err, data) => (err ? reject(new Error(`${method}: ${err} ${data}`)) : resolve(data)));
  });
}

/* node-open311 reads XML with sparkxml; without it only JSON is driven. */
function formats() {
  try {
    return typeof createRequire(import.meta.url)('sparkxml').parseXml === 'function' ? ['json', 'xml'] : ['json'];
  } catch {
    return ['json'];
  }
}

test('npm open311 (node-open311): discovery, services, definition, POST, token, one request, the list', { skip: !Open311 && 'npm module open311 is not installed' }, async () => {
  for (const format of formats()) {
    const client = new Open311({ discovery: `${server.url}/open311/v2/discovery.${format}`, apiKey: key, format });
    // Discovery with cache: the client takes the endpoint and the format from our answer.
    const discovery = await call(client, 'serviceDiscovery', { cache: true });
    assert.ok(discovery.endpoints, format);
    assert.equal(client.endpoint, `${server.url}/open311/v2/`);
    client.format = format;
    const services = await call(client, 'serviceList');
    const list = Array.isArray(services) ? services : services.services ?? services;
    assert.ok(JSON.stringify(list).includes('felparkerad'), format);
    const definition = await call(client, 'serviceDefinition', 'felparkerad');
    assert.ok(JSON.stringify(definition).includes('registreringsnummer'), format);
    // The client turns attributes {code: value} into attribute[code]=value.
    const made = await call(client, 'submitRequest', { service_code: 'felparkerad', lat: 57.74, long: 12.1,
      description: `Via node-open311 (${format})`, attributes: { registreringsnummer: 'XYZ789', hinder: 'utfart' } });
    const first = Array.isArray(made) ? made[0] : made;
    const id = String(first.service_request_id);
    assert.match(id, /^\d+$/, JSON.stringify(made));
    const token = (await server.sql(`SELECT public_token FROM reports WHERE id = ${id}`)).trim();
    const fromToken = await call(client, 'token', token);
    assert.ok(JSON.stringify(fromToken).includes(id), JSON.stringify(fromToken));
    const one = await call(client, 'serviceRequests', id);
    assert.ok(JSON.stringify(one).includes(`Via node-open311 (${format})`));
    const byIds = await call(client, 'serviceRequests', [id], {});
    assert.ok(JSON.stringify(byIds).includes(id));
    const open = await call(client, 'serviceRequests', { status: 'open', service_code: 'felparkerad' });
    assert.ok(JSON.stringify(open).includes(id));
    if (format === 'json') {
      const found = open.find((r) => String(r.service_request_id) === id);
      assert.ok(found.requested_datetime instanceof Date && !Number.isNaN(found.requested_datetime.getTime()),
        'the client reads our dates');
      assert.equal(found.service_code, 'felparkerad');
    }
    // What the stored report holds is what the client sent.
    assert.equal((await server.sql(`SELECT COUNT(*) FROM report_values v JOIN reports r ON r.id = v.report_id WHERE r.id = ${id}`)).trim(), '2');
  }
});
