/**
 * Counters → wire samples. Rates are deltas of monotonic totals over the
 * elapsed time; a scope that was recreated (totals went down) reads as 0/s
 * for one tick instead of a negative rate.
 */
import type { ScopeSample } from '../api/types.js';
import type { Scope } from './counters.js';

/** The totals a rate is computed from. */
export interface Totals {
  requests: number;
  bytesIn: number;
  bytesOut: number;
  events: number;
}

/** A copy of a scope's monotonic totals. */
export function totalsOf(s: Scope): Totals {
  const c = s.counters;
  return { requests: c.requests, bytesIn: c.bytesIn, bytesOut: c.bytesOut, events: c.events };
}

function rate(now: number, before: number | undefined, dtMs: number): number {
  if (before === undefined || dtMs <= 0) return 0;
  const d = now - before;
  return d > 0 ? (d * 1000) / dtMs : 0;
}

/** One scope as a sample; without `prev` (a plain stats read) every rate is 0. */
export function sampleOf(s: Scope, prev?: Totals, dtMs = 0): ScopeSample {
  const c = s.counters;
  return {
    name: s.name,
    kind: s.labels.kind ?? s.kind,
    active: c.active,
    requestsPerSec: rate(c.requests, prev?.requests, dtMs),
    bytesInPerSec: rate(c.bytesIn, prev?.bytesIn, dtMs),
    bytesOutPerSec: rate(c.bytesOut, prev?.bytesOut, dtMs),
    eventsPerSec: rate(c.events, prev?.events, dtMs),
    totals: {
      requests: c.requests,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      events: c.events,
      errors: c.errors,
      drops: c.drops,
    },
  };
}

/** The sum of samples (the dashboard's "total" line). */
export function sumSamples(name: string, samples: ScopeSample[]): ScopeSample {
  const out: ScopeSample = {
    name,
    kind: 'total',
    active: 0,
    requestsPerSec: 0,
    bytesInPerSec: 0,
    bytesOutPerSec: 0,
    eventsPerSec: 0,
    totals: { requests: 0, bytesIn: 0, bytesOut: 0, events: 0, errors: 0, drops: 0 },
  };
  for (const s of samples) {
    out.active += s.active;
    out.requestsPerSec += s.requestsPerSec;
    out.bytesInPerSec += s.bytesInPerSec;
    out.bytesOutPerSec += s.bytesOutPerSec;
    out.eventsPerSec += s.eventsPerSec;
    for (const k of Object.keys(out.totals) as (keyof ScopeSample['totals'])[]) out.totals[k] += s.totals[k];
  }
  return out;
}
