/** HAR export of exchanges: entries that devtools and HTTP Toolkit read, SSE events as Chrome's `_eventSourceMessages`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeDetail } from '../../core/api/index.js';
import { harHeaders, toHar, toHarEntry } from '../../core/api/index.js';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

function detail(extra: Partial<ExchangeDetail> = {}): ExchangeDetail {
  return {
    id: 7,
    listener: 'mock',
    route: '/events',
    kind: 'sse',
    method: 'GET',
    url: '/events?topic=a&topic=b&x=1',
    client: '127.0.0.1',
    status: 200,
    contentType: 'text/event-stream',
    bytesIn: 0,
    bytesOut: 120,
    startedAt: T0,
    ttfbMs: 3,
    durationMs: 1500,
    outcome: 'closed',
    events: 2,
    requestHeaders: { host: '127.0.0.1:8080', accept: 'text/event-stream', 'x-many': ['1', '2'] },
    responseHeaders: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-n': 3 },
    diagnostics: [],
    chunks: [
      { t: 3, bytes: 40 },
      { t: 503, bytes: 80 },
    ],
    sseEvents: [
      { t: 3, event: 'tick', data: '{"n": 1}', id: '1' },
      { t: 503, data: 'plain' },
    ],
    ...extra,
  };
}

test('an SSE exchange becomes a HAR entry with its events as _eventSourceMessages', () => {
  const e = toHarEntry(detail());
  assert.equal(e.startedDateTime, '2025-01-02T03:04:05.678Z');
  assert.equal(e.request.url, 'http://127.0.0.1:8080/events?topic=a&topic=b&x=1');
  assert.deepEqual(e.request.queryString, [
    { name: 'topic', value: 'a' },
    { name: 'topic', value: 'b' },
    { name: 'x', value: '1' },
  ]);
  assert.equal(e.request.httpVersion, 'HTTP/1.1');
  assert.deepEqual(
    e.request.headers.filter((h) => h.name === 'x-many'),
    [
      { name: 'x-many', value: '1' },
      { name: 'x-many', value: '2' },
    ],
  );
  assert.deepEqual(
    e.response.headers.find((h) => h.name === 'x-n'),
    { name: 'x-n', value: '3' },
  );
  assert.equal(e.response.status, 200);
  assert.equal(e.response.statusText, 'OK');
  assert.deepEqual(e.response.content, { size: 120, mimeType: 'text/event-stream' });
  assert.equal(e._resourceType, 'eventsource');
  assert.deepEqual(e._eventSourceMessages, [
    { time: (T0 + 3) / 1000, eventName: 'tick', eventId: '1', data: '{"n": 1}' },
    { time: (T0 + 503) / 1000, eventName: 'message', eventId: '', data: 'plain' },
  ]);
  assert.deepEqual(e.timings, { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: 3, receive: 1497 });
  const sum = Object.values(e.timings)
    .filter((t) => t > 0)
    .reduce((a, b) => a + b, 0);
  assert.equal(e.time, sum, 'time is the sum of the timings, as HAR says');
  assert.equal(e.comment, undefined);
  assert.equal(e._sluice.outcome, 'closed');
  assert.deepEqual(e._sluice.chunks, detail().chunks);
});

test('short requests carry no event list; proxied streams are recognised by their content type', () => {
  const health = toHarEntry(
    detail({ kind: 'respond', url: '/health', contentType: 'text/plain', sseEvents: [], chunks: [], status: 503 }),
  );
  assert.equal(health._eventSourceMessages, undefined);
  assert.equal(health._resourceType, 'other');
  assert.equal(health.response.statusText, 'Service Unavailable');
  assert.deepEqual(health.request.queryString, []);
  const proxied = toHarEntry(detail({ kind: 'proxy', contentType: 'text/event-stream; charset=utf-8', sseEvents: [] }));
  assert.deepEqual(proxied._eventSourceMessages, []);
  assert.equal(proxied._resourceType, 'eventsource');
});

test('an exchange still open: its time runs to the export, and it says so', () => {
  const e = toHarEntry(detail({ outcome: 'open', durationMs: undefined }), { now: T0 + 2000 });
  assert.equal(e.time, 2000);
  assert.equal(e.timings.receive, 1997);
  assert.equal(e.comment, 'still open when exported');
  const noNow = toHarEntry(detail({ outcome: 'open', durationMs: undefined }));
  assert.equal(noNow.time, 503, 'without an export time: up to the last event seen');
});

test('HTTP/2 requests keep their pseudo-headers and version; the scheme comes from the request', () => {
  const e = toHarEntry(
    detail({
      requestHeaders: { ':method': 'GET', ':scheme': 'https', ':authority': 'api.test:8443', ':path': '/events' },
    }),
  );
  assert.equal(e.request.url, 'https://api.test:8443/events?topic=a&topic=b&x=1');
  assert.equal(e.request.httpVersion, 'HTTP/2');
  assert.equal(harHeaders({ a: undefined, b: 'x' }).length, 1);
});

test('a HAR document: version 1.2, creator, entries oldest first, valid JSON', () => {
  const doc = toHar([detail({ id: 9, startedAt: T0 + 10 }), detail({ id: 8 })], { name: 'Sluice', version: '0.1.0' });
  const back = JSON.parse(JSON.stringify(doc)) as typeof doc;
  assert.equal(back.log.version, '1.2');
  assert.deepEqual(back.log.creator, { name: 'Sluice', version: '0.1.0' });
  assert.deepEqual(
    back.log.entries.map((e) => e._sluice.id),
    [8, 9],
  );
  assert.deepEqual(back.log.pages, []);
});
