/**
 * A stream client session: subscribe to any URL (GET or POST, any headers
 * and body), hand on each event as it arrives with its time, and reconnect
 * as a browser's EventSource does — after the `retry:` delay, with
 * `Last-Event-ID` from the last id seen — while tracking gaps and duplicates
 * of numeric ids across reconnects.
 *
 *   connection 1 ─▶ events ─▶ ends or is cut ─▶ budget left? ─▶ wait retry ─▶ connection 2 (Last-Event-ID) ─▶ …
 *                                                   └ no ─▶ ended (clean) / failed (one-line reason)
 *
 * A GET event stream reconnects whenever it ends unless `reconnect` caps it;
 * other methods (a `fetch` POST) reconnect only when `reconnect` says so,
 * sending the body again. HTTP errors, TLS errors and bodies that are no
 * stream end the session at once, as they fail an EventSource.
 */
import type {
  ClientConnection,
  ClientEvent,
  ClientFormat,
  ClientReconnect,
  ClientRequest,
  ClientState,
  ClientSummary,
} from '../api/client.js';
import type { Diagnostic } from '../api/types.js';
import type { DecodedEvent } from '../telemetry/sse-decoder.js';
import { systemClock, type Clock } from '../util/clock.js';
import { Connection, type ConnOutcome } from './connection.js';
import { IdTracker } from './id-tracker.js';
import { ClientFailure, type SendOptions } from './request.js';
import { ACCEPT_ENCODING } from './response.js';

/** What a session tells its owner, as it happens. */
export interface SessionListener {
  connection?(c: ClientConnection): void;
  event?(e: ClientEvent): void;
  reconnect?(r: ClientReconnect): void;
}

/** Tuning a session's owner may change (tests use a short connect timeout). */
export interface SessionOptions {
  clock?: Clock;
  connectTimeoutMs?: number;
}

/** A browser's reconnection delay before any `retry:` (Chrome and the spec's suggestion: 3 s). */
export const DEFAULT_RETRY_MS = 3000;
/** Largest line or event kept while it arrives, unless the request says otherwise. */
export const DEFAULT_MAX_EVENT_SIZE = 1024 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;

/** Checks a request and fills in its defaults; a bad one is a 'usage' failure. */
export function normalizeRequest(
  r: ClientRequest,
): Required<Pick<ClientRequest, 'method' | 'headers'>> & ClientRequest & { target: URL } {
  let target: URL;
  try {
    target = new URL(r.url);
  } catch {
    throw new ClientFailure(
      'usage',
      `not a URL: ${JSON.stringify(r.url)} (write it as http://host:port/path or https://…)`,
    );
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new ClientFailure('usage', `only http:// and https:// URLs can be streamed, not ${target.protocol}`);
  const method = (r.method ?? (r.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new ClientFailure('usage', `not an HTTP method: ${JSON.stringify(r.method)}`);
  for (const [name] of r.headers ?? []) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new ClientFailure('usage', `not a header name: ${JSON.stringify(name)}`);
  }
  return { ...r, method, headers: r.headers ?? [], target };
}

/** The request headers: the user's, plus what a browser would send that they did not set. */
function requestHeaders(r: ClientRequest & { method: string }, lastEventId: string): [string, string][] {
  const out: [string, string][] = [...(r.headers ?? [])];
  const has = (name: string) => out.some(([n]) => n.toLowerCase() === name);
  if (!has('accept')) out.push(['accept', r.method === 'GET' ? 'text/event-stream' : '*/*']);
  if (!has('accept-encoding')) out.push(['accept-encoding', ACCEPT_ENCODING]);
  if (!has('cache-control') && r.method === 'GET') out.push(['cache-control', 'no-cache']);
  if (r.body !== undefined && !has('content-type'))
    out.push(['content-type', looksLikeJson(r.body) ? 'application/json' : 'text/plain; charset=utf-8']);
  if (!has('user-agent')) out.push(['user-agent', 'sluice-client']);
  if (lastEventId !== '' && !has('last-event-id')) out.push(['last-event-id', lastEventId]);
  return out;
}

function looksLikeJson(body: string): boolean {
  try {
    JSON.parse(body);
    return /^\s*[[{]/.test(body);
  } catch {
    return false;
  }
}

/** One subscription, from the first request to its end. */
export class ClientSession {
  private readonly clock: Clock;
  private readonly req: ReturnType<typeof normalizeRequest>;
  private readonly connectTimeoutMs: number;
  private start = 0;
  private state: ClientState = 'connecting';
  private events = 0;
  private bytesDone = 0;
  private reconnects = 0;
  private connections = 0;
  private retryMs = DEFAULT_RETRY_MS;
  /** The reconnection delay the server last sent (`retry:`), if it sent one. */
  serverRetry: number | undefined;
  private lastEventId = '';
  private lastEventT: number | undefined;
  private firstEventT: number | undefined;
  private readonly ids = new IdTracker();
  private current: Connection | undefined;
  private first: ClientConnection | undefined;
  /** Findings of connections that ended, by code (a later connection's message wins). */
  private readonly past = new Map<string, Diagnostic>();
  private everAnswered = false;
  private lastFormat: ClientFormat | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private endedAt: number | undefined;
  private endReason: string | undefined;
  private error: string | undefined;

  constructor(
    request: ClientRequest,
    private readonly listener: SessionListener = {},
    opts: SessionOptions = {},
  ) {
    this.req = normalizeRequest(request);
    this.clock = opts.clock ?? systemClock;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  }

  /** The request as given (with the method filled in). */
  get request(): ClientRequest {
    const { target: _t, ...r } = this.req;
    return r;
  }

  /** Runs to the end: the stream ended, max events, a failure, or stop(). */
  async run(): Promise<ClientSummary> {
    this.start = this.clock.now();
    for (let n = 1; ; n++) {
      const out = await this.connect(n);
      if (out.kind === 'stopped') return this.finish('stopped', 'stopped');
      if (out.kind === 'done') return this.finish('ended', out.reason);
      if (out.kind === 'failed') return this.finish('failed', out.error.message, out.error.message);
      const lostAt = this.clock.now();
      if (!this.mayReconnect(out)) {
        return out.kind === 'ended' ? this.finish('ended', out.reason) : this.finish('failed', out.reason, out.reason);
      }
      this.state = 'waiting';
      if (!(await this.sleep(this.retryMs))) return this.finish('stopped', 'stopped');
      this.reconnects++;
      this.listener.reconnect?.({
        t: Math.round(this.clock.now() - this.start),
        conn: n + 1,
        afterMs: Math.round(this.clock.now() - lostAt),
        lastEventId: this.lastEventId || undefined,
        reason: out.reason,
      });
    }
  }

  /** Ends the session now (the current request is closed, a pending reconnect cancelled). */
  stop(): void {
    this.stopped = true;
    this.current?.stop();
    this.wake?.();
  }

  private async connect(n: number): Promise<ConnOutcome> {
    this.state = 'connecting';
    const now = this.clock.now();
    const conn = new Connection(n, now, now - this.start, this.clock, {
      changed: (c) => {
        if (c.status !== undefined) this.everAnswered = true;
        if (c.format) this.lastFormat = c.format;
        if (c.format && !c.end) this.state = 'open';
        this.listener.connection?.(c);
      },
      item: (ev, at) => this.item(ev, at, n),
      retry: (ms) => {
        this.retryMs = ms;
        this.serverRetry = ms;
      },
    });
    this.current = conn;
    this.connections = n;
    this.first ??= conn.info;
    const o: SendOptions = {
      url: this.req.target,
      method: this.req.method,
      headers: requestHeaders(this.req, this.lastEventId),
      body: this.req.body,
      insecure: this.req.insecure,
      ca: this.req.ca,
      connectTimeoutMs: this.connectTimeoutMs,
    };
    if (this.stopped) return { kind: 'stopped' };
    const out = await conn.run(o, this.req.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE);
    this.bytesDone += conn.info.bytes;
    for (const d of conn.diagnostics()) this.past.set(d.code, d);
    this.current = undefined;
    return out;
  }

  /** One event (or line): id bookkeeping, then the listener; false once max events is reached. */
  private item(ev: DecodedEvent, at: number, conn: number): boolean {
    const t = at - this.start;
    if (ev.id !== undefined) this.lastEventId = ev.id;
    const verdict = this.ids.see(ev.id);
    const n = ++this.events;
    const e: ClientEvent = {
      n,
      t: Math.round(t),
      gap: Math.round(t - (this.lastEventT ?? 0)),
      conn,
      data: ev.data,
      size: ev.data.length,
    };
    if (this.lastFormat === 'sse') e.event = ev.event ?? 'message';
    this.firstEventT ??= e.t;
    if (ev.id !== undefined) e.id = ev.id;
    if (verdict === 'gap' || verdict === 'duplicate' || verdict === 'behind') e.idNote = verdict;
    this.lastEventT = t;
    this.listener.event?.(e);
    return this.req.maxEvents === undefined || n < this.req.maxEvents;
  }

  /** Reconnect budget: explicit, else EventSource's (a GET event stream that answered before). */
  private mayReconnect(out: ConnOutcome): boolean {
    if (this.stopped) return false;
    if (this.req.reconnect !== undefined) return this.reconnects < this.req.reconnect;
    if (this.req.method !== 'GET' || !this.everAnswered) return false;
    return this.lastFormat === 'sse' && (out.kind === 'ended' || out.kind === 'lost');
  }

  private sleep(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve(!this.stopped);
      }, ms);
      this.wake = () => {
        timer.cancel();
        this.wake = undefined;
        resolve(false);
      };
    });
  }

  private finish(state: ClientState, reason: string, error?: string): ClientSummary {
    this.state = state;
    this.endedAt = this.clock.now();
    this.endReason = reason;
    this.error = error;
    return this.summary();
  }

  /** The session's figures now, with the findings of every connection so far. */
  summary(): ClientSummary {
    const diagnostics = new Map(this.past);
    for (const d of this.current?.diagnostics() ?? []) diagnostics.set(d.code, d);
    const end = this.endedAt ?? this.clock.now();
    return {
      state: this.state,
      events: this.events,
      connections: this.connections,
      reconnects: this.reconnects,
      bytes: this.bytesDone + (this.current?.info.bytes ?? 0),
      ttfbMs: this.first?.ttfbMs,
      firstEventMs: this.firstEventT,
      durationMs: Math.round(end - this.start),
      ids: this.ids.result,
      diagnostics: [...diagnostics.values()],
      ...(this.endReason !== undefined ? { endReason: this.endReason } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }
}
