/**
 * The contract between the listener and route kinds: a factory per kind
 * builds a handler for one route when a config is applied; the handler serves
 * each exchange on that route.
 */
import type { HttpServerConfig, RouteConfig } from '../config/index.js';
import type { EngineServices } from '../engine/services.js';
import type { IncomingMessage } from 'node:http';
import type { Exchange } from './exchange.js';

/** Serves exchanges for one route. */
export interface RouteHandler {
  /** Serves one exchange; throw a SluiceError for a clear 4xx/5xx, CleanAbort to close quietly. */
  handle(ex: Exchange): Promise<void>;
  /** The route was removed or replaced: stop timers. In-flight exchanges may still finish. */
  dispose?(): void;
  /** One sentence saying what the route does (for the UI and logs). */
  explain?(): string;
  /** For `Expect: 100-continue`: false answers without inviting the body (e.g. an upload over max_size). Default true. */
  acceptsBody?(req: IncomingMessage): boolean;
}

/** What a handler factory gets besides its route. */
export interface HandlerContext {
  server: HttpServerConfig;
  listener: string;
  services: EngineServices;
}

/** Builds the handler of one route. */
export type HandlerFactory = (route: RouteConfig, ctx: HandlerContext) => RouteHandler;

/** Sends a short plain-text answer (errors, 404s) unless headers already went out. */
export function sendText(
  ex: Pick<Exchange, 'res'>,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const { res } = ex;
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(text.endsWith('\n') ? text : `${text}\n`);
  res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

/** Answers 405 with `Allow` when the method is not one of `allowed`; returns true when it answered. */
export function refuseMethod(ex: Pick<Exchange, 'req' | 'res'>, allowed: readonly string[], what: string): boolean {
  const method = ex.req.method ?? 'GET';
  if (allowed.includes(method)) return false;
  ex.res.setHeader('allow', allowed.join(', '));
  sendText(ex, 405, `${method} is not allowed on ${what} (${allowed.join(', ')})`);
  return true;
}
