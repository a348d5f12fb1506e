/**
 * One request/response as handlers see it: the parsed URL, the matched route,
 * the client, the outlet to write through, the traffic record and a signal
 * that fires when the client goes away or the listener drains.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpServerConfig, RouteConfig, RouteKind } from '../config/index.js';
import type { Counters } from '../telemetry/counters.js';
import type { ExchangeRecord } from '../telemetry/exchange-record.js';
import type { Outlet, OutletStage } from './outlet.js';
import type { EngineServices } from '../engine/services.js';

/** Something that can act on every exchange: faults (before), limits (stages). */
export interface ExchangeHook {
  /** Runs before the handler; returns true when it answered or dropped the exchange itself. */
  before?(ex: Exchange): boolean | Promise<boolean>;
  /** A stage for the response body, decided at the first write (headers known); undefined for none. */
  outStage?(ex: Exchange): OutletStage | undefined;
  /** A stage for the request body (uploads, proxied request bodies). */
  inStage?(ex: Exchange): OutletStage | undefined;
}

/** A request being served. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly server: HttpServerConfig;
  readonly listener: string;
  readonly route: RouteConfig;
  readonly kind: RouteKind;
  /** Index of the route in the server's list (stable scope name for telemetry). */
  readonly routeIndex: number;
  /** The matched prefix (`/files`) and the rest of the path (`/a/b.txt`), both still percent-encoded. */
  readonly prefix: string;
  readonly rest: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  /** Client IP address (IPv4-mapped IPv6 unwrapped). */
  readonly client: string;
  readonly outlet: Outlet;
  readonly record: ExchangeRecord;
  /** Listener and route counters; handlers add to them for domain events (SSE events, drops). */
  readonly counters: Counters[];
  readonly services: EngineServices;
  /** Aborts when the client disconnects or the listener drains. */
  readonly signal: AbortSignal;
  /**
   * Resolves when `signal` aborts, without needing the signal (cheaper for
   * exchanges that stay open and idle, like SSE subscribers); optional so a
   * hand-made Exchange may leave it out — see `untilEnded()` in core/http/exchange-end.ts.
   */
  whenEnded?(): Promise<void>;
  /** True once `signal` aborted or would have (client gone, listener draining), without making a signal; optional like whenEnded. */
  readonly ended?: boolean;
  /** Known response length (static files) so limit rules on min_size can match; set before the first write. */
  responseSize?: number;
  /** Reads the request body through inbound stages (limits), calling `consume` per chunk with backpressure. */
  pipeBody(consume: (chunk: Buffer) => Promise<void> | void): Promise<void>;
}
