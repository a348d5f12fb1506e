/** The traffic table's items: filter, open-only, grouping of repeated short requests with count and rate, keyboard moves, HAR export ids. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeSummary } from '../../core/api/index.js';
import {
  groupRate,
  groupRows,
  itemId,
  nextIndex,
  tableItems,
  type GroupItem,
} from '../../renderer/src/model/traffic-table.js';

function row(id: number, extra: Partial<ExchangeSummary> = {}): ExchangeSummary {
  return {
    id,
    listener: 'svc01',
    route: '/health',
    method: 'GET',
    url: '/health',
    client: '127.0.0.1',
    status: 200,
    bytesIn: 0,
    bytesOut: 2,
    startedAt: 1000 + id * 10,
    durationMs: 1,
    outcome: 'complete',
    events: 0,
    ...extra,
  };
}

const stream = (id: number) =>
  row(id, {
    route: '/events',
    url: `/events?c=${id}`,
    outcome: 'open',
    status: 200,
    kind: 'sse',
    durationMs: undefined,
  });

test('open-only lists exactly the open exchanges; the filter matches every word', () => {
  const rows = [row(9), stream(8), row(7, { status: 503 }), stream(6)];
  assert.deepEqual(tableItems(rows, { filter: '', openOnly: true, grouped: false }).map(itemId), [8, 6]);
  assert.deepEqual(tableItems(rows, { filter: '503', openOnly: false, grouped: false }).map(itemId), [7]);
  assert.deepEqual(tableItems(rows, { filter: 'events sse', openOnly: true, grouped: true }).map(itemId), [8, 6]);
  assert.equal(tableItems(rows, { filter: '', openOnly: false, grouped: false }).length, 4);
});

test('grouping: same listener, method, route and status collapse into one item at the newest; streams and singles stay rows', () => {
  const rows = [
    row(20),
    stream(19),
    row(18, { status: 503 }),
    row(17),
    row(16, { listener: 'svc02' }),
    row(15),
    stream(14),
    row(13, { status: 503 }),
    row(12, { url: '/health?x=1' }),
  ];
  const items = groupRows(rows);
  assert.deepEqual(
    items.map((it) => (it.kind === 'group' ? `group ${it.latest.id}×${it.count}` : `row ${it.row.id}`)),
    ['group 20×4', 'row 19', 'group 18×2', 'row 16', 'row 14'],
  );
  const g = items[0] as GroupItem;
  assert.deepEqual(g.ids, [20, 17, 15, 12]);
  assert.equal(g.bytesOut, 8);
  assert.equal(g.firstAt, row(12).startedAt);
  assert.equal(g.routeShare, 4 / 6, 'four of the six listed svc01 /health requests');
});

test("a group's rate: the route's telemetry split by status share, or its members over their span", () => {
  const [g] = groupRows([row(30), row(20), row(10)]) as GroupItem[];
  assert.equal(groupRate(g!, 9000), 9000);
  assert.equal(groupRate(g!, undefined), 2 / 0.2, 'three requests 200 ms apart from first to last');
  const [ok, err] = groupRows([row(4), row(3, { status: 503 }), row(2), row(1, { status: 503 })]) as GroupItem[];
  assert.equal(groupRate(ok!, 1000), 500);
  assert.equal(groupRate(err!, 1000), 500);
});

test('keyboard: arrows step, pages jump, Home/End go to the ends; other keys do nothing', () => {
  assert.equal(nextIndex('ArrowDown', -1, 10, 5), 0);
  assert.equal(nextIndex('ArrowDown', 3, 10, 5), 4);
  assert.equal(nextIndex('ArrowDown', 9, 10, 5), 9);
  assert.equal(nextIndex('ArrowUp', 0, 10, 5), 0);
  assert.equal(nextIndex('PageDown', 3, 10, 5), 8);
  assert.equal(nextIndex('PageUp', 3, 10, 5), 0);
  assert.equal(nextIndex('End', 3, 10, 5), 9);
  assert.equal(nextIndex('Home', 3, 10, 5), 0);
  assert.equal(nextIndex('a', 3, 10, 5), undefined);
  assert.equal(nextIndex('ArrowDown', -1, 0, 5), undefined);
});
