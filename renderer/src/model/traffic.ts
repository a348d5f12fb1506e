/**
 * The traffic store: rows merged by id (a row is updated when its exchange
 * ends), newest first. Retention keeps what matters under load: open
 * exchanges (live streams) are never pushed out by short requests — they have
 * their own, larger cap — and ended rows keep the most recent TRAFFIC_CAP.
 * Pausing freezes the table while new rows are counted; filter text matches
 * method, path, status, type and client.
 */
import { createStore } from 'zustand/vanilla';
import type { ExchangeSummary } from '../../../core/api/index.js';

/** Ended rows kept in the table. */
export const TRAFFIC_CAP = 2000;
/** Open rows kept in the table (live streams), apart from the ended ones. */
export const OPEN_CAP = 5000;

/** The traffic table's state. */
export interface TrafficState {
  rows: ExchangeSummary[];
  paused: boolean;
  /** Rows that arrived while paused (shown on the resume button). */
  missed: number;
  filter: string;
  /** Show only exchanges still open (live streams). */
  openOnly: boolean;
  /** Collapse repeated short requests (same listener, method, route, status) into one row. */
  grouped: boolean;
  selected?: number;
}

/**
 * Merges a batch into rows: newest first by id, a row with the same id
 * replaced (batches carry whole rows), then open rows kept up to `openCap`
 * and ended rows up to `cap`.
 */
export function mergeRows(
  rows: readonly ExchangeSummary[],
  batch: readonly ExchangeSummary[],
  cap = TRAFFIC_CAP,
  openCap = OPEN_CAP,
): ExchangeSummary[] {
  if (batch.length === 0) return rows as ExchangeSummary[];
  const fresh = new Map<number, ExchangeSummary>();
  for (const r of batch) fresh.set(r.id, r);
  const merged = rows.map((r) => {
    const next = fresh.get(r.id);
    if (!next) return r;
    fresh.delete(r.id);
    return next;
  });
  const added = [...fresh.values()].sort((a, b) => b.id - a.id);
  // New ids are usually all newer than every row; a stream first seen late is not.
  let all = added.concat(merged);
  if (added.length > 0 && merged.length > 0 && added[added.length - 1]!.id < merged[0]!.id)
    all = all.sort((a, b) => b.id - a.id);
  return retain(all, cap, openCap);
}

/** Keeps the newest `openCap` open rows and the newest `cap` others, order unchanged. */
export function retain(rows: readonly ExchangeSummary[], cap: number, openCap: number): ExchangeSummary[] {
  let open = 0;
  let ended = 0;
  const out: ExchangeSummary[] = [];
  for (const r of rows) {
    if (r.outcome === 'open' ? open++ < openCap : ended++ < cap) out.push(r);
  }
  return out;
}

/** The row type shown in the table: sse, chunked, proxy… or the content type's short form. */
export function rowType(r: ExchangeSummary): string {
  if (r.kind) return r.kind;
  const ct = r.contentType ?? '';
  if (ct.startsWith('text/event-stream')) return 'sse';
  return ct.split(';')[0] ?? '';
}

/** True when the row matches every word of the filter text. */
export function matchesFilter(r: ExchangeSummary, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay =
    `${r.method} ${r.url} ${r.status ?? ''} ${rowType(r)} ${r.client} ${r.listener} ${r.outcome} ${r.upstream ?? ''} ${r.protocol ?? ''}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** Creates the traffic store. */
export function createTrafficStore(cap = TRAFFIC_CAP, openCap = OPEN_CAP) {
  return createStore<
    TrafficState & {
      add(batch: ExchangeSummary[]): void;
      /** Merges a snapshot of the engine's whole log: open rows it no longer has have ended unseen and go. */
      sync(snapshot: ExchangeSummary[]): void;
      setPaused(p: boolean): void;
      setFilter(f: string): void;
      setOpenOnly(on: boolean): void;
      setGrouped(on: boolean): void;
      select(id: number | undefined): void;
      clear(): void;
    }
  >()((set) => ({
    rows: [],
    paused: false,
    missed: 0,
    filter: '',
    openOnly: false,
    grouped: false,
    add: (batch) =>
      set((s) => (s.paused ? { missed: s.missed + batch.length } : { rows: mergeRows(s.rows, batch, cap, openCap) })),
    sync: (snapshot) =>
      set((s) => {
        const ids = new Set(snapshot.map((r) => r.id));
        return {
          rows: mergeRows(
            s.rows.filter((r) => r.outcome !== 'open' || ids.has(r.id)),
            snapshot,
            cap,
            openCap,
          ),
          missed: 0,
        };
      }),
    setPaused: (paused) => set({ paused, missed: 0 }),
    setFilter: (filter) => set({ filter }),
    setOpenOnly: (openOnly) => set({ openOnly }),
    setGrouped: (grouped) => set({ grouped }),
    select: (selected) => set({ selected }),
    clear: () => set({ rows: [], missed: 0, selected: undefined }),
  }));
}

/** The protocol column: `h2`, `h1.1`, `h1.0`, marked `TLS` when the client came over TLS. */
export function protocolLabel(r: Pick<ExchangeSummary, 'protocol' | 'tlsVersion'>): string {
  if (!r.protocol) return '';
  const short = r.protocol === 'h2' ? 'h2' : r.protocol.replace('http/', 'h');
  return r.tlsVersion ? `${short} TLS` : short;
}
