/**
 * The telemetry store: one update per tick (STYLE 9). A tick is reduced into
 * fixed-size ring buffers of chart points — total plus per listener — and per
 * limit (achieved vs target), so charts never hold more than 60 s of points.
 */
import { createStore } from 'zustand/vanilla';
import type { LimitSample, ScopeSample, TelemetryTick } from '../../../core/api/index.js';
import { HISTORY_POINTS, pushRing } from './ring.js';

/** The four charted rates of one scope at one tick. */
export interface Rates {
  active: number;
  bytesIn: number;
  bytesOut: number;
  requests: number;
  events: number;
}

/** One chart point: time plus rates per scope (`total` and each listener name). */
export interface ChartPoint {
  t: number;
  scopes: Record<string, Rates>;
}

/** One point of a limit's history: achieved rate against the configured target. */
export interface LimitPoint {
  t: number;
  achieved: number;
  target: number;
  throttled: number;
}

/** What the dashboard and the tuner read. */
export interface TelemetryState {
  points: ChartPoint[];
  /** Listener names seen in the window, in first-seen order (chart series). */
  listeners: string[];
  limits: Record<string, LimitPoint[]>;
  /** Route throughput history (bytes/s out), for routes without a limit sample. */
  routes: Record<string, { t: number; bytesOut: number }[]>;
  last?: TelemetryTick;
  ticks: number;
}

/** The state before the first tick. */
export const emptyTelemetry = (): TelemetryState => ({ points: [], listeners: [], limits: {}, routes: {}, ticks: 0 });

function rates(s: ScopeSample): Rates {
  return {
    active: s.active,
    bytesIn: s.bytesInPerSec,
    bytesOut: s.bytesOutPerSec,
    requests: s.requestsPerSec,
    events: s.eventsPerSec,
  };
}

function reduceLimits(
  prev: TelemetryState['limits'],
  samples: LimitSample[],
  t: number,
  cap: number,
): TelemetryState['limits'] {
  const out: TelemetryState['limits'] = {};
  for (const l of samples)
    out[l.scope] = pushRing(
      prev[l.scope] ?? [],
      { t, achieved: l.achievedPerSec, target: l.rate, throttled: l.throttled },
      cap,
    );
  return out;
}

/** Folds one tick into the state (pure: returns a new state; old arrays are not mutated). */
export function reduceTick(state: TelemetryState, tick: TelemetryTick, cap = HISTORY_POINTS): TelemetryState {
  const scopes: Record<string, Rates> = { total: rates(tick.total) };
  for (const l of tick.listeners) scopes[l.name] = rates(l);
  const listeners = [...state.listeners];
  for (const l of tick.listeners) if (!listeners.includes(l.name)) listeners.push(l.name);
  const routes: TelemetryState['routes'] = {};
  for (const r of tick.routes)
    routes[r.name] = pushRing(state.routes[r.name] ?? [], { t: tick.t, bytesOut: r.bytesOutPerSec }, cap);
  return {
    points: pushRing(state.points, { t: tick.t, scopes }, cap),
    listeners,
    limits: reduceLimits(state.limits, tick.limits, tick.t, cap),
    routes,
    last: tick,
    ticks: state.ticks + 1,
  };
}

/** Creates the store; `push` is the one update per tick. */
export function createTelemetryStore() {
  return createStore<TelemetryState & { push(tick: TelemetryTick): void; reset(): void }>()((set) => ({
    ...emptyTelemetry(),
    push: (tick) => set((s) => reduceTick(s, tick)),
    reset: () => set(emptyTelemetry()),
  }));
}

/** Chart rows for one metric: `{ t, total, <listener>… }` (what recharts plots). */
export function seriesOf(points: ChartPoint[], metric: keyof Rates, names: string[]): Record<string, number>[] {
  return points.map((p) => {
    const row: Record<string, number> = { t: p.t, total: p.scopes.total?.[metric] ?? 0 };
    for (const n of names) row[n] = p.scopes[n]?.[metric] ?? 0;
    return row;
  });
}
