/**
 * `Range: bytes=…` against a known size, as data: what a resuming download
 * manager or a video player sends, and what the answer's Content-Range says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentRange, parseRange, type RangeResult } from '../../core/http/ranges.js';

const range = (start: number, end: number): RangeResult => ({ kind: 'range', range: { start, end } });
const NONE: RangeResult = { kind: 'none' };
const UNSATISFIABLE: RangeResult = { kind: 'unsatisfiable' };

/** Range header → meaning, for a 1000-byte body. */
const RANGES: [string | undefined, RangeResult][] = [
  [undefined, NONE],
  ['', NONE],
  ['bytes=0-99', range(0, 99)],
  ['bytes=10-99', range(10, 99)],
  ['bytes=5-5', range(5, 5)],
  ['bytes=500-', range(500, 999)],
  ['bytes=999-', range(999, 999)],
  ['bytes=-100', range(900, 999)],
  ['bytes=-1', range(999, 999)],
  ['bytes=-999', range(1, 999)],
  ['bytes=-1000', range(0, 999)],
  ['bytes=-5000', range(0, 999)],
  // The end clamps to the last byte: exactly the last index, one past it (= the size), two past it.
  ['bytes=0-999', range(0, 999)],
  ['bytes=0-1000', range(0, 999)],
  ['bytes=0-1001', range(0, 999)],
  ['bytes=990-5000', range(990, 999)],
  ['bytes=1000-', UNSATISFIABLE],
  ['bytes=1000-1000', UNSATISFIABLE],
  ['bytes=5000-6000', UNSATISFIABLE],
  ['bytes=-0', UNSATISFIABLE],
  ['bytes=5-2', NONE],
  ['bytes=0-1,4-5', NONE],
  ['items=0-1', NONE],
  ['xbytes=0-1', NONE],
  ['bytes=0-1x', NONE],
  ['bytes=a-1', NONE],
  ['bytes=-', NONE],
  ['bytes=', NONE],
  ['BYTES=0-1', range(0, 1)],
  [' bytes = 1 - 2 ', range(1, 2)],
  ['bytes\t=\t10\t-\t20\t', range(10, 20)],
];

for (const [header, want] of RANGES) {
  test(`Range ${JSON.stringify(header)} on 1000 bytes`, () => assert.deepEqual(parseRange(header, 1000), want));
}

test('a range of an empty body is unsatisfiable, whatever its form', () => {
  assert.deepEqual(parseRange('bytes=0-', 0), UNSATISFIABLE);
  assert.deepEqual(parseRange('bytes=0-0', 0), UNSATISFIABLE);
  assert.deepEqual(parseRange('bytes=-1', 0), UNSATISFIABLE);
});

test('a one-byte body: its only byte by index, suffix and an end past it', () => {
  assert.deepEqual(parseRange('bytes=0-0', 1), range(0, 0));
  assert.deepEqual(parseRange('bytes=-1', 1), range(0, 0));
  assert.deepEqual(parseRange('bytes=0-1', 1), range(0, 0));
  assert.deepEqual(parseRange('bytes=1-', 1), UNSATISFIABLE);
});

test('Content-Range names both inclusive ends and the full size', () => {
  assert.equal(contentRange({ start: 0, end: 9 }, 100), 'bytes 0-9/100');
  const r = parseRange('bytes=0-1000', 1000);
  assert.ok(r.kind === 'range');
  assert.equal(contentRange(r.range, 1000), 'bytes 0-999/1000', 'never claims a byte past the end');
});
