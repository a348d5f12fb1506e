/**
 * The token bucket's decisions one grant at a time, on a clock the test
 * moves by hand: when a waiter is woken and with how much, what a late
 * wake-up or a long stall is worth afterwards, live changes of rate and
 * burst (and the ones refused), withdrawals, and the throttled-time signal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../core/shaping/token-bucket.js';
import type { Clock } from '../../core/util/clock.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A clock whose timers fire only when the test says, at whatever time it says (late on purpose). */
class HandClock implements Clock {
  t = 0;
  timers: { at: number; fn: () => void }[] = [];
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return { cancel: () => void (this.timers = this.timers.filter((x) => x !== timer)) };
  }
  /** The time the next timer is due. */
  get due(): number {
    return Math.min(...this.timers.map((x) => x.at));
  }
  /** Moves to `t` and fires every timer due by then (late ones late). */
  to(t: number): void {
    this.t = t;
    const due = this.timers.filter((x) => x.at <= t);
    this.timers = this.timers.filter((x) => x.at > t);
    for (const d of due) d.fn();
  }
}

/** A writer that asks for `want` again as soon as it is granted, logging [time, bytes]. */
function greedy(bucket: TokenBucket, clock: HandClock, want: number): { log: [number, number][]; total(): number } {
  const log: [number, number][] = [];
  const ask = () =>
    bucket.request(want, (n) => {
      log.push([clock.now(), n]);
      ask();
    });
  ask();
  return { log, total: () => log.reduce((a, [, n]) => a + n, 0) };
}

const grantedAt = (log: [number, number][], t: number) => log.filter(([at]) => at === t).reduce((a, [, n]) => a + n, 0);

test('rate and burst read back; take() resolves with the grant', async () => {
  const clock = new HandClock();
  const bucket = new TokenBucket(MiB, 32 * KiB, clock);
  assert.deepEqual([bucket.rate, bucket.burst], [MiB, 32 * KiB]);
  assert.equal(await bucket.take(3000), 3000);
  assert.equal(bucket.available(), 32 * KiB - 3000);
});

test('an empty bucket wakes its waiter once, exactly when the tokens for one slice have flowed in', () => {
  const clock = new HandClock();
  const bucket = new TokenBucket(MiB, 16 * KiB, clock, { full: false });
  const grants: [number, number][] = [];
  bucket.request(16 * KiB, (n) => grants.push([clock.now(), n]));
  assert.equal(clock.timers.length, 1, 'one timer');
  assert.equal(clock.due, 15.625, '16 KiB at 1 MiB/s');
  clock.to(15.625);
  assert.deepEqual(grants, [[15.625, 16 * KiB]]);
  assert.equal(clock.timers.length, 0);
});

test('a wake-up up to 50 ms late hands the writer everything earned at once; a later one owes the rest as lag', () => {
  // 1 MiB/s: a slice is 25 ms of rate. 30 ms late: 55 ms of tokens, all kept (two slices at once).
  const clock = new HandClock();
  const bucket = new TokenBucket(MiB, 64 * KiB, clock, { full: false });
  const slice = bucket.slice;
  assert.equal(slice, Math.floor(MiB / 40));
  const w = greedy(bucket, clock, MiB);
  assert.equal(clock.due, (slice * 1000) / MiB);
  clock.to(clock.due + 30);
  assert.equal(grantedAt(w.log, clock.t), 2 * slice);
  // 150 ms late, the wake-up gives at most 50 ms of tokens; the rest comes later, on top of the rate.
  const late = new HandClock();
  const b2 = new TokenBucket(MiB, 64 * KiB, late, { full: false });
  const w2 = greedy(b2, late, MiB);
  late.to(late.due + 150);
  assert.ok(w2.total() <= 0.05 * MiB + slice, `at the late wake-up: ${w2.total()}`);
  // While the debt lasts, the next wake-up is due when the missing tokens flow in at 1.5× the rate.
  const before = late.t;
  const missing = slice - b2.available();
  late.to(late.due);
  assert.ok(
    Math.abs(late.t - before - (missing * 1000) / (1.5 * MiB)) < 0.01,
    `woken after ${(late.t - before).toFixed(2)} ms for ${missing.toFixed(0)} missing bytes`,
  );
  // Over the next second the debt is repaid and no more: never more than rate × elapsed.
  while (late.due <= 1500) late.to(late.due);
  assert.ok(w2.total() <= 1.5 * MiB + slice, `by 1.5 s: ${w2.total()}`);
  assert.ok(w2.total() >= 1.5 * MiB - 2 * slice, `by 1.5 s: ${w2.total()} (the stall was repaid)`);
});

test('a stall of five seconds is owed only up to two seconds of rate: no flood after the machine wakes up', () => {
  const clock = new HandClock();
  const bucket = new TokenBucket(MiB, 64 * KiB, clock, { full: false });
  const w = greedy(bucket, clock, MiB);
  clock.to(5000);
  while (clock.due <= 15_000) clock.to(clock.due);
  // 15 s of time, of which 5 s stalled: 10 s of rate plus at most 2 s owed (and 50 ms kept at the wake-up).
  assert.ok(w.total() <= 12.05 * MiB + 16 * KiB, `granted ${(w.total() / MiB).toFixed(2)} MiB in 15 s`);
  assert.ok(w.total() >= 12 * MiB - 32 * KiB, `granted ${(w.total() / MiB).toFixed(2)} MiB: the 2 s were repaid`);
});

test('at high rates a grant is 25 ms of rate, alone or not; with others waiting, each takes one slice in turn', () => {
  const clock = new HandClock();
  // 100 MiB/s: one slice is 25 ms of rate (2.5 MiB), so a wake-up comes every 25 ms, not every 2.
  const bucket = new TokenBucket(100 * MiB, 10 * MiB, clock);
  const slice = bucket.slice;
  assert.equal(slice, 2.5 * MiB);
  let alone = 0;
  bucket.request(4 * MiB, (n) => (alone = n));
  assert.equal(alone, 2.5 * MiB, 'a lone writer: one slice at once');
  const shared = new TokenBucket(100 * MiB, 10 * MiB, clock, { full: false });
  const got: [string, number][] = [];
  shared.request(4 * MiB, (n) => got.push(['a', n]));
  shared.request(4 * MiB, (n) => got.push(['b', n]));
  clock.to(clock.due);
  assert.deepEqual(got, [['a', slice]], 'b waits: a gets one slice');
  clock.to(clock.due);
  assert.deepEqual(got[1], ['b', slice], 'then b, one slice');
});

test('with a burst below 5 ms of rate, a lone writer may still take what a late wake-up piled up, up to 5 ms of rate', () => {
  const clock = new HandClock();
  // 32 MiB/s with a 16 KiB burst: the slice is the burst; 5 ms of rate is ~164 KiB.
  const bucket = new TokenBucket(32 * MiB, 16 * KiB, clock, { full: false });
  assert.equal(bucket.slice, 16 * KiB);
  const got: number[] = [];
  bucket.request(MiB, (n) => got.push(n));
  clock.to(clock.due + 40); // the timer fires 40 ms late: tokens for 40 ms are kept (under LATE_MS)
  assert.equal(got.length, 1);
  assert.equal(got[0], Math.floor((32 * MiB) / 200), 'one grant of 5 ms of rate, not the whole 40 ms');
});

test('setRate and setBurst refuse nonsense and ignore no-ops; a lower burst drops the tokens above it', () => {
  const clock = new HandClock();
  const bucket = new TokenBucket(64 * KiB, 32 * KiB, clock);
  for (const bad of [0, -1, NaN]) {
    bucket.setRate(bad);
    bucket.setBurst(bad);
  }
  assert.deepEqual([bucket.rate, bucket.burst, bucket.available()], [64 * KiB, 32 * KiB, 32 * KiB]);
  bucket.setBurst(4 * KiB);
  assert.deepEqual([bucket.burst, bucket.available()], [4 * KiB, 4 * KiB]);
  bucket.setBurst(32 * KiB);
  assert.equal(bucket.available(), 4 * KiB, 'a higher burst does not create tokens');
  clock.to(1000);
  assert.equal(bucket.available(), 32 * KiB, 'it fills up to the new burst');
  bucket.setRate(128 * KiB);
  assert.equal(bucket.rate, 128 * KiB);
});

test('a waiter withdrawn from the head lets the next one be woken for its own need', () => {
  const clock = new HandClock();
  const bucket = new TokenBucket(MiB, 16 * KiB, clock, { full: false });
  const got: [string, number][] = [];
  const cancelA = bucket.request(16 * KiB, (n) => got.push(['a', n]));
  bucket.request(KiB, (n) => got.push(['b', n]));
  assert.equal(clock.due, 15.625);
  cancelA();
  assert.equal(clock.due, 0.9765625, 'rescheduled for 1 KiB');
  cancelA(); // twice: nothing more is withdrawn
  assert.equal(bucket.waiting, 1);
  clock.to(clock.due);
  assert.deepEqual(got, [['b', KiB]]);
});

test('onWaiting reports each change once, not every request', () => {
  const clock = new HandClock();
  const bucket = new TokenBucket(MiB, 16 * KiB, clock, { full: false });
  const events: boolean[] = [];
  bucket.onWaiting = (w) => events.push(w);
  bucket.request(16 * KiB, () => {});
  bucket.request(16 * KiB, () => {});
  assert.deepEqual(events, [true]);
  clock.to(clock.due);
  clock.to(clock.due);
  assert.deepEqual(events, [true, false]);
});

test('flush grants every waiter all it asked for and stops the timer', () => {
  const clock = new HandClock();
  const bucket = new TokenBucket(KiB, KiB, clock, { full: false });
  const got: number[] = [];
  bucket.request(5000, (n) => got.push(n));
  bucket.request(7000, (n) => got.push(n));
  bucket.flush();
  assert.deepEqual(got, [5000, 7000]);
  assert.equal(bucket.waiting, 0);
  assert.equal(clock.timers.length, 0);
  bucket.flush(); // nothing waits, no timer: a no-op
});
