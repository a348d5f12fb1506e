/**
 * Browser mode's transport: the built renderer served over HTTP on 127.0.0.1
 * and the one SluiceApi carried over a WebSocket.
 *
 *   browser ──GET /?token=T──▶ index.html (+ cookie)      static assets: public bundle
 *   browser ──WS /ws?token=T─▶ {id, call, args} ─▶ invokeCall(host) ─▶ {id, ok, result|error}
 *                              ◀─ {event, payload}  (telemetry, traffic, log, state)
 *                           ──▶ {events: [names]}   the events this page listens to (default: all)
 *
 * A random token (in the printed URL) is required for the page and the socket;
 * Host and Origin must name this server (no DNS rebinding, no cross-site
 * sockets). Only calls in API_CALLS are accepted and their arguments validated.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { API_EVENTS, type SluiceApi } from '../api/index.js';
import { invokeCall } from './call-args.js';

/** Options of the browser-mode server. */
export interface UiServerOptions {
  host: SluiceApi;
  /** Folder with the built renderer (index.html + assets). */
  staticDir: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Fixed token (tests); default: 24 random bytes. */
  token?: string;
}

/** A running browser-mode server. */
export interface UiServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};
/** Socket send buffer past which telemetry ticks are skipped for that client (it is not keeping up). */
const MAX_BUFFERED = 4 * 1024 * 1024;
const COOKIE = 'sluice_token';

function sameToken(a: string | undefined | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === COOKIE) return v;
  }
  return undefined;
}

/** Host must be this server (127.0.0.1 or localhost on our port); Origin, when sent, too. */
export function allowedOrigin(req: IncomingMessage, port: number): boolean {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!hosts.includes(req.headers.host ?? '')) return false;
  const origin = req.headers.origin;
  return origin === undefined || hosts.some((h) => origin === `http://${h}`);
}

function refuse(res: ServerResponse, status: number, why: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${why}\n`);
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; frame-ancestors 'none'",
};

async function serveStatic(dir: string, req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  let rel = decodeURIComponent(url.pathname);
  if (rel === '/' || rel === '/index.html') {
    // The page itself needs the token (query or cookie); the query sets the cookie for reloads.
    const given = url.searchParams.get('token') ?? cookieToken(req);
    if (!sameToken(given, token))
      return refuse(res, 403, 'forbidden: open the URL printed by `sluice ui` (it carries the access token)');
    rel = '/index.html';
    res.setHeader('set-cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
  }
  const file = normalize(join(dir, rel));
  if (!file.startsWith(normalize(dir) + sep)) return refuse(res, 403, 'forbidden');
  try {
    const st = await stat(file);
    if (!st.isFile()) return refuse(res, 404, 'not found');
    const body = await readFile(file);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    refuse(res, 404, 'not found');
  }
}

/** Events each socket listens to; a socket that never said gets every event. */
const listening = new WeakMap<WebSocket, ReadonlySet<string>>();

/** Answers one `{id, call, args}` message on a socket, or records its `{events}` choice. */
async function answer(host: SluiceApi, ws: WebSocket, raw: string): Promise<void> {
  let msg: { id?: unknown; call?: unknown; args?: unknown; events?: unknown };
  try {
    msg = JSON.parse(raw) as typeof msg;
  } catch {
    ws.send(JSON.stringify({ id: null, ok: false, error: 'messages must be JSON' }));
    return;
  }
  // A page off the Traffic view need not receive (and parse) hundreds of rows per tick.
  if (Array.isArray(msg.events) && msg.call === undefined) {
    listening.set(ws, new Set(msg.events.filter((e): e is string => (API_EVENTS as readonly unknown[]).includes(e))));
    return;
  }
  const id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
  try {
    const result = await invokeCall(host, msg.call, msg.args ?? []);
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, ok: true, result: result ?? null }));
  } catch (err) {
    if (ws.readyState === ws.OPEN)
      ws.send(JSON.stringify({ id, ok: false, error: err instanceof Error ? err.message : String(err) }));
  }
}

/** Starts the browser-mode server on 127.0.0.1. */
export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  let port = 0;
  const server: Server = createServer((req, res) => {
    if (!allowedOrigin(req, port)) return refuse(res, 403, 'forbidden: bad Host or Origin');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    void serveStatic(opts.staticDir, req, res, token);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const given = url.searchParams.get('token') ?? cookieToken(req);
    if (url.pathname !== '/ws' || !allowedOrigin(req, port) || !sameToken(given, token)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nforbidden\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  // Events are subscribed while at least one page is connected (traffic capture costs nothing when nobody watches).
  // A client that does not read misses frames; its send buffer never grows past MAX_BUFFERED.
  let removers: (() => void)[] = [];
  const broadcast = (event: string, payload: unknown) => {
    const frame = JSON.stringify({ event, payload });
    for (const ws of wss.clients) {
      if (ws.readyState !== ws.OPEN || ws.bufferedAmount > MAX_BUFFERED || listening.get(ws)?.has(event) === false)
        continue;
      ws.send(frame);
    }
  };
  const unsubscribe = () => {
    for (const r of removers) r();
    removers = [];
  };
  wss.on('connection', (ws) => {
    if (removers.length === 0)
      removers = API_EVENTS.map((event) => opts.host.on(event, (payload: unknown) => broadcast(event, payload)));
    ws.on('message', (data) => void answer(opts.host, ws, data.toString()));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      if (wss.clients.size === 0) unsubscribe();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: async () => {
      unsubscribe();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
