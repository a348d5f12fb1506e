/**
 * The "why isn't it streaming?" rules, table-driven: each finding appears for
 * the stream that has the problem and not for the same stream fixed, and each
 * message names what to change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseStream, streamKind, type StreamFacts } from '../../core/telemetry/stream-diagnostics.js';
import { StreamTally } from '../../core/telemetry/stream-tally.js';

const GOOD_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' };

/** A tally of events at the given times (one chunk per distinct time), and optional sizes. */
function timing(times: number[], size = 20): StreamTally {
  const t = new StreamTally();
  let last = -1;
  for (const at of times) {
    if (at !== last) t.chunk(at, size + 8);
    last = at;
    t.event(at, size);
  }
  return t;
}

const steady = (n: number, every: number, from = every) => Array.from({ length: n }, (_, i) => from + i * every);

function facts(over: Partial<StreamFacts> = {}): StreamFacts {
  const timing_ = over.timing ?? timing(steady(10, 200));
  return {
    contentType: 'text/event-stream',
    headers: GOOD_HEADERS,
    timing: timing_,
    now: (timing_.lastChunkAt ?? 0) + 5,
    ended: true,
    ...over,
  };
}

const codes = (f: StreamFacts) => diagnoseStream(f).map((d) => d.code);

const CASES: { name: string; bad: Partial<StreamFacts>; fixed: Partial<StreamFacts>; code: string; names: RegExp }[] = [
  {
    name: 'everything in one burst at the end',
    code: 'buffering',
    names: /proxy_buffering off|X-Accel-Buffering: no/,
    bad: { timing: timing(Array(10).fill(2000)), now: 2003 },
    fixed: { timing: timing(steady(10, 200)), now: 2003 },
  },
  {
    name: 'events in clumps behind a filling buffer',
    code: 'clumped',
    names: /proxy_buffering off/,
    bad: {
      timing: timing([...Array(20).fill(1500), ...Array(20).fill(3000), ...Array(20).fill(4500)]),
      ended: false,
      now: 4600,
    },
    fixed: { timing: timing(steady(60, 75)), ended: false, now: 4600 },
  },
  {
    name: 'gzip on an event stream',
    code: 'compression',
    names: /gzip_types|gzip off/,
    bad: { headers: { ...GOOD_HEADERS, 'content-encoding': 'gzip' } },
    fixed: {},
  },
  {
    name: 'a Content-Length on a stream',
    code: 'content-length',
    names: /do not set Content-Length/,
    bad: { headers: { ...GOOD_HEADERS, 'content-length': '512' } },
    fixed: {},
  },
  {
    name: 'no Cache-Control',
    code: 'cache-control',
    names: /Cache-Control: no-cache, no-transform/,
    bad: { headers: { 'content-type': 'text/event-stream' } },
    fixed: { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } },
  },
  {
    name: 'a buffering proxy route, exported to nginx',
    code: 'export-buffering',
    names: /X-Accel-Buffering: no.*buffering: off/,
    bad: { proxy: { buffering: true } },
    fixed: { proxy: { buffering: true, accelBuffering: 'no' } },
  },
  {
    name: 'connection headers on HTTP/2',
    code: 'h2-connection-headers',
    names: /Stop sending `connection`/,
    bad: { http2: true, headers: { ...GOOD_HEADERS, connection: 'keep-alive' } },
    fixed: { http2: false, headers: { ...GOOD_HEADERS, connection: 'keep-alive' } },
  },
  {
    name: 'an event larger than line-buffered clients take',
    code: 'large-event',
    names: /64 KiB/,
    bad: { timing: timing(steady(3, 100), 200 * 1024) },
    fixed: { timing: timing(steady(3, 100), 60 * 1024) },
  },
  {
    name: 'no heartbeat for longer than proxy idle timeouts',
    code: 'heartbeat',
    names: /: ping|proxy_read_timeout/,
    bad: { timing: timing([100, 200]), ended: false, now: 75_000 },
    fixed: { timing: timing([100, 200, 20_000, 40_000, 60_000]), ended: false, now: 75_000 },
  },
  {
    name: 'invalid UTF-8',
    code: 'invalid-utf8',
    names: /UTF-8/,
    bad: { invalidUtf8At: 300 },
    fixed: {},
  },
];

for (const c of CASES) {
  test(`${c.name}: flagged as ${c.code}, not once fixed`, () => {
    const found = diagnoseStream(facts(c.bad));
    const d = found.find((x) => x.code === c.code);
    assert.ok(d, `${c.code} expected, got ${JSON.stringify(found.map((x) => x.code))}`);
    assert.match(d.message, c.names);
    assert.ok(!codes(facts(c.fixed)).includes(c.code as never), `fixed: ${JSON.stringify(codes(facts(c.fixed)))}`);
  });
}

test('a healthy stream has no findings; a stream that starts late and then flows is no burst', () => {
  assert.deepEqual(codes(facts()), []);
  assert.deepEqual(codes(facts({ timing: timing(steady(10, 100, 3000)), now: 4000 })), [], 'slow start, then steady');
  assert.deepEqual(
    codes(facts({ timing: timing(Array(5).fill(2000)), ended: false, now: 2100 })),
    [],
    'a burst on a stream still open is not judged',
  );
  assert.deepEqual(
    codes(facts({ timing: timing(Array(5).fill(100)), now: 110 })),
    [],
    'everything at once, but at once after the request',
  );
});

test('rules that concern streams stay quiet on other responses', () => {
  const page = facts({
    contentType: 'text/html',
    headers: { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': '10' },
  });
  assert.deepEqual(codes(page), []);
  assert.equal(streamKind('application/x-ndjson; charset=utf-8'), 'lines');
  assert.equal(streamKind('text/event-stream;charset=UTF-8'), 'sse');
  const ndjson = facts({ contentType: 'application/x-ndjson', headers: { 'content-encoding': 'br' } });
  assert.deepEqual(
    codes(ndjson),
    ['compression'],
    'compression holds lines back too; Cache-Control is an event-stream rule',
  );
  assert.deepEqual(codes(facts({ contentType: 'application/x-ndjson', headers: {}, proxy: { buffering: true } })), [
    'proxy-buffering',
  ]);
});

test('the tally counts the silence still running on an open stream, and clumps by arrival', () => {
  const t = new StreamTally();
  t.chunk(100, 10);
  t.event(100, 3);
  t.event(100, 3);
  t.chunk(5000, 10);
  t.event(5000, 9);
  assert.equal(t.maxGapMs, 4900);
  assert.equal(t.clumps, 2);
  assert.equal(t.clumpGapsMs, 4900);
  assert.equal(t.maxEventSize, 9);
  assert.equal(t.silenceAt(70_000), 65_000);
});

test('an observer that joined mid-stream judges no burst and counts no silence from before it joined', () => {
  const late = new StreamTally(120_000);
  late.chunk(120_010, 30);
  for (let i = 0; i < 5; i++) late.event(120_010, 20);
  assert.deepEqual(
    codes(facts({ timing: late, partial: true, now: 120_020 })),
    [],
    'neither a buffering burst nor a 2-minute silence',
  );
  const quiet = new StreamTally();
  assert.deepEqual(
    codes(facts({ timing: quiet, ended: false, now: 65_000 })),
    ['heartbeat'],
    'headers, then no byte for 65 s',
  );
});
