/**
 * What a live chart draws, computed from the telemetry history: the window
 * ending at the newest tick, downsampled to about the chart's pixel width,
 * listeners as stacked areas (at most 12 series: past that, "others") with
 * the true total as a line on top. Pure functions of (history, options), so
 * a chart recomputes only when a tick or an option changes.
 *
 *   history ─▶ window [end − range, end] ─▶ buckets (mean per bucket) ─▶ stack ─▶ ChartModel
 */
import { TOTAL, type Metric, type TelemetryHistory } from './history.js';

/** Distinct series colours; more listeners than this share the "others" series. */
export const PALETTE_SIZE = 12;
/** Series key of listeners past the palette, summed. */
export const OTHERS = '(others)';

/** The colour of palette slot `i` (CSS custom properties, one set per light/dark theme). */
export const seriesColour = (i: number) => `var(--series-${i})`;
/** The total line's colour and the "others" colour. */
export const TOTAL_COLOUR = 'var(--series-total)';
export const OTHERS_COLOUR = 'var(--series-others)';

/** A chart series: key, label, colour and its value at each x. */
export interface ChartSeries {
  key: string;
  label: string;
  colour: string;
  values: number[];
}

/** A stacked layer: its series plus cumulative edges (lower = the layer below's upper). */
export interface StackLayer extends ChartSeries {
  lower: number[];
  upper: number[];
}

/** Everything a chart draws for one window. */
export interface ChartModel {
  /** x of each point: ms before the window's end (−rangeMs … 0). */
  x: number[];
  /** Wall time (epoch ms) of the window's end. */
  end: number;
  rangeMs: number;
  /** What one point stands for: a tick, or the bucket it averages when downsampled. */
  stepMs: number;
  stacks: StackLayer[];
  lines: ChartSeries[];
  /** Largest value drawn (stack top or line). */
  max: number;
}

/** A legend entry: one colour and the listeners it sums. */
export interface SeriesGroup {
  key: string;
  label: string;
  colour: string;
  members: string[];
}

/** The total as a legend entry. */
export const TOTAL_GROUP: SeriesGroup = { key: TOTAL, label: 'Total', colour: TOTAL_COLOUR, members: [TOTAL] };

/**
 * Listeners as series, in first-seen order so colours stay put: each its own
 * colour up to PALETTE_SIZE; with more, the first PALETTE_SIZE − 1 keep theirs
 * and the rest are summed as "others".
 */
export function seriesGroups(listeners: readonly string[]): SeriesGroup[] {
  if (listeners.length <= PALETTE_SIZE)
    return listeners.map((l, i) => ({ key: l, label: l, colour: seriesColour(i), members: [l] }));
  const own = listeners
    .slice(0, PALETTE_SIZE - 1)
    .map((l, i) => ({ key: l, label: l, colour: seriesColour(i), members: [l] }));
  const rest = listeners.slice(PALETTE_SIZE - 1);
  return [...own, { key: OTHERS, label: `others (${rest.length})`, colour: OTHERS_COLOUR, members: rest }];
}

/** Bucket sizes a downsampled window may use: round numbers, so bucket edges stay put as time moves. */
const BUCKETS = [500, 1000, 2000, 3000, 5000, 10_000, 15_000, 30_000, 60_000];

/** The bucket (ms) that keeps a window under `maxPoints` points; 0 keeps every tick. */
export function bucketFor(rangeMs: number, maxPoints: number, tickMs = 250): number {
  const per = rangeMs / Math.max(1, maxPoints);
  if (per <= tickMs) return 0;
  return BUCKETS.find((b) => b >= per) ?? Math.ceil(per / 60_000) * 60_000;
}

/** Options of a stacked chart. */
export interface StackedOptions {
  metric: Metric;
  groups: readonly SeriesGroup[];
  /** Keys not drawn (legend toggles); TOTAL hides the total line. */
  hidden: ReadonlySet<string>;
  rangeMs: number;
  /** Window end (epoch ms); default: the newest tick. */
  end?: number;
  /** About the plot's width in pixels / 2. */
  maxPoints: number;
}

/** Per-group readers summing the group's members at a point index. */
function groupReaders(
  history: TelemetryHistory,
  metric: Metric,
  groups: readonly SeriesGroup[],
): ((i: number) => number)[] {
  return groups.map((g) => {
    const readers = g.members.map((m) => history.reader(m, metric)).filter((r) => r !== undefined);
    if (readers.length === 1) return readers[0]!;
    return (i: number) => {
      let sum = 0;
      for (const r of readers) sum += r(i);
      return sum;
    };
  });
}

/** Samples the window: x per point and each reader's value there (bucket means when downsampled). */
function sampleWindow(
  history: TelemetryHistory,
  readers: ((i: number) => number)[],
  end: number,
  rangeMs: number,
  bucket: number,
): { x: number[]; values: number[][] } {
  const x: number[] = [];
  const values = readers.map(() => [] as number[]);
  const from = history.firstAtOrAfter(end - rangeMs - Math.max(bucket, 1000));
  const to = history.firstAtOrAfter(end + 1);
  if (bucket === 0) {
    for (let i = from; i < to; i++) {
      x.push(history.time(i) - end);
      for (let k = 0; k < readers.length; k++) values[k]!.push(readers[k]!(i));
    }
    return { x, values };
  }
  const sums = new Float64Array(readers.length);
  let n = 0;
  let current = NaN;
  let lastT = NaN;
  const flush = () => {
    if (n === 0) return;
    x.push(Math.min(current * bucket + bucket / 2, lastT) - end);
    for (let k = 0; k < readers.length; k++) values[k]!.push(sums[k]! / n);
    sums.fill(0);
    n = 0;
  };
  for (let i = from; i < to; i++) {
    const t = history.time(i);
    const b = Math.floor(t / bucket);
    if (b !== current) {
      flush();
      current = b;
    }
    for (let k = 0; k < readers.length; k++) sums[k] = sums[k]! + readers[k]!(i);
    n++;
    lastT = t;
  }
  flush();
  return { x, values };
}

/** Listeners stacked (visible groups, bottom first) with the total line over them. */
export function stackedChart(history: TelemetryHistory, o: StackedOptions): ChartModel {
  const end = o.end ?? history.lastTime;
  const bucket = bucketFor(o.rangeMs, o.maxPoints);
  const shown = o.groups.filter((g) => !o.hidden.has(g.key));
  const showTotal = !o.hidden.has(TOTAL);
  const readers = groupReaders(history, o.metric, shown);
  const total = history.reader(TOTAL, o.metric) ?? (() => 0);
  const empty: ChartModel = { x: [], end, rangeMs: o.rangeMs, stepMs: bucket || 250, stacks: [], lines: [], max: 0 };
  if (!(end > 0)) return empty;
  const { x, values } = sampleWindow(history, [...readers, total], end, o.rangeMs, bucket);
  let max = 0;
  let below = x.map(() => 0);
  const stacks = shown.map((g, k): StackLayer => {
    const v = values[k]!;
    const upper = v.map((y, j) => below[j]! + y);
    const layer = { key: g.key, label: g.label, colour: g.colour, values: v, lower: below, upper };
    below = upper;
    for (const y of upper) if (y > max) max = y;
    return layer;
  });
  const lines: ChartSeries[] = [];
  if (showTotal) {
    const v = values[values.length - 1]!;
    for (const y of v) if (y > max) max = y;
    lines.push({ key: TOTAL, label: TOTAL_GROUP.label, colour: TOTAL_COLOUR, values: v });
  }
  return { ...empty, x, stacks, lines, max };
}

/** A one-line chart over timed points (the tuner's achieved rate), the window ending at the newest point. */
export function lineChart(
  points: readonly { t: number; value: number }[],
  series: { key: string; label: string; colour: string },
  rangeMs: number,
): ChartModel {
  const end = points.length > 0 ? points[points.length - 1]!.t : NaN;
  const x: number[] = [];
  const values: number[] = [];
  let max = 0;
  for (const p of points) {
    if (p.t < end - rangeMs - 1000) continue;
    x.push(p.t - end);
    values.push(p.value);
    if (p.value > max) max = p.value;
  }
  return { x, end, rangeMs, stepMs: 250, stacks: [], lines: x.length ? [{ ...series, values }] : [], max };
}

/** Index of the point nearest to `xMs` (−1 when there is none). */
export function nearestIndex(model: ChartModel, xMs: number): number {
  const xs = model.x;
  if (xs.length === 0) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < xMs) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && Math.abs(xs[lo - 1]! - xMs) < Math.abs(xs[lo]! - xMs) ? lo - 1 : lo;
}
