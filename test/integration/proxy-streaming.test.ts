/**
 * Bodies streamed through the HTTP proxy: SSE events forwarded one by one
 * (Node, a read_timeout that counts idle time only, Chromium's EventSource),
 * uploads and downloads sha256-exact with curl, a limit pacing request
 * bodies, backpressure from a client that stops reading back to the
 * upstream, and `buffering: on` against X-Accel-Buffering: no.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { startUpstream, get, sleep, type Upstream } from './proxy-fixtures.js';
import { waitFor } from '../helpers/wait.js';
import type { ExchangeRecord } from '../../core/telemetry/exchange-record.js';
import { takeTurn } from '../helpers/exclusive.js';

/** Deterministic bytes (so both sides agree without sending a seed). */
function bytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = x >>> 16;
  }
  return b;
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let up: Upstream;
let t: TestEngine;
let endlessWritten = 0;
const DOWNLOAD = bytes(8 * 1024 * 1024 + 17);

/** The upstream: SSE feeds, uploads hashed, downloads streamed, an endless body, a body in pieces. */
async function handler(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  // Proxy routes forward the full path: /idle/sse/stream reaches us as is.
  switch (url.pathname.replace(/^\/(idle|buffered|metered)(?=\/)/, '')) {
    case '/sse/stream': {
      const n = Number(url.searchParams.get('n') ?? 6);
      const every = Number(url.searchParams.get('every') ?? 200);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      for (let i = 0; i < n && !res.destroyed; i++) {
        await sleep(every);
        res.write(`id: ${i}\ndata: ${JSON.stringify({ i, sent: Date.now() })}\n\n`);
      }
      if (url.searchParams.get('hold')) return; // stay open, silent
      return void res.end();
    }
    case '/upload': {
      const h = createHash('sha256');
      let n = 0;
      for await (const c of req) {
        h.update(c as Buffer);
        n += (c as Buffer).length;
      }
      return void res.end(`${n} ${h.digest('hex')}`);
    }
    case '/download': {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let off = 0; off < DOWNLOAD.length; off += 64 * 1024) {
        if (!res.write(DOWNLOAD.subarray(off, off + 64 * 1024))) await new Promise((r) => res.once('drain', r));
      }
      return void res.end();
    }
    case '/endless': {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const piece = Buffer.alloc(64 * 1024, 7);
      const more = () => {
        while (!res.destroyed) {
          endlessWritten += piece.length;
          if (!res.write(piece)) return void res.once('drain', more);
        }
      };
      return more();
    }
    case '/pieces': {
      res.writeHead(200, {
        'content-type': 'text/plain',
        ...(url.searchParams.get('accel') ? { 'x-accel-buffering': 'no' } : {}),
      });
      for (const p of ['one ', 'two ', 'three']) {
        res.write(p);
        await sleep(100);
      }
      return void res.end();
    }
    default:
      res.end('ok');
  }
}

before(async () => {
  up = await startUpstream((req, res) => void handler(req, res));
  t = await startEngine(`
http:
  servers:
    - name: front
      listen: 0
      routes:
        - { path: /page, respond: { content_type: text/html, body: '<!doctype html><title>es</title>' } }
        - { path: /, proxy: { upstream: be } }
        - { path: /idle, proxy: { upstream: patient, read_timeout: 1s } }
        - { path: /buffered, proxy: { upstream: be, buffering: on } }
        - { path: /metered, proxy: { upstream: be }, limit: { rate: 1m, burst: 64k, direction: in } }
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

/** The traffic record matching `match` once its exchange has ended (records are written as exchanges end). */
async function finished(match: (r: ExchangeRecord) => boolean): Promise<ExchangeRecord> {
  const find = () => t.engine.services.traffic.recent(50).find(match);
  await waitFor(() => (find()?.outcome ?? 'open') !== 'open', 'the exchange to end in the traffic log');
  return find()!;
}

/** Waits until `value()` has not changed for `quietMs` (a writer blocked by backpressure). */
async function stable(value: () => number, quietMs: number, what: string): Promise<void> {
  let last = value();
  let since = Date.now();
  await waitFor(
    () => {
      const now = value();
      if (now !== last) [last, since] = [now, Date.now()];
      return Date.now() - since >= quietMs;
    },
    what,
    15_000,
  );
}

/** Reads an SSE response through Node http, stamping each event's arrival. */
function readEvents(
  url: string,
): Promise<{ status: number; type: string; events: { data: { i: number; sent: number }; at: number }[] }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const events: { data: { i: number; sent: number }; at: number }[] = [];
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          const at = Date.now();
          buf += c;
          let k;
          while ((k = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, k);
            buf = buf.slice(k + 2);
            const data = block.split('\n').find((l) => l.startsWith('data: '));
            if (data) events.push({ data: JSON.parse(data.slice(6)), at });
          }
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), events }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

test('SSE through the proxy: every event arrives on its own, within ~50 ms of being sent', async (ctx) => {
  ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
  const stop = t.engine.services.traffic.observe();
  const r = await readEvents(`${t.url('front')}/sse/stream?n=6&every=200`);
  stop();
  assert.equal(r.status, 200);
  assert.equal(r.type, 'text/event-stream');
  assert.deepEqual(
    r.events.map((e) => e.data.i),
    [0, 1, 2, 3, 4, 5],
  );
  const lags = r.events.map((e) => e.at - e.data.sent);
  const sorted = [...lags].sort((a, b) => a - b);
  assert.ok(sorted[Math.floor(sorted.length / 2)]! < 50, `median lag ${lags}`);
  assert.ok(Math.max(...lags) < 150, `no event waits for the next one (200 ms later): ${lags}`);
  const rec = await finished((x) => x.url.startsWith('/sse/stream?n=6'));
  assert.equal(rec.status, 200);
  assert.equal(rec.kind, 'proxy');
  assert.equal(rec.upstream, up.address);
  assert.equal(rec.contentType, 'text/event-stream');
  // Timings from the request's start: connected, then the first upstream byte, then the end (6 events 200 ms apart).
  const { connectMs, ttfbMs, durationMs } = rec;
  assert.ok(
    connectMs !== undefined && ttfbMs !== undefined && durationMs !== undefined,
    JSON.stringify({ connectMs, ttfbMs, durationMs }),
  );
  assert.ok(
    connectMs >= 0 && connectMs <= ttfbMs && ttfbMs <= durationMs,
    `connect ${connectMs} ≤ first byte ${ttfbMs} ≤ end ${durationMs}`,
  );
  assert.ok(durationMs >= 1000, `the stream lasted its six events: ${durationMs} ms`);
  assert.equal(rec.outcome, 'complete');
  assert.ok(rec.chunks.length >= 6, `chunk timeline captured while observed: ${rec.chunks.length}`);
});

test('a client closing an SSE stream shows as closed, not as an error', async () => {
  await new Promise<void>((resolve) => {
    const req = http.get(`${t.url('front')}/sse/stream?n=50&every=50&tag=close`, { agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => {});
  });
  const rec = await finished((x) => x.url.includes('tag=close'));
  assert.equal(rec.outcome, 'closed');
  assert.equal(rec.status, 200);
  assert.equal(rec.error, undefined);
  assert.equal(t.modules.upstreams.sseActive, 0);
});

test('SSE read_timeout is idle time between bytes, never total stream time', async () => {
  // 8 events 200 ms apart (1.6 s in all) through read_timeout 1 s, then silence: the stream ends ~1 s later.
  const started = Date.now();
  const r = await readEvents(`${t.url('front')}/idle/sse/stream?n=8&every=200&hold=1`);
  const took = Date.now() - started;
  assert.equal(r.events.length, 8, 'the stream outlives read_timeout while bytes flow');
  assert.ok(took >= 2500 && took < 6000, `ended ${took} ms after start (1600 ms of events + 1000 ms idle)`);
});

test('Chromium EventSource through the proxy receives each event', async () => {
  const { launchChromium } = await import('../helpers/chromium.js');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${t.url('front')}/page`);
    const stopObserving = t.engine.services.traffic.observe();
    const got = await page.evaluate(
      () =>
        new Promise<{ ids: string[]; gaps: number[] }>((resolve, reject) => {
          const es = new EventSource('/sse/stream?n=4&every=150');
          const ids: string[] = [];
          const times: number[] = [];
          es.onmessage = (e) => {
            ids.push(e.lastEventId);
            times.push(performance.now());
            if (ids.length === 4) {
              es.close();
              resolve({ ids, gaps: times.slice(1).map((x, i) => x - times[i]!) });
            }
          };
          setTimeout(() => reject(new Error(`only ${ids.length} events`)), 8000);
        }),
    );
    stopObserving();
    assert.deepEqual(got.ids, ['0', '1', '2', '3']);
    // The proxy wrote each event as it came (its own chunk timeline), and the browser saw them over
    // time, not all at the end (450 ms of gaps; a stalled browser may merge two, not all four).
    const rec = await finished((x) => x.url === '/sse/stream?n=4&every=150');
    assert.ok(rec.chunks.length >= 4, `written one by one: ${rec.chunks.length} writes`);
    const span = got.gaps.reduce((a, b) => a + b, 0);
    assert.ok(span >= 150, `events arrive spread out, not batched: ${got.gaps}`);
  } finally {
    await browser.close();
  }
});

test('curl uploads and downloads through the proxy are sha256-exact', async (ctx) => {
  ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
  const dir = mkdtempSync(join(tmpdir(), 'sluice-proxy-'));
  const body = bytes(5 * 1024 * 1024 + 3);
  writeFileSync(join(dir, 'up.bin'), body);
  const upRes = await run('curl', [
    '-sS',
    '--fail',
    '-H',
    'Expect:',
    '--data-binary',
    `@${join(dir, 'up.bin')}`,
    `${t.url('front')}/upload`,
  ]);
  assert.equal(upRes.code, 0, upRes.stderr);
  assert.equal(upRes.stdout, `${body.length} ${sha(body)}`);
  const chunkedUp = await run('curl', [
    '-sS',
    '--fail',
    '-H',
    'Transfer-Encoding: chunked',
    '--data-binary',
    `@${join(dir, 'up.bin')}`,
    `${t.url('front')}/upload`,
  ]);
  assert.equal(chunkedUp.stdout, `${body.length} ${sha(body)}`);
  const down = await run('curl', ['-sS', '--fail', '-o', join(dir, 'down.bin'), `${t.url('front')}/download`]);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(sha(readFileSync(join(dir, 'down.bin'))), sha(DOWNLOAD));
  // A slow reader: curl limited to 2 MB/s still gets every byte (backpressure, no loss).
  const slow = await run('curl', [
    '-sS',
    '--fail',
    '--limit-rate',
    '4M',
    '-o',
    join(dir, 'slow.bin'),
    `${t.url('front')}/download`,
  ]);
  assert.equal(slow.code, 0, slow.stderr);
  assert.equal(sha(readFileSync(join(dir, 'slow.bin'))), sha(DOWNLOAD));
});

test('a limit on the in direction paces request bodies streamed upstream', async (ctx) => {
  ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
  const dir = mkdtempSync(join(tmpdir(), 'sluice-proxy-'));
  const body = bytes(1536 * 1024);
  writeFileSync(join(dir, 'up.bin'), body);
  const started = Date.now();
  const r = await run('curl', [
    '-sS',
    '--fail',
    '-H',
    'Expect:',
    '--data-binary',
    `@${join(dir, 'up.bin')}`,
    `${t.url('front')}/metered/upload`,
  ]);
  const took = Date.now() - started;
  assert.equal(r.stdout, `${body.length} ${sha(body)}`);
  // 1.5 MiB at 1 MiB/s after a 64 KiB burst: about 1.44 s.
  assert.ok(took > 1200 && took < 4000, `took ${took} ms`);
});

test('a client that stops reading stops the upstream (backpressure end to end, no unbounded buffer)', async (ctx) => {
  ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
  endlessWritten = 0;
  let received = 0;
  const req = http.get(`${t.url('front')}/endless`, { agent: false }, (res) => {
    res.on('data', (c: Buffer) => {
      received += c.length;
      if (received > 256 * 1024) res.pause();
    });
  });
  req.on('error', () => {});
  try {
    // The upstream writes until every buffer on the way is full, then waits for a drain that never comes.
    await stable(() => endlessWritten, 500, 'the upstream to stop writing');
    const paused = endlessWritten;
    assert.ok(received < 2 * 1024 * 1024, `client read ${received}`);
    assert.ok(paused < 48 * 1024 * 1024, `only socket buffers are in flight: ${paused} bytes`);
    assert.ok(paused > received, 'the upstream wrote what the client read, and buffers filled');
    // Still paused a while later: nothing in between keeps reading on the client's behalf.
    await sleep(500);
    assert.equal(endlessWritten, paused, `the upstream stays paused: ${paused} then ${endlessWritten} bytes written`);
  } finally {
    req.destroy();
  }
});

test('buffering: on sends a collected response with Content-Length; X-Accel-Buffering: no streams it', async () => {
  const buffered = await get(`${t.url('front')}/buffered/pieces`);
  assert.equal(buffered.body, 'one two three');
  assert.equal(buffered.headers['content-length'], '13');
  assert.equal(buffered.headers['transfer-encoding'], undefined);
  const streamed = await get(`${t.url('front')}/buffered/pieces?accel=1`);
  assert.equal(streamed.body, 'one two three');
  assert.equal(streamed.headers['transfer-encoding'], 'chunked');
  const plain = await get(`${t.url('front')}/pieces`);
  assert.equal(plain.headers['transfer-encoding'], 'chunked');
});
