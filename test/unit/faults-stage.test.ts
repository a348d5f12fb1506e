import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultsSchema } from '../../core/config/schema.js';
import { faultStages, latencyOf, StageChain } from '../../core/faults/index.js';
import { untilAborted } from '../../core/kernel/index.js';
import { FakeClock } from '../../core/util/clock.js';

const flush = () => new Promise((r) => setImmediate(r));

function stage(faults: Record<string, unknown>) {
  const clock = new FakeClock();
  const ctl = new AbortController();
  const events: string[] = [];
  const out: { t: number; s: string }[] = [];
  const target = {
    clock,
    ended: () => untilAborted(ctl.signal),
    reset: () => events.push('reset'),
    note: (m: string) => events.push(m),
  };
  const st = new StageChain(faultStages(faultsSchema.parse(faults), target, Math.random, 'response'));
  const next = async (c: Buffer) => {
    out.push({ t: clock.now(), s: c.toString() });
  };
  return { clock, ctl, events, out, st, next };
}

const BUDGETS: { name: string; faults: Record<string, unknown>; writes: string[]; passed: string; events: string[] }[] =
  [
    {
      name: 'no budget passes everything',
      faults: { slice: { size: 100 } },
      writes: ['abc', 'def'],
      passed: 'abcdef',
      events: [],
    },
    {
      name: 'reset_after inside a write',
      faults: { reset_after: 4 },
      writes: ['abc', 'def'],
      passed: 'abcd',
      events: ['fault: reset after 4 bytes', 'reset'],
    },
    {
      name: 'reset_after on a write boundary',
      faults: { reset_after: 3 },
      writes: ['abc', 'def'],
      passed: 'abc',
      events: ['fault: reset after 3 bytes', 'reset'],
    },
    {
      name: 'reset_after 0 sends nothing',
      faults: { reset_after: 0 },
      writes: ['abc'],
      passed: '',
      events: ['fault: reset after 0 bytes', 'reset'],
    },
    {
      name: 'stall before reset when smaller',
      faults: { stall_after: 2, reset_after: 5 },
      writes: ['abcdef'],
      passed: 'ab',
      events: ['fault: stalled after 2 bytes'],
    },
    {
      name: 'reset before stall when smaller',
      faults: { stall_after: 5, reset_after: 2 },
      writes: ['abcdef'],
      passed: 'ab',
      events: ['fault: reset after 2 bytes', 'reset'],
    },
  ];

for (const c of BUDGETS) {
  test(`fault budget: ${c.name}`, async () => {
    const { ctl, events, out, st, next } = stage(c.faults);
    const pending = (async () => {
      for (const w of c.writes) await st.write(Buffer.from(w), next);
    })();
    await flush();
    ctl.abort(); // the exchange ends: a stalled write is released
    await pending;
    assert.equal(out.map((o) => o.s).join(''), c.passed);
    assert.deepEqual(events, c.events);
  });
}

test('slice: pieces of size, delay apart on the clock', async () => {
  const { clock, out, st, next } = stage({ slice: { size: 3, delay: 100 } });
  const done = st.write(Buffer.from('abcdefghij'), next);
  for (let i = 0; i < 4; i++) {
    await flush();
    clock.advance(100);
  }
  await done;
  assert.deepEqual(out, [
    { t: 0, s: 'abc' },
    { t: 100, s: 'def' },
    { t: 200, s: 'ghi' },
    { t: 300, s: 'j' },
  ]);
});

test('a stalled write resolves when the exchange ends', async () => {
  const { ctl, st, next } = stage({ stall_after: 1 });
  let resolved = false;
  const p = st.write(Buffer.from('abc'), next).then(() => {
    resolved = true;
  });
  await flush();
  assert.equal(resolved, false);
  ctl.abort();
  await p;
  assert.equal(resolved, true);
});

test('latency ± jitter with an injected RNG', () => {
  const f = faultsSchema.parse({ latency: 200, jitter: 50 });
  assert.equal(
    latencyOf(f, () => 0),
    150,
  );
  assert.equal(
    latencyOf(f, () => 0.5),
    200,
  );
  assert.equal(latencyOf(f, () => 0.999999) < 250.01, true);
  assert.equal(
    latencyOf(faultsSchema.parse({ jitter: 50 }), () => 0),
    0,
    'never negative',
  );
});
