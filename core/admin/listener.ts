/**
 * The admin listener (kind `admin`): the control API over HTTP. It serves the
 * engine's ApiHost (shared with the UI when one exists, else its own), after
 * the Host/Origin/token guard. Its own requests are not counted in the
 * traffic counters or the traffic log: watching must not change what is watched.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parseAddress, type ListenerDef } from '../config/index.js';
import type { Listener } from '../engine/listener.js';
import type { EngineServices } from '../engine/services.js';
import { apiHostOf, createApiHost, type ApiHost } from '../host/api-host.js';
import { listenError, SluiceError } from '../util/errors.js';
import { allowedHosts, assertBindAllowed, checkRequest } from './guard.js';
import { sendError, statusOf } from './http-util.js';
import { matchAdminRoute, type AdminContext } from './routes.js';
import { TelemetryStreams } from './telemetry-stream.js';

type AdminDef = Extract<ListenerDef, { kind: 'admin' }>;

/** How long a poll of /api/traffic keeps traffic capture on. */
const OBSERVE_HOLD_MS = 10_000;

/** Serves the control API on `admin.listen`. */
export class AdminListener implements Listener {
  private server: http.Server | undefined;
  private allowed = new Set<string>();
  private host: ApiHost | undefined;
  /** True when this listener created the host (and so closes it). */
  private ownsHost = false;
  private readonly streams = new TelemetryStreams();
  private observeRelease: (() => void) | undefined;
  private observeTimer: NodeJS.Timeout | undefined;

  constructor(
    public def: AdminDef,
    private readonly services: EngineServices,
  ) {}

  address(): string {
    const a = this.server?.address();
    if (a && typeof a === 'object') return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    return this.def.listen;
  }

  async start(): Promise<void> {
    const addr = parseAddress(this.def.listen);
    if (!addr) throw new SluiceError('E_LISTEN', `admin listen ${this.def.listen} is not an address`);
    assertBindAllowed(addr.host, this.def.listen, this.def.admin.token);
    const engine = this.services.engine;
    if (!engine) throw new SluiceError('E_LISTEN', 'the admin listener needs an engine to serve');
    const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 0, keepAliveTimeout: 5_000 });
    server.on('request', (req, res) => void this.serve(req, res));
    server.on('clientError', (_err, socket: Socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, this.def.listen)));
      server.listen({ host: addr.host, port: addr.port }, () => resolve());
    });
    server.on('error', (err) => this.services.log('error', `admin: ${err.message}`));
    this.server = server;
    const bound = server.address();
    this.allowed = allowedHosts(addr.host, typeof bound === 'object' && bound ? bound.port : addr.port);
    this.host = apiHostOf(engine);
    if (!this.host) {
      this.host = createApiHost({ engine });
      this.ownsHost = true;
    }
  }

  /** Token and traffic-log size changes apply in place (same address). */
  update(def: ListenerDef): void {
    if (def.kind === 'admin') this.def = def;
  }

  async stop(deadlineMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.streams.closeAll();
    this.releaseObserve();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), Math.min(deadlineMs, 1000));
    await closed;
    clearTimeout(timer);
    if (this.ownsHost) this.host?.close();
    this.host = undefined;
  }

  private context(host: ApiHost): AdminContext {
    return { host, streams: this.streams, holdObserve: () => this.holdObserve() };
  }

  /** Keeps traffic capture on while someone polls /api/traffic, and a while after. */
  private holdObserve(): void {
    this.observeRelease ??= this.services.traffic.observe();
    if (this.observeTimer) clearTimeout(this.observeTimer);
    this.observeTimer = setTimeout(() => this.releaseObserve(), OBSERVE_HOLD_MS);
    this.observeTimer.unref();
  }

  private releaseObserve(): void {
    if (this.observeTimer) clearTimeout(this.observeTimer);
    this.observeTimer = undefined;
    this.observeRelease?.();
    this.observeRelease = undefined;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const verdict = checkRequest(req.headers, this.allowed, this.def.admin.token);
    if (!verdict.ok) {
      const headers: Record<string, string> =
        verdict.status === 401 ? { 'www-authenticate': 'Bearer realm="sluice"' } : {};
      return sendError(res, verdict.status, verdict.message, headers);
    }
    // A host created later with the source file and text (sluice run, the UI) takes over from our fallback.
    const host = this.host && (this.services.engine ? (apiHostOf(this.services.engine) ?? this.host) : this.host);
    if (!host) return sendError(res, 503, 'the admin API is stopping');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin');
    } catch {
      return sendError(res, 400, 'malformed request URL');
    }
    const match = matchAdminRoute(req.method ?? 'GET', url.pathname);
    if ('status' in match) {
      const msg =
        match.status === 405
          ? `${req.method} is not allowed on ${url.pathname} (allowed: ${match.allow})`
          : `no such API: ${url.pathname}`;
      return sendError(res, match.status, msg, match.allow ? { allow: match.allow } : {});
    }
    try {
      await match.handle(req, res, match.params, url, this.context(host));
    } catch (err) {
      if (req.destroyed && res.destroyed) return; // the client went away mid-request: nothing to answer
      const status = statusOf(err);
      const message = err instanceof Error ? err.message : String(err);
      if (status >= 500) this.services.log('error', `admin ${req.method} ${url.pathname}: ${message}`);
      if (!res.headersSent) sendError(res, status, message);
      else res.destroy();
    }
  }
}
