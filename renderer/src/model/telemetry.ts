/**
 * The telemetry store: one update per tick. The dashboard's history is a
 * columnar ring (history.ts) written in place, and `version` counts ticks so
 * charts re-render exactly once per tick; the tuner's limit and route
 * histories are small rings of points. Ticks arrive every 250 ms whatever the
 * traffic, so the UI's work does not grow with the request rate.
 */
import { createStore } from 'zustand/vanilla';
import type { LimitSample, ScopeSample, TelemetryTick } from '../../../core/api/index.js';
import { TelemetryHistory, TOTAL } from './history.js';
import { HISTORY_POINTS, pushRing } from './ring.js';

/** One point of a limit's history: achieved rate against the configured target. */
export interface LimitPoint {
  t: number;
  achieved: number;
  target: number;
  throttled: number;
}

/** What the dashboard and the tuner read. */
export interface TelemetryState {
  /** Per-scope history of the charted metrics (mutated in place; `version` tells when). */
  history: TelemetryHistory;
  /** Ticks folded into `history`; a chart's data changes exactly when this does. */
  version: number;
  /** Listener names seen in the window, in first-seen order (chart series). */
  listeners: string[];
  /** Limit histories (the last 60 s), by LimitSample.scope. */
  limits: Record<string, LimitPoint[]>;
  /** Route throughput history (bytes/s out, the last 60 s), for routes without a limit sample. */
  routes: Record<string, { t: number; bytesOut: number }[]>;
  last?: TelemetryTick;
  ticks: number;
}

/** The state before the first tick. */
export const emptyTelemetry = (capacity?: number): TelemetryState => ({
  history: new TelemetryHistory(capacity),
  version: 0,
  listeners: [],
  limits: {},
  routes: {},
  ticks: 0,
});

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

/** Folds one tick into the state: the history ring is written in place, the rest is new objects. */
export function reduceTick(state: TelemetryState, tick: TelemetryTick, cap = HISTORY_POINTS): TelemetryState {
  const scopes = new Map<string, ScopeSample>([[TOTAL, tick.total]]);
  for (const l of tick.listeners) scopes.set(l.name, l);
  state.history.push(tick.t, scopes);
  let listeners = state.listeners;
  for (const l of tick.listeners) if (!listeners.includes(l.name)) listeners = [...listeners, l.name];
  const routes: TelemetryState['routes'] = {};
  for (const r of tick.routes)
    routes[r.name] = pushRing(state.routes[r.name] ?? [], { t: tick.t, bytesOut: r.bytesOutPerSec }, cap);
  return {
    history: state.history,
    version: state.version + 1,
    listeners,
    limits: reduceLimits(state.limits, tick.limits, tick.t, cap),
    routes,
    last: tick,
    ticks: state.ticks + 1,
  };
}

/** Creates the store; `push` is the one update per tick. */
export function createTelemetryStore(capacity?: number) {
  return createStore<TelemetryState & { push(tick: TelemetryTick): void; reset(): void }>()((set) => ({
    ...emptyTelemetry(capacity),
    push: (tick) => set((s) => reduceTick(s, tick)),
    reset: () => set(emptyTelemetry(capacity)),
  }));
}
