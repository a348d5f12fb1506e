/**
 * HTTPS upstreams with real parts: Debian's nginx serving TLS with
 * certificates made here (SSE through nchan, a 64 MiB file), proxied by
 * Sluice. Events arrive unbuffered and the inspector decodes them, the file
 * is sha256-exact, upstream connections are kept alive, and every kind of
 * bad certificate is a 502 that names the reason — never a crash.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { WebSocket, WebSocketServer } from 'ws';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngine, parseConfig, type TestEngine } from '../helpers/engine.js';
import { makeTestPki, type TestPki } from '../helpers/tls.js';
import { run } from '../helpers/process.js';
import { needs } from '../helpers/peers.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { startNginx, waitForPort, freePort, type Peer } from '../bench/harness.js';
import { createEngine } from '../../core/runtime/create-engine.js';
import type { ExchangeDetail, ExchangeSummary } from '../../core/api/types.js';
import { takeTurn } from '../helpers/exclusive.js';

const NCHAN = '/usr/lib/nginx/modules/ngx_nchan_module.so';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIG = 64 * 1024 * 1024;

let dir: string;
let pki: TestPki;
let nginx: Peer;
let t: TestEngine;
let bigSha: string;
/** nginx ports: plain (publishing), good certificate, expired, wrong name, self-signed, short keep-alive. */
const port = { plain: 0, good: 0, expired: 0, wrongName: 0, selfSigned: 0, short: 0, ws: 0 };
let wsServer: https.Server;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function nginxConf(): string {
  const tlsServer = (p: number, pair: { cert: string; key: string }, body: string) => `
  server {
    listen 127.0.0.1:${p} ssl;
    ssl_certificate ${pair.cert};
    ssl_certificate_key ${pair.key};
    ${body}
  }`;
  const conn =
    'location ~ /conn$ { default_type text/plain; return 200 "conn=$connection sni=$ssl_server_name host=$host proto=$ssl_protocol\\n"; }';
  return `http {
  access_log off;
  nchan_message_buffer_length 16;
  server {
    listen 127.0.0.1:${port.plain};
    location ~ ^/pub/(\\w+)$ { nchan_publisher; nchan_channel_id $1; }
    ${conn}
  }
  ${tlsServer(
    port.good,
    pki.good,
    `keepalive_timeout 60s;
    keepalive_requests 10000;
    location ~ ^/sub/(\\w+)$ { nchan_subscriber eventsource; nchan_channel_id $1; }
    location = /big.bin { root ${dir}/www; }
    location = /health { return 200 "ok\\n"; }
    ${conn}`,
  )}
  ${tlsServer(port.expired, pki.expired, 'location / { return 200 "expired but answering\\n"; }')}
  ${tlsServer(port.wrongName, pki.wrongName, 'location / { return 200 "other.test\\n"; }')}
  ${tlsServer(port.selfSigned, pki.selfSigned, 'location / { default_type text/plain; return 200 "self-signed ok\\n"; }')}
  ${tlsServer(
    port.short,
    pki.good,
    `keepalive_timeout 300ms;
    ${conn}`,
  )}
}`;
}

/** nginx with the nchan module serves every upstream here. */
const skip = needs('nginx', 'nchan');

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'sluice-https-'));
  chmodSync(dir, 0o755); // nginx workers run as another user
  pki = await makeTestPki(dir);
  mkdirSync(join(dir, 'www'), { mode: 0o755 });
  const big = randomBytes(BIG);
  bigSha = sha(big);
  writeFileSync(join(dir, 'www', 'big.bin'), big, { mode: 0o644 });
  for (const k of Object.keys(port) as (keyof typeof port)[]) port[k] = await freePort();
  nginx = startNginx(nginxConf(), [NCHAN]);
  for (const [k, p] of Object.entries(port)) if (k !== 'ws') await waitForPort(p);
  // A WebSocket echo server over TLS (nginx has none of its own).
  wsServer = https.createServer({ cert: readFileSync(pki.good.cert), key: readFileSync(pki.good.key) });
  new WebSocketServer({ server: wsServer }).on('connection', (ws) =>
    ws.on('message', (m) => ws.send(`echo ${String(m)}`)),
  );
  await new Promise<void>((r) => wsServer.listen(port.ws, '127.0.0.1', () => r()));
  copyFileSync(pki.otherCa, join(dir, 'rotating-ca.pem'));
  const up = (name: string, p: number, tls: string) =>
    `    - { name: ${name}, servers: [ { address: 127.0.0.1:${p} } ], tls: ${tls} }\n`;
  const trusted = '{ server_name: localhost, ca: ./ca.pem }';
  t = await startEngine(
    `version: 1
admin: { listen: 0 }
http:
  servers:
    - name: front
      listen: 0
      routes:
        - { path: /, proxy: { upstream: secure, read_timeout: 1h } }
        - { path: /expired, proxy: { upstream: expired } }
        - { path: /wrong-name, proxy: { upstream: wrong_name } }
        - { path: /wrong-ca, proxy: { upstream: wrong_ca } }
        - { path: /self-signed, proxy: { upstream: self_signed } }
        - { path: /lax, proxy: { upstream: lax } }
        - { path: /short, proxy: { upstream: short } }
        - { path: /missing-ca, proxy: { upstream: missing_ca } }
        - { path: /url, proxy: { upstream: "https://localhost:${port.good}" } }
        - { path: /plain, proxy: { upstream: "http://127.0.0.1:${port.plain}" } }
        - { path: /rotating, proxy: { upstream: rotating } }
        - { path: /not-tls, proxy: { upstream: not_tls } }
        - { path: /ws, proxy: { upstream: ws_tls } }
  upstreams:
    - { name: not_tls, servers: [ { address: 127.0.0.1:${port.plain} } ], tls: { server_name: localhost } }
    - { name: rotating, servers: [ { address: 127.0.0.1:${port.good}, max_fails: 0 } ], tls: { server_name: localhost, ca: ./rotating-ca.pem } }
    - { name: ws_tls, servers: [ { address: 127.0.0.1:${port.ws} } ], tls: { server_name: localhost, ca: ./ca.pem } }
${up('secure', port.good, trusted)}${up('expired', port.expired, trusted)}${up('wrong_name', port.wrongName, trusted)}${up('wrong_ca', port.good, '{ server_name: localhost, ca: ./other-ca.pem }')}${up('self_signed', port.selfSigned, '{ ca: ./ca.pem }')}${up('lax', port.selfSigned, '{ verify: off }')}${up('short', port.short, trusted)}${up('missing_ca', port.good, '{ ca: ./nope.pem }')}`,
    { baseDir: dir },
  );
});

after(async () => {
  await t?.stop();
  wsServer?.close();
  await nginx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** GET over a fresh client connection. */
function get(url: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function admin<T>(path: string): Promise<T> {
  const res = await fetch(`${t.url('admin')}${path}`);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** `conn=12 sni=localhost host=… proto=TLSv1.3` → fields. */
function connInfo(body: string): Record<string, string> {
  return Object.fromEntries(
    body
      .trim()
      .split(' ')
      .map((kv) => kv.split('=') as [string, string]),
  );
}

test(
  'SSE from nginx over TLS: each event arrives before the next is published; the inspector decodes them',
  { skip },
  async () => {
    await admin('/api/traffic?limit=1'); // someone watches: the traffic log captures chunks and events
    const events: { data: string; at: number }[] = [];
    let res!: http.IncomingMessage;
    const req = http.get(`${t.url('front')}/sub/news`, { agent: false, headers: { accept: 'text/event-stream' } });
    await new Promise<void>((resolve, reject) => {
      req.on('response', (r) => {
        res = r;
        resolve();
      });
      req.on('error', reject);
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      buf += c;
      let k;
      while ((k = buf.indexOf('\n\n')) >= 0) {
        const data = buf
          .slice(0, k)
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        buf = buf.slice(k + 2);
        if (data) events.push({ data, at: Date.now() });
      }
    });
    const lags: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sent = Date.now();
      const pub = await fetch(`http://127.0.0.1:${port.plain}/pub/news`, {
        method: 'POST',
        body: JSON.stringify({ i }),
      });
      assert.ok(pub.status === 201 || pub.status === 202, `nchan accepted event ${i}: ${pub.status}`);
      await waitFor(() => events.length > i, `event ${i} through Sluice before the next is published`, 5000);
      lags.push(events[i]!.at - sent);
    }
    req.destroy();
    assert.deepEqual(
      events.map((e) => JSON.parse(e.data) as unknown),
      [0, 1, 2, 3, 4].map((i) => ({ i })),
    );
    const median = [...lags].sort((a, b) => a - b)[2]!;
    assert.ok(median < 1000, `events arrive as published (median ${median} ms: ${lags.join(', ')})`);

    let row: ExchangeSummary | undefined;
    await waitFor(async () => {
      row = (await admin<ExchangeSummary[]>('/api/traffic?limit=50')).find((r) => r.url === '/sub/news');
      return row !== undefined && row.outcome !== 'open';
    }, 'the ended stream in the traffic log');
    assert.ok(row);
    const detail = await admin<ExchangeDetail>(`/api/traffic/${row.id}`);
    assert.deepEqual(
      detail.sseEvents.map((e) => JSON.parse(e.data) as unknown),
      [0, 1, 2, 3, 4].map((i) => ({ i })),
    );
    assert.equal(detail.upstream, `127.0.0.1:${port.good}`);
    const tls = detail.upstreamTls!;
    assert.match(tls.protocol ?? '', /^TLSv1\.[23]$/);
    assert.equal(tls.authorized, true);
    assert.equal(tls.certificate?.issuer, 'CN=Sluice test CA');
    assert.deepEqual(tls.certificate?.altNames, ['localhost', '127.0.0.1']);
  },
);

test('a 64 MiB file from nginx over TLS is sha256-exact through Sluice (curl)', { skip }, async (ctx) => {
  ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
  const out = join(dir, 'download.bin');
  const r = await run('curl', ['-sS', '--fail', '-o', out, `${t.url('front')}/big.bin`], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const got = readFileSync(out);
  assert.equal(got.length, BIG);
  assert.equal(sha(got), bigSha);
  rmSync(out);
});

test(
  'keep-alive over TLS: one upstream connection serves request after request; SNI and Host name the upstream',
  { skip },
  async () => {
    const infos = [];
    for (let i = 0; i < 5; i++) {
      const r = await get(`${t.url('front')}/conn`);
      assert.equal(r.status, 200, r.body);
      infos.push(connInfo(r.body));
    }
    assert.equal(
      new Set(infos.map((x) => x.conn)).size,
      1,
      `one TLS connection reused: ${infos.map((x) => x.conn).join(', ')}`,
    );
    assert.equal(infos[0]!.sni, 'localhost');
    assert.equal(
      infos[0]!.host,
      'localhost',
      `Host is the upstream's name (${port.good} is not 443, nginx's $host drops the port)`,
    );

    // nginx closes idle connections after 300 ms here: the next request gets a fresh one, no error.
    const first = await get(`${t.url('front')}/short/conn`);
    await sleep(700);
    const second = await get(`${t.url('front')}/short/conn`);
    assert.equal(first.status, 200, first.body);
    assert.equal(second.status, 200, second.body);
    assert.notEqual(connInfo(first.body).conn, connInfo(second.body).conn);
  },
);

test(
  'bad certificates are 502s that name the reason, counted against the server; the engine carries on',
  { skip },
  async () => {
    const cases: [string, string][] = [
      ['/expired/x', `upstream expired: certificate has expired (127.0.0.1:${port.expired})`],
      [
        '/wrong-name/x',
        `upstream wrong_name: hostname mismatch: the certificate is for other.test, not localhost (127.0.0.1:${port.wrongName})`,
      ],
      ['/wrong-ca/x', `upstream wrong_ca: self-signed certificate in chain (127.0.0.1:${port.good})`],
      ['/self-signed/x', `upstream self_signed: self-signed certificate (127.0.0.1:${port.selfSigned})`],
      // The shorthand verifies against the usual roots, which do not hold the test CA.
      ['/url/x', `upstream https://localhost:${port.good}: self-signed certificate in chain (127.0.0.1:${port.good})`],
      ['/missing-ca/x', 'upstream missing_ca: tls.ca ./nope.pem: cannot read (no such file)'],
      [
        '/not-tls/x',
        `upstream not_tls: TLS handshake failed: the server does not speak TLS on this port (127.0.0.1:${port.plain})`,
      ],
    ];
    for (const [path, reason] of cases) {
      const r = await get(`${t.url('front')}${path}`);
      assert.equal(r.status, 502, `${path}: ${r.body}`);
      assert.equal(r.body.trim(), reason);
    }
    const servers = t.modules.upstreams.servers();
    for (const group of ['expired', 'wrong_name', 'wrong_ca', 'self_signed']) {
      const s = servers.find((x) => x.group === group)!;
      assert.ok(s.failures >= 1, `${group}: the failure counts against the server (${s.failures})`);
    }
    const rows = await admin<ExchangeSummary[]>('/api/traffic?limit=100');
    assert.equal(rows.find((r) => r.url === '/expired/x')?.status, 502);

    const lax = await get(`${t.url('front')}/lax/x`);
    assert.equal(lax.status, 200, 'verify: off accepts the self-signed certificate');
    assert.equal(lax.body, 'self-signed ok\n');
    let laxRow: ExchangeSummary | undefined;
    await waitFor(async () => {
      laxRow = (await admin<ExchangeSummary[]>('/api/traffic?limit=100')).find((r) => r.url === '/lax/x');
      return laxRow?.outcome === 'complete';
    }, 'the completed exchange in the traffic log');
    assert.ok(laxRow);
    const laxTls = (await admin<ExchangeDetail>(`/api/traffic/${laxRow.id}`)).upstreamTls!;
    assert.equal(laxTls.authorized, false, 'the inspector still says it did not verify');
    assert.equal(laxTls.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');

    const plain = await get(`${t.url('front')}/plain/conn`);
    assert.equal(plain.status, 200);
    assert.equal(connInfo(plain.body).host, '127.0.0.1', 'an http:// shorthand names its host too');
    assert.equal((await get(`${t.url('front')}/conn`)).status, 200, 'still serving');
  },
);

test('a changed tls.ca file is read again on apply', { skip }, async () => {
  const before = await get(`${t.url('front')}/rotating/conn`);
  assert.equal(before.status, 502, 'trusting another CA');
  copyFileSync(pki.ca, join(dir, 'rotating-ca.pem'));
  const r = await t.engine.apply(t.config);
  assert.ok(r.ok);
  const afterApply = await get(`${t.url('front')}/rotating/conn`);
  assert.equal(afterApply.status, 200, afterApply.body);
});

test('WebSocket upgrades reach a TLS upstream and echo both ways', { skip }, async () => {
  const ws = new WebSocket(`ws://${t.addr('front')}/ws`);
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('hello'));
    ws.on('message', (m) => resolve(String(m)));
    ws.on('error', reject);
  });
  ws.close();
  assert.equal(reply, 'echo hello');
});

test(
  'health checks over TLS: a server whose certificate expired is down with that reason; traffic goes to the good one',
  { skip },
  async () => {
    const { engine, modules } = createEngine({ baseDir: dir, drainMs: 200 });
    const logs: string[] = [];
    engine.events.on('log', (e) => logs.push(e.message));
    const r = await engine.start(
      parseConfig(`version: 1
http:
  servers:
    - { name: hc, listen: 0, routes: [ { path: /, proxy: { upstream: mixed } } ] }
  upstreams:
    - name: mixed
      servers: [ { address: 127.0.0.1:${port.good} }, { address: 127.0.0.1:${port.expired} } ]
      tls: { server_name: localhost, ca: ./ca.pem }
      # Generous: a TLS handshake with nginx on a loaded machine can take seconds; one slow check is no verdict.
      health_check: { interval: 100ms, timeout: 5s, path: /health, fails: 2, passes: 1 }
`),
    );
    assert.ok(r.ok);
    try {
      const states = () => modules.upstreams.servers();
      await waitFor(
        () => states().find((s) => s.address.endsWith(`:${port.expired}`))?.health === 'down',
        'the expired server marked down',
        10_000,
      );
      await waitFor(
        () => states().find((s) => s.address.endsWith(`:${port.good}`))?.health === 'up',
        'the good server marked up',
        10_000,
      );
      assert.ok(
        logs.some((l) => l === `upstream mixed 127.0.0.1:${port.expired} is down: certificate has expired`),
        logs.join('\n'),
      );
      for (let i = 0; i < 10; i++) {
        const res = await get(`http://${engine.address('hc')}/conn`);
        assert.equal(res.status, 200, res.body);
      }
    } finally {
      await engine.stop(200);
    }
  },
);

test(
  'sluice run with NODE_EXTRA_CA_CERTS: the https:// shorthand reaches nginx, verified, with SNI and Host of the URL',
  { skip },
  async () => {
    const file = join(dir, 'shorthand.yaml');
    writeFileSync(
      file,
      `version: 1\nhttp:\n  servers:\n    - name: front\n      listen: 0\n      routes: [ { path: /, proxy: { upstream: "https://localhost:${port.good}" } } ]\n`,
    );
    const child = spawn(process.execPath, [join(ROOT, 'bin/sluice.mjs'), 'run', file], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: pki.ca },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      output += b.toString();
    });
    try {
      await waitFor(() => /http front listening on http:\/\/[\d.:]+/.test(output), 'sluice run to listen', 30_000);
      const url = /http front listening on (http:\/\/[\d.:]+)/.exec(output)![1]!;
      const r = await get(`${url}/conn`);
      assert.equal(r.status, 200, r.body);
      const info = connInfo(r.body);
      assert.equal(info.sni, 'localhost');
      assert.equal(info.host, 'localhost');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  },
);
