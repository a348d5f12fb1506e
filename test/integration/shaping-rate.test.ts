/**
 * Real downloads through a limited static route: the configured rate holds
 * (curl's speed and a Node client's per-window figures), bytes arrive intact,
 * `after` passes the first N bytes at once.
 */
import { test, after as afterAll, before } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { curl, download, max100ms, randomFile, rateBetween, bytesAt } from './shaping-client.js';

const KiB = 1024;
const MiB = 1024 * KiB;
let te: TestEngine;
let files: { dir: string; sha256: string };
let big: { dir: string; sha256: string };
let small: { dir: string; sha256: string };

before(async () => {
  files = randomFile('one.bin', 1 * MiB);
  big = randomFile('big.bin', 16 * MiB);
  small = randomFile('small.bin', 360_000);
  te = await startEngine(`
http:
  servers:
    - name: web
      listen: 0
      routes:
        - path: /slow
          static: { root: ${files.dir} }
          limit: { rate: 256k }
        - path: /fast
          static: { root: ${big.dir} }
          limit: { rate: 4m }
        - path: /after
          static: { root: ${small.dir} }
          limit: { rate: 64k, burst: 1k, after: 100000 }
`);
});
afterAll(() => te.stop());

test('curl at 256 KiB/s: rate within 3% after the burst, sha256 unchanged', async () => {
  const r = await curl(`${te.url('web')}/slow/one.bin`);
  assert.equal(r.size, MiB);
  assert.equal(r.sha256, files.sha256);
  const burst = (256 * KiB) / 10;
  const rate = (r.size - burst) / (r.total - r.start);
  assert.ok(
    Math.abs(rate / (256 * KiB) - 1) < 0.03,
    `measured ${(rate / KiB).toFixed(1)} KiB/s (curl speed_download ${(r.speed / KiB).toFixed(1)})`,
  );
});

test("Node client at 4 MiB/s: rate within 3% over a 3 s window, no 100 ms window near a second's worth", async () => {
  const scope = te.modules.shaping.scope('route web /fast')!;
  const th0 = scope.throttledMs();
  const d = await download(`${te.url('web')}/fast/big.bin`);
  const waited = (scope.throttledMs() - th0) / (d.last - d.first);
  assert.equal(d.bytes, 16 * MiB);
  assert.equal(d.sha256, big.sha256);
  const from = d.first + 300;
  const end = d.last - 50;
  const rate = rateBetween(d, from, end);
  assert.ok(end - from >= 3000, `window ${end - from} ms`);
  // Never above the rate. Within 3% when the client kept up (the writer waited on the bucket, not on the
  // socket); a client process starved by a loaded machine can fall behind for longer than the burst covers.
  const tol = waited >= 0.9 ? 0.03 : 0.2;
  assert.ok(
    rate <= 4 * MiB * 1.03 && rate >= 4 * MiB * (1 - tol),
    `measured ${(rate / MiB).toFixed(3)} MiB/s (waiting on the bucket ${(waited * 100).toFixed(0)}% of the time)`,
  );
  // 1.5x is the goal on a quiet machine (see the bench); stalls of a loaded one are repaid at up to +50%.
  const peak = max100ms(d, from, end);
  assert.ok(peak <= 2.5 * 0.1 * 4 * MiB, `largest 100 ms window ${(peak / KiB).toFixed(0)} KiB (nginx: 5x)`);
});

test('after: the first 100000 bytes arrive at once, then 64 KiB/s', async () => {
  const d = await download(`${te.url('web')}/after/small.bin`);
  assert.equal(d.sha256, small.sha256);
  const early = bytesAt(d, d.first + 250);
  assert.ok(early >= 100_000, `by 250 ms: ${early}`);
  assert.ok(early <= 100_000 + 1024 + 64 * KiB * 0.5, `by 250 ms no more than after + burst + a little rate: ${early}`);
  const rate = rateBetween(d, d.first + 500, d.last - 50);
  assert.ok(Math.abs(rate / (64 * KiB) - 1) < 0.05, `then ${(rate / KiB).toFixed(1)} KiB/s`);
});
