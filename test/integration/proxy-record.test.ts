import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { parse } from 'yaml';
import { startEngine } from '../helpers/engine.js';
import { recordAsMock } from '../../core/proxy/record.js';
import type { ExchangeRecord } from '../../core/telemetry/exchange-record.js';
import { startUpstream, sleep } from './proxy-fixtures.js';
import { waitFor } from '../helpers/wait.js';

const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

/** Reads a whole SSE response, returning each event block with its arrival time (ms from request). */
function readBlocks(url: string): Promise<{ at: number; block: string }[]> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    http
      .get(url, { agent: false }, (res) => {
        const out: { at: number; block: string }[] = [];
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          buf += c;
          let k;
          while ((k = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, k);
            buf = buf.slice(k + 2);
            if (!block.startsWith(':')) out.push({ at: Date.now() - started, block });
          }
        });
        res.on('end', () => resolve(out));
      })
      .on('error', reject);
  });
}

test('record an SSE stream through the proxy and replay it as a script route with the original timing', async () => {
  const up = await startUpstream(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    const steps: [number, string][] = [
      [100, 'event: tick\nid: 1\ndata: one\n\n'],
      [300, 'id: 2\ndata: two\ndata: lines\n\n'],
      [150, 'event: done\ndata: {"ok":true}\n\n'],
    ];
    for (const [wait, text] of steps) {
      await sleep(wait);
      res.write(text);
    }
    res.end();
  });
  cleanup.push(() => up.close());
  const t = await startEngine(`
http:
  servers:
    - { name: front, listen: 0, routes: [ { path: /, proxy: { upstream: be } } ] }
  upstreams:
    - { name: be, servers: [ { address: ${up.address} } ] }
`);
  cleanup.push(() => t.stop());
  const stop = t.engine.services.traffic.observe();
  await readBlocks(`${t.url('front')}/feed`);
  const find = () => t.engine.services.traffic.recent(10).find((r) => r.url === '/feed');
  await waitFor(() => find()?.outcome === 'complete', 'the recorded exchange to end');
  stop();
  const rec = find()!;
  assert.equal(rec.events.length, 3, 'the traffic log decoded the proxied events');

  const made = recordAsMock(rec, { speed: 2, path: '/replay' });
  assert.ok(made.ok, !made.ok ? made.message : '');
  const route = parse(made.yaml);
  assert.equal(route.path, '/replay');
  assert.deepEqual(
    route.sse.script.map((s: { event?: string; data: string; id?: string }) => [s.event, s.data, s.id]),
    [
      ['tick', 'one', '1'],
      [undefined, 'two\nlines', '2'],
      ['done', '{"ok":true}', undefined],
    ],
  );

  // The gaps as the engine saw them (300 and 150 ms upstream) at speed 2: ~150 and ~75 ms.
  const delays = route.sse.script.map((s: { delay?: string }) => Number(/^(\d+)ms$/.exec(s.delay ?? '0ms')![1]));
  // (The engine timestamps arrivals: a late first arrival shortens the gap after it.)
  assert.ok(delays[1] >= 100 && delays[1] < 400, `recorded gap 1: ${delays[1]} ms`);
  assert.ok(delays[2] >= 40 && delays[2] < 325, `recorded gap 2: ${delays[2]} ms`);

  // Serve the recorded route: the replay keeps those gaps, on the replaying engine's own clock.
  const indented = made.yaml
    .trimEnd()
    .split('\n')
    .map((l, i) => (i === 0 ? `        - ${l}` : `          ${l}`))
    .join('\n');
  const r = await startEngine(`http:\n  servers:\n    - name: mock\n      listen: 0\n      routes:\n${indented}\n`);
  cleanup.push(() => r.stop());
  const stopReplay = r.engine.services.traffic.observe();
  const replay = await readBlocks(`${r.url('mock')}/replay`);
  stopReplay();
  // Field order within an event is the encoder's; data lines keep their order.
  assert.deepEqual(
    replay.map((b) =>
      b.block
        .split('\n')
        .filter((l) => !l.startsWith('retry'))
        .sort()
        .join('|'),
    ),
    ['data: one|event: tick|id: 1', 'data: lines|data: two|id: 2', 'data: {"ok":true}|event: done'],
  );
  const played = r.engine.services.traffic
    .recent(10)
    .find((x) => x.url === '/replay')!
    .events.map((e) => e.t);
  assert.equal(played.length, 3);
  const gap1 = played[1]! - played[0]!;
  const gap2 = played[2]! - played[1]!;
  // Never early; late only by what a loaded machine adds to a timer.
  assert.ok(gap1 >= delays[1] - 2 && gap1 < delays[1] + 400, `replayed gap 1: ${gap1} ms for ${delays[1]}`);
  assert.ok(gap2 >= delays[2] - 2 && gap2 < delays[2] + 400, `replayed gap 2: ${gap2} ms for ${delays[2]}`);
});

const base: ExchangeRecord = {
  id: 7,
  listener: 'l',
  method: 'GET',
  url: '/x',
  client: '127.0.0.1',
  startedAt: 0,
  requestHeaders: {},
  bytesIn: 0,
  bytesOut: 0,
  outcome: 'complete',
  chunks: [],
  events: [],
};

test('recordAsMock: chunked exchanges replay sizes and timing with placeholder bytes', () => {
  const made = recordAsMock({
    ...base,
    contentType: 'text/plain',
    chunks: [
      { t: 10, bytes: 3 },
      { t: 510, bytes: 5 },
    ],
  });
  assert.ok(made.ok);
  assert.match(made.note ?? '', /not captured/);
  const route = parse(made.yaml);
  assert.equal(route.path, '/replay/7');
  assert.deepEqual(route.chunked.chunks, [
    { data: '...', delay: '10ms' },
    { data: '.....', delay: '500ms' },
  ]);
});

test('recordAsMock refuses what it cannot replay', () => {
  const none = recordAsMock(base);
  assert.equal(none.ok, false);
  assert.match(!none.ok ? none.message : '', /no captured SSE events or chunks/);
  const bad = recordAsMock({ ...base, events: [{ t: 1, data: 'x' }] }, { speed: 0 });
  assert.equal(bad.ok, false);
  const huge = recordAsMock({ ...base, chunks: [{ t: 1, bytes: 2 * 1024 * 1024 }] });
  assert.equal(huge.ok, false);
});
