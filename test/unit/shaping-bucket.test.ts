/**
 * Token bucket and throttle stage on a fake clock: exact byte counts per
 * window, `after` to the byte, live re-tune, fair sharing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../core/util/clock.js';
import { TokenBucket } from '../../core/shaping/token-bucket.js';
import { ThrottleStage } from '../../core/shaping/throttle-stage.js';
import { createStreamThrottle } from '../../core/shaping/stream.js';
import { sliceSize } from '../../core/shaping/explain.js';

const KiB = 1024;
const MiB = 1024 * 1024;

/** Advances the fake clock in steps, letting promise continuations run between steps. */
async function run(clock: FakeClock, ms: number, step = 1): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await new Promise((r) => setImmediate(r));
  }
}

interface Log {
  t: number;
  n: number;
}

/** Writes `chunk`-sized buffers through a stage forever (until stopped), logging what reaches the sink. */
function producer(stage: ThrottleStage, clock: FakeClock, chunk: number, log: Log[]): { stop(): void; sent(): number } {
  let stopped = false;
  let sent = 0;
  void (async () => {
    while (!stopped) {
      await stage.write(Buffer.alloc(chunk), async (c) => {
        sent += c.length;
        log.push({ t: clock.now(), n: c.length });
      });
    }
  })();
  return {
    stop: () => {
      stopped = true;
      stage.dispose();
    },
    sent: () => sent,
  };
}

function bytesBetween(log: Log[], from: number, to: number): number {
  return log.filter((e) => e.t > from && e.t <= to).reduce((a, e) => a + e.n, 0);
}

for (const rate of [16 * KiB, 512 * KiB, 4 * MiB, 100 * MiB]) {
  test(`holds ${rate / KiB} KiB/s within 1% over 5 s and no 100 ms window above 1.5x`, async () => {
    const clock = new FakeClock();
    const burst = Math.max(16 * KiB, rate / 10);
    const bucket = new TokenBucket(rate, burst, clock);
    const log: Log[] = [];
    const p = producer(new ThrottleStage(() => ({ bucket, after: 0 })), clock, 256 * KiB, log);
    // Step of 1 ms (timers run at their exact due time on the fake clock).
    await run(clock, 6000, rate >= 4 * MiB ? 2 : 5);
    p.stop();
    const got = bytesBetween(log, 1000, 6000);
    const want = rate * 5;
    assert.ok(Math.abs(got - want) / want < 0.01, `5 s window: ${got} bytes, want ${want}`);
    const first = bytesBetween(log, -1, 100);
    assert.ok(first <= burst + rate * 0.1 + sliceSize(rate, burst), `initial burst bounded: ${first}`);
    for (let w = 1000; w < 6000; w += 100) {
      const inWin = bytesBetween(log, w, w + 100);
      assert.ok(inWin <= rate * 0.1 * 1.5, `window ${w}: ${inWin} bytes > 1.5x ${rate * 0.1}`);
    }
  });
}

test('late timers never lower the rate (tokens are measured on the clock)', async () => {
  const clock = new FakeClock();
  const rate = 1 * MiB;
  const bucket = new TokenBucket(rate, 128 * KiB, clock, { full: false });
  const log: Log[] = [];
  const p = producer(new ThrottleStage(() => ({ bucket, after: 0 })), clock, 64 * KiB, log);
  await run(clock, 4000, 7); // every wake-up is up to 7 ms late
  p.stop();
  const got = bytesBetween(log, -1, 4000);
  assert.ok(Math.abs(got - rate * 4) / (rate * 4) < 0.01, `${got} vs ${rate * 4}`);
});

test('after: the first N bytes pass unlimited, split at the exact byte', async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket(10 * KiB, 1 * KiB, clock, { full: false });
  const stage = new ThrottleStage(() => ({ bucket, after: 10_000 }));
  const pieces: number[] = [];
  const done = stage.write(Buffer.alloc(15_000), async (c) => {
    pieces.push(c.length);
  });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(pieces, [10_000], 'exactly `after` bytes went out at once');
  await run(clock, 1000, 10);
  await done;
  assert.equal(
    pieces.reduce((a, b) => a + b, 0),
    15_000,
  );
  assert.ok(
    pieces.slice(1).every((n) => n <= 1024),
    'the rest went in slices',
  );
});

test('setRate applies to a waiting writer at once; no byte dropped or duplicated', async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket(100 * KiB, 16 * KiB, clock, { full: false });
  const log: Log[] = [];
  const stage = new ThrottleStage(() => ({ bucket, after: 0 }));
  const data = Buffer.from(Array.from({ length: 600 * KiB }, (_, i) => i % 251));
  const received: Buffer[] = [];
  const done = stage.write(data, async (c) => {
    received.push(Buffer.from(c));
    log.push({ t: clock.now(), n: c.length });
  });
  await run(clock, 2000, 2);
  bucket.setRate(200 * KiB);
  await run(clock, 2000, 2);
  const before = bytesBetween(log, 0, 2000);
  const after = bytesBetween(log, 2000, 4000);
  assert.ok(Math.abs(before - 200 * KiB) < 2 * KiB, `first 2 s at 100 KiB/s: ${before}`);
  assert.ok(Math.abs(after - 400 * KiB) < 4 * KiB, `next 2 s at 200 KiB/s: ${after}`);
  await run(clock, 1000, 2);
  await done;
  assert.ok(Buffer.concat(received).equals(data), 'bytes arrive complete and in order');
});

test('an idle bucket refills to its burst and no further, however long nobody asks', () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket(1 * MiB, 16 * KiB, clock);
  let got = 0;
  bucket.request(16 * KiB, (n) => (got += n));
  assert.equal(got, 16 * KiB, 'a new bucket starts full');
  assert.equal(bucket.available(), 0);
  clock.advance(5);
  assert.equal(bucket.available(), (5 * MiB) / 1000, 'refills at the rate');
  clock.advance(3000);
  assert.equal(bucket.available(), 16 * KiB, 'three idle seconds bank the burst, not 3 MiB');
  assert.equal(bucket.idle(), true);
  // The next writer after the idle spell gets the burst at once, then waits for the rate.
  got = 0;
  bucket.request(1 * MiB, (n) => (got += n));
  assert.equal(got, 16 * KiB);
  assert.equal(bucket.idle(), false, 'nobody waits, but the bucket is empty');
});

test('setBurst lowers the tokens kept', () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket(1 * MiB, 512 * KiB, clock);
  bucket.setBurst(64 * KiB);
  assert.equal(bucket.available(), 64 * KiB);
});

test('8 writers on one bucket share it fairly (Jain index >= 0.95) and the sum holds the rate', async () => {
  const clock = new FakeClock();
  const rate = 800 * KiB;
  const bucket = new TokenBucket(rate, 16 * KiB, clock, { full: false });
  const logs: Log[][] = [];
  const ps = Array.from({ length: 8 }, (_, i) => {
    logs.push([]);
    // Different chunk sizes: fairness must not depend on how writers chunk.
    return producer(new ThrottleStage(() => ({ bucket, after: 0 })), clock, (i + 1) * 8 * KiB, logs[i]!);
  });
  await run(clock, 5000, 3);
  for (const p of ps) p.stop();
  const xs = logs.map((l) => bytesBetween(l, 0, 5000));
  const sum = xs.reduce((a, b) => a + b, 0);
  const jain = (sum * sum) / (xs.length * xs.reduce((a, x) => a + x * x, 0));
  assert.ok(jain >= 0.95, `Jain index ${jain.toFixed(3)} (${xs.join(', ')})`);
  assert.ok(
    xs.every((x) => x > 0),
    'nobody starves',
  );
  assert.ok(Math.abs(sum - rate * 5) / (rate * 5) < 0.01, `sum ${sum}`);
});

test('dispose releases a waiting write without sending', async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket(1 * KiB, 1 * KiB, clock, { full: false });
  const stage = new ThrottleStage(() => ({ bucket, after: 0 }));
  let sent = 0;
  const done = stage.write(Buffer.alloc(10 * KiB), async (c) => {
    sent += c.length;
  });
  stage.dispose();
  await done;
  assert.equal(sent, 0);
  assert.equal(bucket.waiting, 0);
});

test('onWaiting reports throttled time spans', async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket(10 * KiB, 1 * KiB, clock, { full: false });
  const events: [number, boolean][] = [];
  bucket.onWaiting = (w) => events.push([clock.now(), w]);
  const stage = new ThrottleStage(() => ({ bucket, after: 0 }));
  const done = stage.write(Buffer.alloc(5 * KiB), async () => {});
  await run(clock, 1000, 1);
  await done;
  assert.equal(events[0]![1], true);
  assert.equal(events.at(-1)![1], false);
});

test('createStreamThrottle: rate and after for byte streams, setLimit live', async () => {
  const clock = new FakeClock();
  const t = createStreamThrottle({ rate: 64 * KiB, burst: 4 * KiB, after: 1000 }, clock);
  const log: Log[] = [];
  const done = (async () => {
    for (let i = 0; i < 40; i++)
      await t.write(Buffer.alloc(8 * KiB), async (c) => {
        log.push({ t: clock.now(), n: c.length });
      });
  })();
  await run(clock, 2000, 2);
  const first = bytesBetween(log, -1, 2000);
  assert.ok(Math.abs(first - (1000 + 4 * KiB + 128 * KiB)) < 2 * KiB, `2 s at 64 KiB/s plus after and burst: ${first}`);
  t.setLimit({ rate: 128 * KiB, burst: 4 * KiB, after: 1000 });
  await run(clock, 1000, 2);
  const next = bytesBetween(log, 2000, 3000);
  assert.ok(Math.abs(next - 128 * KiB) < 3 * KiB, `after setLimit: ${next}`);
  t.dispose();
  await done;
});

/** A clock whose timers fire late: `step(ms)` jumps time, then runs every timer due by then (at the new time). */
class LateClock {
  t = 0;
  private timers: { at: number; fn: () => void }[] = [];
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return {
      cancel: () => {
        this.timers = this.timers.filter((x) => x !== timer);
      },
    };
  }
  step(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const d of due) d.fn();
  }
}

/** Drives a writer at 512 KiB/s on a LateClock with a stall of `stallMs` every `everyMs`; returns the grant log. */
async function withStalls(stallMs: number, everyMs: number): Promise<Log[]> {
  const clock = new LateClock();
  const bucket = new TokenBucket(512 * KiB, 64 * KiB, clock as unknown as FakeClock);
  const log: Log[] = [];
  let stopped = false;
  const stage = new ThrottleStage(() => ({ bucket, after: 0 }));
  void (async () => {
    while (!stopped)
      await stage.write(Buffer.alloc(64 * KiB), async (c) => {
        log.push({ t: clock.now(), n: c.length });
      });
  })();
  for (let t = 0; t < 7000;) {
    const ms = t % everyMs === everyMs / 2 ? stallMs : 2;
    clock.step(ms);
    t += ms;
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  }
  stopped = true;
  stage.dispose();
  return log;
}

function peak100(log: Log[]): number {
  let peak = 0;
  for (let w = 1000; w + 100 <= 6000; w += 2) peak = Math.max(peak, bytesBetween(log, w, w + 100));
  return peak;
}

test('short stalls (40 ms) cost nothing: rate within 1%, no 100 ms window over 1.5x', async () => {
  const rate = 512 * KiB;
  const log = await withStalls(40, 500);
  const got = bytesBetween(log, 1000, 6000);
  assert.ok(Math.abs(got / (rate * 5) - 1) < 0.01, `5 s window: ${got} vs ${rate * 5}`);
  assert.ok(peak100(log) <= rate * 0.1 * 1.5, `largest 100 ms window ${peak100(log)} vs ${rate * 0.1}`);
});

test('long stalls (150 ms every second) are repaid: rate within 1%, never a burst refill (<= 2x per 100 ms)', async () => {
  const rate = 512 * KiB;
  const log = await withStalls(150, 1000);
  const got = bytesBetween(log, 1000, 6000);
  assert.ok(Math.abs(got / (rate * 5) - 1) < 0.01, `5 s window: ${got} vs ${rate * 5}`);
  // A burst refill (64 KiB burst + the stall) would carry ~2.5x.
  assert.ok(peak100(log) <= rate * 0.1 * 2, `largest 100 ms window ${peak100(log)} vs ${rate * 0.1}`);
});

test('a full bucket hands out its burst at once even when the clock moves between calls', () => {
  let t = 0;
  const clock = { now: () => (t += 0.001), setTimeout: (_fn: () => void, _ms: number) => ({ cancel() {} }) };
  const bucket = new TokenBucket(64 * KiB, 16 * KiB, clock);
  let got = 0;
  // Each grant asks again at once, as a writer does after a fast socket write.
  const ask = () =>
    bucket.request(64 * KiB, (n) => {
      got += n;
      if (got < 64 * KiB) ask();
    });
  ask();
  assert.ok(got >= 16 * KiB - bucket.slice, `granted at once: ${got}`);
  assert.ok(got <= 16 * KiB + 1, `no more than the burst: ${got}`);
});

test("a throttle's step is its bucket's slice: it follows a re-tune, and there is none once the limit is removed", () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket(32 * 1024 * KiB, 4096 * KiB, clock);
  let limited = true;
  const stage = new ThrottleStage(() => (limited ? { bucket, after: 0 } : undefined));
  assert.equal(stage.stepSize(), Math.floor((32 * 1024 * KiB) / 40), '25 ms of 32 MiB/s');
  bucket.setRate(4 * 1024 * KiB);
  assert.equal(stage.stepSize(), sliceSize(4 * 1024 * KiB, 4096 * KiB));
  limited = false;
  assert.equal(stage.stepSize(), undefined);
});
