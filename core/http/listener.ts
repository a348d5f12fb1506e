/**
 * An HTTP listener: one `http.Server` bound to a server's `listen` address.
 * A config apply swaps its router in place (open connections stay up);
 * stop() stops accepting, lets exchanges finish until the deadline, then
 * closes what is left.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parseAddress, routeKind, type HttpServerConfig } from '../config/index.js';
import type { ListenerDef } from '../config/index.js';
import type { EngineServices } from '../engine/services.js';
import type { Listener } from '../engine/listener.js';
import { CleanAbort, listenError, SluiceError } from '../util/errors.js';
import { parseTarget, Router } from './router.js';
import { HANDLERS } from './handlers/index.js';
import type { RouteHandler } from './handler.js';
import { sendText } from './handler.js';
import type { Exchange } from './exchange.js';
import type { Counters } from '../telemetry/counters.js';
import { DrainSet, finishRecord, LiveExchange, RouteEntry, type ListenerScope } from './live-exchange.js';

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
  private router: Router<RouteEntry>;
  private readonly sockets = new Set<Socket>();
  /**
   * Exchanges whose signal exists: stop() aborts endless ones (SSE, count: 0
   * streams — they would only hold the deadline) at once, finite ones (files,
   * chunked, proxy) at the drain deadline.
   */
  private readonly drain = new DrainSet();
  private readonly counters: Counters;

  constructor(
    public def: Extract<ListenerDef, { kind: 'http' }>,
    private readonly services: EngineServices,
  ) {
    this.config = def.server;
    this.counters = services.counters.get('listener', def.name, { kind: 'http', listen: def.listen });
    this.router = this.buildRouter(def.server);
  }

  /** Handlers and what their exchanges share, built once per config apply. */
  private buildRouter(server: HttpServerConfig): Router<RouteEntry> {
    const ctx = { server, listener: server.name, services: this.services };
    const scope: ListenerScope = {
      server,
      listener: this.def.name,
      services: this.services,
      counters: this.counters,
      drain: this.drain,
    };
    return new Router(server.routes, (route, index) => {
      const kind = routeKind(route);
      return new RouteEntry(HANDLERS[kind](route, ctx), route, index, kind, scope);
    });
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
    const sockets = this.sockets;
    const counters = this.counters;
    // One function for every socket (it is `this` when 'close' fires): no closure or once-wrapper per connection.
    const forget = function (this: Socket): void {
      if (sockets.delete(this)) counters.active--;
    };
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      counters.active++;
      socket.on('close', forget);
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
    const code =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    const body = `${code.slice(4)}\n`;
    socket.end(
      `HTTP/1.1 ${code}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  /**
   * Protocol upgrades (WebSocket) go to routes whose handler takes them (proxy).
   * Elsewhere the Upgrade header is ignored, as nginx does: `curl --http2` on a
   * mock route (Upgrade: h2c) gets its normal HTTP/1.1 answer, then the
   * connection closes (the socket has left the server's parser).
   */
  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const pathname = parseTarget(req.url ?? '/')?.pathname ?? '/'; // a bad target is served below: 400
    const handler = this.router.match(pathname)?.value.handler as
      | (RouteHandler & { upgrade?(u: { req: IncomingMessage; socket: Socket; head: Buffer; client: string }): void })
      | undefined;
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
    const target = parseTarget(req.url ?? '/');
    const handler = target && this.router.match(target.pathname)?.value.handler;
    return handler?.acceptsBody?.(req) ?? true;
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
    for (const e of old.values()) e.handler.dispose?.();
  }

  async stop(deadlineMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.drain.stop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Keep-alive connections whose exchange finished during the drain go idle: close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    // Upgraded (WebSocket) sockets are no longer the http server's: destroy them too.
    const timer = setTimeout(() => {
      this.drain.drain();
      server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    }, deadlineMs);
    await closed;
    clearInterval(sweep);
    clearTimeout(timer);
    for (const e of this.router.values()) e.handler.dispose?.();
    this.server = undefined;
  }

  /** Starts the traffic record, matches the route and runs hooks and handler on a LiveExchange. */
  private serve(req: IncomingMessage, res: ServerResponse): void {
    const services = this.services;
    const client = clientAddress(req.socket);
    const url = req.url ?? '/';
    const rec = services.traffic.begin({
      listener: this.def.name,
      method: req.method ?? 'GET',
      url,
      client,
      startedAt: services.clock.now(),
      requestHeaders: req.headers,
    });
    this.counters.requests++;
    const target = parseTarget(url);
    if (!target) {
      rec.outcome = 'error';
      return sendText({ res }, 400, 'malformed request URL');
    }
    const match = this.router.match(target.pathname);
    if (!match) {
      rec.status = 404;
      const counters = [this.counters];
      res.once('close', () => finishRecord(rec, res, counters, services));
      return sendText({ res }, 404, `no route for ${target.pathname} on ${this.def.name}`);
    }
    const entry = match.value;
    rec.route = entry.route.path;
    rec.kind = entry.kind;
    if (this.drain.stopping) res.shouldKeepAlive = false;
    const ex = new LiveExchange(req, res, entry, match.prefix, target.pathname, target.search, client, rec);
    this.applyRouteHeaders(ex);
    void this.run(ex);
  }

  /** CORS preflight, hooks (faults), then the route's handler; a throw becomes the right status or a closed connection. */
  private async run(ex: LiveExchange): Promise<void> {
    try {
      const { req, res } = ex;
      if (req.method === 'OPTIONS' && ex.kind !== 'proxy' && ex.route.cors !== false) {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
          'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
      for (const h of this.services.hooks) if (h.before && (await h.before(ex))) return;
      // Not awaited here: an open exchange (SSE) then holds one small reaction, not this whole async frame.
      Promise.resolve(ex.handler.handle(ex)).then(undefined, (err: unknown) => this.fail(ex, err));
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
    const status = err instanceof SluiceError ? (STATUS_OF[err.code] ?? 500) : 500;
    if (status >= 500 && !(err instanceof SluiceError))
      this.services.log('error', `${this.def.name} ${ex.route.path}: ${message}`);
    sendText(ex, status, message);
  }
}
