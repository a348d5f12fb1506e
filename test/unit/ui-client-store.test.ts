/**
 * The Client view's store: the form becomes a request (or a clear message),
 * a tick's batch becomes rows with each reconnect before the first event of
 * its connection, the table keeps a bounded number of rows, and batches of
 * other sessions are ignored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendRows,
  createClientStore,
  EMPTY_FORM,
  requestOf,
  rowsOf,
  type ClientRow,
} from '../../renderer/src/model/client-session.js';
import type { ClientBatch, ClientEvent, ClientSummary } from '../../core/api/client.js';

const ev = (n: number, conn = 1): ClientEvent => ({
  n,
  t: n * 100,
  gap: 100,
  conn,
  data: `d${n}`,
  size: 2,
  id: String(n),
  event: 'message',
});
const summary = (events: number): ClientSummary => ({
  state: 'open',
  events,
  connections: 1,
  reconnects: 0,
  bytes: 0,
  durationMs: 0,
  diagnostics: [],
  ids: { gaps: [], missing: 0, duplicates: [], duplicateCount: 0, behind: 0 },
});

test('the form becomes a request; a bad form says what is wrong', () => {
  assert.deepEqual(requestOf({ ...EMPTY_FORM, url: 'ftp://x' }), {
    ok: false,
    message: 'enter an http:// or https:// URL',
  });
  assert.deepEqual(requestOf({ ...EMPTY_FORM, url: 'http://h/x', headers: 'nocolon' }), {
    ok: false,
    message: 'headers are "Name: value" lines, not "nocolon"',
  });
  assert.deepEqual(requestOf({ ...EMPTY_FORM, url: 'http://h/x', reconnect: '-1' }), {
    ok: false,
    message: 'reconnects must be a whole number ≥ 0',
  });
  const post = requestOf({
    ...EMPTY_FORM,
    url: ' http://h/v1 ',
    method: 'POST',
    body: '{"stream":true}',
    headers: 'A: 1\n\nB: two: parts',
    maxEvents: '5',
    insecure: true,
  });
  assert.deepEqual(post, {
    ok: true,
    request: {
      url: 'http://h/v1',
      method: 'POST',
      headers: [
        ['A', '1'],
        ['B', 'two: parts'],
      ],
      body: '{"stream":true}',
      maxEvents: 5,
      insecure: true,
    },
  });
  const get = requestOf({ ...EMPTY_FORM, url: 'http://h/e', body: 'ignored for GET' });
  assert.ok(get.ok && get.request.body === undefined);
});

test('a reconnect is placed before the first event of its connection', () => {
  const rows = rowsOf([ev(1), ev(2), ev(3, 2)], [{ t: 250, conn: 2, afterMs: 50, lastEventId: '2', reason: 'cut' }]);
  assert.deepEqual(
    rows.map((r) => (r.kind === 'event' ? r.e.n : 'R')),
    [1, 2, 'R', 3],
  );
  assert.deepEqual(
    rowsOf([ev(1)], [{ t: 300, conn: 2, afterMs: 50, reason: 'cut' }]).map((r) => r.kind),
    ['event', 'reconnect'],
    'a reconnect with no event yet comes last',
  );
});

test('the table keeps the newest rows up to its cap and counts what it let go', () => {
  const many: ClientRow[] = Array.from({ length: 8 }, (_, i) => ({ kind: 'event', e: ev(i + 1) }));
  const r = appendRows(many.slice(0, 5), many.slice(5), 6);
  assert.equal(r.dropped, 2);
  assert.deepEqual(
    r.rows.map((x) => (x.kind === 'event' ? x.e.n : 0)),
    [3, 4, 5, 6, 7, 8],
  );
});

test("the store merges its own session's batches only, one update per batch", () => {
  const store = createClientStore();
  store.getState().begin(7);
  let updates = 0;
  store.subscribe(() => updates++);
  const batch = (id: number, events: ClientEvent[]): ClientBatch => ({
    id,
    summary: summary(events.length),
    events,
    reconnects: [],
    connections: [{ conn: 1, t: 0, events: events.length, bytes: 0, status: 200 }],
  });
  store.getState().apply([batch(3, [ev(1)]), batch(7, [ev(1), ev(2)])]);
  store.getState().apply([batch(7, [ev(3)]), batch(9, [ev(1)])]);
  assert.equal(updates, 2);
  assert.deepEqual(
    store.getState().rows.map((r) => (r.kind === 'event' ? r.e.n : 0)),
    [1, 2, 3],
  );
  assert.equal(store.getState().connections.length, 1);
  store.getState().begin(8);
  assert.deepEqual(store.getState().rows, []);
});
