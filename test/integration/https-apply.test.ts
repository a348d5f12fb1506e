/**
 * HTTPS listeners across config applies, with a real HTTP/2 client holding
 * an event stream open throughout: renewed certificate files are picked up
 * by applying again (new connections see the new certificate, the open
 * stream keeps flowing), a missing file fails the apply and changes nothing,
 * turning TLS off and on re-binds the port without cutting the open stream,
 * a new stream limit reaches open connections, and stop() ends streams at
 * once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseConfig, startEngine, type TestEngine } from '../helpers/engine.js';
import { testCa, type TestCa } from '../helpers/local-ca.js';
import { makeTestPki, type TestPki } from '../helpers/tls.js';
import { run } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';

let dir: string;
let pki: TestPki;
let pki2: TestPki;
let ca: TestCa;
let t: TestEngine;

const routes = `
      routes:
        - path: /events
          sse: { script: [ { data: 'n{{seq}}', every: 50ms, repeat: forever } ] }
        - path: /health
          respond: { status: 200, body: ok }`;

/** The config with a given tls block (or none) on the server `s`. */
function config(tlsLine: string, extra = ''): string {
  return `version: 1
http:
  servers:
    - name: s
      listen: 0
${tlsLine ? `      ${tlsLine}\n` : ''}${extra}${routes}
`;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-https-apply-'));
  mkdirSync(join(dir, 'a'));
  mkdirSync(join(dir, 'b'));
  pki = await makeTestPki(join(dir, 'a'));
  pki2 = await makeTestPki(join(dir, 'b'));
  copyFileSync(pki.good.cert, join(dir, 'site.pem'));
  copyFileSync(pki.good.key, join(dir, 'site.key'));
  ca = await testCa();
  t = await startEngine(config('tls: { cert: site.pem, key: site.key }'), { baseDir: dir, ca: ca.source });
});

after(async () => {
  await t?.stop();
});

/** The fingerprint of the certificate a fresh TLS connection is shown. */
function servedFingerprint(addr: string): Promise<string> {
  const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port, servername: 'localhost', rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.destroy();
    });
    s.on('error', reject);
  });
}

const fingerprintOf = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;

/** An HTTP/2 event stream held open: counts the events it receives. */
function openStream(url: string, caPem: string) {
  const client = http2.connect(url, { ca: caPem, servername: 'localhost' });
  client.on('error', () => {});
  const req = client.request({ ':path': '/events' });
  const state = { events: 0, ended: false, client };
  req.on('data', (c: Buffer) => (state.events += (c.toString().match(/^data: /gm) ?? []).length));
  req.on('close', () => (state.ended = true));
  req.on('error', () => {});
  return state;
}

async function apply(yaml: string) {
  return t.engine.apply(parseConfig(yaml));
}

test('cert files: renewed files are picked up by applying again; the open HTTP/2 stream keeps flowing', async () => {
  const addr = t.addr('s');
  assert.equal(await servedFingerprint(addr), fingerprintOf(pki.good.cert));
  const stream = openStream(`https://${addr}`, readFileSync(pki.ca, 'utf8'));
  await waitFor(() => stream.events >= 3, 'events on the open stream');
  copyFileSync(pki2.good.cert, join(dir, 'site.pem'));
  copyFileSync(pki2.good.key, join(dir, 'site.key'));
  const r = await apply(config('tls: { cert: site.pem, key: site.key }'));
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.equal(await servedFingerprint(addr), fingerprintOf(pki2.good.cert));
  const before = stream.events;
  await waitFor(() => stream.events >= before + 3, 'events after the certificate swap');
  assert.equal(stream.ended, false);
  const curl = await run('curl', ['-sS', '--cacert', pki2.ca, `https://localhost:${addr.split(':')[1]}/health`]);
  assert.equal(curl.stdout, 'ok', curl.stderr);
  stream.client.close();
});

test('a missing key file fails the apply with a one-line reason; the running certificate stays', async () => {
  const addr = t.addr('s');
  const r = await apply(config('tls: { cert: site.pem, key: missing.key }'));
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /^s: missing\.key: cannot read \(no such file\)$/);
  assert.equal(await servedFingerprint(addr), fingerprintOf(pki2.good.cert));
  const swapped = await apply(config('tls: { cert: site.pem, key: site.key }', '      http2: on\n'));
  assert.ok(swapped.ok);
  // A key that belongs to another certificate is refused the same way.
  const r2 = await apply(config(`tls: { cert: site.pem, key: ${pki.good.key} }`));
  assert.match(r2.ok ? '' : r2.message, /does not match the certificate in site\.pem/);
});

test('TLS off and on again re-binds the same port; the open HTTP/2 stream is not cut', async () => {
  const addr = t.addr('s');
  const stream = openStream(`https://${addr}`, readFileSync(pki2.ca, 'utf8'));
  await waitFor(() => stream.events >= 2, 'events before the switch');
  const off = await apply(config(''));
  assert.ok(off.ok, off.ok ? '' : off.message);
  assert.equal(t.addr('s'), addr);
  const plain = await run('curl', ['-sS', `http://${addr}/health`]);
  assert.equal(plain.stdout, 'ok');
  const mid = stream.events;
  await waitFor(() => stream.events >= mid + 3, 'events on the old connection after TLS went off');
  const on = await apply(config('tls: {}'));
  assert.ok(on.ok, on.ok ? '' : on.message);
  const h2 = await run('curl', [
    '-sS',
    '--cacert',
    ca.ca.certPath,
    '--http2',
    '-w',
    ' %{http_version}',
    `https://${addr}/health`,
  ]);
  assert.equal(h2.stdout, 'ok 2', h2.stderr);
  assert.equal(stream.ended, false);
  stream.client.close();
});

test('tls: {} certificates cover localhost, 127.0.0.1 and ::1 and chain to the local CA', async () => {
  const addr = t.addr('s');
  const port = Number(addr.split(':')[1]);
  for (const servername of ['localhost', undefined]) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername, ca: ca.ca.certPem }, () => {
        resolve(s.authorized);
        s.destroy();
      });
      s.on('error', () => resolve(false));
    });
    assert.ok(ok, `verified for ${servername ?? '127.0.0.1'}`);
  }
  const san = new X509Certificate(
    await new Promise<Buffer>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        resolve(s.getPeerCertificate().raw);
        s.destroy();
      });
    }),
  ).subjectAltName;
  assert.match(san ?? '', /DNS:localhost/);
  assert.match(san ?? '', /IP Address:127\.0\.0\.1/);
  assert.match(san ?? '', /IP Address:0:0:0:0:0:0:0:1/);
});

test('a new max_concurrent_streams reaches an open HTTP/2 connection', async () => {
  const client = http2.connect(`https://${t.addr('s')}`, { ca: ca.ca.certPem });
  try {
    await new Promise<void>((resolve) => client.once('remoteSettings', () => resolve()));
    assert.equal(client.remoteSettings.maxConcurrentStreams, 1000);
    const r = await apply(config('tls: {}', '      max_concurrent_streams: 250\n'));
    assert.ok(r.ok);
    await waitFor(() => client.remoteSettings.maxConcurrentStreams === 250, 'the new SETTINGS');
  } finally {
    client.close();
  }
});

test('stop() ends open HTTP/2 event streams and idle HTTP/1.1 keep-alive connections at once', async () => {
  const stream = openStream(t.url('s'), ca.ca.certPem);
  await waitFor(() => stream.events >= 2, 'events before stop');
  const agent = new https.Agent({ keepAlive: true, ca: ca.ca.certPem });
  await new Promise<void>((resolve, reject) =>
    https.get(`${t.url('s')}/health`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
  );
  const started = Date.now();
  // A long drain deadline: the stream must end because it is endless, not because the deadline passed.
  await t.engine.stop(10_000);
  assert.ok(Date.now() - started < 3000, `stop took ${Date.now() - started} ms`);
  await waitFor(() => stream.ended, 'the stream to end');
  stream.client.close();
  agent.destroy();
});
