/** Chart data: series groups and colours, the time window, downsampling, stacking under the total, tooltip lookup, axes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScopeSample } from '../../core/api/index.js';
import {
  bucketFor,
  lineChart,
  nearestIndex,
  OTHERS,
  PALETTE_SIZE,
  seriesGroups,
  stackedChart,
} from '../../renderer/src/model/chart-data.js';
import { TelemetryHistory, TOTAL } from '../../renderer/src/model/history.js';
import { niceCeil, timeTickLabel, timeTicks, valueTicks } from '../../renderer/src/model/chart-axis.js';

const T0 = 1_700_000_000_000;

function sample(name: string, requests: number): ScopeSample {
  return {
    name,
    active: 1,
    requestsPerSec: requests,
    bytesInPerSec: 0,
    bytesOutPerSec: 0,
    eventsPerSec: 0,
    totals: { requests: 0, bytesIn: 0, bytesOut: 0, events: 0, errors: 0, drops: 0 },
  };
}

/** A history of `ticks` ticks 250 ms apart; listener i serves (i + 1) req/s, the total is their sum. */
function history(listeners: string[], ticks: number): TelemetryHistory {
  const h = new TelemetryHistory();
  for (let k = 0; k < ticks; k++) {
    const scopes = new Map<string, ScopeSample>(listeners.map((l, i) => [l, sample(l, i + 1)]));
    scopes.set(
      TOTAL,
      sample(
        TOTAL,
        listeners.reduce((a, _, i) => a + i + 1, 0),
      ),
    );
    h.push(T0 + k * 250, scopes);
  }
  return h;
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `svc${i + 1}`);

test('up to 12 listeners each get their own colour; past 12, eleven keep theirs and the rest are "others"', () => {
  const ten = seriesGroups(names(10));
  assert.equal(new Set(ten.map((g) => g.colour)).size, 10);
  const twelve = seriesGroups(names(12));
  assert.equal(new Set(twelve.map((g) => g.colour)).size, 12);
  assert.equal(PALETTE_SIZE, 12);
  const thirty = seriesGroups(names(30));
  assert.equal(thirty.length, 12);
  assert.equal(new Set(thirty.map((g) => g.colour)).size, 12, 'no colour repeats');
  assert.deepEqual(
    thirty.slice(0, 11).map((g) => g.key),
    names(11),
    'first-seen order keeps colours put',
  );
  assert.equal(thirty[11]!.key, OTHERS);
  assert.deepEqual(thirty[11]!.members, names(30).slice(11));
  assert.equal(thirty[11]!.label, 'others (19)');
});

test('a 1-minute window keeps every tick; listeners stack in order and the total line sits on top', () => {
  const h = history(['a', 'b', 'c'], 400);
  const m = stackedChart(h, {
    metric: 'requests',
    groups: seriesGroups(['a', 'b', 'c']),
    hidden: new Set(),
    rangeMs: 60_000,
    maxPoints: 300,
  });
  assert.equal(m.end, T0 + 399 * 250);
  assert.equal(m.stepMs, 250);
  assert.ok(m.x.length >= 240 && m.x.length <= 246, `${m.x.length} points`);
  assert.equal(m.x.at(-1), 0);
  assert.ok(m.x[0]! >= -61_000);
  assert.deepEqual(
    m.stacks.map((l) => [l.key, l.values[5], l.lower[5], l.upper[5]]),
    [
      ['a', 1, 0, 1],
      ['b', 2, 1, 3],
      ['c', 3, 3, 6],
    ],
  );
  assert.deepEqual(
    m.lines.map((l) => [l.key, l.values[5]]),
    [[TOTAL, 6]],
  );
  assert.equal(m.max, 6);
});

test('hidden series leave the stack; the total line stays the true total until it is hidden itself', () => {
  const h = history(['a', 'b', 'c'], 100);
  const groups = seriesGroups(['a', 'b', 'c']);
  const m = stackedChart(h, { metric: 'requests', groups, hidden: new Set(['b']), rangeMs: 60_000, maxPoints: 300 });
  assert.deepEqual(
    m.stacks.map((l) => [l.key, l.upper[0]]),
    [
      ['a', 1],
      ['c', 4],
    ],
  );
  assert.equal(m.lines[0]!.values[0], 6);
  const noTotal = stackedChart(h, {
    metric: 'requests',
    groups,
    hidden: new Set([TOTAL, 'a']),
    rangeMs: 60_000,
    maxPoints: 300,
  });
  assert.deepEqual(noTotal.lines, []);
  assert.deepEqual(
    noTotal.stacks.map((l) => l.key),
    ['b', 'c'],
  );
  assert.equal(noTotal.max, 5);
});

test('15 minutes are downsampled to the chart width: bucket means on round bucket edges', () => {
  assert.equal(bucketFor(60_000, 300), 0);
  assert.equal(bucketFor(300_000, 300), 1000);
  assert.equal(bucketFor(900_000, 300), 3000);
  assert.equal(bucketFor(900_000, 100), 10_000);
  const h = history(['a'], 3600);
  const m = stackedChart(h, {
    metric: 'requests',
    groups: seriesGroups(['a']),
    hidden: new Set(),
    rangeMs: 900_000,
    maxPoints: 300,
  });
  assert.equal(m.stepMs, 3000);
  assert.ok(m.x.length <= 302, `${m.x.length} points for 300 px`);
  assert.ok(
    m.stacks[0]!.values.every((v) => v === 1),
    'a constant stays constant through bucketing',
  );
  assert.ok(
    m.x.every((x, i) => i === 0 || x > m.x[i - 1]!),
    'x increases',
  );
  assert.ok(m.x.every((x) => x <= 0 && x >= -903_000));
});

test('30 listeners: "others" is the sum of the listeners past the eleventh', () => {
  const h = history(names(30), 10);
  const m = stackedChart(h, {
    metric: 'requests',
    groups: seriesGroups(names(30)),
    hidden: new Set(),
    rangeMs: 60_000,
    maxPoints: 300,
  });
  const others = m.stacks.find((l) => l.key === OTHERS)!;
  assert.equal(
    others.values[0],
    Array.from({ length: 19 }, (_, i) => i + 12).reduce((a, b) => a + b, 0),
  );
  assert.equal(m.stacks.at(-1)!.upper[0], m.lines[0]!.values[0], 'the stack adds up to the total');
});

test('a paused window ends where it was paused; an empty history draws nothing', () => {
  const h = history(['a'], 400);
  const end = T0 + 200 * 250;
  const m = stackedChart(h, {
    metric: 'requests',
    groups: seriesGroups(['a']),
    hidden: new Set(),
    rangeMs: 60_000,
    end,
    maxPoints: 300,
  });
  assert.equal(m.end, end);
  assert.equal(m.x.at(-1), 0);
  const empty = stackedChart(new TelemetryHistory(), {
    metric: 'requests',
    groups: [],
    hidden: new Set(),
    rangeMs: 60_000,
    maxPoints: 300,
  });
  assert.deepEqual([empty.x, empty.stacks, empty.lines, empty.max], [[], [], [], 0]);
});

test('the tooltip finds the nearest point; the tuner line ends at its newest point', () => {
  const m = lineChart(
    [0, 250, 500, 750].map((dt, i) => ({ t: T0 + dt, value: i })),
    { key: 'achieved', label: 'achieved', colour: 'red' },
    60_000,
  );
  assert.deepEqual(m.x, [-750, -500, -250, 0]);
  assert.equal(nearestIndex(m, -260), 2);
  assert.equal(nearestIndex(m, -100_000), 0);
  assert.equal(nearestIndex(m, 5), 3);
  assert.equal(m.max, 3);
});

test('axes: round tops, value ticks, time ticks and labels with units for each range', () => {
  assert.equal(niceCeil(7300), 8000);
  assert.equal(niceCeil(1.5 * 1024 * 1024, true), 2 * 1024 * 1024);
  assert.equal(niceCeil(0), 4);
  assert.deepEqual(valueTicks(8), [0, 2, 4, 6, 8]);
  assert.deepEqual(
    timeTicks(60_000).map((t) => timeTickLabel(t, 60_000)),
    ['−60 s', '−50 s', '−40 s', '−30 s', '−20 s', '−10 s', 'now'],
  );
  assert.deepEqual(
    timeTicks(300_000).map((t) => timeTickLabel(t, 300_000)),
    ['−5 min', '−4 min', '−3 min', '−2 min', '−1 min', 'now'],
  );
  assert.deepEqual(
    timeTicks(900_000).map((t) => timeTickLabel(t, 900_000)),
    ['−15 min', '−12 min', '−9 min', '−6 min', '−3 min', 'now'],
  );
});
