/**
 * Generated bodies: `chunked` (framing checked byte for byte with curl --raw,
 * timing with Node's http client) and `stream` (ndjson, text, binary; count,
 * every; stops when the client leaves). Also `respond` with gzip.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import type { ChunkMark } from '../../core/telemetry/exchange-record.js';

let te: TestEngine;
let base: string;

before(async () => {
  te = await startEngine(`
version: 1
http:
  servers:
    - name: gen
      listen: 0
      gzip: { min_length: 100 }
      routes:
        - path: /framed
          chunked: { chunks: ["start\\n", "", "working\\n", { data: "done\\n", delay: 0ms }], delay: 20ms }
        - path: /timed
          chunked: { chunks: ["a", "b", "c"], delay: 250ms }
        - path: /templated
          chunked: { chunks: ["{{seq}}:{{query.who}};"], repeat: 3, status: 202, content_type: text/csv }
        - path: /endless
          chunked: { chunks: ["tick\\n"], delay: 10ms, repeat: 1000000 }
        - path: /ndjson
          stream: { format: ndjson, line: '{"n": {{seq}}, "who": "{{query.who}}"}', every: 100ms, count: 5 }
        - path: /text
          stream: { format: text, line: 'line {{seq}}', every: 0ms, count: 3 }
        - path: /binary
          stream: { format: binary, size: 1000, every: 0ms, count: 300 }
        - path: /forever
          stream: { format: ndjson, every: 5ms, count: 0 }
        - path: /big-json
          respond: { body: '${'{"k": "value"}, '.repeat(40)}', content_type: application/json }
        - path: /small
          respond: { body: ok }
`);
  base = te.url('gen');
});

after(() => te?.stop());

/** GETs `path`, recording when each body chunk arrives (ms since the response started). */
function timedGet(
  path: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; chunks: { at: number; text: string }[] }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(`${base}${path}`, (res) => {
        const chunks: { at: number; text: string }[] = [];
        res.on('data', (b: Buffer) => chunks.push({ at: performance.now() - t0, text: b.toString() }));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, chunks }));
      })
      .on('error', reject);
  });
}

/** Waits until the route's open exchanges drop to zero (the server noticed the client left). */
async function routeIdle(path: string): Promise<number> {
  const c = te.engine.services.counters.get('route', `gen ${path}`);
  const deadline = Date.now() + 3000;
  while (c.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return c.active;
}

test('curl --raw: exact chunk framing, empty chunks skipped, one zero-size chunk at the end', async () => {
  const r = await run('curl', ['-s', '--raw', '-i', `${base}/framed`]);
  const split = r.stdout.indexOf('\r\n\r\n');
  const [head, body] = [r.stdout.slice(0, split), r.stdout.slice(split + 4)];
  assert.match(head, /transfer-encoding: chunked/i);
  assert.doesNotMatch(head, /content-length/i);
  assert.equal(body, '6\r\nstart\n\r\n8\r\nworking\n\r\n5\r\ndone\n\r\n0\r\n\r\n');
});

/** GETs `path` while the traffic log keeps chunk timelines; returns the response and the engine's chunk marks. */
async function observedGet(path: string): Promise<{ res: Awaited<ReturnType<typeof timedGet>>; marks: ChunkMark[] }> {
  const stop = te.engine.services.traffic.observe();
  try {
    const res = await timedGet(path);
    const find = () => te.engine.services.traffic.recent(20).find((r) => r.url === path);
    await waitFor(() => find()?.outcome === 'complete', `${path} to end in the traffic log`);
    return { res, marks: find()!.chunks };
  } finally {
    stop();
  }
}

test('each chunk is flushed when due', async () => {
  const { res, marks } = await observedGet('/timed');
  assert.equal(res.chunks.map((c) => c.text).join(''), 'abc');
  // On the engine's clock: three writes of one byte, 250 ms apart (a timer is never early, may be late).
  assert.deepEqual(
    marks.map((m) => m.bytes),
    [1, 1, 1],
  );
  const gaps = marks.map((m, i) => m.t - (i === 0 ? 0 : marks[i - 1]!.t));
  for (const g of gaps) assert.ok(g >= 248 && g < 1000, `gap ${g.toFixed(0)} ms, want ≈250`);
  // Flushed as written, not collected: the client did not get everything at once (that would take a 500 ms stall).
  assert.ok(res.chunks.length >= 2, `the client saw ${res.chunks.length} arrivals`);
});

test('repeat, status, content type and templates in chunks', async () => {
  const r = await fetch(`${base}/templated?who=ann`);
  assert.equal(r.status, 202);
  assert.equal(r.headers.get('content-type'), 'text/csv');
  assert.equal(await r.text(), '1:ann;2:ann;3:ann;');
});

test('a chunked response stops when the client disconnects', async () => {
  const ac = new AbortController();
  const r = await fetch(`${base}/endless`, { signal: ac.signal });
  const reader = r.body!.getReader();
  assert.match(new TextDecoder().decode((await reader.read()).value), /tick/);
  ac.abort();
  assert.equal(await routeIdle('/endless'), 0);
});

test('ndjson stream: count lines at the configured pace, templated from the query', async () => {
  const { res: r, marks } = await observedGet('/ndjson?who=bo');
  assert.equal(r.headers['content-type'], 'application/x-ndjson');
  assert.equal(r.headers['transfer-encoding'], 'chunked');
  const lines = r.chunks
    .map((c) => c.text)
    .join('')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { n: number; who: string });
  assert.deepEqual(
    lines,
    [1, 2, 3, 4, 5].map((n) => ({ n, who: 'bo' })),
  );
  // On the engine's clock: one line per write, on a 100 ms schedule from the start of the exchange (a late
  // line does not push back the rest, so times are not measured from the first line, which may be late).
  assert.equal(marks.length, 5);
  const due = marks.map((m) => m.t);
  for (const [k, at] of due.entries())
    assert.ok(at >= k * 100 - 2 && at < k * 100 + 1000, `lines at ${due.map((x) => x.toFixed(0)).join(', ')} ms`);
});

test('text and binary streams', async () => {
  assert.equal(await (await fetch(`${base}/text`)).text(), 'line 1\nline 2\nline 3\n');
  const bin = await fetch(`${base}/binary`);
  assert.equal(bin.headers.get('content-type'), 'application/octet-stream');
  assert.equal((await bin.arrayBuffer()).byteLength, 300_000);
});

test('a count: 0 stream runs until the client leaves, then stops', async () => {
  const ac = new AbortController();
  const r = await fetch(`${base}/forever`, { signal: ac.signal });
  const reader = r.body!.getReader();
  let text = '';
  while (text.split('\n').length < 6) text += new TextDecoder().decode((await reader.read()).value);
  assert.match(text, /^\{"n": 1\}\n\{"n": 2\}\n/);
  ac.abort();
  assert.equal(await routeIdle('/forever'), 0);
});

test('respond: gzip when accepted and large enough, with Vary; identity otherwise', async () => {
  const gz = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http
      .get(`${base}/big-json`, { headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
      })
      .on('error', reject);
  });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers.vary, 'Accept-Encoding');
  assert.equal(Number(gz.headers['content-length']), gz.body.length);
  assert.equal(gunzipSync(gz.body).toString(), '{"k": "value"}, '.repeat(40));
  const plain = await run('curl', ['-sI', `${base}/big-json`]);
  assert.doesNotMatch(plain.stdout, /content-encoding/i);
  const small = await run('curl', ['-sI', '-H', 'Accept-Encoding: gzip', `${base}/small`]);
  assert.doesNotMatch(small.stdout, /content-encoding/i);
  const stream = await run('curl', ['-s', '-D', '-', '-o', '/dev/null', '-H', 'Accept-Encoding: gzip', `${base}/text`]);
  assert.doesNotMatch(stream.stdout, /content-encoding/i, 'streams are never compressed');
});
