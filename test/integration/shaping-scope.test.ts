/**
 * Scopes and live behaviour with real clients: a per-client bucket shared by
 * two connections from one IP (not by two IPs), fair sharing of a route
 * bucket, a re-tune reaching an open download, a slow reader that never makes
 * the engine buffer, and upload (inbound) limits.
 */
import { test, after as afterAll, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, startEngine, type TestEngine } from '../helpers/engine.js';
import {
  bytesAt,
  commonWindow,
  download,
  downloadAll,
  randomFile,
  rateBetween,
  sentTimeline,
  withTimelines,
  type Download,
  type Sent,
} from './shaping-client.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { exclusive, takeTurn } from '../helpers/exclusive.js';

const KiB = 1024;
const MiB = 1024 * KiB;
let te: TestEngine;
let f512: { dir: string; sha256: string };
let f3m: { dir: string; sha256: string };
let f32m: { dir: string; sha256: string };
let uploads: string;

const yaml = (tuneRate: string) => `
http:
  servers:
    - name: web
      listen: 0
      routes:
        - path: /c
          static: { root: ${f512.dir} }
          limit: { rate: 256k, burst: 16k, per: client }
        - path: /r
          static: { root: ${f512.dir} }
          limit: { rate: 1m, burst: 16k, per: route }
        - path: /t
          static: { root: ${f3m.dir} }
          limit: { rate: ${tuneRate} }
        - path: /m
          static: { root: ${f32m.dir} }
          limit: { rate: 16m }
        - path: /u
          upload: { dir: ${uploads} }
          limit: { rate: 128k, direction: in }
`;

before(async () => {
  f512 = randomFile('a.bin', 512 * KiB);
  f3m = randomFile('a.bin', 3 * MiB);
  f32m = randomFile('a.bin', 32 * MiB);
  uploads = mkdtempSync(join(tmpdir(), 'sluice-up-'));
  te = await startEngine(yaml('256k'));
});
afterAll(() => te.stop());

const near = (got: number, want: number, tol: number, what: string) =>
  assert.ok(
    Math.abs(got / want - 1) <= tol,
    `${what}: ${(got / KiB).toFixed(1)} KiB/s, want ${(want / KiB).toFixed(0)} ±${tol * 100}%`,
  );

/**
 * Bytes per second the engine sent over whole transfers after the burst, from the first write of any to the
 * last of all: a stall and the catch-up that repays it (at up to +50%) fall in the same span.
 */
function overall(sent: Sent[], burst: number): number {
  const bytes = sent.reduce((a, d) => a + d.marks.at(-1)![1], 0);
  const span = Math.max(...sent.map((d) => d.last)) - Math.min(...sent.map((d) => d.first));
  return ((bytes - burst) * 1000) / span;
}

/** Parallel downloads and the engine's own timeline of each (rates are read on the engine's clock). */
async function parallel(jobs: { url: string; localAddress?: string }[]): Promise<{ ds: Download[]; sent: Sent[] }> {
  const [ds, recs] = await withTimelines(te, () => downloadAll(jobs));
  const sent = recs.filter((r) => r.url.endsWith('/a.bin')).map(sentTimeline);
  assert.equal(sent.length, jobs.length);
  return { ds, sent };
}

test('per: client — two connections from one IP share the bucket; two IPs do not', async (ctx) => {
  ctx.after(await takeTurn()); // a rate measurement: runs alone among heavy tests (see helpers/exclusive.ts)
  const url = `${te.url('web')}/c/a.bin`;
  const same = await parallel([
    { url, localAddress: '127.0.0.2' },
    { url, localAddress: '127.0.0.2' },
  ]);
  const [fromS, endS] = commonWindow(same.sent, 300);
  for (const d of same.sent) near(rateBetween(d, fromS, endS), 128 * KiB, 0.15, 'same IP, each (while both run)');
  near(overall(same.sent, 16 * KiB), 256 * KiB, 0.05, 'same IP, together');
  const apart = await parallel([
    { url, localAddress: '127.0.0.2' },
    { url, localAddress: '127.0.0.3' },
  ]);
  for (const d of apart.sent) near(overall([d], 16 * KiB), 256 * KiB, 0.05, 'separate IPs, each');
  for (const d of [...same.ds, ...apart.ds]) assert.equal(d.sha256, f512.sha256);
});

test('per: route — 8 parallel downloads share 1 MiB/s fairly (Jain >= 0.95)', async (ctx) => {
  ctx.after(await takeTurn()); // a rate measurement: runs alone among heavy tests (see helpers/exclusive.ts)
  const url = `${te.url('web')}/r/a.bin`;
  const { ds, sent } = await parallel(Array.from({ length: 8 }, () => ({ url })));
  for (const d of ds) assert.equal(d.sha256, f512.sha256);
  const [from, end] = commonWindow(sent, 400);
  assert.ok(end - from > 1000, `common window ${end - from} ms`);
  const xs = sent.map((d) => rateBetween(d, from, end));
  const sum = xs.reduce((a, b) => a + b, 0);
  const jain = (sum * sum) / (xs.length * xs.reduce((a, x) => a + x * x, 0));
  assert.ok(jain >= 0.95, `Jain ${jain.toFixed(3)}: ${xs.map((x) => (x / KiB).toFixed(0)).join(', ')} KiB/s`);
  near(overall(sent, 16 * KiB), MiB, 0.05, 'together');
});

test('per: route — a shared bucket idle for seconds banks no more than its burst: the next download is paced from its start', async () => {
  const url = `${te.url('web')}/r/a.bin`;
  const first = await download(url);
  assert.equal(first.sha256, f512.sha256);
  // Idle: nobody reads the route for 3 s; at 1 MiB/s an uncapped bucket would bank 3 MiB.
  await sleep(3000);
  // At most the burst, plus what a late wake-up of the last writer left over (50 ms of rate, never clipped).
  const banked = 16 * KiB + MiB * 0.05;
  const bucket = te.modules.shaping.scope('route web /r')!.bucket('out *');
  assert.ok(bucket.available() <= banked, `an idle bucket keeps about its burst: ${bucket.available()} tokens`);
  const d = await download(url);
  assert.equal(d.sha256, f512.sha256);
  // Whatever the scheduling, the server cannot have sent more than that plus rate × time since the request
  // (and one write slice): a starved client only reads less.
  for (const ms of [100, 250, 400]) {
    const got = bytesAt(d, d.sent + ms);
    const allowed = banked + (MiB * ms) / 1000 + 16 * KiB;
    assert.ok(
      got <= allowed,
      `${(got / KiB).toFixed(0)} KiB within ${ms} ms of the request, at most ${(allowed / KiB).toFixed(0)} KiB`,
    );
  }
});

test('a re-tune reaches an open download within a second, bytes intact', async (ctx) => {
  ctx.after(await takeTurn()); // a rate measurement: runs alone among heavy tests (see helpers/exclusive.ts)
  const counters = te.engine.services.counters.get('route', 'web /t');
  const base = counters.bytesOut;
  let appliedAt = 0;
  const [d, recs] = await withTimelines(te, async () => {
    const tuned = download(`${te.url('web')}/t/a.bin`);
    await waitFor(() => counters.bytesOut > base + 256 * KiB, 'a second of the download at 256 KiB/s', 10_000);
    appliedAt = te.engine.services.clock.now(); // the clock of the engine's timeline
    const r = await te.engine.apply(parseConfig(yaml('1m')));
    assert.ok(r.ok);
    return tuned;
  });
  assert.equal(d.sha256, f3m.sha256);
  const sent = sentTimeline(recs.find((r) => r.url === '/t/a.bin')!);
  assert.ok(appliedAt - sent.first >= 600, `the apply came ${(appliedAt - sent.first).toFixed(0)} ms into it`);
  near(rateBetween(sent, sent.first + 300, appliedAt), 256 * KiB, 0.1, 'before');
  assert.ok(sent.last - (appliedAt + 1000) >= 500, 'a window at the new rate');
  near(rateBetween(sent, appliedAt + 1000, sent.last), MiB, 0.1, 'from 1 s after the apply');
  const scope = te.modules.shaping.scope('route web /t')!;
  assert.equal(scope.limit.rate, MiB);
  assert.ok(scope.counters.throttledMs > 1000, `throttled ${scope.counters.throttledMs} ms`);
  await te.engine.apply(parseConfig(yaml('256k')));
});

test('a client that does not read: the engine does not buffer the file', () =>
  exclusive(async () => {
    const routeCounters = te.engine.services.counters.get('route', 'web /m');
    const base = routeCounters.bytesOut;
    const heap0 = process.memoryUsage().heapUsed;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${te.url('web')}/m/a.bin`, { agent: false }, resolve).on('error', reject);
    });
    res.pause();
    // Wait until the engine stops writing (nothing for 500 ms, when the limit would allow 8 MiB): backpressure.
    let last = -1;
    let still = 0;
    await waitFor(
      () => {
        const now = routeCounters.bytesOut;
        still = now === last ? still + 1 : 0;
        last = now;
        return still >= 5;
      },
      'the engine to stop writing to the paused client',
      15_000,
      100,
    );
    const written = routeCounters.bytesOut - base;
    // The 32 MiB file at 16 MiB/s is not written out: socket buffers hold a few MiB at most.
    assert.ok(written < 8 * MiB, `engine wrote ${(written / MiB).toFixed(1)} MiB to a paused client`);
    const grown = process.memoryUsage().heapUsed - heap0;
    assert.ok(grown < 16 * MiB, `heap grew ${(grown / MiB).toFixed(1)} MiB`);
    const { createHash } = await import('node:crypto');
    const h = createHash('sha256');
    res.on('data', (c: Buffer) => h.update(c));
    res.resume();
    await new Promise((r) => res.on('end', r));
    assert.equal(h.digest('hex'), f32m.sha256);
  }));

test('direction: in — an upload body is read at 128 KiB/s', () =>
  exclusive(async () => {
    const body = Buffer.alloc(256 * KiB, 7);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${te.url('web')}/u/x.bin`,
        { method: 'POST', agent: false, headers: { 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(status, 200);
    // On the engine's clock: from the request to the end of the answer, which comes once the body is read.
    const ms = te.engine.services.traffic.recent(20).find((r) => r.url === '/u/x.bin')!.durationMs!;
    const want = ((256 - 16) * KiB * 1000) / (128 * KiB); // minus the 16 KiB burst
    assert.ok(ms > want * 0.9 && ms < want * 1.25, `the upload took ${ms.toFixed(0)} ms, want ~${want.toFixed(0)}`);
    const samples = te.modules.shaping.samples();
    assert.ok(samples.some((s) => s.scope === 'route web /u' && s.explain.includes('on uploads')));
  }));
