/**
 * The traffic inspector on streams through real sockets: a POST-started
 * event stream (as `fetch` starts every LLM stream) is decoded like a GET
 * one; a stream ending right after a CR keeps its last event; capture that
 * begins mid-stream says so; a channel reconnect reports what was replayed
 * and what fell out of the replay buffer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import type { ApiHost } from '../../core/host/api-host.js';
import type { ExchangeDetail } from '../../core/api/types.js';
import { sleep, waitFor } from '../helpers/wait.js';

let upstream: http.Server;
let t: TestEngine;
let host: ApiHost;
let release: (() => void) | undefined;

const EVENTS =
  'retry: 1000\nid: 1\nevent: token\ndata: {"t":"he"}\n\nid: 2\nevent: token\ndata: {"t":"llo"}\n\ndata: [DONE]\n\n';

before(async () => {
  upstream = http.createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-body': String(body.length),
    });
    if (req.url === '/cr') {
      res.write('data: first\r\r');
      await sleep(30);
      res.write('data: last\r');
      await sleep(30);
      return void res.end('\r');
    }
    if (req.url === '/long') {
      for (let i = 1; i <= 6; i++) {
        res.write(`id: ${i}\ndata: part ${i} of a long answer\n\n`);
        if (i === 2)
          await new Promise<void>((r) => {
            release = r;
          });
        await sleep(20);
      }
      return void res.end();
    }
    for (const piece of EVENTS.match(/[\s\S]{1,17}/g)!) {
      res.write(piece);
      await sleep(5);
    }
    res.end();
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  t = await startEngine(
    `version: 1
http:
  servers:
    - name: edge
      listen: 127.0.0.1:0
      routes:
        - path: /news
          sse: { channel: news, replay: 2, heartbeat: 1h }
        - path: /
          proxy: { upstream: backend }
  upstreams:
    - name: backend
      servers: [ { address: 127.0.0.1:${(upstream.address() as AddressInfo).port} } ]
`,
    { tickMs: 100 },
  );
  host = t.host;
});

after(async () => {
  await t.stop();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

async function detailOf(url: string, method?: string): Promise<ExchangeDetail> {
  const row = (await host.getTraffic({ search: url })).find((r) => r.url === url && (!method || r.method === method))!;
  let d: ExchangeDetail | null = null;
  await waitFor(async () => (d = await host.getExchange(row.id))?.outcome !== 'open', `${url} to end`);
  return d!;
}

const fields = (d: ExchangeDetail) => d.sseEvents.map(({ t: _t, ...e }) => e);

test('a POST-started event stream (fetch with a streamed body) is decoded exactly like a GET one', async () => {
  const off = host.on('traffic', () => {});
  try {
    await (await fetch(`${t.url('edge')}/chat?get`)).text();
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(new TextEncoder().encode('{"stream":true,'));
        await sleep(20);
        c.enqueue(new TextEncoder().encode('"messages":[]}'));
        c.close();
      },
    });
    const res = await fetch(`${t.url('edge')}/chat?post`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.headers.get('x-body'), '29', 'the upstream got the whole body');
    await res.text();
    const get = await detailOf('/chat?get');
    const post = await detailOf('/chat?post', 'POST');
    assert.deepEqual(fields(post), [
      { event: 'token', data: '{"t":"he"}', id: '1', retry: 1000 },
      { event: 'token', data: '{"t":"llo"}', id: '2' },
      { data: '[DONE]' },
    ]);
    assert.deepEqual(fields(post), fields(get));
    assert.equal(post.bytesIn, 29);
  } finally {
    off();
  }
});

test('a proxied stream that ends right after a CR keeps its last event', async () => {
  const off = host.on('traffic', () => {});
  try {
    await (await fetch(`${t.url('edge')}/cr`)).text();
    assert.deepEqual(
      (await detailOf('/cr')).sseEvents.map((e) => e.data),
      ['first', 'last'],
    );
  } finally {
    off();
  }
});

test('capture that begins mid-stream says from when and how many bytes in', async () => {
  const res = await fetch(`${t.url('edge')}/long`);
  const reader = res.body!.getReader();
  let seen = '';
  while (!seen.includes('part 2')) seen += new TextDecoder().decode((await reader.read()).value);
  await waitFor(() => release !== undefined, 'the upstream to wait after two events');
  const off = host.on('traffic', () => {});
  try {
    release!();
    while (!(await reader.read()).done) {
      /* read to the end */
    }
    const d = await detailOf('/long');
    assert.ok(d.captureFrom, 'the detail says capture began mid-stream');
    assert.ok(d.captureFrom.bytes >= 2 * 30, `after the first two events (${d.captureFrom.bytes} bytes)`);
    assert.deepEqual(
      d.sseEvents.map((e) => e.id),
      ['3', '4', '5', '6'].slice(-d.sseEvents.length),
    );
    assert.ok(d.sseEvents.length >= 3);
  } finally {
    off();
  }
});

test('a channel reconnect reports what was replayed and what fell out of the replay buffer', async () => {
  const hub = t.modules.sse;
  for (let i = 1; i <= 6; i++) hub.publish('news', { data: `n${i}` });
  const ac = new AbortController();
  const res = await fetch(`${t.url('edge')}/news`, { headers: { 'last-event-id': '1' }, signal: ac.signal });
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('data: n6')) text += new TextDecoder().decode((await reader.read()).value);
  assert.match(text, /event: sluice-replay-gap/);
  const row = (await host.getTraffic({ search: '/news' })).find((r) => r.url === '/news')!;
  const d = (await host.getExchange(row.id))!;
  assert.deepEqual(
    d.resume,
    { from: '1', replayed: 2, missed: 3 },
    'ids 2–4 were no longer kept; 5 and 6 were replayed',
  );
  ac.abort();
});
