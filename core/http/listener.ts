/**
 * An HTTP listener: one server bound to a server's `listen` address — plain
 * HTTP/1.1, or HTTPS with HTTP/2 and HTTP/1.1 on the same port (see
 * ./node-server.ts). A config apply swaps its router in place (open
 * connections stay up); a new certificate is swapped in for new connections;
 * switching TLS or HTTP/2 on or off re-binds the port while connections
 * already open finish on the old server. stop() stops accepting, lets
 * exchanges finish until the deadline, then closes what is left.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Http2SecureServer, ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { parseAddress, routeKind, stableJson, type HttpServerConfig, type ListenerDef } from '../config/index.js';
import type {
  EngineServices,
  Exchange,
  ExchangeHook,
  ExchangeRequest,
  ExchangeResponse,
  Listener,
  RouteKinds,
} from '../kernel/index.js';
import { closeConnectionAfter, DONE, sendText, wireProtocol } from '../kernel/index.js';
import type { Counters } from '../telemetry/counters.js';
import { serverTlsOptions, type CaSource, type LoadedCredentials } from '../tls/index.js';
import { CleanAbort, listenError, SluiceError, statusOf } from '../util/errors.js';
import { boundAddress, clientIp } from '../util/net.js';
import { connectionTls } from './connection-info.js';
import { H2Sessions } from './h2-sessions.js';
import { DrainSet, finishRecord, LiveExchange, RouteEntry, type ListenerScope } from './live-exchange.js';
import { declaredTooLarge, refuseMethodHere, refuseOverCap, refuseTooLarge } from './request-guards.js';
import { ListenerCertificates } from './listener-certificates.js';
import {
  closeIdle,
  createNodeServer,
  describeTransport,
  h2Settings,
  retire,
  transportKind,
  updateHttp1Limits,
  whileAddressInUse,
  type BoundServer,
} from './node-server.js';
import { guardPlainHttp } from './plain-http-guard.js';
import { Http1Response } from './http1-response.js';
import { answerClientError } from './client-errors.js';
import { parseTarget, Router } from './router.js';
import { ServerLog } from './server-log.js';
import type { ExchangeRecord } from '../telemetry/exchange-record.js';

/** Serves one `http.servers[]` entry. */
export class HttpListener implements Listener {
  private bound: BoundServer | undefined;
  private config: HttpServerConfig;
  private router: Router<RouteEntry>;
  /** Raw TCP connections of every server this listener ran (a re-bind leaves old ones to finish). */
  private readonly sockets = new Set<Socket>();
  /** The certificate being served, and one read ahead by prepare(). */
  private readonly certs: ListenerCertificates;
  /**
   * Exchanges whose signal exists: stop() aborts endless ones (SSE, count: 0
   * streams — they would only hold the deadline) at once, finite ones (files,
   * chunked, proxy) at the drain deadline.
   */
  private readonly drain = new DrainSet();
  private readonly counters: Counters;
  /** Connections accepted past max_connections: their requests get 503. */
  private readonly overCap = new WeakSet<Socket>();
  /** The access log (writes nothing when the server has none). */
  private readonly log: ServerLog;

  constructor(
    public def: Extract<ListenerDef, { kind: 'http' }>,
    private readonly services: EngineServices,
    private readonly routeKinds: RouteKinds,
    /** Run on every exchange, in order (faults first, then limits, so a sliced response is shaped too). */
    private readonly hooks: readonly ExchangeHook[],
    /** The local CA that issues `tls: {}` certificates. */
    ca: CaSource,
  ) {
    this.config = def.server;
    this.certs = new ListenerCertificates(ca, services.baseDir);
    this.counters = services.counters.get('listener', def.name, { kind: 'http', listen: def.listen });
    this.log = new ServerLog(services);
    this.log.configure(def.server.access_log);
    this.router = this.buildRouter(def.server);
  }

  /** Handlers and what their exchanges share, built once per config apply. */
  private buildRouter(server: HttpServerConfig): Router<RouteEntry> {
    const ctx = { server, listener: server.name, services: this.services };
    const scope: ListenerScope = {
      server,
      listener: this.def.name,
      services: this.services,
      hooks: this.hooks,
      counters: this.counters,
      drain: this.drain,
      log: this.log,
    };
    return new Router(server.routes, (route, index) => {
      const kind = routeKind(route);
      return new RouteEntry(this.routeKinds[kind](route, ctx), route, index, kind, scope);
    });
  }

  /** The bound address (`127.0.0.1:54321` for port 0). */
  address(): string {
    return boundAddress(this.bound?.server, this.def.listen);
  }

  async start(): Promise<void> {
    const creds = this.config.tls ? await this.certs.read(this.config) : undefined;
    this.bound = await this.bind(this.config, creds);
    this.certs.serve(creds);
  }

  /** Creates, wires and binds a server for `config` (on `samePort` when re-binding a port-0 listener). */
  private async bind(
    config: HttpServerConfig,
    creds: LoadedCredentials | undefined,
    samePort?: number,
  ): Promise<BoundServer> {
    const { host, port: configured } = parseAddress(config.listen)!;
    const port = samePort ?? configured;
    const server = createNodeServer(config, creds);
    const kind = transportKind(config);
    const bound: BoundServer = { server, kind };
    if (kind !== 'http')
      bound.guard = guardPlainHttp(server, {
        firstByteTimeoutMs: config.header_timeout,
        onPlainHttp: () => this.counters.errors++,
      });
    this.wire(bound);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, config.listen)));
      server.listen({ host, port, backlog: 1024 }, () => resolve());
    });
    server.on('error', (err) => this.services.log('error', `${this.def.name}: ${err.message}`));
    return bound;
  }

  /** Connects a server's events to this listener. */
  private wire(bound: BoundServer): void {
    // The three servers share these events; their typings differ only in the request/response classes.
    const server = bound.server as http.Server;
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
      const cap = this.config.max_connections;
      if (cap > 0 && sockets.size > cap) this.overCap.add(socket);
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => answerClientError(err, socket, counters));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    if (bound.kind === 'h2') {
      const sessions = (bound.sessions = new H2Sessions(this.config.keepalive_timeout));
      (bound.server as Http2SecureServer).on('session', (s: ServerHttp2Session) => sessions.add(s));
    }
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
    const match = this.overCap.has(socket) ? undefined : this.router.match(pathname, req.method, req.headers.host);
    const handler = match?.value.handler;
    if (handler?.upgrade) {
      return handler.upgrade({
        req,
        socket,
        head,
        client: clientIp(socket),
        route: { prefix: match!.prefix, pathname },
      });
    }
    const res = new Http1Response(req);
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
    const match = target && this.router.match(target.pathname, req.method, req.headers.host);
    if (!match || this.overCap.has(req.socket) || declaredTooLarge(req, match.route)) return false;
    return match.value.handler.acceptsBody?.(req) ?? true;
  }

  /**
   * Reads the certificate the next definition needs before the apply changes
   * anything (a missing or mismatched file fails the apply, the running config
   * stays). Also runs when the definition is unchanged: applying the same
   * config again picks up renewed certificate files.
   */
  async prepare(def: ListenerDef): Promise<void> {
    if (def.kind !== 'http' || !def.server.tls) return;
    const creds = await this.certs.read(def.server);
    if (stableJson(def.server) === stableJson(this.config) && this.bound) this.useCertificate(creds);
    else this.certs.hold(def.server, creds);
  }

  /** Serves `creds` to new connections; open ones keep the certificate they shook hands with. */
  private useCertificate(creds: LoadedCredentials): void {
    if (!this.certs.serve(creds) || !this.bound || this.bound.kind === 'http') return;
    (this.bound.server as Http2SecureServer).setSecureContext(serverTlsOptions(creds));
  }

  /**
   * Applies a changed server definition in place: new requests see the new
   * routes, new connections the new certificate. Turning TLS or HTTP/2 on or
   * off needs another server on the port: it is bound in place of the old
   * one, whose open connections finish there.
   */
  async update(def: ListenerDef): Promise<void> {
    if (def.kind !== 'http') return;
    const old = this.router;
    const next = def.server;
    const creds = next.tls ? await this.certs.read(next) : undefined;
    this.def = def;
    this.config = next;
    this.log.configure(next.access_log);
    this.router = this.buildRouter(next);
    for (const e of old.values()) e.handler.dispose?.();
    const bound = this.bound;
    if (!bound) return;
    if (transportKind(next) !== bound.kind) return this.rebind(next, creds);
    if (creds) this.useCertificate(creds);
    updateHttp1Limits(bound.server, next);
    bound.guard?.setTimeout(next.header_timeout);
    if (bound.sessions) {
      bound.sessions.setIdleTimeout(next.keepalive_timeout);
      const settings = h2Settings(next);
      (bound.server as Http2SecureServer).updateSettings(settings);
      bound.sessions.setMaxConcurrentStreams(settings.maxConcurrentStreams!);
    }
  }

  /** Binds a server of another transport on the same address; the old one stops accepting and finishes what it has. */
  private async rebind(next: HttpServerConfig, creds: LoadedCredentials | undefined): Promise<void> {
    const old = this.bound!;
    const port = (old.server.address() as { port: number } | null)?.port;
    // close() stops accepting at once; its callback would wait for open connections, which finish on their own.
    old.server.close(() => undefined);
    retire(old);
    // The address was just released: the port may take a moment to be free again.
    this.bound = await whileAddressInUse(() => this.bind(next, creds, port));
    this.certs.serve(creds);
    this.services.log('info', `${this.def.name}: now ${describeTransport(this.bound.kind)} on ${this.address()}`);
  }

  async stop(deadlineMs: number): Promise<void> {
    const bound = this.bound;
    if (!bound) return;
    const server = bound.server;
    this.drain.stop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    retire(bound);
    // Keep-alive connections whose exchange finished during the drain go idle: close them as they do.
    const sweep = setInterval(() => closeIdle(server), 100);
    // Upgraded (WebSocket) sockets are no longer the server's, nor are those of a server replaced by a re-bind.
    const timer = setTimeout(() => {
      this.drain.drain();
      (server as Partial<http.Server>).closeAllConnections?.();
      bound.sessions?.destroyAll();
      for (const s of this.sockets) s.destroy();
    }, deadlineMs);
    await closed;
    clearInterval(sweep);
    clearTimeout(timer);
    for (const e of this.router.values()) e.handler.dispose?.();
    await this.log.close();
    this.bound = undefined;
  }

  /** Starts the traffic record, matches the route and runs hooks and handler on a LiveExchange. */
  private serve(req: ExchangeRequest, res: ExchangeResponse): void {
    const services = this.services;
    const client = clientIp(req.socket);
    const url = req.url ?? '/';
    const protocol = wireProtocol(req);
    // HTTP/2 names the host in :authority; routes and the proxy read Host, as from an HTTP/1.1 client.
    if (protocol === 'h2' && req.headers.host === undefined) {
      const authority = req.headers[':authority'];
      if (typeof authority === 'string') req.headers.host = authority;
    }
    const rec = services.traffic.begin({
      listener: this.def.name,
      method: req.method ?? 'GET',
      url,
      client,
      startedAt: services.clock.now(),
      protocol,
      tls: this.bound?.kind === 'http' ? undefined : connectionTls(req),
      requestHeaders: req.headers,
    });
    this.counters.requests++;
    const target = parseTarget(url);
    if (!target) {
      rec.outcome = 'error';
      return sendText({ res }, 400, 'malformed request URL');
    }
    if (this.overCap.has(req.socket)) {
      this.finishBare(rec, req, res, 503);
      return refuseOverCap({ res }, this.def.name, this.config.max_connections);
    }
    const method = req.method ?? 'GET';
    const match = this.router.match(target.pathname, method, req.headers.host);
    if (!match) {
      const allow = this.router.allowed(target.pathname, req.headers.host);
      this.finishBare(rec, req, res, allow ? 405 : 404);
      if (allow) return refuseMethodHere({ res }, method, target.pathname, allow);
      return sendText({ res }, 404, `no route for ${target.pathname} on ${this.def.name}`);
    }
    const entry = match.value;
    rec.route = entry.route.path;
    rec.kind = entry.kind;
    if (this.drain.stopping) closeConnectionAfter(res);
    const ex = new LiveExchange(req, res, entry, match.prefix, target.pathname, target.search, client, rec);
    this.applyRouteHeaders(ex);
    this.run(ex);
  }

  /** Finishes the record (and logs) of a request the listener answers itself (no route, 405, over the cap). */
  private finishBare(rec: ExchangeRecord, req: ExchangeRequest, res: ExchangeResponse, status: number): void {
    rec.status = status;
    const counters = [this.counters];
    res.once('close', () => {
      finishRecord(rec, res, counters, this.services);
      this.log.write(rec, req, res);
    });
  }

  /**
   * CORS preflight, hooks (faults), then the route's handler; a throw becomes
   * the right status or a closed connection. Synchronous unless a hook waits
   * (latency): a plain request takes no promise turn before its handler.
   */
  private run(ex: LiveExchange): void {
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
      const tooLarge = declaredTooLarge(req, ex.route);
      if (tooLarge) return refuseTooLarge(ex, tooLarge);
    } catch (err) {
      return this.fail(ex, err);
    }
    this.hooksFrom(ex, 0);
  }

  /** Runs the hooks from `i` on, then the handler; a hook that answers ends the exchange there. */
  private hooksFrom(ex: LiveExchange, i: number): void {
    try {
      const hooks = this.hooks;
      for (; i < hooks.length; i++) {
        const verdict = hooks[i]!.before?.(ex);
        if (verdict === true) return;
        if (verdict instanceof Promise) {
          const next = i + 1;
          verdict.then(
            (answered) => answered || this.hooksFrom(ex, next),
            (err: unknown) => this.fail(ex, err),
          );
          return;
        }
      }
      // Not awaited here: an open exchange (SSE) then holds one small reaction, not a whole async frame;
      // a handler that answered at once (DONE) costs no promise turn at all.
      const served = ex.handler.handle(ex);
      if (served !== DONE) served.then(undefined, (err: unknown) => this.fail(ex, err));
    } catch (err) {
      this.fail(ex, err);
    }
  }

  /** CORS (default * on mock routes) and the route's extra headers, worked out once per route; HTTP/1 adds them with the head. */
  private applyRouteHeaders(ex: LiveExchange): void {
    const res = ex.res;
    const headers = ex.entry.headers;
    if (headers.length === 0) return;
    if (res instanceof Http1Response) res.routeHeaders = headers;
    else for (const [k, v] of headers) res.setHeader(k, v);
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
    const status = statusOf(err);
    if (status >= 500 && !(err instanceof SluiceError))
      this.services.log('error', `${this.def.name} ${ex.route.path}: ${message}`);
    sendText(ex, status, message);
  }
}
