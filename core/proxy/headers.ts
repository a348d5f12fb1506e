/**
 * Header rewriting for the proxy: hop-by-hop headers never cross (RFC 9110
 * §7.6.1: Connection and every header it names, Keep-Alive, TE, Trailer,
 * Transfer-Encoding, Upgrade, Proxy-*), X-Forwarded-* and X-Real-IP are set
 * as an nginx proxy sets them, Host follows the route's `host` or stays the
 * client's. An HTTP/2 client's request goes upstream as HTTP/1.1: its
 * pseudo-headers stay behind and `:authority` becomes Host.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { ExchangeRequest } from '../kernel/index.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
]);

/** Connection values that name no extra header (the common case: no per-request Set). */
const PLAIN_CONNECTION = /^\s*(keep-alive|close|upgrade)?\s*$/i;

/** Header names (lowercase) that must not be forwarded, including those the Connection header lists. */
export function hopByHop(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const conn = headers.connection;
  if (conn === undefined || (typeof conn === 'string' && PLAIN_CONNECTION.test(conn))) return HOP_BY_HOP;
  const out = new Set(HOP_BY_HOP);
  for (const v of Array.isArray(conn) ? conn : [conn]) {
    for (const name of v.split(',')) if (name.trim()) out.add(name.trim().toLowerCase());
  }
  return out;
}

/** Headers pairs from rawHeaders (keeps case and duplicates) minus the dropped names and HTTP/2 pseudo-headers. */
function forwardable(msg: ExchangeRequest, drop: ReadonlySet<string>, also?: string): [string, string][] {
  const out: [string, string][] = [];
  const raw = msg.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (drop.has(lower) || lower === also || lower.startsWith('proxy-') || lower.startsWith(':')) continue;
    out.push([name, raw[i + 1]!]);
  }
  return out;
}

/** What the request rewrite needs to know. */
export interface ForwardOptions {
  client: string;
  /** Host header sent upstream; default the client's. */
  host?: string;
  /** Extra headers from the route config (override). */
  extra: Record<string, string>;
  /** Keep Connection/Upgrade for a protocol upgrade (WebSocket). */
  upgrade?: boolean;
}

/** The request headers to send upstream, as an object Node's http.request accepts. */
export function upstreamRequestHeaders(req: ExchangeRequest, opts: ForwardOptions): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    const k = name.toLowerCase();
    const cur = out[k];
    if (cur === undefined) out[k] = value;
    else if (k === 'cookie') out[k] = `${cur}; ${value}`;
    else out[k] = Array.isArray(cur) ? [...cur, value] : [cur, value];
  };
  // Expect: 100-continue was answered to the client by our server; the body streams once connected.
  for (const [k, v] of forwardable(req, hopByHop(req.headers), 'expect')) add(k, v);
  const clientHost = req.headers.host ?? req.headers[':authority'] ?? '';
  const xff = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = xff ? `${Array.isArray(xff) ? xff.join(', ') : xff}, ${opts.client}` : opts.client;
  out['x-forwarded-proto'] = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  out['x-real-ip'] = opts.client;
  if (clientHost) out['x-forwarded-host'] = clientHost;
  const host = opts.host ?? clientHost;
  if (host) out.host = host; // else (HTTP/1.0 without Host) the attempt names the server
  if (opts.upgrade && req.headers.upgrade) {
    out.connection = 'upgrade';
    out.upgrade = req.headers.upgrade;
  }
  for (const [k, v] of Object.entries(opts.extra)) out[k.toLowerCase()] = v;
  return out;
}

/** The upstream response headers to send to the client (hop-by-hop and X-Accel-* removed). */
export function clientResponseHeaders(res: IncomingMessage): Map<string, { name: string; values: string[] }> {
  const drop = hopByHop(res.headers);
  const out = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of forwardable(res, drop)) {
    const lower = name.toLowerCase();
    if (lower.startsWith('x-accel-')) continue; // nginx hides these too; they are instructions to the proxy
    const cur = out.get(lower);
    if (cur) cur.values.push(value);
    else out.set(lower, { name, values: [value] });
  }
  return out;
}

/** True for a text/event-stream response. */
export function isEventStream(contentType: string | undefined): boolean {
  return /^\s*text\/event-stream\b/i.test(contentType ?? '');
}
