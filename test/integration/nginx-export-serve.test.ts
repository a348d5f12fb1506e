/**
 * The export runs on real nginx (Debian, stream + nchan): static and proxy
 * answers match Sluice's for the same config; an SSE channel is served by
 * nchan, published with `sluice publish --admin <nginx admin address>` and
 * with curl (raw body), received by an `eventsource` client that, after its
 * connection drops, reconnects with Last-Event-ID and gets what it missed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventSource, type FetchLike } from 'eventsource';
import { parseConfig, startEngine, type TestEngine } from '../helpers/engine.js';
import { freePort, startNginx, type Peer } from '../helpers/nginx.js';
import { run } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import { exportNginx } from '../../core/nginx/export.js';

let www: string;
let backend: http.Server;
let nginx: Peer;
let sluice: TestEngine;
let web: string;
let admin: string;

/** The same document for both, with its ports filled in. */
function doc(webListen: string | number, adminListen: string | number, backendPort: number): string {
  return `
admin: { listen: ${adminListen} }
http:
  servers:
    - name: web
      listen: ${webListen}
      routes:
        - { path: /files, static: { root: ${www} } }
        - { path: /health, respond: { status: 200, body: "ok\\n", content_type: text/plain } }
        - { path: /api, proxy: { upstream: backend, uri: /v2/ } }
        - { path: /events, sse: { channel: news, replay: 10, heartbeat: 1s } }
  upstreams:
    - { name: backend, servers: [ { address: 127.0.0.1:${backendPort} } ] }
`;
}

before(async () => {
  www = mkdtempSync(join(tmpdir(), 'sluice-nginx-www-'));
  mkdirSync(join(www, 'sub'));
  writeFileSync(join(www, 'hello.txt'), 'hello from a file\n');
  writeFileSync(join(www, 'sub', 'index.html'), '<p>index</p>\n');
  chmodSync(www, 0o755); // nginx's workers read it as an unprivileged user
  backend = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        url: req.url,
        realIp: req.headers['x-real-ip'],
        xff: req.headers['x-forwarded-for'],
        proto: req.headers['x-forwarded-proto'],
        xfh: req.headers['x-forwarded-host'],
      }),
    );
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const backendPort = (backend.address() as { port: number }).port;
  const [webPort, adminPort] = [await freePort(), await freePort()];
  web = `127.0.0.1:${webPort}`;
  admin = `127.0.0.1:${adminPort}`;
  nginx = await startNginx(exportNginx(parseConfig(doc(web, admin, backendPort))), webPort);
  sluice = await startEngine(doc(0, 0, backendPort));
});

after(async () => {
  await nginx?.stop();
  await sluice?.stop();
  backend?.close();
});

async function get(base: string, path: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`http://${base}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

test("static and respond answers match Sluice's", async () => {
  for (const path of ['/files/hello.txt', '/files/sub/', '/health', '/files/missing.txt']) {
    const [a, b] = [await get(web, path), await get(sluice.addr('web'), path)];
    assert.equal(a.status, b.status, path);
    if (a.status === 200) assert.deepEqual([a.body, a.type], [b.body, b.type], path);
  }
});

test('proxy answers match: the same upstream path (prefix replaced) and X-Real-IP / X-Forwarded-* set', async () => {
  const viaNginx = JSON.parse((await get(web, '/api/items?x=1')).body) as Record<string, string>;
  const viaSluice = JSON.parse((await get(sluice.addr('web'), '/api/items?x=1')).body) as Record<string, string>;
  assert.deepEqual(viaNginx, { url: '/v2/items?x=1', realIp: '127.0.0.1', xff: '127.0.0.1', proto: 'http', xfh: web });
  assert.deepEqual(viaSluice, { ...viaNginx, xfh: sluice.addr('web') });
});

/** An EventSource whose connection the test can drop; it records the Last-Event-ID of each (re)connect. */
function droppableSource(url: string): { es: EventSource; drop(): void; lastIds: (string | undefined)[] } {
  let drop = () => {};
  const lastIds: (string | undefined)[] = [];
  const es = new EventSource(url, {
    fetch: async (input: string | URL, init?: Parameters<FetchLike>[1]) => {
      lastIds.push((init?.headers as Record<string, string> | undefined)?.['Last-Event-ID']);
      const res = await fetch(input, init as RequestInit);
      const reader = res.body!.getReader();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          drop = () => {
            controller.error(new Error('connection dropped'));
            void reader.cancel();
          };
          void (async () => {
            for (;;) {
              const { done, value } = await reader.read();
              if (done) return controller.close();
              controller.enqueue(value);
            }
          })().catch(() => undefined);
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    },
  });
  return { es, drop: () => drop(), lastIds };
}

test('nchan: sluice publish and curl (raw body) reach an eventsource client, which reconnects with Last-Event-ID and gets the missed events', async () => {
  const got: { type: string; data: string; id: string }[] = [];
  const { es, drop, lastIds } = droppableSource(`http://${web}/events`);
  for (const type of ['message', 'greet'])
    es.addEventListener(type, (e) => got.push({ type: e.type, data: e.data, id: e.lastEventId }));
  try {
    await new Promise<void>((resolve, reject) => {
      es.onopen = () => resolve();
      setTimeout(() => reject(new Error('no open')), 5000);
    });
    const bin = join(process.cwd(), 'bin/sluice.mjs');
    const pub = await run(process.execPath, [
      bin,
      'publish',
      'news',
      'hello nginx',
      '--event',
      'greet',
      '--admin',
      admin,
    ]);
    assert.equal(pub.code, 0, pub.stderr);
    assert.match(pub.stdout.trim(), /^\d+:\d+$/, 'the id nchan gave the event');
    const raw = await run('curl', [
      '-s',
      '-X',
      'POST',
      '--data-binary',
      '{"not": "the sluice JSON form"}',
      `http://${admin}/api/channels/news/events`,
    ]);
    assert.equal(raw.code, 0);
    await waitFor(() => got.length === 2, 'two events');
    assert.deepEqual(
      got.map((e) => [e.type, e.data]),
      [
        ['greet', 'hello nginx'],
        ['message', '{"not": "the sluice JSON form"}'],
      ],
    );
    assert.equal(got[0]!.id, pub.stdout.trim());
    drop();
    await waitFor(() => es.readyState === EventSource.CONNECTING, 'the client noticing the drop');
    for (const n of [1, 2])
      assert.equal((await run(process.execPath, [bin, 'publish', 'news', `missed ${n}`, '--admin', admin])).code, 0);
    await waitFor(() => got.length === 4, 'the missed events after the reconnect', 10_000);
    assert.deepEqual(
      got.slice(2).map((e) => e.data),
      ['missed 1', 'missed 2'],
    );
    assert.deepEqual(
      lastIds,
      [undefined, got[1]!.id],
      `the reconnect named the last event it had: ${JSON.stringify(got)}`,
    );
  } finally {
    es.close();
  }
});

test('the same publish call works against Sluice: raw body and X-EventSource-Event, sluice publish prints the id', async () => {
  const got: { type: string; data: string }[] = [];
  const es = new EventSource(`${sluice.url('web')}/events`);
  es.addEventListener('greet', (e) => got.push({ type: e.type, data: e.data }));
  es.addEventListener('message', (e) => got.push({ type: e.type, data: e.data }));
  try {
    await new Promise<void>((resolve) => {
      es.onopen = () => resolve();
    });
    const bin = join(process.cwd(), 'bin/sluice.mjs');
    // Asynchronously: the engine answering it runs in this process.
    const pub = await run(process.execPath, [
      bin,
      'publish',
      'news',
      'hello sluice',
      '--event',
      'greet',
      '--admin',
      sluice.addr('admin'),
    ]);
    assert.equal(pub.code, 0, pub.stderr);
    await run('curl', [
      '-s',
      '-X',
      'POST',
      '--data-binary',
      'plain words',
      `${sluice.url('admin')}/api/channels/news/events`,
    ]);
    await waitFor(() => got.length === 2, 'two events');
    assert.deepEqual(got, [
      { type: 'greet', data: 'hello sluice' },
      { type: 'message', data: 'plain words' },
    ]);
  } finally {
    es.close();
  }
});
