/**
 * A route's headers (CORS, `headers:`) reach every answer of the route as
 * curl sees it, whatever kind wrote the head — a respond body, a static
 * file, an error the route gives, an SSE stream — and the traffic log shows
 * them; a header the route kind sets itself wins over the route's.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { responseHeadersOf } from '../../core/telemetry/sent-headers.js';
import { toSummary } from '../../core/telemetry/exchange-view.js';

let te: TestEngine;

before(async () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-route-headers-'));
  writeFileSync(join(root, 'a.txt'), 'file\n');
  te = await startEngine(`
http:
  servers:
    - name: web
      listen: 0
      routes:
        - path: /hello
          headers: { X-Team: blue, Cache-Control: no-store }
          respond: { body: hi, headers: { cache-control: max-age=5 } }
        - path: /files
          cors: https://app.example
          headers: { X-Team: green }
          static: { root: ${root} }
        - path: /events
          headers: { X-Team: red }
          sse: { channel: news }
`);
});
after(() => te.stop());

/** curl's view of one answer: status line and headers (lower-case names, in order). */
async function head(path: string, extra: string[] = []): Promise<{ status: number; headers: [string, string][] }> {
  const r = await run('curl', [
    '-sS',
    '-D',
    '-',
    '-o',
    '/dev/null',
    '--max-time',
    '1',
    ...extra,
    `${te.url('web')}${path}`,
  ]);
  const lines = r.stdout.split('\r\n').filter(Boolean);
  const status = Number(lines[0]!.split(' ')[1]);
  return {
    status,
    headers: lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  };
}

const all = (h: [string, string][], name: string) => h.filter(([n]) => n === name).map(([, v]) => v);

test('a respond route: the route headers and CORS once each; its own Cache-Control wins', async () => {
  const { status, headers } = await head('/hello');
  assert.equal(status, 200);
  assert.deepEqual(all(headers, 'access-control-allow-origin'), ['*']);
  assert.deepEqual(all(headers, 'x-team'), ['blue']);
  assert.deepEqual(all(headers, 'cache-control'), ['max-age=5']);
  const rec = te.engine.services.traffic.recent(10).find((r) => r.url === '/hello')!;
  const logged = responseHeadersOf(rec)!;
  assert.equal(logged['x-team'], 'blue');
  assert.equal(logged['access-control-allow-origin'], '*');
  // The table's content type is read from the headers as they went out.
  assert.equal(toSummary(rec).contentType, 'text/plain; charset=utf-8');
});

test('a static route: a file, a 404 and a 304 all carry the route headers', async () => {
  const file = await head('/files/a.txt');
  assert.equal(file.status, 200);
  assert.deepEqual(all(file.headers, 'access-control-allow-origin'), ['https://app.example']);
  assert.deepEqual(all(file.headers, 'x-team'), ['green']);
  const etag = all(file.headers, 'etag')[0];
  const missing = await head('/files/nope.txt');
  assert.equal(missing.status, 404);
  assert.deepEqual(all(missing.headers, 'x-team'), ['green']);
  assert.ok(etag, 'static files carry an ETag');
  const cached = await head('/files/a.txt', ['-H', `If-None-Match: ${etag}`]);
  assert.equal(cached.status, 304);
  assert.deepEqual(all(cached.headers, 'x-team'), ['green']);
  // The traffic table names each answer's content type as curl saw it.
  const rows = te.engine.services.traffic.recent(20).map((r) => toSummary(r));
  const typeOf = (url: string, status: number) => rows.find((r) => r.url === url && r.status === status)?.contentType;
  assert.equal(typeOf('/files/a.txt', 200), all(file.headers, 'content-type')[0]);
  assert.equal(typeOf('/files/nope.txt', 404), all(missing.headers, 'content-type')[0]);
  assert.match(typeOf('/files/a.txt', 200) ?? '', /^text\/plain/);
});

test('an SSE stream carries them from its first byte', async () => {
  const { status, headers } = await head('/events');
  assert.equal(status, 200);
  assert.match(all(headers, 'content-type')[0] ?? '', /^text\/event-stream/);
  assert.deepEqual(all(headers, 'x-team'), ['red']);
  assert.deepEqual(all(headers, 'access-control-allow-origin'), ['*']);
});
