/**
 * The UI's stores and their wiring to the API: one subscription per event,
 * one store update per telemetry tick, traffic rows merged in batches.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { AppView, LogLine } from '../../core/api/index.js';
import { api } from './api.js';
import { createTelemetryStore, type TelemetryState } from './model/telemetry.js';
import { createTrafficStore } from './model/traffic.js';
import { createConfigStore } from './model/config-doc.js';
import { createChartViewStore } from './model/chart-view.js';
import { pushRing } from './model/ring.js';
import { engineStateTracker } from './model/engine-state.js';

/** Telemetry history (one update per tick). */
export const telemetry = createTelemetryStore();
/** Traffic table rows. */
export const traffic = createTrafficStore();
/** The edited config document. */
export const configDoc = createConfigStore();
/** The dashboard charts' range, pause and hidden series. */
export const chartView = createChartViewStore();

/** One of the app's views (the list lives in core/api, shared with the app menu). */
export type View = AppView;

/**
 * App-wide UI state: current view, engine state, logs, a transient notice.
 * `running` is written only through the engine-state tracker in
 * `connectStores`.
 */
export const ui = createStore<{
  view: View;
  running: boolean;
  logs: LogLine[];
  notice?: { kind: 'ok' | 'error'; text: string; at: number };
  setView(v: View): void;
  notify(kind: 'ok' | 'error', text: string): void;
}>()((set) => ({
  view: 'dashboard',
  running: false,
  logs: [],
  setView: (view) => set({ view }),
  notify: (kind, text) => set({ notice: { kind, text, at: Date.now() } }),
}));

/** React hooks over the vanilla stores. */
export const useTelemetry = <T>(sel: (s: TelemetryState) => T) => useStore(telemetry, sel);
/** React hook over the traffic store. */
export const useTraffic = <T>(sel: (s: ReturnType<typeof traffic.getState>) => T) => useStore(traffic, sel);
/** React hook over the config store. */
export const useConfigDoc = <T>(sel: (s: ReturnType<typeof configDoc.getState>) => T) => useStore(configDoc, sel);
/** React hook over the charts' view state. */
export const useChartView = <T>(sel: (s: ReturnType<typeof chartView.getState>) => T) => useStore(chartView, sel);
/** React hook over the UI store. */
export const useUi = <T>(sel: (s: ReturnType<typeof ui.getState>) => T) => useStore(ui, sel);

/**
 * Rows read at connect and on resume: enough for the engine's whole log — its
 * recent ring (1000 by default) and the live streams it keeps beyond it.
 */
const SNAPSHOT_ROWS = 5000;

/** Loads the running config; subscribes to telemetry, engine state and log lines (traffic rows: see watchTraffic). */
export async function connectStores(): Promise<void> {
  api.on('telemetry', (tick) => telemetry.getState().push(tick));
  const engine = engineStateTracker(ui);
  api.on('state', engine.event);
  api.on('log', (line) => ui.setState((u) => ({ logs: pushRing(u.logs, line, 200) })));
  const cfg = await api.getConfig();
  configDoc.getState().load(cfg.text, cfg.file, cfg.running);
  engine.initial(cfg.running);
}

/**
 * Follows traffic while the Traffic view shows: pushed rows from now on, and a
 * snapshot of the engine's log that also settles rows that changed meanwhile.
 * Other views do not receive rows at all. Returns the function that stops.
 */
export function watchTraffic(): () => void {
  const off = api.on('traffic', (batch) => traffic.getState().add(batch));
  if (!traffic.getState().paused) void refreshTraffic();
  return off;
}

/** Re-reads the engine's whole log (on showing the table, after resuming it). */
export async function refreshTraffic(): Promise<void> {
  traffic.getState().sync(await api.getTraffic({ limit: SNAPSHOT_ROWS }));
}
