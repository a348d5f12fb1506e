/** Traffic log retention: recent exchanges in a ring, live ones kept when a flood of short requests pushes them out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeRecord } from '../../core/telemetry/exchange-record.js';
import { TrafficLog } from '../../core/telemetry/traffic-log.js';

function begin(log: TrafficLog, url: string): ExchangeRecord {
  return log.begin({ listener: 'a', method: 'GET', url, client: '127.0.0.1', startedAt: 0, requestHeaders: {} });
}

/** A short request: begins and ends at once, as the listener reports it. */
function short(log: TrafficLog, url = '/health'): ExchangeRecord {
  const rec = begin(log, url);
  rec.outcome = 'complete';
  log.changed(rec);
  return rec;
}

test('open exchanges survive a flood of short requests; the ring keeps only the newest short ones', () => {
  const log = new TrafficLog(10);
  const streams = Array.from({ length: 5 }, (_, i) => begin(log, `/events/${i}`));
  for (let i = 0; i < 1000; i++) short(log);
  const recent = log.recent(10_000);
  assert.equal(recent.length, 15);
  assert.deepEqual(
    recent.slice(10).map((r) => r.url),
    ['/events/4', '/events/3', '/events/2', '/events/1', '/events/0'],
  );
  assert.ok(recent.slice(0, 10).every((r) => r.url === '/health'));
  assert.deepEqual(
    recent.slice(0, 10).map((r) => r.id),
    Array.from({ length: 10 }, (_, i) => 1005 - i),
  );
  for (const s of streams) assert.equal(log.get(s.id), s);
  assert.equal(log.get(6), undefined, 'an evicted short request is gone');
  assert.equal(
    log.get(1000),
    recent.find((r) => r.id === 1000),
  );
  assert.equal(log.liveCount, 5);
});

test('since() reports a stream that left the ring before anyone looked, in id order', () => {
  const log = new TrafficLog(3);
  short(log);
  const stream = begin(log, '/events');
  for (let i = 0; i < 10; i++) short(log);
  // ids: 1 short, 2 the stream, 3–12 short; the ring keeps 10–12.
  assert.deepEqual(
    log.since(1).map((r) => r.id),
    [stream.id, 10, 11, 12],
  );
  assert.deepEqual(
    log.since(11).map((r) => r.id),
    [12],
  );
  assert.deepEqual(
    log.since(2).map((r) => r.id),
    [10, 11, 12],
  );
});

test('a live exchange that ends stays readable among the last 100 that ended; then it goes', () => {
  const log = new TrafficLog(2);
  const first = begin(log, '/events/first');
  const others = Array.from({ length: 100 }, (_, i) => begin(log, `/events/${i}`));
  for (let i = 0; i < 5; i++) short(log);
  first.outcome = 'closed';
  log.changed(first);
  assert.equal(log.liveCount, 100);
  assert.equal(log.get(first.id), first, 'just ended: still there');
  for (const o of others) {
    o.outcome = 'closed';
    log.changed(o);
  }
  assert.equal(log.liveCount, 0);
  assert.equal(log.get(first.id), undefined, 'pushed out by 100 newer ends');
  assert.equal(log.get(others[99]!.id), others[99]);
  assert.equal(log.recent(1000).length, 2 + 100);
});

test('live exchanges are bounded too: past liveCapacity the oldest goes', () => {
  const log = new TrafficLog(1, 3);
  const streams = Array.from({ length: 6 }, (_, i) => begin(log, `/events/${i}`));
  assert.equal(log.liveCount, 3);
  assert.equal(log.get(streams[0]!.id), undefined);
  assert.equal(log.get(streams[1]!.id), undefined);
  assert.deepEqual(
    [2, 3, 4, 5].map((i) => log.get(streams[i]!.id)?.url),
    ['/events/2', '/events/3', '/events/4', '/events/5'],
  );
});

test('a smaller capacity applied later keeps the open exchanges it evicts', () => {
  const log = new TrafficLog(100);
  const stream = begin(log, '/events');
  for (let i = 0; i < 50; i++) short(log);
  log.setCapacity(10);
  assert.equal(log.recent(1000).length, 11);
  assert.equal(log.get(stream.id), stream);
});
