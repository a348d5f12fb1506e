/**
 * The telemetry sampler: at a fixed tick (250 ms) it reads every counter
 * scope, turns deltas into per-second rates and emits one `TelemetryTick`,
 * plus one batch of new/changed traffic rows. Whatever the traffic, the
 * engine emits at most one tick and one batch per interval (the IPC message
 * rate does not grow with traffic). With nobody subscribed the timer
 * is stopped and nothing is read.
 *
 *   counters (per chunk) ──▶ [tick: deltas → rates] ──▶ telemetry listeners
 *   traffic log ──────────▶ [tick: new + changed rows] ─▶ traffic listeners
 */
import type { ExchangeSummary, ScopeSample, TelemetryTick } from '../api/types.js';
import type { Clock } from '../util/clock.js';
import type { Scope } from './counters.js';
import type { ExchangeRecord } from './exchange-record.js';
import { rowSignature, toSummary } from './exchange-view.js';
import { sampleOf, sumSamples, totalsOf, type Totals } from './scope-samples.js';
import type { TelemetryInputs } from './sources.js';

/** Options of a sampler. */
export interface SamplerOptions {
  /** Counters, traffic log, clock and module views of one engine. */
  inputs: TelemetryInputs;
  /** Tick interval, ms (default 250). */
  intervalMs?: number;
  /** Drives the timer and rates (default: the engine's clock). */
  clock?: Clock;
  /** Wall-clock time for `TelemetryTick.t` (default Date.now). */
  wallClock?: () => number;
  /** Epoch ms − clock ms, for traffic rows' `startedAt`. */
  epochOffset?: number;
}

/** Most rows one traffic batch carries; the table pulls older ones on demand. */
const MAX_ROWS_PER_BATCH = 500;
/** Open rows followed for byte/event updates (each costs a signature per tick). */
const MAX_OPEN_ROWS = 1000;

/** Builds fixed-interval telemetry ticks and traffic batches for its subscribers. */
export class TelemetrySampler {
  readonly intervalMs: number;
  private readonly services: TelemetryInputs;
  private readonly clock: Clock;
  private readonly wallClock: () => number;
  private readonly epochOffset: number;
  private readonly tickListeners = new Set<(t: TelemetryTick) => void>();
  private readonly trafficListeners = new Set<(rows: ExchangeSummary[]) => void>();
  private timer: { cancel(): void } | undefined;
  private due = 0;
  private prev = new Map<string, Totals>();
  private prevAt = 0;
  /** Traffic rows: the last id sent, and open rows with what was last sent of them. */
  private lastRowId = 0;
  private readonly openRows = new Map<number, { rec: ExchangeRecord; sig: string }>();
  private readonly changedRows = new Set<ExchangeRecord>();
  private stopChangeWatch: (() => void) | undefined;
  /** Ticks emitted since creation (tests and diagnostics). */
  ticks = 0;

  constructor(opts: SamplerOptions) {
    this.services = opts.inputs;
    this.intervalMs = opts.intervalMs ?? 250;
    this.clock = opts.clock ?? opts.inputs.clock;
    this.wallClock = opts.wallClock ?? Date.now;
    this.epochOffset = opts.epochOffset ?? 0;
  }

  /** Subscribes to ticks; returns the unsubscribe function. */
  onTick(fn: (t: TelemetryTick) => void): () => void {
    if (this.tickListeners.size === 0 && this.timer) this.resetRates();
    this.tickListeners.add(fn);
    this.ensureTimer();
    return () => {
      this.tickListeners.delete(fn);
      this.maybeStop();
    };
  }

  /** Subscribes to traffic batches (new and changed rows since the last tick). */
  onTraffic(fn: (rows: ExchangeSummary[]) => void): () => void {
    if (this.trafficListeners.size === 0) this.startRows();
    this.trafficListeners.add(fn);
    this.ensureTimer();
    return () => {
      this.trafficListeners.delete(fn);
      if (this.trafficListeners.size === 0) this.stopRows();
      this.maybeStop();
    };
  }

  /** True while the timer runs (someone subscribed). */
  get active(): boolean {
    return this.timer !== undefined;
  }

  /** Stops the timer and drops every subscriber. */
  close(): void {
    this.tickListeners.clear();
    this.trafficListeners.clear();
    this.stopRows();
    this.maybeStop();
  }

  /** Starts rate windows afresh (first subscriber), so the first tick's rates cover one interval at most. */
  private resetRates(): void {
    this.prev = this.snapshot();
    this.prevAt = this.clock.now();
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.resetRates();
    this.due = this.prevAt + this.intervalMs;
    this.timer = this.clock.setTimeout(() => this.onTimer(), this.intervalMs);
  }

  private maybeStop(): void {
    if (this.tickListeners.size > 0 || this.trafficListeners.size > 0 || !this.timer) return;
    this.timer.cancel();
    this.timer = undefined;
  }

  /** Fires once per interval; schedules against the ideal time so ticks do not drift, never bursts to catch up. */
  private onTimer(): void {
    this.timer = undefined;
    try {
      this.tick();
    } finally {
      if (this.tickListeners.size > 0 || this.trafficListeners.size > 0) {
        const now = this.clock.now();
        this.due += this.intervalMs;
        if (this.due <= now) this.due = now + this.intervalMs;
        this.timer = this.clock.setTimeout(() => this.onTimer(), this.due - now);
      }
    }
  }

  private tick(): void {
    this.ticks++;
    if (this.tickListeners.size > 0) {
      const t = this.buildTick();
      for (const fn of [...this.tickListeners]) {
        try {
          fn(t);
        } catch {
          /* a failing subscriber must not stop telemetry */
        }
      }
    }
    if (this.trafficListeners.size > 0) {
      const rows = this.collectRows();
      if (rows.length > 0)
        for (const fn of [...this.trafficListeners]) {
          try {
            fn(rows);
          } catch {
            /* idem */
          }
        }
    }
  }

  private snapshot(): Map<string, Totals> {
    const out = new Map<string, Totals>();
    for (const s of this.services.counters.all()) out.set(`${s.kind}\u0000${s.name}`, totalsOf(s));
    return out;
  }

  /** Builds one tick from the counters now versus the previous tick. */
  buildTick(): TelemetryTick {
    const now = this.clock.now();
    const dt = now - this.prevAt;
    const next = new Map<string, Totals>();
    const byKind: Record<string, ScopeSample[]> = { listener: [], route: [], channel: [] };
    const channelScopes = new Map<string, Scope>();
    for (const s of this.services.counters.all()) {
      const key = `${s.kind}\u0000${s.name}`;
      next.set(key, totalsOf(s));
      if (s.kind === 'channel') channelScopes.set(s.name, s);
      byKind[s.kind]?.push(sampleOf(s, this.prev.get(key), dt));
    }
    this.prev = next;
    this.prevAt = now;
    const channels = this.channelSamples(byKind.channel!);
    return {
      t: this.wallClock(),
      intervalMs: this.intervalMs,
      total: sumSamples('total', byKind.listener!),
      listeners: byKind.listener!,
      routes: byKind.route!,
      channels,
      upstreams: this.services.sources.upstreams(),
      limits: this.services.sources.limits(),
    };
  }

  /** Channel samples: counters of kind `channel`, clients from the hub when it knows the channel. */
  private channelSamples(samples: ScopeSample[]): TelemetryTick['channels'] {
    const infos = new Map(this.services.sources.channels().map((c) => [c.name, c]));
    const out: TelemetryTick['channels'] = samples.map((s) => ({
      ...s,
      clients: infos.get(s.name)?.clients ?? s.active,
    }));
    for (const info of infos.values()) {
      if (samples.some((s) => s.name === info.name)) continue;
      out.push({
        name: info.name,
        kind: 'channel',
        active: info.clients,
        clients: info.clients,
        requestsPerSec: 0,
        bytesInPerSec: 0,
        bytesOutPerSec: 0,
        eventsPerSec: 0,
        totals: { requests: 0, bytesIn: 0, bytesOut: 0, events: 0, errors: 0, drops: 0 },
      });
    }
    return out;
  }

  private startRows(): void {
    this.lastRowId = this.services.traffic.lastId;
    this.stopChangeWatch = this.services.traffic.onChange((r) => this.changedRows.add(r));
    // Exchanges already open (streams started before anyone watched) are sent on the first tick and followed from then on.
    for (const rec of this.services.traffic.recent(Number.MAX_SAFE_INTEGER)) {
      if (rec.outcome === 'open' && this.openRows.size < MAX_OPEN_ROWS) this.openRows.set(rec.id, { rec, sig: '' });
    }
  }

  private stopRows(): void {
    this.stopChangeWatch?.();
    this.stopChangeWatch = undefined;
    this.openRows.clear();
    this.changedRows.clear();
  }

  /** New rows since the last batch, plus open rows whose bytes/status/events moved, plus rows that ended. */
  private collectRows(): ExchangeSummary[] {
    const rows = new Map<number, ExchangeRecord>();
    for (const rec of this.services.traffic.since(this.lastRowId)) rows.set(rec.id, rec);
    this.lastRowId = Math.max(this.lastRowId, this.services.traffic.lastId);
    for (const rec of this.changedRows) rows.set(rec.id, rec);
    this.changedRows.clear();
    for (const [id, open] of this.openRows) {
      if (rowSignature(open.rec) !== open.sig) rows.set(id, open.rec);
    }
    const out: ExchangeSummary[] = [];
    for (const rec of [...rows.values()].sort((a, b) => a.id - b.id).slice(-MAX_ROWS_PER_BATCH)) {
      out.push(toSummary(rec, this.epochOffset));
      if (rec.outcome === 'open') this.openRows.set(rec.id, { rec, sig: rowSignature(rec) });
      else this.openRows.delete(rec.id);
    }
    // Bound the open-row watch list; a row past the bound still reports its end (changedRows).
    for (const id of this.openRows.keys()) {
      if (this.openRows.size <= MAX_OPEN_ROWS) break;
      this.openRows.delete(id);
    }
    return out;
  }
}
