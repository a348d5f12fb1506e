/**
 * Streams and connections to an HTTPS upstream with real parts: Debian's
 * nginx serving TLS with certificates made here (SSE through nchan, a 64 MiB
 * file), proxied by Sluice. Events arrive unbuffered and the inspector
 * decodes them, the file is sha256-exact, upstream connections are kept
 * alive (and replaced when nginx closes them), and WebSocket upgrades reach
 * a TLS upstream. Bad certificates and trust are in proxy-https-certs.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { WebSocket, WebSocketServer } from 'ws';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { needs } from '../helpers/peers.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { freePort } from '../bench/harness.js';
import type { ExchangeDetail, ExchangeSummary } from '../../core/api/types.js';
import { takeTurn } from '../helpers/exclusive.js';
import {
  adminJson,
  BIG,
  connInfo,
  get,
  sha,
  startHttpsUpstreams,
  TRUSTED,
  upstreamLine,
  type HttpsPorts,
  type HttpsUpstreams,
} from './proxy-https-fixtures.js';

let upstreams: HttpsUpstreams;
let dir: string;
let port: HttpsPorts;
let t: TestEngine;
let bigSha: string;
let wsServer: https.Server;

/** nginx with the nchan module serves every upstream here. */
const skip = needs('nginx', 'nchan');

before(async () => {
  if (skip) return;
  upstreams = await startHttpsUpstreams({ bigFile: true });
  ({ dir, port, bigSha } = upstreams);
  const { pki } = upstreams;
  // A WebSocket echo server over TLS (nginx has none of its own).
  const wsPort = await freePort();
  wsServer = https.createServer({ cert: readFileSync(pki.good.cert), key: readFileSync(pki.good.key) });
  new WebSocketServer({ server: wsServer }).on('connection', (ws) =>
    ws.on('message', (m) => ws.send(`echo ${String(m)}`)),
  );
  await new Promise<void>((r) => wsServer.listen(wsPort, '127.0.0.1', () => r()));
  const up = upstreamLine;
  const trusted = TRUSTED;
  t = await startEngine(
    `version: 1
admin: { listen: 0 }
http:
  servers:
    - name: front
      listen: 0
      routes:
        - { path: /, proxy: { upstream: secure, read_timeout: 1h } }
        - { path: /short, proxy: { upstream: short } }
        - { path: /ws, proxy: { upstream: ws_tls } }
  upstreams:
    - { name: ws_tls, servers: [ { address: 127.0.0.1:${wsPort} } ], tls: { server_name: localhost, ca: ./ca.pem } }
${up('secure', port.good, trusted)}${up('short', port.short, trusted)}`,
    { baseDir: dir },
  );
});

after(async () => {
  await t?.stop();
  wsServer?.close();
  await upstreams?.stop();
});

const admin = <T>(path: string): Promise<T> => adminJson<T>(t, path);

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
