/**
 * The listener's `Exchange`: one object per request that is also the outlet's
 * observer and the response's close handler. An open exchange (an idle SSE
 * client, an endless stream) is held by many thousands of connections, so it
 * owns no closures, shares its route's counters and config, parses the query
 * only when read, and creates its AbortController only when a handler asks
 * for `signal`; the listener aborts those through one `DrainSet` instead of a
 * listener per exchange on a shared signal.
 */
import type { HttpServerConfig, RouteConfig, RouteKind } from '../config/index.js';
import type {
  EndListener,
  EngineServices,
  Exchange,
  ExchangeHook,
  ExchangeRequest,
  ExchangeResponse,
  RouteHandler,
  Stage,
} from '../kernel/index.js';
import type { Counters } from '../telemetry/counters.js';
import type { ExchangeRecord } from '../telemetry/exchange-record.js';
import { keepSentHeaders } from '../telemetry/sent-headers.js';
import { CleanAbort } from '../util/errors.js';
import type { RouteHeader } from './http1-response.js';
import { ResponseOutlet, type OutletObserver } from './outlet.js';
import { BodyMeter } from './request-guards.js';
import type { ServerLog } from './server-log.js';

/** What every exchange of one listener shares (rebuilt with the router on a config apply). */
export interface ListenerScope {
  readonly server: HttpServerConfig;
  readonly listener: string;
  readonly services: EngineServices;
  /** The hooks whose stages sit on every body (faults, limits). */
  readonly hooks: readonly ExchangeHook[];
  readonly counters: Counters;
  readonly drain: DrainSet;
  /** The server's access log (writes nothing when it has none). */
  readonly log?: ServerLog;
}

/** One route of a built router: its handler beside what its exchanges share. */
export class RouteEntry {
  /** [listener, route] counters, looked up on the route's first request (the scope appears then, as before). */
  private shared: Counters[] | undefined;
  /** Endless exchanges (SSE, `count: 0` streams) abort as soon as the listener stops; others may finish until the deadline. */
  readonly endless: boolean;
  /** Headers every response of the route carries: CORS (default `*` on mock routes) and the route's `headers`. */
  readonly headers: readonly RouteHeader[];

  constructor(
    readonly handler: RouteHandler,
    readonly route: RouteConfig,
    readonly index: number,
    readonly kind: RouteKind,
    readonly scope: ListenerScope,
  ) {
    this.endless = kind === 'sse' || (kind === 'stream' && route.stream!.count === 0);
    const cors = route.cors ?? (kind === 'proxy' ? undefined : '*');
    const pairs: [string, string][] = [
      ...(cors ? [['access-control-allow-origin', cors] as [string, string]] : []),
      ...Object.entries(route.headers),
    ];
    this.headers = pairs.map(([name, value]) => [name, value, name.toLowerCase()] as const);
  }

  /** The counters every exchange on this route updates. */
  get counters(): Counters[] {
    if (!this.shared) {
      const { scope, route, kind } = this;
      const name = scope.listener;
      this.shared = [
        scope.counters,
        scope.services.counters.get('route', `${name} ${route.path}`, { listener: name, route: route.path, kind }),
      ];
    }
    return this.shared;
  }
}

/** Exchanges whose `signal` exists, so stop() reaches them without an abort listener per exchange. */
export class DrainSet {
  /** stop() started: endless exchanges end now. */
  stopping = false;
  /** The drain deadline passed: every exchange ends. */
  draining = false;
  private readonly open = new Set<LiveExchange>();

  add(ex: LiveExchange): void {
    this.open.add(ex);
  }

  delete(ex: LiveExchange): void {
    this.open.delete(ex);
  }

  /** stop() started: aborts endless exchanges (they would only hold the deadline). */
  stop(): void {
    this.stopping = true;
    for (const ex of this.open) if (ex.endless) ex.abortWith('listener stopping');
  }

  /** The drain deadline: aborts everything still open. */
  drain(): void {
    this.draining = true;
    for (const ex of this.open) ex.abortWith('listener stopping');
  }
}

/** Stages of a response nothing hooks into (shared, never written to). */
const NO_STAGES: Stage[] = Object.freeze([]) as unknown as Stage[];

/** Where a response keeps its exchange, for the one shared close handler. */
const EXCHANGE = Symbol('sluice.exchange');
type TaggedResponse = ExchangeResponse & { [EXCHANGE]?: LiveExchange };

/** The one 'close' listener of every response: no closure per exchange. */
function onResponseClose(this: TaggedResponse): void {
  const ex = this[EXCHANGE];
  if (ex) ex.closed();
}

/** Records how an exchange ended (complete, closed by either side cleanly, error) and counts its status class. */
export function finishRecord(
  rec: ExchangeRecord,
  res: ExchangeResponse,
  counters: readonly Counters[],
  services: EngineServices,
): void {
  rec.durationMs = services.clock.now() - rec.startedAt;
  rec.status ??= res.headersSent ? res.statusCode : undefined;
  // The headers are kept as sent; their Content-Type is read from them when someone asks (recordContentType).
  if (rec.responseHeaders === undefined && rec.headerBlock === undefined) keepSentHeaders(rec, res);
  if (rec.outcome === 'open') rec.outcome = res.writableFinished ? 'complete' : 'closed';
  const cls = Math.floor((rec.status ?? 0) / 100);
  if (cls >= 1 && cls <= 5) for (const c of counters) c.status[cls]!++;
  services.traffic.changed(rec);
}

/** A request being served on a matched route. */
export class LiveExchange implements Exchange, OutletObserver {
  readonly outlet: ResponseOutlet;
  responseSize?: number = undefined;
  private parsedQuery: URLSearchParams | undefined = undefined;
  private abort: AbortController | undefined = undefined;
  /** Resolves the promise whenEnded() handed out. */
  private release: (() => void) | undefined = undefined;
  /** Told once when the exchange ends (onEnded()). */
  private endListener: EndListener | undefined = undefined;
  private endedWait: Promise<void> | undefined = undefined;
  private isClosed = false;
  /** abortWith() ran (a drain ended this exchange). */
  private wasEnded = false;
  /** Counts the request body against the route's max_body_size (made when such a route reads a body). */
  private meter: BodyMeter | undefined = undefined;

  /**
   * @param search the raw query after `?` (no `#`), parsed on first read of `query`
   */
  constructor(
    readonly req: ExchangeRequest,
    readonly res: ExchangeResponse,
    readonly entry: RouteEntry,
    readonly prefix: string,
    readonly pathname: string,
    private readonly search: string,
    readonly client: string,
    readonly record: ExchangeRecord,
  ) {
    this.outlet = new ResponseOutlet(res, this);
    entry.counters[1]!.requests++;
    entry.counters[1]!.active++;
    (res as TaggedResponse)[EXCHANGE] = this;
    res.on('close', onResponseClose);
  }

  get server(): HttpServerConfig {
    return this.entry.scope.server;
  }
  get listener(): string {
    return this.entry.scope.listener;
  }
  get services(): EngineServices {
    return this.entry.scope.services;
  }
  get route(): RouteConfig {
    return this.entry.route;
  }
  get kind(): RouteKind {
    return this.entry.kind;
  }
  get routeIndex(): number {
    return this.entry.index;
  }
  get counters(): Counters[] {
    return this.entry.counters;
  }
  get endless(): boolean {
    return this.entry.endless;
  }
  get handler(): RouteHandler {
    return this.entry.handler;
  }

  /** The path after the route's prefix (`/a/b` on `/files` for `/files/a/b`). */
  get rest(): string {
    return this.pathname.slice(this.prefix.length) || '/';
  }

  /** Parsed on first read; an empty query is not kept (idle SSE clients read it for `lastEventId`). */
  get query(): URLSearchParams {
    if (this.search === '') return new URLSearchParams();
    return (this.parsedQuery ??= new URLSearchParams(this.search));
  }

  /** Aborts when the client disconnects or the listener drains; created on first use. */
  get signal(): AbortSignal {
    let a = this.abort;
    if (!a) {
      a = this.abort = new AbortController();
      const drain = this.entry.scope.drain;
      if (this.isClosed) a.abort(new CleanAbort('client closed'));
      else if (drain.draining || (drain.stopping && this.entry.endless)) a.abort(new CleanAbort('listener stopping'));
      else drain.add(this);
    }
    return a.signal;
  }

  /** Resolves when `signal` aborts or would (client gone, listener draining), without making a signal: one promise, no EventTarget. */
  whenEnded(): Promise<void> {
    if (this.endedWait) return this.endedWait;
    const drain = this.entry.scope.drain;
    if (this.isClosed || this.abort?.signal.aborted || drain.draining || (drain.stopping && this.entry.endless))
      return Promise.resolve();
    this.endedWait = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    drain.add(this);
    return this.endedWait;
  }

  /** Tells `listener` once when the exchange ends (at once, on the next microtask, when it already has). */
  onEnded(listener: EndListener): void {
    if (this.ended || this.abort?.signal.aborted) {
      queueMicrotask(() => listener.exchangeEnded());
      return;
    }
    this.endListener = listener;
    this.entry.scope.drain.add(this);
  }

  /** True once the signal aborted or would have: client gone, or the listener draining this exchange. */
  get ended(): boolean {
    if (this.isClosed || this.wasEnded) return true; // a signal only ever aborts through these or the drain below
    const drain = this.entry.scope.drain;
    return drain.draining || (drain.stopping && this.entry.endless);
  }

  /** Aborts the signal (if anyone holds it) with a clean reason and resolves whenEnded(). */
  abortWith(reason: string): void {
    this.wasEnded = true;
    const a = this.abort;
    if (a && !a.signal.aborted) a.abort(new CleanAbort(reason));
    const release = this.release;
    if (release) {
      this.release = undefined;
      release();
    }
    const listener = this.endListener;
    if (listener) {
      this.endListener = undefined;
      listener.exchangeEnded();
    }
  }

  /** Reads the request body through inbound stages (limits), calling `consume` per chunk with backpressure. */
  async pipeBody(consume: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    const stages: Stage[] = [];
    for (const h of this.entry.scope.hooks) {
      const s = h.inStage?.(this);
      if (s !== undefined) stages.push(s);
    }
    try {
      for await (const chunk of this.req) await this.through(stages, 0, chunk as Buffer, consume);
    } finally {
      for (const s of stages) s.dispose?.();
    }
  }

  private through(
    stages: Stage[],
    i: number,
    chunk: Buffer,
    consume: (chunk: Buffer) => Promise<void> | void,
  ): Promise<void> {
    const s = stages[i];
    return s ? s.write(chunk, (c) => this.through(stages, i + 1, c, consume)) : this.push(chunk, consume);
  }

  private async push(chunk: Buffer, consume: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    const max = this.entry.route.max_body_size;
    if (max !== undefined) (this.meter ??= new BodyMeter(max, this.entry.route.path)).add(chunk.length);
    for (const c of this.counters) c.bytesIn += chunk.length;
    this.record.bytesIn += chunk.length;
    await consume(chunk);
  }

  /** Outlet: the response stages, decided at the first write (headers known). */
  stages(): Stage[] {
    let out: Stage[] | undefined;
    for (const h of this.entry.scope.hooks) {
      const s = h.outStage?.(this);
      if (s !== undefined) (out ??= []).push(s);
    }
    return out ?? NO_STAGES;
  }

  /** Outlet: the first byte is going out. */
  onFirstByte(): void {
    const rec = this.record;
    const res = this.res;
    rec.ttfbMs = this.services.clock.now() - rec.startedAt;
    rec.status = res.statusCode; // the table shows it while the exchange is still open
    // Known now (headers are out): the table shows them, and the traffic capture decides on SSE decoding by their Content-Type.
    keepSentHeaders(rec, res);
  }

  /** Outlet: a chunk reached the socket. */
  onChunk(chunk: Buffer): void {
    this.record.bytesOut += chunk.length;
    const { traffic, clock } = this.services;
    if (traffic.observed) traffic.capture(this.record, chunk, clock.now());
  }

  /** The response closed: abort the signal, finish the record, release the stages. */
  closed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const counters = this.counters;
    counters[1]!.active--;
    if (this.abort || this.release || this.endListener) {
      this.entry.scope.drain.delete(this);
      this.abortWith('client closed');
    }
    finishRecord(this.record, this.res, counters, this.services);
    this.entry.scope.log?.write(this.record, this.req, this.res);
    this.outlet.dispose(); // stages release timers and shared-bucket membership
  }
}
