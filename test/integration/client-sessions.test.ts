/**
 * Client sessions through the API host, as the UI uses them: a fast stream's
 * events arrive in one `client` message per telemetry tick (not one per
 * event), every event accounted for; a late view gets the kept events; a
 * session becomes a script route with its timing ("Save as mock") that the
 * config accepts; calls are validated like every API call.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import type { ApiHost } from '../../core/host/api-host.js';
import { validateCallArgs } from '../../core/host/call-args.js';
import { routeSchema } from '../../core/config/schema.js';
import type { ClientBatch } from '../../core/api/client.js';
import { sleep, waitFor } from '../helpers/wait.js';

const EVENTS = 300;
let upstream: http.Server;
let url: string;
let t: TestEngine;
let host: ApiHost;

before(async () => {
  upstream = http.createServer(async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (req.url === '/slow') {
      res.write('retry: 1500\n\n');
      for (let i = 1; i <= 3; i++) {
        await sleep(120);
        res.write(`event: step\nid: ${i}\ndata: {"step":${i}}\n\n`);
      }
      return void res.end();
    }
    for (let i = 1; i <= EVENTS; i++) {
      res.write(`id: ${i}\ndata: ${i}\n\n`);
      if (i % 10 === 0) await sleep(5);
    }
    res.end();
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  t = await startEngine('version: 1\n', { tickMs: 100 });
  host = t.host;
});

after(async () => {
  await t.stop();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

test('a fast stream reaches the UI in one message per tick, every event accounted for', async () => {
  const messages: ClientBatch[][] = [];
  const off = host.on('client', (b) => messages.push(b));
  const started = Date.now();
  try {
    const r = await host.startClient({ url: `${url}/fast`, reconnect: 0 });
    assert.ok(r.ok);
    await waitFor(
      () => messages.flat().some((b) => b.id === r.id && b.summary.state === 'ended'),
      'the session to end',
      10_000,
    );
    const ticks = (Date.now() - started) / 100;
    assert.ok(messages.length <= ticks + 2, `${messages.length} messages in ~${ticks.toFixed(1)} ticks`);
    const mine = messages.flat().filter((b) => b.id === r.id);
    const shown = mine.reduce((n, b) => n + b.events.length + (b.skipped ?? 0), 0);
    assert.equal(shown, EVENTS, 'every event is in a batch or counted as skipped');
    assert.deepEqual(
      mine
        .flatMap((b) => b.events)
        .slice(0, 3)
        .map((e) => [e.n, e.id, e.data]),
      [
        [1, '1', '1'],
        [2, '2', '2'],
        [3, '3', '3'],
      ],
    );
    const last = mine.at(-1)!.summary;
    assert.equal(last.events, EVENTS);
    assert.equal(last.ids.missing, 0);
    const view = (await host.getClientSession(r.id))!;
    assert.equal(view.events.length, EVENTS, 'a view opened later gets the kept events');
    assert.equal(view.connections[0]!.status, 200);
  } finally {
    off();
  }
});

test('Save as mock: the session becomes an SSE script route with its timing and retry', async () => {
  const r = await host.startClient({ url: `${url}/slow`, reconnect: 0 });
  assert.ok(r.ok);
  await waitFor(
    async () => (await host.getClientSession(r.id))?.summary.state === 'ended',
    'the session to end',
    10_000,
  );
  const mock = await host.clientAsMock(r.id, { path: '/replayed' });
  assert.ok(mock.ok, mock.ok ? '' : mock.message);
  const route = parse(mock.yaml) as {
    path: string;
    sse: { retry: string; script: { event: string; id: string; data: string; delay: string }[] };
  };
  assert.ok(routeSchema.safeParse(route).success);
  assert.equal(route.path, '/replayed');
  assert.equal(route.sse.retry, '1500ms');
  assert.deepEqual(
    route.sse.script.map((s) => [s.event, s.id, s.data]),
    [1, 2, 3].map((i) => ['step', String(i), `{"step":${i}}`]),
  );
  const delays = route.sse.script.map((s) => Number.parseInt(s.delay, 10));
  assert.ok(
    delays.slice(1).every((d) => d >= 80 && d < 1000),
    `gaps kept: ${delays.join(', ')}`,
  );
  assert.deepEqual(await host.clientAsMock(9999), { ok: false, message: 'no client session #9999' });
});

test('client calls are validated like every API call; a bad URL is an answer, not a throw', async () => {
  assert.equal(validateCallArgs('startClient', [{ url: 'http://x', method: 'GET', unknown: 1 }]).ok, false);
  assert.equal(validateCallArgs('startClient', [{ url: 'http://x', headers: [['a', 'b']], reconnect: 2 }]).ok, true);
  assert.equal(validateCallArgs('stopClient', ['1']).ok, false);
  assert.deepEqual(await host.startClient({ url: 'ftp://example' }), {
    ok: false,
    message: 'only http:// and https:// URLs can be streamed, not ftp:',
  });
  const r = await host.startClient({ url: `${url}/slow`, reconnect: 5 });
  assert.ok(r.ok);
  await host.stopClient(r.id);
  await waitFor(async () => (await host.getClientSession(r.id))?.summary.state === 'stopped', 'the session to stop');
});
