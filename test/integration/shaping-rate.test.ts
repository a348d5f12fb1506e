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
  big = randomFile('big.bin', 14 * MiB);
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
  const burst = 256 * KiB / 10;
  const rate = (r.size - burst) / (r.total - r.start);
  assert.ok(Math.abs(rate / (256 * KiB) - 1) < 0.03, `measured ${(rate / KiB).toFixed(1)} KiB/s (curl speed_download ${(r.speed / KiB).toFixed(1)})`);
});

test('Node client at 4 MiB/s: rate within 3% over a 3 s window, no 100 ms window over 1.5x', async () => {
  const d = await download(`${te.url('web')}/fast/big.bin`);
  assert.equal(d.bytes, 14 * MiB);
  assert.equal(d.sha256, big.sha256);
  const end = d.ms - 50;
  const rate = rateBetween(d, 300, end);
  assert.ok(end - 300 >= 3000, `window ${end - 300} ms`);
  assert.ok(Math.abs(rate / (4 * MiB) - 1) < 0.03, `measured ${(rate / MiB).toFixed(3)} MiB/s`);
  const peak = max100ms(d, 300, end);
  assert.ok(peak <= 1.5 * 0.1 * 4 * MiB, `largest 100 ms window ${(peak / KiB).toFixed(0)} KiB`);
});

test('after: the first 100000 bytes arrive at once, then 64 KiB/s', async () => {
  const d = await download(`${te.url('web')}/after/small.bin`);
  assert.equal(d.sha256, small.sha256);
  const early = bytesAt(d, 250);
  assert.ok(early >= 100_000, `by 250 ms: ${early}`);
  assert.ok(early <= 100_000 + 1024 + 64 * KiB * 0.3, `by 250 ms no more than after + burst + 250 ms of rate: ${early}`);
  const rate = rateBetween(d, 500, d.ms - 50);
  assert.ok(Math.abs(rate / (64 * KiB) - 1) < 0.05, `then ${(rate / KiB).toFixed(1)} KiB/s`);
});
