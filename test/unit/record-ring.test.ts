import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordRing } from '../../core/telemetry/record-ring.js';
import type { ExchangeRecord } from '../../core/telemetry/exchange-record.js';

const rec = (id: number) => ({ id }) as ExchangeRecord;
const ids = (rs: (ExchangeRecord | undefined)[]) => rs.map((r) => r?.id);

test('keeps the newest records in id order and hands back the one it lets go', () => {
  const ring = new RecordRing(3);
  assert.equal(ring.push(rec(1)), undefined);
  ring.push(rec(2));
  ring.push(rec(3));
  assert.equal(ring.push(rec(4))?.id, 1);
  assert.equal(ring.push(rec(5))?.id, 2);
  assert.equal(ring.length, 3);
  assert.deepEqual(ids(ring.from(0)), [3, 4, 5]);
  assert.deepEqual(ids(ring.from(2)), [5]);
  assert.deepEqual(ids([ring.at(0), ring.at(2), ring.at(3), ring.at(-1)]), [3, 5, undefined, undefined]);
  assert.deepEqual(ids(ring.newest(2)), [5, 4]);
  assert.deepEqual(ids(ring.newest(10)), [5, 4, 3]);
});

test('resizing keeps the newest that fit and returns the rest, oldest first', () => {
  const ring = new RecordRing(4);
  for (let i = 1; i <= 6; i++) ring.push(rec(i));
  assert.deepEqual(ids(ring.resize(2)), [3, 4]);
  assert.deepEqual(ids(ring.from(0)), [5, 6]);
  assert.deepEqual(ids(ring.resize(5)), []);
  ring.push(rec(7));
  assert.deepEqual(ids(ring.from(0)), [5, 6, 7]);
});

test('a ring of size 0 keeps nothing', () => {
  const ring = new RecordRing(0);
  assert.equal(ring.push(rec(1))?.id, 1);
  assert.equal(ring.length, 0);
  assert.deepEqual(ring.newest(5), []);
});
