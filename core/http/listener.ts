/**
 * An HTTP listener: one `http.Server` bound to a server's `listen` address.
 * A config apply swaps its router in place (open connections stay up);
 * stop() stops accepting, lets exchanges finish until the deadline, then
 * closes what is left.
 */
import { setMaxListeners } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parseAddress, routeKind, type HttpServerConfig } from '../config/index.js';
import type { ListenerDef } from '../config/index.js';
import type { EngineServices } from '../engine/services.js';
import type { Listener } from '../engine/listener.js';
import { CleanAbort, listenError, SluiceError } from '../util/errors.js';
import { Router } from './router.js';
import { HANDLERS } from './handlers/index.js';
import type { RouteHandler } from './handler.js';
import { sendText } from './handler.js';
import { Outlet, type OutletStage } from './outlet.js';
import type { Exchange } from './exchange.js';
import type { Counters } from '../telemetry/counters.js';
import { sentContentType, sentHeaders } from '../telemetry/sent-headers.js';

const STATUS_OF: Partial<Record<SluiceError['code'], number>> = {
  E_UPSTREAM_CONNECT: 502,
  E_UPSTREAM_PROTOCOL: 502,
  E_UPSTREAM_TIMEOUT: 504,
  E_NOT_FOUND: 404,
  E_BAD_REQUEST: 400,
  E_UNKNOWN_CHANNEL: 404,
};

/** How often Node looks for requests whose headers are overdue (the granularity of header_timeout). */
const HEADER_CHECK_MS = 250;

/** Unwraps `::ffff:127.0.0.1` to `127.0.0.1`. */
export function clientAddress(socket: Socket): string {
  const a = socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** Serves one `http.servers[]` entry. */
export class HttpListener implements Listener {
  private server: http.Server | undefined;
  private config: HttpServerConfig;
  private router: Router<RouteHandler>;
  private readonly sockets = new Set<Socket>();
  /** Aborts at the drain deadline: finite exchanges (files, chunked, proxy) may finish until then. */
  private readonly draining = new AbortController();
  /** Aborts as soon as stop() starts: endless exchanges (SSE, count: 0 streams) would only hold the deadline. */
  private readonly stopping = new AbortController();
  private readonly counters: Counters;

  constructor(public def: Extract<ListenerDef, { kind: 'http' }>, private readonly services: EngineServices) {
    this.config = def.server;
    this.router = this.buildRouter(def.server);
    this.counters = services.counters.get('listener', def.name, { kind: 'http', listen: def.listen });
    // One abort listener per open exchange: thousands are normal, not a leak.
    setMaxListeners(0, this.draining.signal, this.stopping.signal);
  }

  private buildRouter(server: HttpServerConfig): Router<RouteHandler> {
    const ctx = { server, listener: server.name, services: this.services };
    return new Router(server.routes, (route) => HANDLERS[routeKind(route)](route, ctx));
  }

  /** The bound address (`127.0.0.1:54321` for port 0). */
  address(): string {
    const a = this.server?.address();
    if (a && typeof a === 'object') return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    return this.def.listen;
  }

  async start(): Promise<void> {
    const { host, port } = parseAddress(this.def.listen)!;
    const server = http.createServer({
      maxHeaderSize: this.config.max_header_size,
      headersTimeout: this.config.header_timeout,
      requestTimeout: 0, // uploads and streams are long; header_timeout guards slow headers
      // Node checks header timeouts on this tick (default 30 s, far past a typical header_timeout).
      connectionsCheckingInterval: HEADER_CHECK_MS,
      keepAliveTimeout: this.config.keepalive_timeout,
      noDelay: true,
    });
    server.on('request', (req, res) => void this.serve(req, res));
    // Expect: 100-continue — invite the body unless the route will refuse it anyway (413 before any upload).
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (this.acceptsBody(req)) res.writeContinue();
      void this.serve(req, res);
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      this.counters.active++;
      socket.once('close', () => {
        this.sockets.delete(socket);
        this.counters.active--;
      });
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.clientError(err, socket));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, this.def.listen)));
      server.listen({ host, port, backlog: 1024 }, () => resolve());
    });
    server.on('error', (err) => this.services.log('error', `${this.def.name}: ${err.message}`));
    this.server = server;
  }

  /** Malformed or oversized requests get the right 4xx and a closed socket, never a crash. */
  private clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      socket.destroy(); // the client left mid-request: nothing to answer, nothing wrong here
      return;
    }
    this.counters.errors++;
    if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const code = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
      : '400 Bad Request';
    const body = `${code.slice(4)}\n`;
    socket.end(`HTTP/1.1 ${code}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  }

  /**
   * Protocol upgrades (WebSocket) go to routes whose handler takes them (proxy).
   * Elsewhere the Upgrade header is ignored, as nginx does: `curl --http2` on a
   * mock route (Upgrade: h2c) gets its normal HTTP/1.1 answer, then the
   * connection closes (the socket has left the server's parser).
   */
  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    let pathname = '/';
    try { pathname = new URL(req.url ?? '/', 'http://x').pathname; } catch { /* served below: 400 */ }
    const handler = this.router.match(pathname)?.value as (RouteHandler & { upgrade?(u: { req: IncomingMessage; socket: Socket; head: Buffer; client: string }): void }) | undefined;
    if (handler?.upgrade) return handler.upgrade({ req, socket, head, client: clientAddress(socket) });
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.once('finish', () => {
      res.detachSocket(socket);
      socket.end();
    });
    void this.serve(req, res);
  }

  /** Asks the matched route whether it wants this request's body (default yes). */
  private acceptsBody(req: IncomingMessage): boolean {
    try {
      const match = this.router.match(new URL(req.url ?? '/', 'http://x').pathname);
      return match?.value.acceptsBody?.(req) ?? true;
    } catch {
      return true;
    }
  }

  /** Applies a changed server definition in place: new requests see the new routes. */
  update(def: ListenerDef): void {
    if (def.kind !== 'http') return;
    const old = this.router;
    this.def = def;
    this.config = def.server;
    this.router = this.buildRouter(def.server);
    if (this.server) {
      this.server.keepAliveTimeout = def.server.keepalive_timeout;
      this.server.headersTimeout = def.server.header_timeout;
    }
    for (const h of old.values()) h.dispose?.();
  }

  async stop(deadlineMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.stopping.abort(new CleanAbort('listener stopping'));
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Keep-alive connections whose exchange finished during the drain go idle: close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    // Upgraded (WebSocket) sockets are no longer the http server's: destroy them too.
    const timer = setTimeout(() => {
      this.draining.abort(new CleanAbort('listener stopping'));
      server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    }, deadlineMs);
    await closed;
    clearInterval(sweep);
    clearTimeout(timer);
    for (const h of this.router.values()) h.dispose?.();
    this.server = undefined;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const services = this.services;
    const client = clientAddress(req.socket);
    const rec = services.traffic.begin({
      listener: this.def.name, method: req.method ?? 'GET', url: req.url ?? '/', client,
      startedAt: services.clock.now(), requestHeaders: req.headers,
    });
    this.counters.requests++;
    let url: URL;
    let pathname: string;
    try {
      url = new URL(req.url ?? '/', 'http://x');
      pathname = url.pathname;
    } catch {
      rec.outcome = 'error';
      return sendText({ res }, 400, 'malformed request URL');
    }
    const match = this.router.match(pathname);
    if (!match) {
      rec.status = 404;
      this.finish(rec, res, [this.counters]);
      return sendText({ res }, 404, `no route for ${pathname} on ${this.def.name}`);
    }
    const route = match.route;
    const kind = routeKind(route);
    rec.route = route.path;
    rec.kind = kind;
    const routeCounters = services.counters.get('route', `${this.def.name} ${route.path}`, { listener: this.def.name, route: route.path, kind });
    routeCounters.requests++;
    routeCounters.active++;
    const counters = [this.counters, routeCounters];
    const abort = new AbortController();
    const onDrain = () => abort.abort(new CleanAbort('listener stopping'));
    const endless = kind === 'sse' || (kind === 'stream' && route.stream!.count === 0);
    const drain = endless ? this.stopping.signal : this.draining.signal;
    if (this.stopping.signal.aborted) res.shouldKeepAlive = false;
    drain.addEventListener('abort', onDrain, { once: true });
    res.once('close', () => {
      drain.removeEventListener('abort', onDrain);
      routeCounters.active--;
      if (!abort.signal.aborted) abort.abort(new CleanAbort('client closed'));
    });

    let ex!: Exchange;
    const hooks = services.hooks;
    const outlet = new Outlet(res, {
      counters,
      onFirstByte: () => {
        rec.ttfbMs = services.clock.now() - rec.startedAt;
        rec.status = res.statusCode; // the table shows it while the exchange is still open
        // Known now (headers are out); the traffic capture decides on SSE decoding by it.
        rec.responseHeaders = sentHeaders(res);
        rec.contentType = sentContentType(res);
      },
      onChunk: (chunk) => {
        rec.bytesOut += chunk.length;
        if (services.traffic.observed) services.traffic.capture(rec, chunk, services.clock.now());
      },
    }, () => hooks.map((h) => h.outStage?.(ex)).filter((s): s is OutletStage => s !== undefined));

    ex = {
      req, res, server: this.config, listener: this.def.name, route, kind, routeIndex: match.index,
      prefix: match.prefix, rest: match.rest, pathname, query: url.searchParams, client, outlet, record: rec,
      counters, services, signal: abort.signal,
      pipeBody: (consume) => this.pipeBody(ex, consume),
    };
    this.finish(rec, res, counters);
    res.once('close', () => outlet.dispose()); // stages release timers and shared-bucket membership
    this.applyRouteHeaders(ex);
    try {
      if (req.method === 'OPTIONS' && kind !== 'proxy' && route.cors !== false) {
        res.writeHead(204, { 'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS', 'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*', 'access-control-max-age': '600' });
        res.end();
        return;
      }
      for (const h of hooks) if (h.before && (await h.before(ex))) return;
      await match.value.handle(ex);
    } catch (err) {
      this.fail(ex, err);
    }
  }

  /** CORS (default * on mock routes) and the route's extra headers. */
  private applyRouteHeaders(ex: Exchange): void {
    const { route, kind, res } = ex;
    const cors = route.cors ?? (kind === 'proxy' ? undefined : '*');
    if (cors) res.setHeader('access-control-allow-origin', cors);
    for (const [k, v] of Object.entries(route.headers)) res.setHeader(k, v);
  }

  private async pipeBody(ex: Exchange, consume: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    const stages = this.services.hooks.map((h) => h.inStage?.(ex)).filter((s): s is OutletStage => s !== undefined);
    const counters = ex.counters;
    const push = async (chunk: Buffer) => {
      for (const c of counters) c.bytesIn += chunk.length;
      ex.record.bytesIn += chunk.length;
      await consume(chunk);
    };
    const through = (i: number, chunk: Buffer): Promise<void> => {
      const s = stages[i];
      return s ? s.write(chunk, (c) => through(i + 1, c)) : push(chunk);
    };
    try {
      for await (const chunk of ex.req) await through(0, chunk as Buffer);
    } finally {
      for (const s of stages) s.dispose?.();
    }
  }

  /** Records how the exchange ended: complete, closed (client went away cleanly) or error. */
  private finish(rec: Exchange['record'], res: ServerResponse, counters: Counters[]): void {
    res.once('close', () => {
      const now = this.services.clock.now();
      rec.durationMs = now - rec.startedAt;
      rec.status ??= res.headersSent ? res.statusCode : undefined;
      rec.responseHeaders ??= res.getHeaders() as Exchange['record']['responseHeaders'];
      rec.contentType ??= String(res.getHeader('content-type') ?? '') || undefined;
      if (rec.outcome === 'open') rec.outcome = res.writableFinished ? 'complete' : 'closed';
      const cls = Math.floor((rec.status ?? 0) / 100);
      if (cls >= 1 && cls <= 5) for (const c of counters) c.status[cls]!++;
      this.services.traffic.changed(rec);
    });
  }

  private fail(ex: Exchange, err: unknown): void {
    if (err instanceof CleanAbort || ex.signal.aborted) {
      if (!ex.res.writableEnded) ex.res.destroy();
      return;
    }
    for (const c of ex.counters) c.errors++;
    const message = err instanceof Error ? err.message : String(err);
    ex.record.outcome = 'error';
    ex.record.error = message;
    if (ex.res.headersSent) {
      // Never let a truncated body look complete: abort the connection.
      ex.res.destroy();
      return;
    }
    const status = err instanceof SluiceError ? STATUS_OF[err.code] ?? 500 : 500;
    if (status >= 500 && !(err instanceof SluiceError)) this.services.log('error', `${this.def.name} ${ex.route.path}: ${message}`);
    sendText(ex, status, message);
  }
}
