/**
 * Stream client sessions for the UI, run in the engine process (a renderer
 * cannot open arbitrary cross-origin streams). Each session's events,
 * reconnects and changed connections are collected and pushed to listeners
 * once per telemetry tick, all sessions in one message — never a message per
 * event — and kept, bounded, for "Save as mock" and for a view opened later.
 *
 *   ClientSession ─event/reconnect/connection─▶ pending (capped) ─[tick]─▶ `client` event: ClientBatch[]
 *                                            └▶ kept ring (last KEEP_EVENTS, data ≤ KEEP_DATA)
 */
import { z } from 'zod';
import type {
  ClientBatch,
  ClientConnection,
  ClientEvent,
  ClientReconnect,
  ClientRequest,
  ClientSessionView,
} from '../api/client.js';
import type { SluiceApiCalls } from '../api/sluice-api.js';
import { sessionAsMock, type MockResult } from '../client/mock.js';
import { ClientFailure } from '../client/request.js';
import { ClientSession } from '../client/session.js';

/** Events kept per session (the newest) and the characters kept of each. */
const KEEP_EVENTS = 1000;
const KEEP_DATA = 16 * 1024;
/** Most events one batch carries per session; the summary counts every event. */
const BATCH_EVENTS = 500;
/** Characters of an event's data a batch carries (the UI shows a line of it). */
const BATCH_DATA = 4 * 1024;
const KEEP_RECONNECTS = 500;
const KEEP_CONNECTIONS = 100;
/** Sessions running at once, and kept in all (finished ones go first). */
const MAX_RUNNING = 8;
const MAX_KEPT = 20;

/** One session with what is kept and what waits for the next tick. */
interface Entry {
  id: number;
  session: ClientSession;
  running: boolean;
  events: ClientEvent[];
  reconnects: ClientReconnect[];
  connections: Map<number, ClientConnection>;
  pending: {
    events: ClientEvent[];
    reconnects: ClientReconnect[];
    connections: Set<number>;
    skipped: number;
    dirty: boolean;
  };
}

function clip(e: ClientEvent, max: number): ClientEvent {
  return e.data.length <= max ? e : { ...e, data: e.data.slice(0, max), truncated: true };
}

function pushCapped<T>(list: T[], item: T, cap: number): void {
  list.push(item);
  if (list.length > cap) list.splice(0, list.length - cap);
}

/** The calls the host delegates here (their names are in the API table). */
export type ClientCalls = Pick<SluiceApiCalls, 'startClient' | 'stopClient' | 'getClientSession' | 'clientAsMock'>;

/** Argument schemas of the client calls, merged into the host's call table. */
export const CLIENT_CALL_ARGS = {
  startClient: z.tuple([
    z.strictObject({
      url: z.string().min(1).max(8192),
      method: z.string().max(20).optional(),
      headers: z
        .array(z.tuple([z.string().max(200), z.string().max(8192)]))
        .max(100)
        .optional(),
      body: z
        .string()
        .max(4 * 1024 * 1024)
        .optional(),
      reconnect: z.number().int().min(0).max(1_000_000).optional(),
      maxEvents: z.number().int().min(1).optional(),
      insecure: z.boolean().optional(),
      ca: z
        .string()
        .max(1024 * 1024)
        .optional(),
      maxEventSize: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .optional(),
    }),
  ]),
  stopClient: z.tuple([z.number().int().min(1)]),
  getClientSession: z.tuple([z.number().int().min(1)]),
  clientAsMock: z.union([
    z.tuple([z.number().int().min(1)]),
    z.tuple([
      z.number().int().min(1),
      z
        .strictObject({
          speed: z.number().positive().max(1000).optional(),
          path: z.string().startsWith('/').max(1000).optional(),
        })
        .optional(),
    ]),
  ]) as z.ZodType<[number, ({ speed?: number; path?: string } | undefined)?]>,
} satisfies { [K in keyof ClientCalls]: z.ZodType<Parameters<ClientCalls[K]>> };

/** The engine's client sessions. */
export class ClientSessions implements ClientCalls {
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;
  private readonly listeners = new Set<(b: ClientBatch[]) => void>();
  private offTick: (() => void) | undefined;

  /** @param onTick subscribes to the telemetry tick (returns the unsubscribe function) */
  constructor(private readonly onTick: (fn: () => void) => () => void) {}

  async startClient(request: ClientRequest): Promise<{ ok: true; id: number } | { ok: false; message: string }> {
    if ([...this.entries.values()].filter((e) => e.running).length >= MAX_RUNNING) {
      return { ok: false, message: `${MAX_RUNNING} client sessions are running; stop one first` };
    }
    const id = this.nextId++;
    let entry: Entry;
    try {
      const session = new ClientSession(request, {
        event: (e) => this.onEvent(entry, e),
        reconnect: (r) => {
          pushCapped(entry.reconnects, r, KEEP_RECONNECTS);
          pushCapped(entry.pending.reconnects, r, KEEP_RECONNECTS);
          entry.pending.dirty = true;
        },
        connection: (c) => {
          entry.connections.set(c.conn, c);
          entry.pending.connections.add(c.conn);
          entry.pending.dirty = true;
          this.trimConnections(entry);
        },
      });
      entry = {
        id,
        session,
        running: true,
        events: [],
        reconnects: [],
        connections: new Map(),
        pending: { events: [], reconnects: [], connections: new Set(), skipped: 0, dirty: true },
      };
    } catch (err) {
      if (err instanceof ClientFailure) return { ok: false, message: err.message };
      throw err;
    }
    this.entries.set(id, entry);
    this.forgetOld();
    this.ensureTick();
    void entry.session.run().then(() => {
      entry.running = false;
      entry.pending.dirty = true;
    });
    return { ok: true, id };
  }

  async stopClient(id: number): Promise<{ ok: true }> {
    this.entries.get(id)?.session.stop();
    return { ok: true };
  }

  async getClientSession(id: number): Promise<ClientSessionView | null> {
    const e = this.entries.get(id);
    if (!e) return null;
    return {
      id,
      request: e.session.request,
      summary: e.session.summary(),
      events: e.events.map((x) => clip(x, BATCH_DATA)),
      reconnects: [...e.reconnects],
      connections: [...e.connections.values()].map((c) => ({ ...c })),
    };
  }

  async clientAsMock(id: number, options?: { speed?: number; path?: string }): Promise<MockResult> {
    const e = this.entries.get(id);
    if (!e) return { ok: false, message: `no client session #${id}` };
    const conns = [...e.connections.values()];
    const last = conns.reverse().find((c) => c.format !== undefined);
    const s = e.session.summary();
    return sessionAsMock(
      {
        format: last?.format,
        contentType: last?.contentType,
        events: e.events,
        total: s.events,
        connections: s.connections,
        retryMs: e.session.serverRetry,
      },
      options ?? {},
    );
  }

  /** Listens to the per-tick batches; returns the function that stops listening. */
  on(fn: (b: ClientBatch[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Stops every session and the tick. */
  close(): void {
    for (const e of this.entries.values()) e.session.stop();
    this.listeners.clear();
    this.offTick?.();
    this.offTick = undefined;
  }

  private onEvent(entry: Entry, e: ClientEvent): void {
    pushCapped(entry.events, clip(e, KEEP_DATA), KEEP_EVENTS);
    const p = entry.pending;
    p.dirty = true;
    if (p.events.length >= BATCH_EVENTS) {
      p.events.shift();
      p.skipped++;
    }
    p.events.push(clip(e, BATCH_DATA));
  }

  private trimConnections(entry: Entry): void {
    for (const k of entry.connections.keys()) {
      if (entry.connections.size <= KEEP_CONNECTIONS) break;
      entry.connections.delete(k);
    }
  }

  /** Finished sessions beyond MAX_KEPT are let go, oldest first. */
  private forgetOld(): void {
    for (const [id, e] of this.entries) {
      if (this.entries.size <= MAX_KEPT) break;
      if (!e.running) this.entries.delete(id);
    }
  }

  private ensureTick(): void {
    this.offTick ??= this.onTick(() => this.flush());
  }

  /** One batch for every session that changed since the last tick; the tick stops when nothing runs. */
  private flush(): void {
    const batches: ClientBatch[] = [];
    for (const e of this.entries.values()) {
      const p = e.pending;
      // A running session sends its figures every tick (state, duration), events or not.
      if (!p.dirty && !e.running) continue;
      batches.push({
        id: e.id,
        summary: e.session.summary(),
        events: p.events,
        reconnects: p.reconnects,
        connections: [...p.connections]
          .map((n) => e.connections.get(n))
          .filter((c): c is ClientConnection => c !== undefined)
          .map((c) => ({ ...c })),
        ...(p.skipped > 0 ? { skipped: p.skipped } : {}),
      });
      e.pending = { events: [], reconnects: [], connections: new Set(), skipped: 0, dirty: false };
    }
    if (batches.length > 0) for (const fn of this.listeners) fn(batches);
    if (![...this.entries.values()].some((e) => e.running || e.pending.dirty)) {
      this.offTick?.();
      this.offTick = undefined;
    }
  }
}
