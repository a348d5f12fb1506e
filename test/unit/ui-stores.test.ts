/** UI stores: tick reduction into bounded rings, one store update per tick, traffic merging and retention, pause and filter, engine state. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeSummary, ScopeSample, TelemetryTick } from '../../core/api/index.js';
import { pushRing, HISTORY_POINTS } from '../../renderer/src/model/ring.js';
import { createTelemetryStore, emptyTelemetry, reduceTick } from '../../renderer/src/model/telemetry.js';
import { HISTORY_CAPACITY, TOTAL } from '../../renderer/src/model/history.js';
import {
  createTrafficStore,
  matchesFilter,
  mergeRows,
  protocolLabel,
  rowType,
} from '../../renderer/src/model/traffic.js';
import { engineStateTracker } from '../../renderer/src/model/engine-state.js';

function sample(name: string, n: number): ScopeSample {
  return {
    name,
    active: n,
    requestsPerSec: n * 2,
    bytesInPerSec: n * 10,
    bytesOutPerSec: n * 100,
    eventsPerSec: n * 3,
    totals: { requests: n, bytesIn: 0, bytesOut: 0, events: 0, errors: 0, drops: 0 },
  };
}

function tick(i: number, listeners = ['mock']): TelemetryTick {
  return {
    t: 1_000_000 + i * 250,
    intervalMs: 250,
    total: sample('total', i),
    listeners: listeners.map((l) => sample(l, i)),
    routes: [sample('mock /bytes', i)],
    channels: [],
    upstreams: [],
    limits: [
      {
        scope: 'limit route mock /bytes',
        explain: '1 KiB/s per connection',
        rate: 1024,
        burst: 1024,
        achievedPerSec: i,
        throttled: 0.5,
      },
    ],
  };
}

test('pushRing keeps at most cap items, oldest dropped, without mutating the input', () => {
  let r: number[] = [];
  for (let i = 0; i < 10; i++) r = pushRing(r, i, 4);
  assert.deepEqual(r, [6, 7, 8, 9]);
  const before = [1, 2];
  const after = pushRing(before, 3, 2);
  assert.deepEqual(before, [1, 2]);
  assert.deepEqual(after, [2, 3]);
});

test('the history keeps 15 minutes of ticks (3600), oldest dropped; limit and route histories keep 60 s', () => {
  let s = emptyTelemetry();
  for (let i = 0; i < 4000; i++) s = reduceTick(s, tick(i));
  assert.equal(HISTORY_CAPACITY, 3600);
  assert.equal(s.history.length, 3600);
  assert.equal(s.history.time(0), tick(400).t);
  assert.equal(s.history.lastTime, tick(3999).t);
  assert.equal(s.history.value('mock', 'bytesOut', 3599), 399_900);
  assert.equal(s.history.value(TOTAL, 'requests', 0), 800);
  assert.equal(HISTORY_POINTS, 240);
  assert.equal(s.limits['limit route mock /bytes']!.length, 240);
  assert.equal(s.routes['mock /bytes']!.at(-1)!.bytesOut, 399_900);
  assert.equal(s.last!.t, tick(3999).t);
  assert.equal(s.ticks, 4000);
  assert.equal(s.version, 4000);
  assert.equal(s.history.firstAtOrAfter(tick(1000).t), 600);
});

test('listeners appear in first-seen order; a scope missing from a tick reads 0 there, one seen late reads 0 before', () => {
  let s = reduceTick(emptyTelemetry(), tick(1, ['a']));
  s = reduceTick(s, tick(2, ['b', 'a']));
  s = reduceTick(s, tick(3, ['b']));
  assert.deepEqual(s.listeners, ['a', 'b']);
  assert.deepEqual(
    [0, 1, 2].map((i) => s.history.value('a', 'requests', i)),
    [2, 4, 0],
  );
  assert.deepEqual(
    [0, 1, 2].map((i) => s.history.value('b', 'requests', i)),
    [0, 4, 6],
  );
  assert.equal(s.history.value('nobody', 'requests', 1), 0);
});

test('a dropped limit or route disappears from the state on the next tick', () => {
  let s = reduceTick(emptyTelemetry(), tick(1));
  s = reduceTick(s, { ...tick(2), limits: [], routes: [] });
  assert.deepEqual(s.limits, {});
  assert.deepEqual(s.routes, {});
});

test('the telemetry store notifies subscribers once per tick and counts ticks in version', () => {
  const store = createTelemetryStore();
  let updates = 0;
  store.subscribe(() => updates++);
  for (let i = 0; i < 5; i++) store.getState().push(tick(i));
  assert.equal(updates, 5);
  assert.equal(store.getState().history.length, 5);
  assert.equal(store.getState().version, 5);
});

function row(id: number, extra: Partial<ExchangeSummary> = {}): ExchangeSummary {
  return {
    id,
    listener: 'mock',
    method: 'GET',
    url: `/r${id}`,
    client: '127.0.0.1',
    bytesIn: 0,
    bytesOut: 0,
    startedAt: id,
    outcome: 'open',
    events: 0,
    ...extra,
  };
}

test('mergeRows: newest first, same id updated in place, ended rows capped', () => {
  let rows = mergeRows([], [row(1), row(2)]);
  rows = mergeRows(rows, [row(1, { outcome: 'complete', status: 200, bytesOut: 5 }), row(3)]);
  assert.deepEqual(
    rows.map((r) => r.id),
    [3, 2, 1],
  );
  assert.equal(rows[2]!.outcome, 'complete');
  assert.equal(rows[2]!.bytesOut, 5);
  const done = Array.from({ length: 50 }, (_, i) => row(i + 1, { outcome: 'complete' }));
  assert.equal(mergeRows([], done, 10).length, 10);
  assert.equal(mergeRows([], done, 10)[0]!.id, 50);
  const late = mergeRows(mergeRows([], [row(10), row(12)]), [row(11), row(13)]);
  assert.deepEqual(
    late.map((r) => r.id),
    [13, 12, 11, 10],
    'a row first seen late takes its place by id',
  );
});

test('retention under load: open streams are never pushed out by short requests; they have their own cap', () => {
  const streams = Array.from({ length: 100 }, (_, i) => row(i + 1, { url: `/events/${i}` }));
  let rows = mergeRows([], streams, 2000, 5000);
  for (let b = 0; b < 10; b++) {
    const flood = Array.from({ length: 500 }, (_, i) =>
      row(1000 + b * 500 + i, { url: '/health', outcome: 'complete', status: 200 }),
    );
    rows = mergeRows(rows, flood, 2000, 5000);
  }
  assert.equal(rows.filter((r) => r.outcome === 'open').length, 100, 'every stream kept');
  assert.equal(rows.filter((r) => r.outcome !== 'open').length, 2000, 'the newest 2000 short requests kept');
  assert.equal(rows[0]!.id, 5999);
  assert.deepEqual(
    rows.slice(-100).map((r) => r.id),
    streams.map((s) => s.id).reverse(),
  );
  const capped = mergeRows([], streams, 2000, 30);
  assert.deepEqual(
    [capped.length, capped[0]!.id, capped.at(-1)!.id],
    [30, 100, 71],
    'past their cap, the newest open rows stay',
  );
  // A stream that ends becomes an ordinary row: the next flood may push it out.
  rows = mergeRows(rows, [row(1, { url: '/events/0', outcome: 'closed' })], 2000, 5000);
  rows = mergeRows(rows, [row(9000, { outcome: 'complete' })], 2000, 5000);
  assert.equal(
    rows.some((r) => r.id === 1),
    false,
  );
});

test('traffic store: pause freezes rows and counts what was missed; filter matches every word', () => {
  const store = createTrafficStore(100);
  store.getState().add([row(1)]);
  store.getState().setPaused(true);
  store.getState().add([row(2), row(3)]);
  assert.equal(store.getState().rows.length, 1);
  assert.equal(store.getState().missed, 2);
  store.getState().setPaused(false);
  assert.equal(store.getState().missed, 0);
  const sse = row(9, { url: '/events', contentType: 'text/event-stream', status: 200 });
  assert.equal(rowType(sse), 'sse');
  assert.equal(rowType(row(8, { kind: 'proxy' })), 'proxy');
  assert.ok(matchesFilter(sse, 'GET events'));
  assert.ok(matchesFilter(sse, '200 sse'));
  assert.ok(!matchesFilter(sse, 'POST'));
});

test('engine state: events own "running"; the getConfig answer only seeds it until the first event', () => {
  const writes: boolean[] = [];
  const sink = { setState: (p: { running: boolean }) => writes.push(p.running) };
  const a = engineStateTracker(sink);
  a.initial(true);
  a.event({ running: false });
  a.initial(true); // a late answer is older than the event: ignored
  assert.deepEqual(writes, [true, false]);
  const b = engineStateTracker(sink);
  writes.length = 0;
  b.event({ running: true });
  b.initial(false);
  b.event({ running: false });
  assert.deepEqual(writes, [true, false]);
});

test('a snapshot of the engine log settles rows that changed unseen: open rows it no longer has go', () => {
  const store = createTrafficStore(100);
  store.getState().add([row(1), row(2), row(3, { outcome: 'complete' })]);
  store.getState().sync([row(2, { outcome: 'closed', events: 4 }), row(4)]);
  assert.deepEqual(
    store.getState().rows.map((r) => [r.id, r.outcome]),
    [
      [4, 'open'],
      [3, 'complete'],
      [2, 'closed'],
    ],
  );
});

test('the protocol column: h2 or h1.1, marked TLS over TLS; the filter finds rows by protocol', () => {
  assert.equal(protocolLabel({ protocol: 'h2', tlsVersion: 'TLSv1.3' }), 'h2 TLS');
  assert.equal(protocolLabel({ protocol: 'http/1.1' }), 'h1.1');
  assert.equal(protocolLabel({}), '');
  const row = {
    id: 1,
    method: 'GET',
    url: '/',
    client: '127.0.0.1',
    listener: 's',
    outcome: 'complete',
    protocol: 'h2',
  };
  assert.ok(matchesFilter(row as ExchangeSummary, 'h2'));
  assert.ok(!matchesFilter({ ...row, protocol: 'http/1.1' } as ExchangeSummary, 'h2'));
});
