/**
 * An HTTPS config exported with `sluice export-nginx` runs on real nginx:
 * `nginx -t` passes; the `tls: {}` listener presents the certificate Sluice's
 * local CA issued (written by the CLI, trusted through the CA alone) over
 * HTTP/2, a listener with its own files answers over HTTP/1.1, and a proxy
 * to an HTTPS upstream (a Node server with a certificate made here) sends
 * the same SNI and Host as Sluice's proxy and verifies against the group's
 * CA — a certificate from another CA is a 502. `sluice import-nginx` reads
 * the output back with its TLS settings. Skipped where nginx is missing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, startEngine, type TestEngine } from '../helpers/engine.js';
import { testCa, type TestCa } from '../helpers/local-ca.js';
import { freePort, nginxTest, startNginx, type Peer } from '../helpers/nginx.js';
import { run } from '../helpers/process.js';
import { needs } from '../helpers/peers.js';
import { makeTestPki, type TestPki } from '../helpers/tls.js';

const BIN = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin/sluice.mjs');

let skip: string | false = false;
let dir: string;
let ca: TestCa;
let pki: TestPki;
let upstream: https.Server;
let nginx: Peer | undefined;
let sluice: TestEngine | undefined;
let conf: string;
let exportErr: string;
const port = { secure: 0, own: 0 };

/** One document for nginx and for Sluice, its ports filled in. */
function doc(secure: number, own: number, upstreamPort: number): string {
  return `
http:
  servers:
    - name: secure
      listen: 127.0.0.1:${secure}
      tls: {}
      routes:
        - { path: /health, respond: { status: 200, body: "ok\\n", content_type: text/plain } }
        - { path: /api, proxy: { upstream: backend } }
        - { path: /strict, proxy: { upstream: strict } }
    - name: own
      listen: 127.0.0.1:${own}
      tls: { cert: ${pki.good.cert}, key: ${pki.good.key} }
      http2: off
      routes:
        - { path: /, respond: { status: 200, body: "own certificate\\n", content_type: text/plain } }
  upstreams:
    - name: backend
      servers: [ { address: 127.0.0.1:${upstreamPort} } ]
      tls: { server_name: localhost, ca: ${pki.ca} }
    - name: strict
      servers: [ { address: 127.0.0.1:${upstreamPort} } ]
      tls: { server_name: localhost, ca: ${pki.otherCa} }
`;
}

before(async () => {
  skip = needs('nginx');
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-tls-'));
  pki = await makeTestPki(dir);
  ca = await testCa();
  upstream = https.createServer({ cert: readFileSync(pki.good.cert), key: readFileSync(pki.good.key) }, (req, res) => {
    const socket = req.socket as import('node:tls').TLSSocket;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ url: req.url, sni: socket.servername || null, host: req.headers.host }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamPort = (upstream.address() as { port: number }).port;
  [port.secure, port.own] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'sluice.yaml'), doc(port.secure, port.own, upstreamPort));
  const ex = await run(
    process.execPath,
    [BIN, 'export-nginx', join(dir, 'sluice.yaml'), '--cert-dir', join(dir, 'certs')],
    {
      env: { ...process.env, SLUICE_HOME: ca.home },
    },
  );
  assert.equal(ex.code, 0, ex.stderr);
  [conf, exportErr] = [ex.stdout, ex.stderr];
  writeFileSync(join(dir, 'nginx.conf'), conf);
  sluice = await startEngine(doc(0, 0, upstreamPort), { ca: ca.source });
});

after(async () => {
  await nginx?.stop();
  await sluice?.stop();
  upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** GET over HTTP/2, trusting only `caPem`; the ALPN protocol is reported too. */
async function h2get(
  base: string,
  path: string,
  caPem: string,
): Promise<{ status: number; body: string; alpn?: string }> {
  const client = http2.connect(base, { ca: caPem });
  try {
    return await new Promise((resolve, reject) => {
      client.on('error', reject);
      const req = client.request({ ':path': path });
      let body = '';
      let status = 0;
      req.setEncoding('utf8');
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: string) => (body += c));
      req.on('end', () => resolve({ status, body, alpn: client.alpnProtocol }));
      req.on('error', reject);
      req.end();
    });
  } finally {
    client.close();
  }
}

/** GET over HTTPS/1.1 (offering h2 too, to see which protocol the server picks), trusting only `caPem`. */
function h1get(base: string, path: string, caPem: string): Promise<{ status: number; body: string; alpn: string }> {
  const agent = new https.Agent({ ca: caPem, ALPNProtocols: ['h2', 'http/1.1'] });
  return new Promise<{ status: number; body: string; alpn: string }>((resolve, reject) => {
    const req = https.get(`${base}${path}`, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, alpn: String((res.socket as TLSSocket).alpnProtocol) }),
      );
    });
    req.on('error', reject);
  }).finally(() => agent.destroy());
}

test("the export names the local CA's certificate files it wrote, and nginx -t accepts the config", (ctx) => {
  if (skip) return ctx.skip(skip);
  const cert = join(dir, 'certs', 'localhost.pem');
  const key = join(dir, 'certs', 'localhost.key');
  assert.match(exportErr, /server secure \(tls: \{\}\): the local CA's certificate for localhost, 127\.0\.0\.1, ::1/);
  assert.ok(exportErr.includes(`${cert} and ${key}; clients trust ${ca.ca.certPath}`), exportErr);
  assert.match(conf, new RegExp(`listen 127\\.0\\.0\\.1:${port.secure} ssl( http2)?;`));
  assert.ok(conf.includes(`ssl_certificate ${cert};`) && conf.includes(`ssl_certificate_key ${key};`));
  assert.ok(conf.includes(`# Clients trust ${ca.ca.certPath}`));
  assert.ok(conf.includes(`proxy_ssl_trusted_certificate ${pki.ca};`));
  if (process.platform !== 'win32')
    assert.equal(statSync(key).mode & 0o777, 0o600, 'the key is readable by the user only');
  const r = nginxTest(conf);
  assert.ok(r.ok, `${r.out}\n${conf}`);
});

test("nginx serves the tls: {} listener over HTTP/2 with the local CA's certificate, and its own files over HTTP/1.1", async (ctx) => {
  if (skip) return ctx.skip(skip);
  nginx = await startNginx(conf, port.secure);
  const viaNginx = await h2get(`https://127.0.0.1:${port.secure}`, '/health', ca.ca.certPem);
  assert.deepEqual(viaNginx, { status: 200, body: 'ok\n', alpn: 'h2' });
  const viaSluice = await h2get(sluice!.url('secure'), '/health', ca.ca.certPem);
  assert.deepEqual(viaSluice, viaNginx, 'the same answer from Sluice, trusted through the same CA');
  const own = await h1get(`https://127.0.0.1:${port.own}`, '/', readFileSync(pki.ca, 'utf8'));
  assert.deepEqual([own.status, own.body, own.alpn], [200, 'own certificate\n', 'http/1.1']);
});

test('a proxy to an HTTPS upstream sends the SNI and Host Sluice sends and verifies against the group CA', async (ctx) => {
  if (skip) return ctx.skip(skip);
  assert.ok(nginx, 'nginx runs (previous test)');
  const viaNginx = await h2get(`https://127.0.0.1:${port.secure}`, '/api/items?x=1', ca.ca.certPem);
  const viaSluice = await h2get(sluice!.url('secure'), '/api/items?x=1', ca.ca.certPem);
  assert.equal(viaNginx.status, 200, viaNginx.body);
  const seen = JSON.parse(viaNginx.body) as { url: string; sni: string | null; host: string };
  assert.equal(seen.url, '/api/items?x=1');
  assert.equal(seen.sni, 'localhost');
  assert.match(seen.host, /^localhost:\d+$/);
  assert.deepEqual(JSON.parse(viaSluice.body), seen);
  const strict = await h2get(`https://127.0.0.1:${port.secure}`, '/strict/x', ca.ca.certPem);
  assert.equal(strict.status, 502, 'a certificate from a CA the group does not trust is refused');
  assert.match(readFileSync(join(nginx.dir, 'error.log'), 'utf8'), /upstream SSL certificate verify error/);
  const strictSluice = await h2get(sluice!.url('secure'), '/strict/x', ca.ca.certPem);
  assert.equal(strictSluice.status, 502);
});

test('import-nginx reads the export back with its TLS settings', async (ctx) => {
  if (skip) return ctx.skip(skip);
  const im = await run(process.execPath, [BIN, 'import-nginx', join(dir, 'nginx.conf')]);
  assert.equal(im.code, 0, im.stderr);
  assert.match(
    im.stderr,
    /ssl_certificate: the certificate sluice export-nginx wrote from Sluice's local CA: imported as tls: \{\}/,
  );
  const back = parseConfig(im.stdout);
  const server = (n: string) => back.http.servers.find((s) => s.name === n)!;
  assert.deepEqual([server('secure').tls, server('secure').http2], [{}, true]);
  assert.deepEqual([server('own').tls, server('own').http2], [{ cert: pki.good.cert, key: pki.good.key }, false]);
  const group = (n: string) => back.http.upstreams.find((u) => u.name === n)!;
  assert.deepEqual(group('backend').tls, { server_name: 'localhost', verify: true, ca: pki.ca });
  assert.deepEqual(group('strict').tls, { server_name: 'localhost', verify: true, ca: pki.otherCa });
});

test('--nginx-version picks the HTTP/2 syntax; a bad version or a folder the certificates cannot go to is exit 1, no output', async (ctx) => {
  if (skip) return ctx.skip(skip);
  const env = { ...process.env, SLUICE_HOME: ca.home };
  const cfg = join(dir, 'sluice.yaml');
  const certDir = ['--cert-dir', join(dir, 'certs')];
  const newer = await run(process.execPath, [BIN, 'export-nginx', cfg, ...certDir, '--nginx-version', '1.25.1'], {
    env,
  });
  assert.equal(newer.code, 0, newer.stderr);
  assert.match(
    newer.stdout,
    new RegExp(`listen 127\\.0\\.0\\.1:${port.secure} ssl;\\n\\s*server_name secure;[^]*?http2 on;`),
  );
  const bad = await run(process.execPath, [BIN, 'export-nginx', cfg, '--nginx-version', 'latest'], { env });
  assert.deepEqual([bad.code, bad.stdout], [1, '']);
  assert.match(bad.stderr, /--nginx-version takes a version like 1\.25\.3, not "latest"/);
  const file = join(dir, 'not-a-folder');
  writeFileSync(file, '');
  const blocked = await run(process.execPath, [BIN, 'export-nginx', cfg, '--cert-dir', join(file, 'certs')], { env });
  assert.deepEqual([blocked.code, blocked.stdout], [1, '']);
  assert.match(
    blocked.stderr,
    /cannot write the local CA's certificates for tls: \{\} servers to .*; pass --cert-dir DIR, or give the servers tls: \{ cert, key \}/,
  );
});
