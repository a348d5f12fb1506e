/**
 * HTTPS listeners with real clients: curl over HTTP/2 and HTTP/1.1 trusting
 * the local CA by file, Node's http2 client for frame timing. Every route
 * kind answers the same on both protocols — SSE events stream, chunks arrive
 * as they are due, static files honour Range, uploads store the exact bytes,
 * the proxy forwards request bodies — and HTTP/2 answers carry no
 * connection-specific header. The traffic record names protocol and TLS.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseConfig, startEngine, type TestEngine } from '../helpers/engine.js';
import { testCa, type TestCa } from '../helpers/local-ca.js';
import { run } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';

let dir: string;
let ca: TestCa;
let t: TestEngine;
let base: string;
let upstream: http.Server;
/** What the proxy's upstream saw last. */
let seen: { method?: string; headers?: http.IncomingHttpHeaders; bodySha?: string; bodyLength?: number } = {};
const file = randomBytes(300_000);
/** Larger than the in-memory file cache: streamed from disk through the reused read buffers. */
const bigFile = randomBytes(3 * 1024 * 1024 + 99);
const upload = randomBytes(2 * 1024 * 1024 + 123);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-https-'));
  mkdirSync(join(dir, 'www'));
  writeFileSync(join(dir, 'www', 'data.bin'), file);
  writeFileSync(join(dir, 'www', 'big.bin'), bigFile);
  writeFileSync(join(dir, 'body.bin'), upload);
  upstream = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      seen = { method: req.method, headers: req.headers, bodySha: sha(body), bodyLength: body.length };
      if (req.url === '/up/events') {
        // Upstream headers HTTP/2 must not relay.
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          connection: 'keep-alive',
          'keep-alive': 'timeout=5',
        });
        let n = 0;
        const timer = setInterval(() => {
          res.write(`data: up${++n}\n\n`);
          if (n === 3) {
            clearInterval(timer);
            res.end();
          }
        }, 50);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(seen));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upPort = (upstream.address() as AddressInfo).port;
  ca = await testCa();
  t = await startEngine(
    `
version: 1
http:
  servers:
    - name: secure
      listen: 0
      tls: {}
      routes:
        - path: /events
          sse: { script: [ { event: tick, data: 'n{{seq}}', every: 100ms, repeat: 3 } ] }
        - path: /chunked
          chunked: { chunks: ["one\\n", "two\\n", "three\\n"], delay: 400ms }
        - path: /files
          static: { root: ./www }
        - path: /limited
          static: { root: ./www }
          limit: { rate: 4m }
        - path: /upload
          upload: { dir: ./incoming, max_size: 8m }
        - path: /small-upload
          upload: { dir: ./small, max_size: 64k }
        - path: /up
          proxy: { upstream: "http://127.0.0.1:${upPort}" }
        - path: /reset
          stream: { format: binary, size: 1k, every: 10ms, count: 0 }
          faults: { reset_after: 4k }
        - path: /health
          respond: { status: 200, body: ok }
`,
    { baseDir: dir, ca: ca.source },
  );
  base = t.url('secure');
});

after(async () => {
  await t?.stop();
  upstream?.close();
});

/** curl trusting only the test's local CA. */
function curl(args: string[], timeoutMs = 20_000) {
  return run('curl', ['-sS', '--cacert', ca.ca.certPath, ...args], { timeoutMs });
}

/** Header names of a `curl -i` / `-D -` head, lower-cased. */
function headerNames(head: string): string[] {
  return head
    .split('\r\n')
    .slice(1)
    .map((l) => l.slice(0, l.indexOf(':')).toLowerCase())
    .filter(Boolean);
}

const CONNECTION_SPECIFIC = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'];

test('curl --http2 with the CA file: HTTP/2 200; --http1.1 works on the same port', async () => {
  const h2 = await curl(['--http2', '-o', '/dev/null', '-w', '%{http_version} %{response_code}', `${base}/health`]);
  assert.equal(h2.stdout, '2 200', h2.stderr);
  const h1 = await curl(['--http1.1', '-w', ' %{http_version} %{response_code}', `${base}/health`]);
  assert.equal(h1.stdout, 'ok 1.1 200', h1.stderr);
});

test('SSE over HTTP/2: events stream in order, with no connection-specific header', async () => {
  const r = await curl(['--http2', '-N', '-i', `${base}/events`]);
  assert.equal(r.code, 0, r.stderr);
  const [head, body] = r.stdout.split('\r\n\r\n');
  assert.match(head!, /^HTTP\/2 200/);
  assert.match(head!, /content-type: text\/event-stream/);
  for (const h of CONNECTION_SPECIFIC) assert.ok(!headerNames(head!).includes(h), `${h} on HTTP/2: ${head}`);
  assert.equal(body, 'event: tick\ndata: n1\n\nevent: tick\ndata: n2\n\nevent: tick\ndata: n3\n\n');
  const h1 = await curl(['--http1.1', '-N', `${base}/events`]);
  assert.match(h1.stdout, /data: n3\n\n$/);
});

test('chunked over HTTP/2: each chunk arrives as it is due, not at the end', async () => {
  const client = http2.connect(base, { ca: ca.ca.certPem });
  try {
    const started = Date.now();
    const arrivals: { at: number; text: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = client.request({ ':path': '/chunked' });
      req.on('data', (c: Buffer) => arrivals.push({ at: Date.now() - started, text: c.toString() }));
      req.on('end', resolve);
      req.on('error', reject);
    });
    assert.equal(arrivals.map((a) => a.text).join(''), 'one\ntwo\nthree\n');
    const first = arrivals[0]!;
    const last = arrivals.at(-1)!;
    assert.equal(first.text, 'one\n');
    // Three chunks 400 ms apart: the first long before the last (generous on a loaded machine).
    assert.ok(last.at - first.at >= 600, `chunks at ${arrivals.map((a) => a.at).join(', ')} ms`);
  } finally {
    client.close();
  }
});

test('static over HTTP/2: whole file exact, Range gives 206 with the exact slice', async () => {
  const whole = await run('curl', ['-sS', '--cacert', ca.ca.certPath, '--http2', `${base}/files/data.bin`], {
    timeoutMs: 20_000,
  });
  assert.equal(sha(whole.stdoutBuffer), sha(file));
  const part = await run(
    'curl',
    [
      '-sS',
      '--cacert',
      ca.ca.certPath,
      '--http2',
      '-r',
      '1000-4999',
      '-D',
      join(dir, 'range-head.txt'),
      `${base}/files/data.bin`,
    ],
    { timeoutMs: 20_000 },
  );
  const head = readFileSync(join(dir, 'range-head.txt'), 'utf8');
  assert.match(head, /^HTTP\/2 206/);
  assert.match(head, /content-range: bytes 1000-4999\/300000/);
  assert.equal(sha(part.stdoutBuffer), sha(file.subarray(1000, 5000)));
});

test('a file streamed from disk over HTTP/2 arrives exact, unlimited and through a limit', async () => {
  for (const path of ['/files/big.bin', '/limited/big.bin']) {
    const r = await run(
      'curl',
      [
        '-sS',
        '--cacert',
        ca.ca.certPath,
        '--http2',
        '-w',
        '%{http_version}',
        '-o',
        join(dir, 'big.out'),
        `${base}${path}`,
      ],
      {
        timeoutMs: 20_000,
      },
    );
    assert.equal(r.stdout, '2', `${path}: HTTP/2 (${r.stderr.trim()})`);
    assert.equal(sha(readFileSync(join(dir, 'big.out'))), sha(bigFile), path);
  }
});

test('upload over HTTP/2: the stored file is byte-exact', async () => {
  const r = await curl([
    '--http2',
    '-o',
    '/dev/null',
    '-w',
    '%{http_version} %{response_code}',
    '-H',
    'content-type: application/octet-stream',
    '--data-binary',
    `@${join(dir, 'body.bin')}`,
    `${base}/upload`,
  ]);
  assert.equal(r.stdout, '2 200', r.stderr);
  await waitFor(() => readdirSync(join(dir, 'incoming')).length > 0, 'the stored upload');
  const stored = readdirSync(join(dir, 'incoming'));
  assert.equal(stored.length, 1);
  assert.equal(sha(readFileSync(join(dir, 'incoming', stored[0]!))), sha(upload));
});

test('proxy over HTTP/2: the request body goes upstream exact, X-Forwarded-Host from :authority, X-Forwarded-Proto https', async () => {
  const r = await curl([
    '--http2',
    '-X',
    'POST',
    '--data-binary',
    `@${join(dir, 'body.bin')}`,
    '-w',
    '\n%{http_version}',
    `${base}/up/echo`,
  ]);
  const [json, version] = r.stdout.split('\n');
  assert.equal(version, '2', r.stderr);
  const echoed = JSON.parse(json!) as typeof seen;
  assert.equal(echoed.method, 'POST');
  assert.equal(echoed.bodyLength, upload.length);
  assert.equal(echoed.bodySha, sha(upload));
  assert.equal(echoed.headers!['x-forwarded-host'], new URL(base).host);
  assert.equal(echoed.headers!['x-forwarded-proto'], 'https');
  assert.ok(!Object.keys(echoed.headers!).some((k) => k.startsWith(':')), 'no pseudo-header went upstream');
});

test('proxied SSE over HTTP/2: upstream connection headers are not relayed; events arrive', async () => {
  const r = await curl(['--http2', '-N', '-i', `${base}/up/events`]);
  assert.equal(r.code, 0, r.stderr);
  const [head, body] = r.stdout.split('\r\n\r\n');
  assert.match(head!, /^HTTP\/2 200/);
  for (const h of CONNECTION_SPECIFIC) assert.ok(!headerNames(head!).includes(h), `${h} relayed: ${head}`);
  assert.equal(body, 'data: up1\n\ndata: up2\n\ndata: up3\n\n');
});

test('the traffic record names the protocol and the TLS of each exchange', async () => {
  await curl(['--http2', `${base}/health?via=h2`]);
  await curl(['--http1.1', `${base}/health?via=h1`]);
  const rows = await t.host.getTraffic({ limit: 50 });
  const h2 = rows.find((r) => r.url === '/health?via=h2')!;
  const h1 = rows.find((r) => r.url === '/health?via=h1')!;
  assert.equal(h2.protocol, 'h2');
  assert.equal(h1.protocol, 'http/1.1');
  assert.match(h2.tlsVersion ?? '', /^TLSv1\.[23]$/);
  const detail = (await t.host.getExchange(h2.id))!;
  assert.equal(detail.tls?.version, h2.tlsVersion);
  assert.ok(detail.tls?.cipher && detail.tls.cipher !== 'unknown', JSON.stringify(detail.tls));
  assert.equal(detail.requestHeaders[':authority'], new URL(base).host);
});

test('HTTP/2 announces max_concurrent_streams (default 1000, far above what a page of EventSources needs)', async () => {
  const client = http2.connect(base, { ca: ca.ca.certPem });
  try {
    await new Promise<void>((resolve) => client.once('remoteSettings', () => resolve()));
    assert.equal(client.remoteSettings.maxConcurrentStreams, 1000);
  } finally {
    client.close();
  }
});

/** Streams `total` bytes as an HTTP/2 request body with no Content-Length; resolves with what came back and how the stream ended. */
function h2Post(path: string, total: number): Promise<{ status: number; body: string; rstCode: number; sent: number }> {
  const client = http2.connect(base, { ca: ca.ca.certPem });
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': path, ':method': 'POST' });
    let status = 0;
    let body = '';
    let sent = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('error', () => {});
    req.on('close', () => {
      client.close();
      resolve({ status, body, rstCode: req.rstCode ?? 0, sent });
    });
    client.on('error', reject);
    const piece = Buffer.alloc(64 * 1024, 97);
    const pump = () => {
      while (sent < total && !req.destroyed) {
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

test('HTTP/2: a route that reads no body answers a large POST and ends the stream (the client is told to stop)', async () => {
  const started = Date.now();
  const r = await h2Post('/health', 20 * 1024 * 1024);
  assert.equal(r.status, 200);
  assert.equal(r.body, 'ok');
  assert.equal(r.rstCode, http2.constants.NGHTTP2_NO_ERROR);
  assert.ok(r.sent < 20 * 1024 * 1024, `the client stopped early (sent ${r.sent})`);
  assert.ok(Date.now() - started < 5000);
});

test('HTTP/2: an upload over max_size without Content-Length gets its error event, then the stream ends', async () => {
  const r = await h2Post('/small-upload', 4 * 1024 * 1024);
  assert.equal(r.status, 200);
  assert.match(r.body, /event: error\ndata: \{"error":"the upload exceeds max_size \(65536 bytes\)"/);
  assert.equal(r.rstCode, http2.constants.NGHTTP2_NO_ERROR);
  await waitFor(() => readdirSync(join(dir, 'small')).length === 0, 'the partial file to go');
});

test('examples/https.yaml is a valid config with an HTTP/2 TLS listener', () => {
  const config = parseConfig(readFileSync(new URL('../../examples/https.yaml', import.meta.url), 'utf8'));
  const server = config.http.servers[0]!;
  assert.deepEqual(server.tls, {});
  assert.equal(server.http2, true);
});

test("HTTP/2: a reset fault is a RST_STREAM after exactly the bytes allowed; the connection's other streams go on", async () => {
  const client = http2.connect(base, { ca: ca.ca.certPem });
  try {
    const events = client.request({ ':path': '/events' });
    let eventBytes = '';
    events.on('data', (c: Buffer) => (eventBytes += c.toString()));
    const reset = client.request({ ':path': '/reset' });
    let got = 0;
    reset.on('data', (c: Buffer) => (got += c.length));
    const code = await new Promise<number>((resolve) => {
      reset.on('error', () => {});
      reset.on('close', () => resolve(reset.rstCode ?? -1));
    });
    assert.equal(code, http2.constants.NGHTTP2_INTERNAL_ERROR);
    assert.equal(got, 4096);
    await new Promise<void>((resolve) => events.on('end', resolve));
    assert.match(eventBytes, /data: n3\n\n$/, 'the event stream on the same connection finished');
    assert.equal(client.destroyed, false);
  } finally {
    client.close();
  }
});
