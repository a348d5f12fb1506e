import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../core/util/clock.js';
import {
  ScriptPlayer,
  scriptSteps,
  type PlayOutcome,
  type PlayStep,
  type ScriptSink,
} from '../../core/sse/script-player.js';
import type { DeliveredEvent } from '../../core/sse/client.js';

interface Run {
  clock: FakeClock;
  abort: AbortController;
  log: { t: number; what: string }[];
  done: Promise<PlayOutcome>;
}

/** Plays steps against a recording sink on a fake clock. */
function play(steps: Iterable<PlayStep>, opts: { rng?: () => number; query?: URLSearchParams } = {}): Run {
  const clock = new FakeClock();
  const abort = new AbortController();
  const log: { t: number; what: string }[] = [];
  const sink: ScriptSink = {
    respond: (status, body) => log.push({ t: clock.now(), what: `status ${status} ${body}` }),
    open: () => log.push({ t: clock.now(), what: 'open' }),
    event: (ev: DeliveredEvent) => log.push({ t: clock.now(), what: ev.bytes.toString() }),
    raw: (buf) => log.push({ t: clock.now(), what: buf.toString() }),
    ready: () => Promise.resolve(),
  };
  const player = new ScriptPlayer({
    clock,
    signal: abort.signal,
    sink,
    rng: opts.rng ?? (() => 0.5),
    template: { query: opts.query },
  });
  return { clock, abort, log, done: player.play(steps) };
}

/** Advances the fake clock in small steps, letting the player's promises settle in between. */
async function advance(clock: FakeClock, ms: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    await new Promise((r) => setImmediate(r));
    clock.advance(stepMs);
  }
  await new Promise((r) => setImmediate(r));
}

test('every + repeat times events, then the next step; templates render per connection', async () => {
  const r = play(
    [
      { event: 'tick', data: '{"n": {{seq}}, "who": "{{query.name}}"}', every: 100, repeat: 3 },
      { event: 'complete', data: 'done', delay: 50 },
    ],
    { query: new URLSearchParams('name=ada') },
  );
  await advance(r.clock, 500);
  assert.equal(await r.done, 'done');
  assert.deepEqual(
    r.log.map((l) => l.t),
    [0, 100, 200, 300, 350],
  );
  assert.equal(r.log[1]!.what, 'event: tick\ndata: {"n": 1, "who": "ada"}\n\n');
  assert.equal(r.log[3]!.what, 'event: tick\ndata: {"n": 3, "who": "ada"}\n\n');
  assert.equal(r.log[4]!.what, 'event: complete\ndata: done\n\n');
});

test('jitter moves each wait within ± jitter', async () => {
  const r = play([{ data: 'x', every: 100, jitter: 50, repeat: 2 }], { rng: () => 1 }); // +50 each time
  await advance(r.clock, 400);
  assert.deepEqual(
    r.log.slice(1).map((l) => l.t),
    [150, 300],
  );
});

test('a status first step answers instead of streaming', async () => {
  const r = play([{ status: 503, body: 'busy' }, { data: 'never' }]);
  assert.equal(await r.done, 'status');
  assert.deepEqual(
    r.log.map((l) => l.what),
    ['status 503 busy'],
  );
});

test('faults end playback with their outcome after the events before them', async () => {
  for (const fault of ['close', 'stall', 'reset'] as const) {
    const r = play([{ data: 'a' }, { fault, delay: 100 }, { data: 'never' }]);
    await advance(r.clock, 200);
    assert.equal(await r.done, fault);
    assert.deepEqual(
      r.log.map((l) => l.what),
      ['open', 'data: a\n\n'],
    );
  }
});

test('repeat forever and loop keep going until the client leaves', async () => {
  const r = play(
    scriptSteps(
      [
        { data: 'a', every: 10 },
        { data: 'b', every: 10 },
      ],
      true,
    ),
  );
  await advance(r.clock, 100);
  r.abort.abort();
  await advance(r.clock, 20);
  assert.equal(await r.done, 'aborted');
  const events = r.log.slice(1).map((l) => l.what.trim());
  assert.ok(events.length >= 9, `got ${events.length}`);
  assert.deepEqual(events.slice(0, 4), ['data: a', 'data: b', 'data: a', 'data: b']);

  const f = play([{ comment: 'hi', every: 50, repeat: 'forever' }]);
  await advance(f.clock, 260);
  f.abort.abort();
  assert.equal(await f.done, 'aborted');
  assert.equal(f.log.filter((l) => l.what === ': hi\n\n').length, 5);
});

test('retry and id fields go out as written; a retry-only step sends a bare retry', async () => {
  const r = play([{ retry: 2500 }, { id: 'x-{{seq}}', event: 'e', data: 'd', retry: 100 }]);
  await advance(r.clock, 10);
  assert.deepEqual(
    r.log.slice(1).map((l) => l.what),
    ['retry: 2500\n\n', 'id: x-1\nevent: e\nretry: 100\ndata: d\n\n'],
  );
});
