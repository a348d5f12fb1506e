/**
 * The traffic store: rows merged by id (a row is updated when its exchange
 * ends), newest first, capped; pausing freezes the table while new rows are
 * counted; filter text matches method, path, status, type and client.
 */
import { createStore } from 'zustand/vanilla';
import type { ExchangeSummary } from '../../../core/api/index.js';

/** Rows kept in the table. */
export const TRAFFIC_CAP = 2000;

/** The traffic table's state. */
export interface TrafficState {
  rows: ExchangeSummary[];
  paused: boolean;
  /** Rows that arrived while paused (shown on the resume button). */
  missed: number;
  filter: string;
  selected?: number;
}

/** Merges a batch into rows (newest first by id), replacing rows with the same id, capped. */
export function mergeRows(
  rows: readonly ExchangeSummary[],
  batch: readonly ExchangeSummary[],
  cap = TRAFFIC_CAP,
): ExchangeSummary[] {
  if (batch.length === 0) return rows as ExchangeSummary[];
  const byId = new Map<number, ExchangeSummary>();
  for (const r of rows) byId.set(r.id, r);
  for (const r of batch) byId.set(r.id, { ...byId.get(r.id), ...r });
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, cap);
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
export function createTrafficStore(cap = TRAFFIC_CAP) {
  return createStore<
    TrafficState & {
      add(batch: ExchangeSummary[]): void;
      setPaused(p: boolean): void;
      setFilter(f: string): void;
      select(id: number | undefined): void;
      clear(): void;
    }
  >()((set) => ({
    rows: [],
    paused: false,
    missed: 0,
    filter: '',
    add: (batch) =>
      set((s) => (s.paused ? { missed: s.missed + batch.length } : { rows: mergeRows(s.rows, batch, cap) })),
    setPaused: (paused) => set({ paused, missed: 0 }),
    setFilter: (filter) => set({ filter }),
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
