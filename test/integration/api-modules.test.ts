/**
 * The API reads other modules through narrow views: upstream states from the
 * proxy's upstreams module, limit samples from shaping — in ticks, stats,
 * /api/upstreams and /metrics.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import type { ApiHost } from '../../core/host/api-host.js';
import type { TelemetryTick } from '../../core/api/types.js';
import { parsePrometheus, seriesValue } from './admin-prom.js';

let upstream: http.Server;
let upstreamAddr: string;
let t: TestEngine;
let host: ApiHost;

before(async () => {
  upstream = http.createServer((_req, res) => res.end('from upstream'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  upstreamAddr = `127.0.0.1:${(upstream.address() as { port: number }).port}`;
  t = await startEngine(
    `version: 1
admin: { listen: 0 }
http:
  servers:
    - name: edge
      listen: 0
      routes:
        - path: /slow
          respond: { body: "${'x'.repeat(2000)}" }
          limit: { rate: 8k, burst: 1k }
        - path: /
          proxy: { upstream: backend }
  upstreams:
    - name: backend
      servers: [ { address: "${upstreamAddr}", weight: 3 } ]
`,
    { tickMs: 100 },
  );
  host = t.host;
});

after(async () => {
  await t.stop();
  await new Promise((r) => upstream.close(r));
});

test('upstream servers: states in the API and the ticks, series in /metrics', async () => {
  for (let i = 0; i < 3; i++) assert.equal(await (await fetch(`${t.url('edge')}/x${i}`)).text(), 'from upstream');
  const ups = await host.getUpstreams();
  const server = ups.find((u) => u.address === upstreamAddr);
  assert.ok(server, JSON.stringify(ups));
  assert.equal(server!.group, 'backend');
  assert.equal(server!.section, 'http');
  assert.equal(server!.weight, 3);
  assert.ok(server!.requests >= 3, JSON.stringify(server));
  assert.deepEqual((await host.getStats()).upstreams, ups);
  const metrics = parsePrometheus(await (await fetch(`${t.url('admin')}/metrics`)).text());
  assert.ok(
    seriesValue(metrics, 'sluice_upstream_requests_total', {
      section: 'http',
      upstream: 'backend',
      server: upstreamAddr,
    })! >= 3,
  );
});

test('limits: the tick carries the limit with its target and achieved rate', async () => {
  const ticks: TelemetryTick[] = [];
  const off = host.on('telemetry', (tick) => ticks.push(tick));
  try {
    const started = Date.now();
    assert.equal((await (await fetch(`${t.url('edge')}/slow`)).text()).length, 2000);
    const took = Date.now() - started;
    assert.ok(took >= 60, `2000 bytes at 8k/s after a 1k burst take ~120 ms, took ${took}`);
    await new Promise((r) => setTimeout(r, 250));
  } finally {
    off();
  }
  const withLimit = ticks.filter((tk) => tk.limits.length > 0);
  assert.ok(withLimit.length > 0, 'limit samples in ticks');
  const sample = withLimit.at(-1)!.limits[0]!;
  assert.equal(sample.rate, 8192);
  assert.equal(sample.explain, '8 KiB/s per connection, burst 1 KiB');
  assert.equal(sample.burst, 1024);
  assert.ok(
    withLimit.some((tk) => tk.limits.some((l) => l.achievedPerSec > 0)),
    'achieved rate seen while sending',
  );
});
