import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrafficLog } from '../../core/telemetry/traffic-log.js';
import { CAPTURE_LIMITS, type ExchangeRecord } from '../../core/telemetry/exchange-record.js';
import { startEngine } from '../helpers/engine.js';

const STREAM = Buffer.concat([
  Buffer.from([0xef, 0xbb, 0xbf]), // BOM
  Buffer.from(
    ': a comment\n' +
      'retry: 3000\n' +
      'id: 1\nevent: greet\ndata: héllo wörld 🎉\n\n' +
      'data: line1\r\ndata: line2\r\n\r\n' +
      'event: cr\rdata: cr-only\r\r' +
      'data:no-space\nid: 7\n\n' +
      ': heartbeat\n\n' +
      'event: nodata\n\n' +
      'data\n\n',
  ),
]);

const EXPECTED = [
  { event: 'greet', data: 'héllo wörld 🎉', id: '1', retry: 3000 },
  { data: 'line1\nline2' },
  { event: 'cr', data: 'cr-only' },
  { data: 'no-space', id: '7' },
  { data: '' },
];

function record(log: TrafficLog, kind = 'proxy', contentType = 'text/event-stream; charset=utf-8'): ExchangeRecord {
  const rec = log.begin({
    listener: 'a',
    method: 'GET',
    url: '/s',
    client: '127.0.0.1',
    startedAt: 0,
    requestHeaders: {},
  });
  rec.kind = kind;
  rec.contentType = contentType;
  return rec;
}

/** Feeds `bytes` cut at `cuts` (sorted offsets) the way the listener does: bytesOut first, then capture. */
function feed(log: TrafficLog, rec: ExchangeRecord, bytes: Buffer, cuts: number[]): void {
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    const piece = bytes.subarray(prev, c);
    prev = c;
    if (piece.length === 0) continue;
    rec.bytesOut += piece.length;
    log.capture(rec, piece, 10);
  }
}

function decoded(rec: ExchangeRecord) {
  return rec.events.map(({ t: _t, ...e }) => e);
}

test('decodes SSE identically for every single split point (BOM, CR, LF, CRLF, comments, UTF-8)', () => {
  for (let cut = 0; cut <= STREAM.length; cut++) {
    const log = new TrafficLog();
    const rec = record(log);
    feed(log, rec, STREAM, [cut]);
    assert.deepEqual(decoded(rec), EXPECTED, `split at byte ${cut}`);
  }
});

test('decodes identically byte by byte and for 300 random partitions', () => {
  const log = new TrafficLog();
  const rec = record(log);
  feed(
    log,
    rec,
    STREAM,
    Array.from({ length: STREAM.length }, (_, i) => i),
  );
  assert.deepEqual(decoded(rec), EXPECTED, 'byte by byte');
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 300; round++) {
    const cuts = [
      ...new Set(Array.from({ length: 1 + Math.floor(rand() * 20) }, () => Math.floor(rand() * STREAM.length))),
    ].sort((a, b) => a - b);
    const l = new TrafficLog();
    const r = record(l);
    feed(l, r, STREAM, cuts);
    assert.deepEqual(decoded(r), EXPECTED, `cuts ${cuts.join(',')}`);
  }
});

test('own SSE routes and non-SSE responses are not decoded; chunks are still timed', () => {
  const log = new TrafficLog();
  const own = record(log, 'sse');
  feed(log, own, STREAM, []);
  assert.equal(own.events.length, 0);
  assert.equal(own.chunks.length, 1);
  const text = record(log, 'proxy', 'text/plain');
  feed(log, text, STREAM, [5]);
  assert.equal(text.events.length, 0);
  assert.deepEqual(
    text.chunks.map((c) => c.bytes),
    [5, STREAM.length - 5],
  );
});

test('observation starting mid-stream drops the partial first event', () => {
  const log = new TrafficLog();
  const rec = record(log);
  rec.bytesOut = 1000; // bytes went out before anyone watched
  feed(log, rec, Buffer.from('ta: tail of an event\n\ndata: whole\n\n'), []);
  assert.deepEqual(decoded(rec), [{ data: 'whole' }]);
  const crlf = Buffer.from('tail\r\ndata: more tail\r\n\r\ndata: whole\r\n\r\n');
  for (let cut = 0; cut <= crlf.length; cut++) {
    const l = new TrafficLog();
    const r = record(l);
    r.bytesOut = 1000;
    feed(l, r, crlf, [cut]);
    assert.deepEqual(decoded(r), [{ data: 'whole' }], `split at ${cut}`);
  }
});

test('capture is capped: event data, event count, and an endless unterminated line', () => {
  const log = new TrafficLog();
  const big = record(log);
  feed(log, big, Buffer.from(`data: ${'x'.repeat(CAPTURE_LIMITS.eventData + 100)}\n\n`), []);
  assert.equal(big.events[0]!.data.length, CAPTURE_LIMITS.eventData + 1);
  assert.ok(big.events[0]!.data.endsWith('…'));

  const many = record(log);
  feed(log, many, Buffer.from('data: e\n\n'.repeat(CAPTURE_LIMITS.events + 500)), []);
  assert.equal(many.events.length, CAPTURE_LIMITS.events);

  const endless = record(log);
  const line = Buffer.from('data: ' + 'y'.repeat(1024));
  for (let i = 0; i < 1000; i++) {
    endless.bytesOut += line.length;
    log.capture(endless, i === 0 ? line : line.subarray(6), 1);
  }
  log.capture(endless, Buffer.from('\n\ndata: after\n\n'), 1);
  assert.equal(endless.events.length, 0, 'a 1 MiB unterminated event is given up on, not buffered');
  assert.ok(endless.chunks.length <= CAPTURE_LIMITS.chunks);
});

test('through a real listener: a text/event-stream response is decoded only while observed', async () => {
  const t = await startEngine(`version: 1
http:
  servers:
    - name: mock
      listen: 127.0.0.1:0
      routes:
        - path: /fake-sse
          respond: { status: 200, content_type: text/event-stream, body: "event: a\\ndata: one\\n\\ndata: two\\n\\n" }
`);
  try {
    const traffic = t.engine.services.traffic;
    await (await fetch(`${t.url('mock')}/fake-sse`)).text();
    const release = traffic.observe();
    const body = await (await fetch(`${t.url('mock')}/fake-sse`)).text();
    release();
    assert.equal(body, 'event: a\ndata: one\n\ndata: two\n\n');
    const [watched, unwatched] = traffic.recent(2);
    assert.equal(unwatched!.events.length, 0, 'not observed: nothing decoded');
    assert.equal(watched!.contentType, 'text/event-stream');
    assert.deepEqual(decoded(watched!), [{ event: 'a', data: 'one' }, { data: 'two' }]);
  } finally {
    await t.stop();
  }
});
