/**
 * The contract between HTTP listeners and route kinds: a factory per kind
 * builds a handler for one route when a config is applied; the handler serves
 * each exchange on that route. Each feature defines its own kinds (`sse`,
 * `proxy`, …); the composition root puts them in one table.
 */
import type { Duplex } from 'node:stream';
import type { HttpServerConfig, RouteConfig, RouteKind } from '../config/index.js';
import type { Exchange, ExchangeRequest } from './exchange.js';
import type { EngineServices } from './services.js';

/** A protocol upgrade (WebSocket) handed to a route that takes them. */
export interface UpgradeRequest {
  req: ExchangeRequest;
  socket: Duplex;
  head: Buffer;
  /** Client IP address. */
  client: string;
  /** The matched route prefix and the parsed path (a route that replaces its prefix upstream needs both). */
  route?: { prefix: string; pathname: string };
}

/**
 * The settled promise of work that needed no waiting: a handler that answered
 * at once, a write the socket took. A listener seeing it skips the promise
 * turn a `.then` would cost on every small response.
 */
export const DONE: Promise<void> = Promise.resolve();

/** Serves exchanges for one route. */
export interface RouteHandler {
  /**
   * Serves one exchange; throw a SluiceError for a clear 4xx/5xx, CleanAbort to
   * close quietly. Returns `DONE` when it finished without waiting.
   */
  handle(ex: Exchange): Promise<void>;
  /** Takes a protocol upgrade (only routes that forward them, like proxy). */
  upgrade?(u: UpgradeRequest): void;
  /** The route was removed or replaced: stop timers. In-flight exchanges may still finish. */
  dispose?(): void;
  /** One sentence saying what the route does (for the UI and logs). */
  explain?(): string;
  /** For `Expect: 100-continue`: false answers without inviting the body (e.g. an upload over max_size). Default true. */
  acceptsBody?(req: ExchangeRequest): boolean;
}

/** What a handler factory gets besides its route. */
export interface HandlerContext {
  server: HttpServerConfig;
  listener: string;
  services: EngineServices;
}

/** Builds the handler of one route. */
export type HandlerFactory = (route: RouteConfig, ctx: HandlerContext) => RouteHandler;

/** Route kind → handler factory, as the composition root wires it. */
export type RouteKinds = Record<RouteKind, HandlerFactory>;
