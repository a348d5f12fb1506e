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
import { bytesAt, commonWindow, download, downloadAll, randomFile, rateBetween } from './shaping-client.js';
import { sleep } from '../helpers/wait.js';

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

test('per: client — two connections from one IP share the bucket; two IPs do not', async () => {
  const url = `${te.url('web')}/c/a.bin`;
  const same = await downloadAll([
    { url, localAddress: '127.0.0.2' },
    { url, localAddress: '127.0.0.2' },
  ]);
  const [fromS, endS] = commonWindow(same, 300);
  const sameRates = same.map((d) => rateBetween(d, fromS, endS));
  for (const r of sameRates) near(r, 128 * KiB, 0.15, 'same IP, each');
  near(sameRates[0]! + sameRates[1]!, 256 * KiB, 0.05, 'same IP, together');
  const apart = await downloadAll([
    { url, localAddress: '127.0.0.2' },
    { url, localAddress: '127.0.0.3' },
  ]);
  const [fromA, endA] = commonWindow(apart, 300);
  for (const d of apart) near(rateBetween(d, fromA, endA), 256 * KiB, 0.1, 'separate IPs, each');
  for (const d of [...same, ...apart]) assert.equal(d.sha256, f512.sha256);
});

test('per: route — 8 parallel downloads share 1 MiB/s fairly (Jain >= 0.95)', async () => {
  const url = `${te.url('web')}/r/a.bin`;
  const ds = await downloadAll(Array.from({ length: 8 }, () => ({ url })));
  const [from, end] = commonWindow(ds, 400);
  assert.ok(end - from > 1000, `common window ${end - from} ms`);
  const xs = ds.map((d) => rateBetween(d, from, end));
  const sum = xs.reduce((a, b) => a + b, 0);
  const jain = (sum * sum) / (xs.length * xs.reduce((a, x) => a + x * x, 0));
  assert.ok(jain >= 0.95, `Jain ${jain.toFixed(3)}: ${xs.map((x) => (x / KiB).toFixed(0)).join(', ')} KiB/s`);
  near(sum, MiB, 0.1, 'together');
});

test('per: route — a shared bucket idle for seconds holds only its burst: the next download is paced from its start', async () => {
  const url = `${te.url('web')}/r/a.bin`;
  const first = await download(url);
  assert.equal(first.sha256, f512.sha256);
  // Idle: nobody reads the route for 3 s; at 1 MiB/s an uncapped bucket would bank 3 MiB.
  await sleep(3000);
  const bucket = te.modules.shaping.scope('route web /r')!.bucket('out *');
  assert.ok(bucket.available() <= 16 * KiB, `an idle bucket keeps at most its burst: ${bucket.available()} tokens`);
  const d = await download(url);
  assert.equal(d.sha256, f512.sha256);
  // Whatever the scheduling, the server cannot have sent more than burst + rate × time since the request
  // (plus one write slice): a starved client only reads less.
  for (const ms of [100, 250, 400]) {
    const got = bytesAt(d, d.sent + ms);
    const allowed = 16 * KiB + (MiB * ms) / 1000 + 16 * KiB;
    assert.ok(
      got <= allowed,
      `${(got / KiB).toFixed(0)} KiB within ${ms} ms of the request, at most ${allowed / KiB} KiB`,
    );
  }
});

test('a re-tune reaches an open download within a second, bytes intact', async () => {
  const counters = te.engine.services.counters.get('route', 'web /t');
  const base = counters.bytesOut;
  const tuned = download(`${te.url('web')}/t/a.bin`);
  while (counters.bytesOut === base) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 1200));
  const r = await te.engine.apply(parseConfig(yaml('1m')));
  assert.ok(r.ok);
  const d = await tuned;
  assert.equal(d.sha256, f3m.sha256);
  near(rateBetween(d, d.first + 300, d.first + 1100), 256 * KiB, 0.1, 'before');
  near(rateBetween(d, d.first + 2400, d.last - 50), MiB, 0.1, 'from 1 s after the apply');
  const scope = te.modules.shaping.scope('route web /t')!;
  assert.equal(scope.limit.rate, MiB);
  assert.ok(scope.counters.throttledMs > 1000, `throttled ${scope.counters.throttledMs} ms`);
  await te.engine.apply(parseConfig(yaml('256k')));
});

test('a client that does not read: the engine does not buffer the file', async () => {
  const routeCounters = te.engine.services.counters.get('route', 'web /m');
  const base = routeCounters.bytesOut;
  const heap0 = process.memoryUsage().heapUsed;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(`${te.url('web')}/m/a.bin`, { agent: false }, resolve).on('error', reject);
  });
  res.pause();
  await new Promise((r) => setTimeout(r, 2000));
  const written = routeCounters.bytesOut - base;
  // 2 s at 16 MiB/s would be 32 MiB; socket buffers hold a few MiB at most.
  assert.ok(written < 8 * MiB, `engine wrote ${(written / MiB).toFixed(1)} MiB to a paused client`);
  const grown = process.memoryUsage().heapUsed - heap0;
  assert.ok(grown < 16 * MiB, `heap grew ${(grown / MiB).toFixed(1)} MiB`);
  const { createHash } = await import('node:crypto');
  const h = createHash('sha256');
  res.on('data', (c: Buffer) => h.update(c));
  res.resume();
  await new Promise((r) => res.on('end', r));
  assert.equal(h.digest('hex'), f32m.sha256);
});

test('direction: in — an upload body is read at 128 KiB/s', async () => {
  const body = Buffer.alloc(256 * KiB, 7);
  const t0 = performance.now();
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
  const ms = performance.now() - t0;
  assert.equal(status, 200);
  const want = ((256 - 16) * KiB * 1000) / (128 * KiB); // minus the 16 KiB burst
  assert.ok(ms > want * 0.85 && ms < want * 1.25, `upload took ${ms.toFixed(0)} ms, want ~${want.toFixed(0)}`);
  const samples = te.modules.shaping.samples();
  assert.ok(samples.some((s) => s.scope === 'route web /u' && s.explain.includes('on uploads')));
});
