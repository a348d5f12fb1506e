/**
 * The Client view's store: the request form, and the live session — its rows
 * (events and reconnects in arrival order, capped), connections, figures and
 * findings — merged from the `client` batches the engine pushes once per
 * telemetry tick (one store update per batch, never per event).
 */
import { createStore } from 'zustand/vanilla';
import type {
  ClientBatch,
  ClientConnection,
  ClientEvent,
  ClientReconnect,
  ClientRequest,
  ClientSummary,
} from '../../../core/api/index.js';

/** Rows kept in the live table (the newest). */
export const CLIENT_ROWS_CAP = 5000;

/** One row of the live table: an event, or a reconnect between two. */
export type ClientRow = { kind: 'event'; e: ClientEvent } | { kind: 'reconnect'; r: ClientReconnect };

/** The request form as typed. */
export interface ClientForm {
  url: string;
  method: string;
  /** One `Name: value` per line. */
  headers: string;
  body: string;
  /** Empty: as EventSource. */
  reconnect: string;
  maxEvents: string;
  insecure: boolean;
}

/** The Client view's state. */
export interface ClientViewState {
  form: ClientForm;
  id?: number;
  summary?: ClientSummary;
  rows: ClientRow[];
  connections: ClientConnection[];
  /** Events the engine left out of batches (more per tick than a batch carries). */
  skipped: number;
  /** Rows dropped from the table's start to keep it at the cap. */
  dropped: number;
}

/** An empty form: a GET of nothing yet. */
export const EMPTY_FORM: ClientForm = {
  url: '',
  method: 'GET',
  headers: '',
  body: '',
  reconnect: '',
  maxEvents: '',
  insecure: false,
};

/** Turns the form into a request, or says what is wrong with it. */
export function requestOf(f: ClientForm): { ok: true; request: ClientRequest } | { ok: false; message: string } {
  const url = f.url.trim();
  if (!/^https?:\/\/\S+$/i.test(url)) return { ok: false, message: 'enter an http:// or https:// URL' };
  const headers: [string, string][] = [];
  for (const line of f.headers
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const i = line.indexOf(':');
    if (i <= 0) return { ok: false, message: `headers are "Name: value" lines, not ${JSON.stringify(line)}` };
    headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
  }
  const num = (v: string, what: string, min: number): number | undefined | string => {
    if (v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isInteger(n) && n >= min ? n : `${what} must be a whole number ≥ ${min}`;
  };
  const reconnect = num(f.reconnect, 'reconnects', 0);
  const maxEvents = num(f.maxEvents, 'max events', 1);
  for (const v of [reconnect, maxEvents]) if (typeof v === 'string') return { ok: false, message: v };
  const request: ClientRequest = { url, method: f.method, headers };
  if (f.method !== 'GET' && f.body !== '') request.body = f.body;
  if (reconnect !== undefined) request.reconnect = reconnect as number;
  if (maxEvents !== undefined) request.maxEvents = maxEvents as number;
  if (f.insecure) request.insecure = true;
  return { ok: true, request };
}

/** Appends rows, keeping the newest `cap`; returns the new list and how many were dropped. */
export function appendRows(
  rows: readonly ClientRow[],
  add: readonly ClientRow[],
  cap = CLIENT_ROWS_CAP,
): { rows: ClientRow[]; dropped: number } {
  if (add.length === 0) return { rows: rows as ClientRow[], dropped: 0 };
  const all = rows.concat(add);
  const dropped = Math.max(0, all.length - cap);
  return { rows: dropped > 0 ? all.slice(dropped) : all, dropped };
}

/** The rows of a batch in arrival order: each reconnect before the first event of its connection. */
export function rowsOf(events: readonly ClientEvent[], reconnects: readonly ClientReconnect[]): ClientRow[] {
  const out: ClientRow[] = [];
  const pending = [...reconnects].sort((a, b) => a.t - b.t);
  for (const e of events) {
    while (pending.length > 0 && pending[0]!.conn <= e.conn) out.push({ kind: 'reconnect', r: pending.shift()! });
    out.push({ kind: 'event', e });
  }
  for (const r of pending) out.push({ kind: 'reconnect', r });
  return out;
}

/** Replaces connections by number, keeping order. */
function mergeConnections(list: readonly ClientConnection[], changed: readonly ClientConnection[]): ClientConnection[] {
  if (changed.length === 0) return list as ClientConnection[];
  const by = new Map(list.map((c) => [c.conn, c]));
  for (const c of changed) by.set(c.conn, c);
  return [...by.values()].sort((a, b) => a.conn - b.conn);
}

/** Creates the Client view's store. */
export function createClientStore() {
  return createStore<
    ClientViewState & {
      setForm(patch: Partial<ClientForm>): void;
      /** A new session started: the table starts empty. */
      begin(id: number): void;
      /** Merges the batches of one tick (only this view's session). */
      apply(batches: readonly ClientBatch[]): void;
    }
  >()((set) => ({
    form: EMPTY_FORM,
    rows: [],
    connections: [],
    skipped: 0,
    dropped: 0,
    setForm: (patch) => set((s) => ({ form: { ...s.form, ...patch } })),
    begin: (id) => set({ id, summary: undefined, rows: [], connections: [], skipped: 0, dropped: 0 }),
    apply: (batches) =>
      set((s) => {
        const b = batches.find((x) => x.id === s.id);
        if (!b) return {};
        const { rows, dropped } = appendRows(s.rows, rowsOf(b.events, b.reconnects));
        return {
          summary: b.summary,
          rows,
          dropped: s.dropped + dropped,
          skipped: s.skipped + (b.skipped ?? 0),
          connections: mergeConnections(s.connections, b.connections),
        };
      }),
  }));
}
