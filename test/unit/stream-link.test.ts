/**
 * The fault stages on a link, with a fake clock: what reaches the socket,
 * when, and in which pieces.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../core/util/clock.js';
import {
  faultStages,
  hasByteFaults,
  LatencyStage,
  ResetStage,
  SliceStage,
  StallStage,
  type FaultTarget,
} from '../../core/faults/index.js';
import type { Stage } from '../../core/kernel/index.js';

/** A link's target: a clock, an end that never comes in these tests, a reset counted by `onReset`. */
function target(clock: FakeClock, onReset: () => void = () => {}): FaultTarget {
  return { clock, ended: () => new Promise(() => {}), reset: onReset, note: () => {} };
}

/** Runs chunks through stages like the link does (one at a time, in order); records what the sink got and when. */
function harness(clock: FakeClock, stages: Stage[]) {
  const got: { at: number; data: string }[] = [];
  const through = (i: number, chunk: Buffer, info: { arrivedAt: number }): Promise<void> => {
    const s = stages[i];
    if (!s) {
      got.push({ at: clock.now(), data: chunk.toString() });
      return Promise.resolve();
    }
    return s.write(chunk, (p) => through(i + 1, p, info), info);
  };
  let chain = Promise.resolve();
  const send = (data: string) => {
    const info = { arrivedAt: clock.now() };
    chain = chain.then(() => through(0, Buffer.from(data), info));
  };
  return { got, send };
}

/** Lets promise callbacks run between fake-clock steps. */
const flush = () => new Promise((r) => setImmediate(r));

async function advance(clock: FakeClock, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await flush();
    clock.advance(step);
  }
  await flush();
}

describe('stream link fault stages', () => {
  it('latency delays each chunk from its arrival, keeping order', async () => {
    const clock = new FakeClock();
    const h = harness(clock, [new LatencyStage(100, 0, () => 0.5, target(clock))]);
    h.send('a');
    await advance(clock, 30);
    h.send('b');
    await advance(clock, 200);
    assert.deepEqual(h.got, [
      { at: 100, data: 'a' },
      { at: 130, data: 'b' },
    ]);
  });

  it('jitter stays within ± jitter of the latency', async () => {
    const clock = new FakeClock();
    const h = harness(clock, [new LatencyStage(100, 50, () => 0, target(clock))]); // rng 0 → −50
    h.send('x');
    await advance(clock, 200, 5);
    assert.equal(h.got[0]!.at, 50);
  });

  it('slice splits chunks into pieces with a delay between pieces', async () => {
    const clock = new FakeClock();
    const h = harness(clock, [new SliceStage(3, 20, target(clock))]);
    h.send('abcdefgh');
    await advance(clock, 100);
    assert.deepEqual(h.got, [
      { at: 0, data: 'abc' },
      { at: 20, data: 'def' },
      { at: 40, data: 'gh' },
    ]);
  });

  it('stall passes exactly N bytes, then holds everything back', async () => {
    const clock = new FakeClock();
    const h = harness(clock, [new StallStage(5, target(clock))]);
    h.send('abc');
    h.send('defg');
    h.send('hij');
    await advance(clock, 50);
    assert.equal(h.got.map((g) => g.data).join(''), 'abcde');
  });

  it('reset passes exactly N bytes, then resets once', async () => {
    const clock = new FakeClock();
    let resets = 0;
    const h = harness(clock, [
      new ResetStage(
        4,
        target(clock, () => resets++),
      ),
    ]);
    h.send('ab');
    h.send('cdef');
    await advance(clock, 20);
    assert.equal(h.got.map((g) => g.data).join(''), 'abcd');
    assert.equal(resets, 1);
  });

  it('faults compose in order: latency, then slice, then reset', async () => {
    const clock = new FakeClock();
    let reset = false;
    const stages = faultStages(
      { latency: 50, slice: { size: 2, delay: 10 }, reset_after: 5 },
      target(clock, () => {
        reset = true;
      }),
      () => 0.5,
      'link',
    );
    assert.equal(stages.length, 3);
    const h = harness(clock, stages);
    h.send('abcdefgh');
    await advance(clock, 200, 5);
    assert.deepEqual(h.got, [
      { at: 50, data: 'ab' },
      { at: 60, data: 'cd' },
      { at: 70, data: 'e' },
    ]);
    assert.equal(reset, true);
  });

  it('only byte-stream faults need links', () => {
    assert.equal(hasByteFaults(undefined), false);
    assert.equal(hasByteFaults({ drop_connection: 0.5 }), false);
    assert.equal(hasByteFaults({ jitter: 10 }), true);
    assert.equal(hasByteFaults({ stall_after: 0 }), true);
  });
});
