/**
 * How the dashboard's charts are viewed, shared by all of them: the time
 * range (1, 5 or 15 min, all kept by the history ring), paused or live, and
 * which series the legend has hidden.
 */
import { createStore } from 'zustand/vanilla';

/** The time ranges a user can pick. */
export const RANGES = [
  { id: '1m', ms: 60_000, label: '1 min' },
  { id: '5m', ms: 300_000, label: '5 min' },
  { id: '15m', ms: 900_000, label: '15 min' },
] as const;

/** The charts' view state. */
export interface ChartViewState {
  rangeMs: number;
  /** Wall time the window is frozen at, while paused. */
  pausedAt?: number;
  /** Series keys the legend has switched off. */
  hidden: ReadonlySet<string>;
}

/** Creates the store. */
export function createChartViewStore() {
  return createStore<
    ChartViewState & {
      setRange(ms: number): void;
      /** Pauses at `end` (the newest tick's time), or resumes when paused. */
      togglePause(end: number): void;
      toggle(key: string): void;
    }
  >()((set) => ({
    rangeMs: RANGES[0].ms,
    hidden: new Set(),
    setRange: (rangeMs) => set({ rangeMs }),
    togglePause: (end) => set((s) => ({ pausedAt: s.pausedAt === undefined && end > 0 ? end : undefined })),
    toggle: (key) =>
      set((s) => {
        const hidden = new Set(s.hidden);
        if (!hidden.delete(key)) hidden.add(key);
        return { hidden };
      }),
  }));
}
