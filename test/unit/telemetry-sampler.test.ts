import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineServices } from '../../core/kernel/index.js';
import { createEngine } from '../../core/runtime/create-engine.js';
import { NO_SOURCES } from '../../core/telemetry/sources.js';
import { FakeClock } from '../../core/util/clock.js';
import { TelemetrySampler } from '../../core/telemetry/sampler.js';
import type { ExchangeSummary, TelemetryTick } from '../../core/api/types.js';

function setup() {
  const clock = new FakeClock();
  const { engine } = createEngine({ clock });
  const { counters, traffic } = engine.services;
  const sampler = new TelemetrySampler({
    inputs: { counters, traffic, clock, sources: NO_SOURCES },
    intervalMs: 250,
    wallClock: () => 1_700_000_000_000 + clock.now(),
  });
  return { clock, engine, sampler, services: engine.services };
}

function begin(services: EngineServices, url: string) {
  return services.traffic.begin({
    listener: 'a',
    method: 'GET',
    url,
    client: '127.0.0.1',
    startedAt: services.clock.now(),
    requestHeaders: {},
  });
}

test('one tick per interval whatever the traffic', () => {
  const { clock, services, sampler } = setup();
  const listener = services.counters.get('listener', 'a', { kind: 'http' });
  const ticks: TelemetryTick[] = [];
  const off = sampler.onTick((t) => ticks.push(t));
  // Quiet second, then a second with a million chunk updates: both yield 4 ticks.
  clock.advance(1000);
  assert.equal(ticks.length, 4);
  for (let step = 0; step < 100; step++) {
    for (let i = 0; i < 10_000; i++) {
      listener.bytesOut += 10;
      listener.requests++;
    }
    clock.advance(10);
  }
  assert.equal(ticks.length, 8);
  assert.deepEqual(
    ticks.map((t) => t.t - 1_700_000_000_000),
    [250, 500, 750, 1000, 1250, 1500, 1750, 2000],
  );
  off();
  assert.equal(sampler.active, false, 'timer stopped without subscribers');
  clock.advance(5000);
  assert.equal(ticks.length, 8);
});

test('rates are per second from deltas; totals are monotonic; gauges are current', () => {
  const { clock, services, sampler } = setup();
  const l = services.counters.get('listener', 'a', { kind: 'http' });
  const r = services.counters.get('route', 'a /x', { listener: 'a', route: '/x', kind: 'respond' });
  const ch = services.counters.get('channel', 'news', { channel: 'news' });
  const ticks: TelemetryTick[] = [];
  sampler.onTick((t) => ticks.push(t));
  for (let i = 0; i < 8; i++) {
    l.bytesOut += 1000;
    l.bytesIn += 50;
    l.requests += 2;
    r.requests += 2;
    ch.events += 25;
    clock.advance(250);
  }
  l.active = 7;
  ch.active = 3;
  clock.advance(250); // an idle tick
  const busy = ticks[3]!;
  assert.equal(busy.intervalMs, 250);
  assert.equal(busy.listeners[0]!.bytesOutPerSec, 4000);
  assert.equal(busy.listeners[0]!.bytesInPerSec, 200);
  assert.equal(busy.listeners[0]!.requestsPerSec, 8);
  assert.equal(busy.routes[0]!.requestsPerSec, 8);
  assert.equal(busy.routes[0]!.name, 'a /x');
  assert.equal(busy.channels[0]!.eventsPerSec, 100);
  assert.equal(busy.total.bytesOutPerSec, 4000);
  const idle = ticks[8]!;
  assert.equal(idle.listeners[0]!.bytesOutPerSec, 0);
  assert.equal(idle.listeners[0]!.totals.bytesOut, 8000);
  assert.equal(idle.listeners[0]!.active, 7);
  assert.equal(idle.total.active, 7);
  assert.equal(idle.channels[0]!.clients, 3, 'channel clients = active subscribers');
  assert.deepEqual(idle.upstreams, []);
  assert.deepEqual(idle.limits, []);
  sampler.close();
});

test('a recreated scope (totals went down) reads 0/s, never negative', () => {
  const { clock, services, sampler } = setup();
  services.counters.get('listener', 'a').bytesOut = 10_000;
  const ticks: TelemetryTick[] = [];
  sampler.onTick((t) => ticks.push(t));
  clock.advance(250);
  services.counters.delete('listener', 'a');
  services.counters.get('listener', 'a').bytesOut = 10;
  clock.advance(250);
  assert.equal(ticks[1]!.listeners[0]!.bytesOutPerSec, 0);
  sampler.close();
});

test('traffic rows come in one batch per tick: new rows, and open rows when they change', () => {
  const { clock, services, sampler } = setup();
  const batches: ExchangeSummary[][] = [];
  sampler.onTraffic((rows) => batches.push(rows));
  const open = begin(services, '/stream');
  for (let i = 0; i < 300; i++) {
    const rec = begin(services, `/r${i}`);
    rec.status = 200;
    rec.outcome = 'complete';
    services.traffic.changed(rec);
  }
  clock.advance(250);
  assert.equal(batches.length, 1, 'one batch for 301 requests');
  assert.equal(batches[0]!.length, 301);
  assert.equal(batches[0]![0]!.url, '/stream');
  clock.advance(250);
  assert.equal(batches.length, 1, 'nothing changed: no batch');
  open.bytesOut += 100;
  clock.advance(250);
  assert.equal(batches.length, 2);
  assert.deepEqual(
    batches[1]!.map((r) => [r.url, r.bytesOut]),
    [['/stream', 100]],
  );
  open.outcome = 'closed';
  services.traffic.changed(open);
  clock.advance(250);
  assert.deepEqual(
    batches[2]!.map((r) => [r.url, r.outcome]),
    [['/stream', 'closed']],
  );
  clock.advance(1000);
  assert.equal(batches.length, 3);
  sampler.close();
});

test('streams opened before anyone watched come in the first batch and are followed from then on, even after a flood pushed them out of the ring', () => {
  const { clock, services, sampler } = setup();
  services.traffic.setCapacity(50);
  const streams = [begin(services, '/events/1'), begin(services, '/events/2')];
  for (let i = 0; i < 500; i++) {
    const rec = begin(services, '/health');
    rec.outcome = 'complete';
    services.traffic.changed(rec);
  }
  const batches: ExchangeSummary[][] = [];
  sampler.onTraffic((rows) => batches.push(rows));
  clock.advance(250);
  assert.deepEqual(
    batches[0]!.map((r) => r.url),
    ['/events/1', '/events/2'],
  );
  streams[1]!.bytesOut += 42;
  clock.advance(250);
  assert.deepEqual(
    batches[1]!.map((r) => [r.url, r.bytesOut]),
    [['/events/2', 42]],
  );
  sampler.close();
});

test('no telemetry subscriber: counters are not read; a late subscriber gets rates over one interval at most', () => {
  const { clock, services, sampler } = setup();
  const l = services.counters.get('listener', 'a', { kind: 'http' });
  let reads = 0;
  const all = services.counters.all.bind(services.counters);
  services.counters.all = () => {
    reads++;
    return all();
  };
  const offR = sampler.onTraffic(() => undefined);
  const startReads = reads;
  l.bytesOut += 1_000_000;
  clock.advance(2000);
  assert.equal(reads, startReads, 'traffic-only subscribers cost no counter reads per tick');
  clock.advance(100);
  const ticks: TelemetryTick[] = [];
  sampler.onTick((t) => ticks.push(t));
  l.bytesOut += 150; // 150 bytes over the 150 ms to the next tick
  clock.advance(150);
  assert.equal(ticks.length, 1);
  assert.equal(ticks[0]!.listeners[0]!.bytesOutPerSec, 1000, 'the 1 MB sent before subscribing is not in the rate');
  offR();
  sampler.close();
});
