/**
 * The shared event-stream decoder (traffic capture and stream client): line
 * ends as browsers read them — a final CR completes an event at once —,
 * bounded lines and events, invalid UTF-8 noticed (a literal U+FFFD is not),
 * and the same for the line decoder of NDJSON / chunked text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseDecoder, type DecodedEvent } from '../../core/telemetry/sse-decoder.js';
import { Utf8Text } from '../../core/telemetry/utf8-text.js';
import { LineDecoder } from '../../core/client/line-decoder.js';
import { TrafficLog } from '../../core/telemetry/traffic-log.js';

function decoder(opts: { maxLine?: number; maxEvent?: number; midStream?: boolean } = {}) {
  const events: DecodedEvent[] = [];
  const retries: number[] = [];
  const d = new SseDecoder({
    maxLine: opts.maxLine ?? 1 << 20,
    maxEvent: opts.maxEvent ?? 1 << 20,
    midStream: opts.midStream,
    onEvent: (e) => events.push(e),
    onRetry: (ms) => retries.push(ms),
  });
  return { d, events, retries };
}

const bytes = (s: string) => Buffer.from(s, 'utf8');

test('a stream that ends right after a CR keeps its last event, as browsers do', () => {
  const { d, events } = decoder();
  d.feed(bytes('data: x\r'));
  d.feed(bytes('\r'));
  assert.deepEqual(
    events.map((e) => e.data),
    ['x'],
    'dispatched at the second CR, without waiting for another byte',
  );
  d.end();
  assert.deepEqual(
    events.map((e) => e.data),
    ['x'],
  );
});

test('an event ended by CR CR is dispatched at once, and an LF that follows is not a second blank line', () => {
  const { d, events } = decoder();
  d.feed(bytes('data: a\r\r'));
  assert.equal(events.length, 1, 'no waiting for a possible LF');
  d.feed(bytes('\ndata: b\n'));
  assert.equal(events.length, 1, 'the LF belonged to the CR: "b" is still open');
  d.feed(bytes('\n'));
  assert.deepEqual(
    events.map((e) => e.data),
    ['a', 'b'],
  );
});

test('CRLF split at every position decodes the same; the LF right after a completed CR belongs to it', () => {
  const text = 'id: 1\r\ndata: one\r\n\r\ndata: two\r\rdata: three\n\n';
  for (let cut = 0; cut <= text.length; cut++) {
    const { d, events } = decoder();
    d.feed(bytes(text.slice(0, cut)));
    d.feed(bytes(text.slice(cut)));
    d.end();
    assert.deepEqual(
      events.map((e) => e.data),
      ['one', 'two', 'three'],
      `cut at ${cut}`,
    );
  }
  const { d, events } = decoder();
  d.feed(bytes('data: p\r'));
  d.feed(bytes('\n'));
  d.feed(bytes('\n'));
  assert.deepEqual(
    events.map((e) => e.data),
    ['p'],
  );
});

test('an event without its blank line at the end of the stream is dropped, as browsers do', () => {
  const { d, events } = decoder();
  d.feed(bytes('data: done\n\ndata: half'));
  d.end();
  assert.deepEqual(
    events.map((e) => e.data),
    ['done'],
  );
});

test('a line past the limit stops decoding with a reason naming the limit; so does an event', () => {
  const line = decoder({ maxLine: 64 * 1024, maxEvent: 64 * 1024 });
  for (let i = 0; i < 20; i++) line.d.feed(Buffer.alloc(16 * 1024, 'x'.charCodeAt(0)));
  assert.equal(line.d.stopped?.kind, 'line');
  assert.match(line.d.stopped!.message, /line .* past 64 KiB without a line break/);
  const event = decoder({ maxLine: 64 * 1024, maxEvent: 64 * 1024 });
  for (let i = 0; i < 20; i++) event.d.feed(bytes(`data: ${'y'.repeat(8 * 1024)}\n`));
  assert.equal(event.d.stopped?.kind, 'event');
  assert.match(event.d.stopped!.message, /event's data grew past 64 KiB/);
  assert.equal(event.events.length, 0);
});

test('invalid UTF-8 is decoded as U+FFFD and noticed; a literal U+FFFD is not an error', () => {
  const bad = decoder();
  bad.d.feed(bytes('data: ok\n\n'));
  bad.d.feed(Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a, 0x0a]));
  assert.equal(bad.events[1]!.data, '\uFFFD\uFFFD');
  assert.equal(bad.d.invalidUtf8At, 10, 'the offset of the chunk that had it');
  const literal = decoder();
  const text = bytes('data: \uFFFD literal\n\n');
  literal.d.feed(text.subarray(0, 7)); // cuts the literal U+FFFD after its first byte
  literal.d.feed(text.subarray(7));
  assert.equal(literal.events[0]!.data, '\uFFFD literal');
  assert.equal(literal.d.invalidUtf8At, undefined);
  const cut = new Utf8Text();
  cut.decode(bytes('é').subarray(0, 1));
  assert.equal(cut.end(), '\uFFFD');
  assert.equal(cut.invalidAt, 1, 'a character cut by the end of the stream counts');
});

test('joining mid-stream skips the tail of the event in progress', () => {
  const { d, events } = decoder({ midStream: true });
  d.feed(bytes('ta: tail of an earlier event\n\ndata: whole\n\n'));
  assert.deepEqual(
    events.map((e) => e.data),
    ['whole'],
  );
});

test('the line decoder: LF, CRLF and CR end lines; the last line counts without a break; blank lines are skipped', () => {
  const lines: string[] = [];
  const d = new LineDecoder((l) => lines.push(l), 1024);
  d.feed(bytes('{"a":1}\r'));
  assert.deepEqual(lines, ['{"a":1}'], 'a CR ends the line at once');
  d.feed(bytes('\n{"b":2}\n\n{"c"'));
  d.feed(bytes(':3}'));
  d.end();
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
  const capped = new LineDecoder(() => {}, 1024);
  capped.feed(Buffer.alloc(2048, 0x61));
  assert.match(capped.stopped?.message ?? '', /past 1 KiB without a line break/);
});

test('the traffic capture dispatches an event completed by the final CR when the exchange ends', () => {
  const log = new TrafficLog();
  const rec = log.begin({
    listener: 'a',
    method: 'POST',
    url: '/s',
    client: '127.0.0.1',
    startedAt: 0,
    requestHeaders: {},
  });
  rec.kind = 'proxy';
  rec.contentType = 'text/event-stream';
  for (const piece of ['data: first\n\n', 'data: last\r', '\r']) {
    const b = bytes(piece);
    rec.bytesOut += b.length;
    log.capture(rec, b, 5);
  }
  rec.outcome = 'complete';
  rec.durationMs = 6;
  log.changed(rec);
  assert.deepEqual(
    rec.events.map((e) => e.data),
    ['first', 'last'],
  );
});

test('the traffic capture decompresses a gzip event stream and times each event by the chunk that carried it', async () => {
  const { createGzip, constants } = await import('node:zlib');
  const log = new TrafficLog();
  const rec = log.begin({
    listener: 'a',
    method: 'GET',
    url: '/z',
    client: '127.0.0.1',
    startedAt: 0,
    requestHeaders: {},
  });
  rec.kind = 'proxy';
  rec.contentType = 'text/event-stream';
  rec.responseHeaders = { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' };
  const z = createGzip();
  const pieces: Buffer[] = [];
  z.on('data', (b: Buffer) => pieces.push(b));
  const flushed = async (text: string) => {
    z.write(text);
    await new Promise<void>((r) => z.flush(constants.Z_SYNC_FLUSH, () => r()));
    const out = Buffer.concat(pieces.splice(0));
    return out;
  };
  const first = await flushed('data: one\n\n');
  const second = await flushed('data: two\n\n');
  for (const [piece, at] of [
    [first, 10],
    [second, 500],
  ] as const) {
    rec.bytesOut += piece.length;
    log.capture(rec, piece, at);
  }
  rec.outcome = 'complete';
  rec.durationMs = 510;
  log.changed(rec);
  for (let i = 0; i < 50 && rec.events.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(
    rec.events.map((e) => [e.t, e.data]),
    [
      [10, 'one'],
      [500, 'two'],
    ],
  );
  assert.equal(rec.stream?.invalidUtf8At, undefined, 'the compressed bytes are not taken for text');
});
