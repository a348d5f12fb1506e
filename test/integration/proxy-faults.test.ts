import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { startUpstream, get, type Upstream } from './proxy-fixtures.js';
import { waitFor } from '../helpers/wait.js';

let t: TestEngine;
let up: Upstream;
const BIG = 'x'.repeat(10_000);

before(async () => {
  up = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(BIG);
  });
  t = await startEngine(`
http:
  servers:
    - name: front
      listen: 0
      routes:
        - { path: /slow, respond: { body: hi }, faults: { latency: 300ms } }
        - { path: /jitter, respond: { body: hi }, faults: { latency: 200ms, jitter: 100ms } }
        - { path: /teapot, respond: { body: hi }, faults: { status: { code: 503, probability: 1 } } }
        - { path: /never, respond: { body: hi }, faults: { status: { code: 503, probability: 0 } } }
        - { path: /reset, respond: { body: '${BIG}' }, faults: { reset_after: 1k } }
        - { path: /stall, respond: { body: '${BIG}' }, faults: { stall_after: 2k } }
        - { path: /slice, respond: { body: abcdefghij }, faults: { slice: { size: 3, delay: 100ms } } }
        - { path: /drop, respond: { body: hi }, faults: { drop_connection: 1 } }
        - { path: /proxied, proxy: { upstream: be }, faults: { latency: 100ms, reset_after: 4k } }
        - { path: /shaped, respond: { body: '${BIG}' }, faults: { slice: { size: 1k, delay: 0ms } }, limit: { rate: 20k, burst: 1k } }
  upstreams:
    - { name: be, servers: [ { address: ${up.address} } ] }
`);
});
after(async () => {
  await t?.stop();
  await up?.close();
});

/**
 * A raw HTTP/1.1 GET: every byte received (head + body), when each arrived, and how the socket ended —
 * `open` when it neither closed nor reset within `watchMs` (10 s unless given), so a hang fails the test.
 */
function rawGet(
  path: string,
  opts: { watchMs?: number } = {},
): Promise<{ text: string; body: string; arrivals: { at: number; bytes: number }[]; end: 'close' | 'reset' | 'open' }> {
  return new Promise((resolve) => {
    const [host, port] = t.addr('front').split(':');
    const s = net.connect(Number(port), host!);
    const started = Date.now();
    const chunks: Buffer[] = [];
    const arrivals: { at: number; bytes: number }[] = [];
    let done = false;
    const finish = (end: 'close' | 'reset' | 'open') => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString();
      resolve({ text, body: text.slice(text.indexOf('\r\n\r\n') + 4), arrivals, end });
      s.destroy();
    };
    s.on('data', (c) => {
      chunks.push(c);
      arrivals.push({ at: Date.now() - started, bytes: c.length });
    });
    s.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNRESET' ? 'reset' : 'close'));
    s.on('end', () => finish('close'));
    setTimeout(() => finish('open'), opts.watchMs ?? 10_000);
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}

test('latency delays the response; jitter stays within ±jitter', async () => {
  let started = Date.now();
  assert.equal((await get(`${t.url('front')}/slow`)).body, 'hi');
  const took = Date.now() - started;
  assert.ok(took >= 295 && took < 1000, `took ${took}`);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    started = Date.now();
    await get(`${t.url('front')}/jitter`);
    times.push(Date.now() - started);
  }
  assert.ok(
    times.every((x) => x >= 95 && x < 600),
    `${times}`,
  );
});

test('status injection with probability 1 answers the code; probability 0 never', async () => {
  const r = await get(`${t.url('front')}/teapot`);
  assert.equal(r.status, 503);
  assert.equal(r.body, 'injected fault: status 503\n');
  for (let i = 0; i < 5; i++) assert.equal((await get(`${t.url('front')}/never`)).status, 200);
});

test('reset_after sends exactly N body bytes, then resets the connection', async () => {
  const r = await rawGet('/reset');
  assert.match(r.text, /^HTTP\/1\.1 200/);
  assert.equal(r.body.length, 1024);
  assert.equal(r.end, 'reset');
  const find = () => t.engine.services.traffic.recent(100).find((x) => x.url === '/reset');
  await waitFor(() => find()?.outcome === 'aborted', 'the exchange to end as aborted in the traffic log');
  const rec = find()!;
  assert.match(rec.error ?? '', /reset after 1024 bytes/);
});

test('stall_after sends N bytes and then nothing while the connection stays open', async () => {
  const r = await rawGet('/stall', { watchMs: 600 });
  assert.equal(r.body.length, 2048);
  assert.equal(r.end, 'open');
});

test('slice splits writes into pieces of size with delay between them', async () => {
  const r = await rawGet('/slice');
  assert.equal(r.body, 'abcdefghij');
  const bodyArrivals = r.arrivals.slice(-4);
  assert.ok(r.arrivals.length >= 4, JSON.stringify(r.arrivals));
  const span = bodyArrivals.at(-1)!.at - bodyArrivals[0]!.at;
  assert.ok(span >= 250, `4 pieces 100 ms apart span ${span} ms`);
});

test('drop_connection closes without any response', async () => {
  const r = await rawGet('/drop');
  assert.equal(r.text, '');
  assert.notEqual(r.end, 'open');
});

test('faults compose with the proxy: latency then reset after 4k of the upstream body', async () => {
  const started = Date.now();
  const r = await rawGet('/proxied');
  assert.ok(Date.now() - started >= 95);
  // The fault counts bytes of the body as the handler writes them (chunk framing comes after).
  assert.equal(r.body.replace(/[^x]/g, '').length, 4096);
  assert.equal(r.end, 'reset');
});

test('faults compose with limits: a sliced response is shaped to the rate', async () => {
  const started = Date.now();
  const r = await get(`${t.url('front')}/shaped`);
  const took = Date.now() - started;
  assert.equal(r.body.length, 10_000);
  // 10000 bytes at 20k/s after a 1k burst: about 0.44 s.
  assert.ok(took >= 300 && took < 3000, `took ${took} ms`);
});
