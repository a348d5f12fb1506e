/**
 * Real downloads through a limited static route: the configured rate holds,
 * bytes arrive intact, `after` passes the first N bytes at once.
 *
 * Rates are read on the engine's own clock — the traffic log's chunk
 * timeline, recorded while observed — so a client process that a loaded
 * machine starves now and then cannot pass for a slow limit; what the client
 * saw is checked for integrity and never above the rate. The engine runs in
 * this process: when its event loop stalls longer than the limit's burst can
 * repay (the machine's doing, not the limit's), the measurement is taken
 * again, up to three times.
 */
import { test, after as afterAll, before } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { takeTurn } from '../helpers/exclusive.js';
import {
  bytesAt,
  curl,
  download,
  max100ms,
  randomFile,
  rateBetween,
  sentTimeline,
  withTimelines,
  type Sent,
} from './shaping-client.js';

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

/**
 * Runs one download while the traffic log keeps chunk timelines; returns the
 * client's result, the engine's timeline of that exchange, and the share of
 * it the writer spent waiting on the bucket.
 */
async function observed<T>(url: string, scope: string, fetch: () => Promise<T>): Promise<[T, Sent, number]> {
  const limit = te.modules.shaping.scope(scope)!;
  const throttled0 = limit.throttledMs();
  const [result, recs] = await withTimelines(te, fetch);
  const sent = sentTimeline(recs.find((r) => r.url === url)!);
  return [result, sent, (limit.throttledMs() - throttled0) / (sent.last - sent.first)];
}

/**
 * Runs `measure` until the engine's event loop (this process's) never stalled
 * longer than `burstMs` meanwhile, at most three times; returns the last
 * result and its longest stall. A bucket holds at most its burst, so a longer
 * stall is time it cannot repay; a limit that under-delivers by itself fails
 * on every try.
 */
async function unstalled<T>(burstMs: number, measure: () => Promise<T>): Promise<[T, number]> {
  let result: [T, number] | undefined;
  for (let i = 0; i < 3 && !(result && result[1] <= burstMs); i++) {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    try {
      result = [await measure(), delay.max / 1e6];
    } finally {
      delay.disable();
    }
  }
  return result!;
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const ms = (x: number) => `${x.toFixed(0)} ms`;

test('curl at 256 KiB/s: rate within 3% after the burst, sha256 unchanged', async (ctx) => {
  ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
  // The burst (rate/10) covers a 100 ms stall.
  const [[r, sent, waited], stall] = await unstalled(100, () =>
    observed('/slow/one.bin', 'route web /slow', () => curl(`${te.url('web')}/slow/one.bin`)),
  );
  assert.equal(r.size, MiB);
  assert.equal(r.sha256, files.sha256);
  const burst = (256 * KiB) / 10;
  const rate = (MiB - burst) / ((sent.last - sent.first) / 1000);
  assert.ok(
    Math.abs(rate / (256 * KiB) - 1) < 0.03,
    `the engine sent ${(rate / KiB).toFixed(1)} KiB/s (curl speed_download ${(r.speed / KiB).toFixed(1)}, waiting on the bucket ${pct(waited)} of the time, longest stall ${ms(stall)})`,
  );
  assert.ok(r.speed <= 256 * KiB * 1.1, `curl never saw more than the rate (and the burst): ${r.speed}`);
});

test("curl at 4 MiB/s: rate within 3% over the transfer after the burst; no 100 ms window nears a second's worth", async (ctx) => {
  ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
  // curl reads with a fraction of the CPU a Node client needs: on a busy machine it keeps up.
  const [[d, sent, waited], stall] = await unstalled(100, () =>
    observed('/fast/big.bin', 'route web /fast', () => curl(`${te.url('web')}/fast/big.bin`)),
  );
  assert.equal(d.size, 14 * MiB);
  assert.equal(d.sha256, big.sha256);
  // The burst (rate/10) leaves at once; the rest at the rate. Over the whole transfer, so a stall of the
  // engine and the catch-up that repays it (at up to +50%) fall in the same window.
  const burst = (4 * MiB) / 10;
  assert.ok(sent.last - sent.first >= 3000, `a transfer of ${sent.last - sent.first} ms`);
  const rate = (14 * MiB - burst) / ((sent.last - sent.first) / 1000);
  const client = (d.size - burst) / (d.total - d.start);
  // No tolerance widened for a slow machine: a limit that under-delivers fails here.
  assert.ok(
    Math.abs(rate / (4 * MiB) - 1) <= 0.03,
    `the engine sent ${(rate / MiB).toFixed(3)} MiB/s (the client read ${(client / MiB).toFixed(3)}, waiting on the bucket ${pct(waited)} of the time, longest stall ${ms(stall)})`,
  );
  // The bucket paced it: the writer spent a good part of the transfer waiting for tokens (the rest goes to
  // writing, and to a client process that a loaded machine starves now and then).
  assert.ok(waited >= 0.25, `the writer waited on the bucket ${pct(waited)} of the time`);
  assert.ok(client <= 4 * MiB * 1.03, `the client never read faster than the rate: ${(client / MiB).toFixed(3)} MiB/s`);
  // 1.5x is the goal (see the bench); stalls of a loaded machine are repaid at up to +50%.
  const peak = max100ms(sent, sent.first + 300, sent.last);
  assert.ok(peak <= 2.5 * 0.1 * 4 * MiB, `largest 100 ms window ${(peak / KiB).toFixed(0)} KiB (nginx: 5x)`);
});

test('after: the first 100000 bytes go at once, then 64 KiB/s', async (ctx) => {
  ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
  // A 1 KiB burst repays almost no stall; one of 50 ms costs under 1% of this window.
  const [[d, sent], stall] = await unstalled(50, () =>
    observed('/after/small.bin', 'route web /after', () => download(`${te.url('web')}/after/small.bin`)),
  );
  assert.equal(d.sha256, small.sha256);
  // On the engine's clock: `after` and the burst leave with the first writes; the rest waits for the rate.
  const early = bytesAt(sent, sent.first + 250);
  assert.ok(early >= 100_000, `within 250 ms: ${early}`);
  assert.ok(early <= 100_000 + 1024 + 64 * KiB * 0.3, `no more than after + burst + 250 ms of rate: ${early}`);
  const rate = rateBetween(sent, sent.first + 500, sent.last);
  assert.ok(
    Math.abs(rate / (64 * KiB) - 1) < 0.03,
    `then ${(rate / KiB).toFixed(1)} KiB/s (longest stall ${ms(stall)})`,
  );
  // The client got the free bytes early too (it can only see them later than the engine sent them).
  assert.ok(bytesAt(d, d.sent + 5000) >= 100_000, 'the client had the first 100000 bytes within 5 s');
});
