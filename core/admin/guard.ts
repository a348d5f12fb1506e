/**
 * Who may talk to the control API. Three checks, in this order:
 *
 *   Host header ∈ the listener's own names ──no──▶ 403  (DNS rebinding)
 *   Origin, when present, is that same origin ──no──▶ 403  (cross-site calls from web pages)
 *   admin.token set → `Authorization: Bearer <token>` ──no──▶ 401
 *
 * A non-loopback bind without a token is refused before it starts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import type { IncomingHttpHeaders } from 'node:http';
import { SluiceError } from '../util/errors.js';

/** The verdict on one request: allowed, or the status and reason to answer with. */
export type GuardVerdict = { ok: true } | { ok: false; status: 401 | 403; message: string };

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

/** Refuses to expose the API off loopback without a token (a clear error, before binding). */
export function assertBindAllowed(host: string, listen: string, token: string | undefined): void {
  if (isLoopbackHost(host) || token) return;
  throw new SluiceError(
    'E_LISTEN',
    `admin listen ${listen} is not a loopback address: set admin.token (16+ characters) to expose the control API, or listen on 127.0.0.1`,
  );
}

/** `host:port` spelled the way a Host header carries it (IPv6 in brackets, lower case). */
function hostPort(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${h}:${port}`.toLowerCase();
}

/** Every `host:port` a client may legitimately use to reach a listener bound at `host`:`port`. */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set<string>([host]);
  if (isLoopbackHost(host) || isWildcard(host)) for (const n of ['127.0.0.1', 'localhost', '::1']) names.add(n);
  if (isWildcard(host)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address);
    names.add(hostname());
  }
  const out = new Set<string>();
  for (const n of names) {
    if (isWildcard(n)) continue;
    out.add(hostPort(n, port));
    if (port === 80) out.add(hostPort(n, port).replace(/:80$/, ''));
  }
  return out;
}

function sameToken(given: string, expected: string): boolean {
  // Compare digests: constant time, and no length leak.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Checks one request's Host, Origin and token against the listener's own names. */
export function checkRequest(
  headers: IncomingHttpHeaders,
  allowed: Set<string>,
  token: string | undefined,
): GuardVerdict {
  const host = (headers.host ?? '').toLowerCase();
  if (!allowed.has(host)) {
    return {
      ok: false,
      status: 403,
      message: `refused: Host "${headers.host ?? ''}" is not this admin listener (allowed: ${[...allowed].slice(0, 3).join(', ')})`,
    };
  }
  const origin = headers.origin;
  if (origin !== undefined) {
    let ok = false;
    try {
      const u = new URL(origin);
      ok = u.protocol === 'http:' && allowed.has(u.host.toLowerCase());
    } catch {
      ok = false;
    }
    if (!ok) return { ok: false, status: 403, message: `refused: cross-origin request from ${origin}` };
  }
  if (token) {
    const m = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
    if (!m || !sameToken(m[1]!.trim(), token))
      return { ok: false, status: 401, message: 'unauthorized: send Authorization: Bearer <admin.token>' };
  }
  return { ok: true };
}
