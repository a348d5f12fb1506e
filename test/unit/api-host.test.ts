import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../../core/engine/engine.js';
import { API_CALLS } from '../../core/api/index.js';
import type { ApiHost } from '../../core/host/api-host.js';
import { createEngine } from '../../core/runtime/create-engine.js';
import { waitFor } from '../helpers/wait.js';

const GOOD = `version: 1
http:
  servers:
    - name: mock
      listen: 127.0.0.1:0
      routes:
        - path: /health
          respond: { status: 200, body: ok }
`;
const BAD = `version: 1
http:
  servers:
    - name: mock
      listen: nowhere
      bogus: 1
`;

async function withHost(fn: (h: ApiHost, e: Engine) => Promise<void>): Promise<void> {
  const rt = createEngine({ drainMs: 100, text: GOOD, tickMs: 50 });
  try {
    await fn(rt.host, rt.engine);
  } finally {
    await rt.close(100);
  }
}

test('every call of API_CALLS exists on the host', async () => {
  await withHost(async (host, engine) => {
    for (const name of API_CALLS) assert.equal(typeof host[name], 'function', name);
    assert.equal(host.engine, engine);
    await assert.rejects(host.invoke('nope', []), /unknown call "nope"/);
    const h = await host.invoke('health', []);
    assert.deepEqual(Object.keys(h as object).sort(), ['ok', 'version']);
  });
});

test('startEngine runs the text; a bad apply keeps the last good config and returns positioned errors', async () => {
  await withHost(async (host, engine) => {
    const started = await host.startEngine();
    assert.ok(started.ok, JSON.stringify(started));
    const addr = engine.address('mock')!;
    assert.equal(await (await fetch(`http://${addr}/health`)).text(), 'ok');

    const r = await host.applyConfig(BAD);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.ok(r.errors.length >= 2, JSON.stringify(r.errors));
    for (const e of r.errors) assert.ok(e.line > 0 && e.col > 0, JSON.stringify(e));
    assert.ok(r.errors.some((e) => e.line === 5 && /invalid address/.test(e.message)));
    assert.ok(r.errors.some((e) => e.line === 6 && /unknown key "bogus"/.test(e.message)));
    // Still serving, and getConfig still returns the last good text.
    assert.equal(await (await fetch(`http://${addr}/health`)).text(), 'ok');
    const state = await host.getConfig();
    assert.equal(state.text, GOOD);
    assert.equal(state.running, true);
  });
});

test('validateConfig returns the plan against the running config without applying it', async () => {
  await withHost(async (host, engine) => {
    await host.startEngine();
    const next = GOOD.replace('body: ok', 'body: changed') + '    - name: extra\n      listen: 127.0.0.1:0\n';
    const v = await host.validateConfig(next);
    assert.equal(v.ok, true, JSON.stringify(v.errors));
    assert.equal(v.plan!.add.length, 1);
    assert.equal(v.plan!.add[0]!.name, 'extra');
    assert.ok(v.changes!.some((c) => c.startsWith('+ http extra')));
    assert.equal(engine.address('extra'), undefined, 'validate must not apply');
    const bad = await host.validateConfig('version: 2\n');
    assert.equal(bad.ok, false);
    assert.match(bad.errors[0]!.message, /version/);
    const applied = await host.applyConfig(next);
    assert.ok(applied.ok);
    assert.ok(engine.address('extra'));
    assert.equal((await host.getConfig()).text, next);
  });
});

test('saveConfig validates first and writes atomically', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-host-'));
  try {
    await withHost(async (host) => {
      const none = await host.saveConfig(GOOD);
      assert.equal(none.ok, false);
      const file = join(dir, 'a.yaml');
      const bad = await host.saveConfig(BAD, file);
      assert.equal(bad.ok, false);
      assert.match(bad.ok ? '' : bad.message, /not saved/);
      const ok = await host.saveConfig(GOOD, file);
      assert.deepEqual(ok, { ok: true, file });
      assert.equal(readFileSync(file, 'utf8'), GOOD);
      assert.equal((await host.getConfig()).file, file);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('publish to an unknown channel rejects with a clear message; stats, traffic and record answer plain data', async () => {
  await withHost(async (host, engine) => {
    await host.startEngine();
    await assert.rejects(host.publish('nope', { data: 'x' }), /channel|SSE/);
    await fetch(`http://${engine.address('mock')}/health`).then((r) => r.text());
    const stats = await host.getStats();
    const mock = stats.listeners.find((l) => l.name === 'mock')!;
    assert.equal(mock.totals.requests, 1);
    assert.equal(mock.address, engine.address('mock'));
    assert.ok(stats.routes.some((r) => r.name === 'mock /health' && r.totals.requests === 1));
    const rows = await host.getTraffic({ limit: 10 });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.url, '/health');
    assert.equal(rows[0]!.status, 200);
    assert.ok(Math.abs(rows[0]!.startedAt - Date.now()) < 60_000, 'startedAt is wall-clock time');
    const detail = await host.getExchange(rows[0]!.id);
    assert.equal(detail!.requestHeaders.host, engine.address('mock'));
    assert.equal(await host.getExchange(999999), null);
    // Nobody watched this exchange: no chunk timeline was kept, so there is nothing to replay, and the answer says why.
    assert.deepEqual(await host.recordAsMock(rows[0]!.id), {
      ok: false,
      message: `exchange ${rows[0]!.id} has no captured SSE events or chunks (traffic is captured only while observed)`,
    });
    assert.deepEqual(await host.recordAsMock(999999), { ok: false, message: 'no exchange #999999 in the traffic log' });
    assert.deepEqual(await host.getUpstreams(), []);
    // Everything crosses a process boundary: plain JSON round-trips.
    assert.deepEqual(JSON.parse(JSON.stringify(stats)), stats);
  });
});

test('events: state, log, telemetry ticks and traffic batches; stopEngine', async () => {
  await withHost(async (host, engine) => {
    const states: boolean[] = [];
    host.on('state', (s) => states.push(s.running));
    await host.startEngine();
    const ticks: number[] = [];
    const batches: number[][] = [];
    const offT = host.on('telemetry', (t) => ticks.push(t.listeners.length));
    const offR = host.on('traffic', (rows) => batches.push(rows.map((r) => r.id)));
    assert.equal(engine.services.traffic.observed, true, 'watching traffic holds observe()');
    for (let i = 0; i < 5; i++) await fetch(`http://${engine.address('mock')}/health`).then((r) => r.text());
    await waitFor(() => new Set(batches.flat()).size === 5 && ticks.length >= 2, 'five rows and two ticks');
    offT();
    offR();
    assert.equal(engine.services.traffic.observed, false);
    assert.equal(host.sampler.active, false, 'no subscriber: the timer stops');
    // Both events come from the same tick: at most one batch per tick, and never an empty one.
    assert.ok(batches.length <= ticks.length, `${batches.length} batches in ${ticks.length} ticks`);
    assert.ok(
      batches.every((b) => b.length >= 1),
      JSON.stringify(batches),
    );
    await host.stopEngine();
    assert.deepEqual(states, [true, false]);
  });
});

test('a config applied behind the host (SIGHUP reload) makes getConfig render the running config, which re-validates', async () => {
  await withHost(async (host, engine) => {
    await host.startEngine();
    const { loadConfig } = await import('../../core/config/index.js');
    const other = loadConfig(GOOD.replace('body: ok', 'body: reloaded'), 'x.yaml');
    assert.ok(other.ok);
    await engine.apply(other.config);
    const state = await host.getConfig();
    assert.notEqual(state.text, GOOD);
    assert.match(state.text, /reloaded/);
    const again = await host.validateConfig(state.text);
    assert.equal(again.ok, true, JSON.stringify(again.errors));
    assert.deepEqual(again.changes, [], 'the rendering is the running config');
  });
});

test('garbage arguments come back as values or rejections with a message, never a crash', async () => {
  await withHost(async (host) => {
    await host.startEngine();
    const garbage: unknown[][] = [[], [null], [undefined], [123], [{}], ['x', 'y', 'z'], [[1, 2]]];
    for (const name of API_CALLS) {
      if (name === 'stopEngine' || name === 'startEngine' || name === 'saveConfig') continue;
      // These open the install's CA and start a browser: https-trust.test.ts calls them with a CA of its own.
      if (name === 'getCaInfo' || name === 'openTrustedBrowser') continue;
      for (const args of garbage) {
        try {
          const out = await host.invoke(name, args);
          JSON.stringify(out);
        } catch (err) {
          assert.ok(
            err instanceof Error && err.message.length > 0,
            `${name}(${JSON.stringify(args)}) rejected without a message`,
          );
        }
      }
    }
    const v = await host.validateConfig(42 as unknown as string);
    assert.equal(v.ok, false);
    assert.match(v.errors[0]!.message, /must be a string/);
    const a = await host.applyConfig(undefined as unknown as string);
    assert.equal(a.ok, false);
    await assert.rejects(
      host.publish(undefined as unknown as string, undefined as unknown as { data: string }),
      /channel|data/,
    );
    assert.equal(engineStillServes(host), true);
  });
});

function engineStillServes(host: ApiHost): boolean {
  return host.engine.running && host.engine.address('mock') !== undefined;
}
