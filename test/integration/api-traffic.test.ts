/**
 * Traffic capture through the API host: an upstream SSE server behind the
 * streaming proxy, bytes split at awkward places; the host's `traffic` event
 * delivers rows in per-tick batches and `getExchange` the decoded events —
 * only while someone watches.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import type { ApiHost } from '../../core/host/api-host.js';
import type { ExchangeSummary } from '../../core/api/types.js';
import { sleep, waitFor } from '../helpers/wait.js';

/** Pieces the upstream writes, with pauses between: splits inside fields, CRLF, a comment, UTF-8 cut mid-character. */
const utf8 = Buffer.from('data: grüße\n\n');
const PIECES: Buffer[] = [
  Buffer.from('retry: 2000\nid: 1\nevent: to'),
  Buffer.from('ken\ndata: {"t":"he'),
  Buffer.from('llo"}\r\n\r'),
  Buffer.from('\n: keep-alive\n\n'),
  utf8.subarray(0, 9), // cuts "ü" in half
  utf8.subarray(9),
  Buffer.from('event: done\ndata: [DONE]\n\n'),
];

let upstream: http.Server;
let t: TestEngine;
let host: ApiHost;

before(async () => {
  upstream = http.createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const p of PIECES) {
      res.write(p);
      await sleep(30);
    }
    res.end();
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const port = (upstream.address() as { port: number }).port;
  t = await startEngine(
    `version: 1
http:
  servers:
    - name: edge
      listen: 0
      routes:
        - path: /fast
          respond: { body: fast }
        - path: /
          proxy: { upstream: backend }
  upstreams:
    - name: backend
      servers: [ { address: 127.0.0.1:${port} } ]
`,
    { tickMs: 100 },
  );
  host = t.host;
});

after(async () => {
  await t.stop();
  await new Promise((r) => upstream.close(r));
});

test('watching traffic: rows in batches per tick, and the proxied stream decoded event by event', async () => {
  const batches: ExchangeSummary[][] = [];
  const off = host.on('traffic', (rows) => batches.push(rows));
  try {
    const body = await (await fetch(`${t.url('edge')}/stream`)).text();
    assert.equal(body, Buffer.concat(PIECES).toString(), 'the client gets the bytes unchanged');
    await waitFor(
      () => batches.flat().some((r) => r.url === '/stream' && r.outcome === 'complete'),
      'the completed row in a batch',
    );
    const rows = batches.flat().filter((r) => r.url === '/stream');
    assert.ok(rows.length >= 1);
    assert.ok(batches.length <= 12, `batches per tick, not per chunk: ${batches.length}`);
    const last = rows.at(-1)!;
    assert.equal(last.outcome, 'complete');
    assert.equal(last.contentType, 'text/event-stream');
    const detail = (await host.getExchange(last.id))!;
    assert.deepEqual(
      detail.sseEvents.map(({ t: _t, ...e }) => e),
      [
        { event: 'token', data: '{"t":"hello"}', id: '1', retry: 2000 },
        { data: 'grüße' },
        { event: 'done', data: '[DONE]' },
      ],
    );
    assert.equal(last.events, 3);
    assert.ok(detail.chunks.length >= 3, `chunk timeline: ${detail.chunks.length}`);
    const times = detail.sseEvents.map((e) => e.t);
    assert.ok(times[2]! - times[0]! >= 60, `events carry their arrival times: ${times.join(', ')}`);
    assert.equal(detail.responseHeaders?.['content-type'], 'text/event-stream');
  } finally {
    off();
  }
});

test('nobody watching: no chunk timeline, no decoding', async () => {
  assert.equal(t.engine.services.traffic.observed, false);
  await (await fetch(`${t.url('edge')}/quiet`)).text();
  const [row] = await host.getTraffic({ limit: 1 });
  assert.equal(row!.url, '/quiet');
  const detail = (await host.getExchange(row!.id))!;
  assert.equal(detail.sseEvents.length, 0);
  assert.equal(detail.chunks.length, 0);
  assert.equal(detail.bytesOut, Buffer.concat(PIECES).length, 'bytes are counted either way');
});

/** Ids of the `/fast` rows in the batches. */
const fastIds = (batches: ExchangeSummary[][]) =>
  new Set(
    batches
      .flat()
      .filter((r) => r.url.startsWith('/fast'))
      .map((r) => r.id),
  );

test('under a burst of requests the tick rate stays fixed and rows arrive in per-tick batches, none lost', async () => {
  // Fewer requests than one batch carries (500), so every row must show up in some batch.
  const TOTAL = 400;
  let ticks = 0;
  const batches: ExchangeSummary[][] = [];
  const offT = host.on('telemetry', () => {
    ticks++;
  });
  const offR = host.on('traffic', (rows) => batches.push(rows));
  const started = Date.now();
  let sent = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get(`${t.url('edge')}/fast?n=${sent++}`, { agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  try {
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < TOTAL) await get();
      }),
    );
    // Nothing lost: every request shows up in some batch (a batch carries at most 500 rows).
    await waitFor(() => fastIds(batches).size === TOTAL, `all ${TOTAL} requests in the batches`, 10_000);
    await waitFor(() => ticks >= 2, 'two ticks');
  } finally {
    offT();
    offR();
    agent.destroy();
  }
  const elapsed = Date.now() - started;
  assert.equal(sent, TOTAL);
  // The sampler schedules against the ideal time and never bursts to catch up: at most one tick per 100 ms.
  assert.ok(ticks <= elapsed / 100 + 2, `${ticks} ticks in ${elapsed} ms at 100 ms`);
  assert.ok(batches.length <= ticks, `${batches.length} batches for ${ticks} ticks and ${sent} requests`);
  console.log(`# ${sent} requests, ${ticks} ticks, ${batches.length} batches in ${elapsed} ms`);
});
