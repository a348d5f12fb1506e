/**
 * One request/response as route handlers see it: the parsed URL, the matched
 * route, the client, the outlet to write through, the traffic record and a
 * signal that fires when the client goes away or the listener drains; plus
 * the hooks that act on every exchange (faults, limits) and on every
 * TCP/UDP link.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { HttpServerConfig, RouteConfig, RouteKind, StreamServerConfig } from '../config/index.js';
import type { Counters } from '../telemetry/counters.js';
import type { ExchangeRecord } from '../telemetry/exchange-record.js';
import type { EngineServices } from './services.js';
import type { Stage, StageTarget } from './stage.js';

/** The request side of an exchange: HTTP/1's message or HTTP/2's compatibility request (same fields). */
export type ExchangeRequest = IncomingMessage | Http2ServerRequest;

/**
 * HTTP/2's compatibility response as the listener hands it out: Node has
 * `flushHeaders` (its typings miss it), and the listener's subclass adds
 * `destroyed` and makes `destroy()` a RST_STREAM with an error code, so a
 * broken-off body never looks complete.
 */
export interface Http2ExchangeResponse extends Omit<Http2ServerResponse, 'write'> {
  flushHeaders(): void;
  // Declared as a Writable's (as ServerResponse has them), so calls on either response type check.
  write(chunk: string | Uint8Array, callback?: (error: Error | null | undefined) => void): boolean;
  write(
    chunk: string | Uint8Array,
    encoding: BufferEncoding,
    callback?: (error: Error | null | undefined) => void,
  ): boolean;
}

/**
 * The response side of an exchange: HTTP/1's response or HTTP/2's. Handlers
 * use what both offer (status, headers, write/end with backpressure, `drain`
 * and `close`, destroy); what differs — ending the connection, a reset — goes
 * through ./transport.ts.
 */
export type ExchangeResponse = ServerResponse | Http2ExchangeResponse;

/** The one way bytes go from a handler to a client: through the exchange's stages, with backpressure. */
export interface Outlet {
  /** True when the client has gone away (writes are dropped). */
  readonly closed: boolean;
  /** True when no stage sits on the path: fan-out code may use writeDirect(). */
  readonly direct: boolean;
  /** Writes a chunk; resolves when more may be written. Never rejects; a closed client resolves at once. */
  write(chunk: Buffer | string): Promise<void>;
  /** Synchronous write for fan-out (no stages): counts and writes; returns the socket's write() answer. */
  writeDirect(buf: Buffer): boolean;
  /** Ends the response after everything written has passed the stages. */
  end(chunk?: Buffer | string): Promise<void>;
  /**
   * Resolves when every chunk written so far has left the process (handed to
   * the kernel, or dropped with a closed client): its memory may be reused.
   */
  flushed(): Promise<void>;
  /** The largest step a stage on the path passes on at once (a limit's grant); 0 when none works in steps. */
  stepSize(): number;
}

/** Something that acts on every HTTP exchange: faults (before the handler), limits (stages). */
export interface ExchangeHook {
  /** Runs before the handler; returns true when it answered or dropped the exchange itself. */
  before?(ex: Exchange): boolean | Promise<boolean>;
  /** A stage for the response body, decided at the first write (headers known); undefined for none. */
  outStage?(ex: Exchange): Stage | undefined;
  /** A stage for the request body (uploads, proxied request bodies). */
  inStage?(ex: Exchange): Stage | undefined;
}

/** The connection a link stage serves: who the client is and how to act on the connection. */
export interface LinkTarget extends StageTarget {
  /** The stream server's name (its limit scope is `stream <name>`). */
  server: string;
  clientIp: string;
}

/** Something that puts stages on the links of TCP/UDP stream servers (faults, limits). */
export interface LinkHook {
  /** True when connections of this server need stages in some direction (else they take the fast path). */
  applies(server: StreamServerConfig): boolean;
  /** The stages for one direction of one connection (`in`: client → upstream, `out`: upstream → client). */
  linkStages(server: StreamServerConfig, target: LinkTarget, dir: 'in' | 'out'): Stage[];
}

/** A request being served. */
export interface Exchange {
  readonly req: ExchangeRequest;
  readonly res: ExchangeResponse;
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
   * hand-made Exchange may leave it out — see `untilEnded()`.
   */
  whenEnded?(): Promise<void>;
  /**
   * Calls `listener.exchangeEnded()` once when the exchange ends — the cheapest
   * wait: no promise, no closure (tens of thousands of idle SSE subscribers
   * each hold one). One listener per exchange; optional like whenEnded, see `atEnd()`.
   */
  onEnded?(listener: EndListener): void;
  /** True once `signal` aborted or would have (client gone, listener draining), without making a signal; optional like whenEnded. */
  readonly ended?: boolean;
  /** Known response length (static files) so limit rules on min_size can match; set before the first write. */
  responseSize?: number;
  /** Reads the request body through inbound stages (limits), calling `consume` per chunk with backpressure. */
  pipeBody(consume: (chunk: Buffer) => Promise<void> | void): Promise<void>;
}

/** Told once when its exchange ends (client gone, listener draining). */
export interface EndListener {
  exchangeEnded(): void;
}
