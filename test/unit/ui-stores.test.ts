/** UI stores: tick reduction into bounded ring buffers, one store update per tick, traffic merging, pause and filter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeSummary, ScopeSample, TelemetryTick } from '../../core/api/index.js';
import { pushRing, HISTORY_POINTS } from '../../renderer/src/model/ring.js';
import { createTelemetryStore, emptyTelemetry, reduceTick, seriesOf } from '../../renderer/src/model/telemetry.js';
import {
  createTrafficStore,
  matchesFilter,
  mergeRows,
  protocolLabel,
  rowType,
} from '../../renderer/src/model/traffic.js';

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

test('reduceTick keeps 240 points (60 s at 4 Hz) per series and the latest tick', () => {
  let s = emptyTelemetry();
  for (let i = 0; i < 300; i++) s = reduceTick(s, tick(i));
  assert.equal(HISTORY_POINTS, 240);
  assert.equal(s.points.length, 240);
  assert.equal(s.points[0]!.t, tick(60).t);
  assert.equal(s.points.at(-1)!.scopes.mock!.bytesOut, 29_900);
  assert.equal(s.limits['limit route mock /bytes']!.length, 240);
  assert.equal(s.routes['mock /bytes']!.at(-1)!.bytesOut, 29_900);
  assert.equal(s.last!.t, tick(299).t);
  assert.equal(s.ticks, 300);
});

test('listeners appear as series in first-seen order; seriesOf gives recharts rows with zeros for missing scopes', () => {
  let s = reduceTick(emptyTelemetry(), tick(1, ['a']));
  s = reduceTick(s, tick(2, ['b', 'a']));
  assert.deepEqual(s.listeners, ['a', 'b']);
  const rows = seriesOf(s.points, 'requests', s.listeners);
  assert.deepEqual(rows[0], { t: tick(1).t, total: 2, a: 2, b: 0 });
  assert.deepEqual(rows[1], { t: tick(2).t, total: 4, a: 4, b: 4 });
});

test('a dropped limit or route disappears from the state on the next tick', () => {
  let s = reduceTick(emptyTelemetry(), tick(1));
  s = reduceTick(s, { ...tick(2), limits: [], routes: [] });
  assert.deepEqual(s.limits, {});
  assert.deepEqual(s.routes, {});
});

test('the telemetry store notifies subscribers once per tick', () => {
  const store = createTelemetryStore();
  let updates = 0;
  store.subscribe(() => updates++);
  for (let i = 0; i < 5; i++) store.getState().push(tick(i));
  assert.equal(updates, 5);
  assert.equal(store.getState().points.length, 5);
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

test('mergeRows: newest first, same id updated in place, capped', () => {
  let rows = mergeRows([], [row(1), row(2)]);
  rows = mergeRows(rows, [row(1, { outcome: 'complete', status: 200, bytesOut: 5 }), row(3)]);
  assert.deepEqual(
    rows.map((r) => r.id),
    [3, 2, 1],
  );
  assert.equal(rows[2]!.outcome, 'complete');
  assert.equal(rows[2]!.bytesOut, 5);
  assert.equal(
    mergeRows(
      [],
      Array.from({ length: 50 }, (_, i) => row(i + 1)),
      10,
    ).length,
    10,
  );
  assert.equal(
    mergeRows(
      [],
      Array.from({ length: 50 }, (_, i) => row(i + 1)),
      10,
    )[0]!.id,
    50,
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
