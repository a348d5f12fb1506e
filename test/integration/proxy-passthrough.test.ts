/**
 * What the HTTP proxy passes through and what it answers itself: HEAD and
 * 304 with their headers and no body, hop-by-hop headers dropped both ways,
 * X-Forwarded-* added and Host kept or set per route, a 504 and a 502 with a
 * one-line reason, a client that leaves aborting the upstream request, and
 * WebSocket upgrades.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { startUpstream, get, sleep, type Upstream } from './proxy-fixtures.js';
import { waitFor } from '../helpers/wait.js';

let up: Upstream;
let t: TestEngine;
let upstreamClosedAt = 0;

/** The upstream: echo of headers, a cacheable answer, a hang, a slow stream. */
async function handler(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  // Proxy routes forward the full path: /timeout/hang reaches us as is.
  switch (url.pathname.replace(/^\/(timeout|hosted)(?=\/)/, '')) {
    case '/echo-headers':
      res.writeHead(200, {
        'content-type': 'application/json',
        connection: 'X-Hop',
        'x-hop': '1',
        'keep-alive': 'timeout=9',
        'x-accel-buffering': 'no',
        'proxy-foo': 'x',
        'x-kept': 'yes',
      });
      return void res.end(JSON.stringify(req.headers));
    case '/cached':
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        return void res.end();
      }
      res.writeHead(200, { etag: '"v1"', 'content-type': 'text/plain', 'content-length': '5' });
      return void res.end(req.method === 'HEAD' ? undefined : 'fresh');
    case '/hang':
      return; // never answers
    case '/slow':
      res.on('close', () => {
        upstreamClosedAt = Date.now();
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 200 && !res.destroyed; i++) {
        res.write(`${i}\n`);
        await sleep(50);
      }
      return void res.end();
    default:
      res.end('ok');
  }
}

before(async () => {
  up = await startUpstream((req, res) => void handler(req, res));
  const wss = new WebSocketServer({ server: up.server });
  wss.on('connection', (ws, req) =>
    ws.on('message', (m) => ws.send(`echo ${m} via ${req.headers['x-forwarded-for']}`)),
  );
  t = await startEngine(`
http:
  servers:
    - name: front
      listen: 0
      routes:
        - { path: /page, respond: { content_type: text/html, body: '<!doctype html><title>es</title>' } }
        - { path: /, proxy: { upstream: be } }
        - { path: /timeout, proxy: { upstream: patient, read_timeout: 300ms } }
        - { path: /hosted, proxy: { upstream: be, host: backend.internal, headers: { x-extra: one } } }
  upstreams:
    - { name: be, servers: [ { address: ${up.address} } ] }
    # A timeout counts as a failure (max_fails): keep it away from the other routes' group.
    - { name: patient, servers: [ { address: ${up.address}, max_fails: 0 } ] }
`);
});
after(async () => {
  await t?.stop();
  await up?.close();
});

test('HEAD and 304 pass through with their headers and no body', async () => {
  const head = await run('curl', ['-sS', '-I', `${t.url('front')}/cached`]);
  assert.match(head.stdout, /^HTTP\/1\.1 200/);
  assert.match(head.stdout, /content-length: 5/i);
  assert.match(head.stdout, /etag: "v1"/i);
  const fresh = await get(`${t.url('front')}/cached`);
  assert.equal(fresh.body, 'fresh');
  const cached = await get(`${t.url('front')}/cached`, { 'if-none-match': '"v1"' });
  assert.equal(cached.status, 304);
  assert.equal(cached.body, '');
});

test('hop-by-hop headers are dropped both ways; X-Forwarded-* added; Host kept or set per config', async () => {
  const send = (path: string) =>
    new Promise<{ headers: http.IncomingHttpHeaders; seen: Record<string, string> }>((resolve, reject) => {
      const req = http.request(
        `${t.url('front')}${path}`,
        {
          agent: false,
          headers: {
            connection: 'keep-alive, X-Secret',
            'x-secret': 'hidden',
            'keep-alive': 'timeout=5',
            te: 'trailers',
            'proxy-authorization': 'Basic eA==',
            'x-forwarded-for': '10.0.0.1',
            'x-normal': 'passes',
            host: 'front.example:8080',
          },
        },
        (res) => {
          let s = '';
          res.on('data', (c) => {
            s += c;
          });
          res.on('end', () => resolve({ headers: res.headers, seen: JSON.parse(s) }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  const { headers, seen } = await send('/echo-headers');
  for (const h of ['x-secret', 'keep-alive', 'te', 'proxy-authorization'])
    assert.equal(seen[h], undefined, `${h} must not reach the upstream`);
  assert.equal(seen['x-normal'], 'passes');
  assert.equal(seen['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
  assert.equal(seen['x-forwarded-proto'], 'http');
  assert.equal(seen['x-forwarded-host'], 'front.example:8080');
  assert.equal(seen.host, 'front.example:8080');
  for (const h of ['x-hop', 'proxy-foo', 'x-accel-buffering'])
    assert.equal(headers[h], undefined, `${h} must not reach the client`);
  assert.notEqual(headers['keep-alive'], 'timeout=9');
  assert.equal(headers['x-kept'], 'yes');
  // HTTP/1.0 without Host: the upstream still gets a Host header (its address).
  const raw = await new Promise<string>((resolve) => {
    const [h, p] = t.addr('front').split(':');
    const sock = net.connect(Number(p), h!, () => sock.write('GET /echo-headers HTTP/1.0\r\n\r\n'));
    let text = '';
    sock.on('data', (c) => {
      text += c;
    });
    sock.on('close', () => resolve(text));
  });
  assert.equal(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).host, up.address);
  const hosted = await send('/hosted/echo-headers');
  assert.equal(hosted.seen.host, 'backend.internal');
  assert.equal(hosted.seen['x-extra'], 'one');
  assert.equal(hosted.seen['x-forwarded-host'], 'front.example:8080');
});

test('an upstream that does not answer within read_timeout is a 504 with a one-line reason', async () => {
  const started = Date.now();
  const r = await get(`${t.url('front')}/timeout/hang`);
  assert.equal(r.status, 504);
  assert.equal(r.body, `upstream patient: ${up.address} did not answer within 300 ms\n`);
  assert.ok(Date.now() - started < 2000);
});

test('an unreachable upstream is a 502 with a one-line reason', async () => {
  await t.engine.apply({
    ...t.config,
    http: {
      ...t.config.http,
      upstreams: [
        ...t.config.http.upstreams,
        {
          name: 'gone',
          balance: 'round_robin',
          keepalive: 0,
          servers: [
            {
              address: '127.0.0.1:1',
              weight: 1,
              max_fails: 1,
              fail_timeout: 10_000,
              backup: false,
              down: false,
              max_conns: 0,
            },
          ],
        },
      ],
      servers: [
        {
          ...t.config.http.servers[0]!,
          routes: [
            ...t.config.http.servers[0]!.routes,
            {
              path: '/gone',
              proxy: {
                upstream: 'gone',
                buffering: false,
                connect_timeout: 5000,
                read_timeout: 60000,
                send_timeout: 60000,
                headers: {},
                next_upstream_tries: 0,
              },
              headers: {},
            },
          ],
        },
      ],
    },
  });
  const r = await get(`${t.url('front')}/gone/x`);
  assert.equal(r.status, 502);
  assert.equal(r.body, 'upstream gone: connect ECONNREFUSED 127.0.0.1:1\n');
});

test('a client that disconnects aborts the upstream request', async () => {
  upstreamClosedAt = 0;
  await new Promise<void>((resolve) => {
    const req = http.get(`${t.url('front')}/slow`, { agent: false }, (res) => {
      res.once('data', () =>
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 150),
      );
    });
    req.on('error', () => {});
  });
  const cut = Date.now();
  await waitFor(() => upstreamClosedAt > 0, 'the upstream to see the close');
  assert.ok(upstreamClosedAt - cut < 500, `closed ${upstreamClosedAt - cut} ms after the client left`);
  const s = () => t.modules.upstreams.servers().find((x) => x.group === 'be')!;
  await waitFor(() => s().active === 0, 'the upstream request to be released');
});

test('WebSocket upgrade passes through both ways', async () => {
  const ws = new WebSocket(`${t.url('front').replace('http', 'ws')}/ws`);
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('hi'));
    ws.on('message', (m) => resolve(String(m)));
    ws.on('error', reject);
  });
  assert.equal(reply, 'echo hi via 127.0.0.1');
  ws.close();
});

test("WebSocket to a route that is not a proxy gets that route's plain answer (no 101); to a dead upstream 502", async () => {
  const status = (path: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`${t.url('front').replace('http', 'ws')}${path}`);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => {
        resolve(101);
        ws.close();
      });
      ws.on('error', () => {});
    });
  assert.equal(await status('/page'), 200);
  assert.equal(await status('/gone/ws'), 502);
});
