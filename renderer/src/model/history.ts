/**
 * Telemetry history as columns: one Float64Array per (scope, metric) plus the
 * tick times, in a ring sized for the longest time range the dashboard shows
 * (15 min at 4 ticks/s). A tick writes one slot of every column; nothing is
 * allocated per tick once a scope has its columns, so 30 listeners × 15 min
 * stay a few MB and a chart reads its window without building row objects.
 */
import type { ScopeSample } from '../../../core/api/index.js';

/** The charted metrics of a scope. */
export const METRICS = ['active', 'requests', 'bytesIn', 'bytesOut', 'events'] as const;
/** One charted metric. */
export type Metric = (typeof METRICS)[number];

/** Scope key of the all-listeners total (parentheses cannot appear in a listener name). */
export const TOTAL = '(total)';

/** Longest window kept: 15 min of 250 ms ticks. */
export const HISTORY_CAPACITY = 3600;

function valueOf(s: ScopeSample, m: Metric): number {
  switch (m) {
    case 'active':
      return s.active;
    case 'requests':
      return s.requestsPerSec;
    case 'bytesIn':
      return s.bytesInPerSec;
    case 'bytesOut':
      return s.bytesOutPerSec;
    case 'events':
      return s.eventsPerSec;
  }
}

/** A fixed-capacity ring of ticks; index 0 is the oldest point kept. */
export class TelemetryHistory {
  private readonly times: Float64Array;
  private readonly columns = new Map<string, Float64Array[]>();
  private head = 0;
  private count = 0;

  constructor(readonly capacity = HISTORY_CAPACITY) {
    this.times = new Float64Array(capacity);
  }

  /** Points kept. */
  get length(): number {
    return this.count;
  }

  /** Appends one tick: `scopes` by key (TOTAL and listener names); a known scope missing from it reads 0. */
  push(t: number, scopes: ReadonlyMap<string, ScopeSample>): void {
    const slot = this.head;
    this.times[slot] = t;
    for (const [key, cols] of this.columns) {
      const s = scopes.get(key);
      for (let m = 0; m < METRICS.length; m++) cols[m]![slot] = s ? valueOf(s, METRICS[m]!) : 0;
    }
    for (const [key, s] of scopes) {
      if (this.columns.has(key)) continue;
      // Zero-filled: the scope read 0 before it appeared.
      const cols = METRICS.map((m) => {
        const col = new Float64Array(this.capacity);
        col[slot] = valueOf(s, m);
        return col;
      });
      this.columns.set(key, cols);
    }
    this.head = (slot + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  private slot(i: number): number {
    return (this.head - this.count + i + this.capacity) % this.capacity;
  }

  /** Time of the i-th oldest point. */
  time(i: number): number {
    return this.times[this.slot(i)]!;
  }

  /** Value of `metric` for scope `key` at the i-th oldest point (0 for an unknown scope). */
  value(key: string, metric: Metric, i: number): number {
    const cols = this.columns.get(key);
    return cols ? cols[METRICS.indexOf(metric)]![this.slot(i)]! : 0;
  }

  /** A reader of one column by point index, for tight loops (`undefined` for an unknown scope). */
  reader(key: string, metric: Metric): ((i: number) => number) | undefined {
    const col = this.columns.get(key)?.[METRICS.indexOf(metric)];
    if (!col) return undefined;
    const cap = this.capacity;
    const start = this.head - this.count + cap;
    return (i) => col[(start + i) % cap]!;
  }

  /** Index of the first point at or after time `t` (length when none). */
  firstAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.time(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Time of the newest point (NaN when empty). */
  get lastTime(): number {
    return this.count === 0 ? NaN : this.time(this.count - 1);
  }
}
