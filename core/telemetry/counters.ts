/**
 * Counters per scope — a listener, a route, an SSE channel, an upstream
 * server, a limit — updated per chunk on the hot path (plain number adds) and
 * read by the sampler at a fixed tick. Scopes are looked up once per
 * exchange, never per chunk.
 */

/** What a scope is. */
export type ScopeKind = 'listener' | 'route' | 'channel' | 'upstream' | 'limit';

/** Monotonic totals plus a few gauges (`active`) of one scope. */
export class Counters {
  /** Requests (HTTP) or accepted connections/sessions (stream). */
  requests = 0;
  /** Open connections / exchanges / subscribers right now (gauge). */
  active = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** SSE events delivered (one per subscriber write). */
  events = 0;
  /** Clients dropped for not reading, datagrams dropped. */
  drops = 0;
  errors = 0;
  /** Responses by status class: 1xx..5xx at index 1..5. */
  readonly status = [0, 0, 0, 0, 0, 0];
  /** Milliseconds spent waiting on a limiter (shaping). */
  throttledMs = 0;
}

/** A registered scope with its labels (for /metrics and the UI). */
export interface Scope {
  kind: ScopeKind;
  /** Unique within its kind, e.g. `mock` or `mock /events` or `backend 127.0.0.1:3000`. */
  name: string;
  labels: Record<string, string>;
  counters: Counters;
}

/** Every scope's counters, keyed by kind and name. */
export class CounterRegistry {
  private readonly scopes = new Map<string, Scope>();

  /** The counters of a scope, created on first use. */
  get(kind: ScopeKind, name: string, labels: Record<string, string> = {}): Counters {
    const key = `${kind}\u0000${name}`;
    let s = this.scopes.get(key);
    if (!s) {
      s = { kind, name, labels, counters: new Counters() };
      this.scopes.set(key, s);
    }
    return s.counters;
  }

  /** Forgets a scope (listener removed); its totals vanish from stats. */
  delete(kind: ScopeKind, name: string): void {
    this.scopes.delete(`${kind}\u0000${name}`);
  }

  all(): Scope[] {
    return [...this.scopes.values()];
  }

  ofKind(kind: ScopeKind): Scope[] {
    return this.all().filter((s) => s.kind === kind);
  }
}
