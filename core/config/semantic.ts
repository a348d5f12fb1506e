/**
 * Checks that need the whole document: references between sections,
 * duplicates, and combinations the schema alone cannot express.
 */
import type { FaultsConfig, LimitConfig, RouteConfig, SluiceConfig } from './schema.js';
import { isUpstreamUrl } from './upstream-url.js';

/** A problem found after the schema passed, located by path. */
export interface SemanticIssue {
  path: (string | number)[];
  message: string;
}

/** Smallest burst accepted: one write of the shaper must fit in the bucket. */
export const MIN_BURST = 1024;

function checkLimit(limit: LimitConfig | undefined, path: (string | number)[], out: SemanticIssue[]): void {
  if (!limit?.burst) return;
  if (limit.burst < MIN_BURST)
    out.push({
      path: [...path, 'burst'],
      message: `burst must be at least ${MIN_BURST} bytes (one write), got ${limit.burst}`,
    });
}

/** Faults that only mean something for byte streams and HTTP, with why, for a UDP server. */
const NOT_FOR_DATAGRAMS = {
  slice: 'a datagram is delivered whole, never split into pieces',
  rechunk: 'a datagram is delivered whole, never split into pieces',
  status: 'there is no HTTP status to answer with',
} as const;

/** UDP servers apply faults per datagram: reject the ones that cannot apply rather than ignore them. */
function checkDatagramFaults(faults: FaultsConfig | undefined, path: (string | number)[], out: SemanticIssue[]): void {
  if (!faults) return;
  for (const [key, why] of Object.entries(NOT_FOR_DATAGRAMS)) {
    if (faults[key as keyof typeof NOT_FOR_DATAGRAMS] !== undefined)
      out.push({
        path: [...path, key],
        message: `${key} does not apply to protocol: udp (${why}); use latency, jitter, stall_after, reset_after or drop_connection`,
      });
  }
}

function duplicates<T>(
  items: T[],
  key: (t: T) => string,
  path: (i: number) => (string | number)[],
  what: string,
  out: SemanticIssue[],
): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else out.push({ path: path(i), message: `${what} "${k}" is already used by item ${first}` });
  });
}

/** What one route answers: its path, host patterns ('' = any host) and methods ('*' = any). */
function routeKeys(r: RouteConfig): { path: string; hosts: string[]; methods: string[] } {
  return { path: r.path.replace(/\/+$/, '') || '/', hosts: r.hosts ?? [''], methods: r.methods ?? ['*'] };
}

/**
 * Two routes may share a path when their hosts or methods tell them apart;
 * a path answered twice for the same host and method is an error.
 */
function checkRouteOverlaps(routes: readonly RouteConfig[], base: (string | number)[], out: SemanticIssue[]): void {
  const seen = new Map<string, number>();
  routes.forEach((r, ri) => {
    const k = routeKeys(r);
    for (const host of k.hosts) {
      for (const m of k.methods) {
        const key = `${k.path} ${host} ${m}`;
        const first = seen.get(key);
        if (first === undefined) {
          seen.set(key, ri);
          continue;
        }
        if (first === ri) continue;
        const what = `${m === '*' ? '' : `${m} `}${k.path}${host ? ` on host ${host}` : ''}`;
        out.push({ path: [...base, ri, 'path'], message: `route path "${what}" is already used by item ${first}` });
        return;
      }
    }
  });
}

/** All semantic problems of a schema-valid config. */
export function semanticIssues(config: SluiceConfig): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  const { http, stream } = config;

  duplicates(
    http.servers,
    (s) => s.name,
    (i) => ['http', 'servers', i, 'name'],
    'server name',
    out,
  );
  duplicates(
    http.upstreams,
    (u) => u.name,
    (i) => ['http', 'upstreams', i, 'name'],
    'upstream name',
    out,
  );
  duplicates(
    stream.servers,
    (s) => s.name,
    (i) => ['stream', 'servers', i, 'name'],
    'stream server name',
    out,
  );
  duplicates(
    stream.upstreams,
    (u) => u.name,
    (i) => ['stream', 'upstreams', i, 'name'],
    'stream upstream name',
    out,
  );

  // Listen addresses: TCP listeners (admin, http, tcp streams) share one space, UDP another. Port 0 is "any free port".
  const tcpListeners: { addr: string; path: (string | number)[] }[] = [];
  if (config.admin) tcpListeners.push({ addr: config.admin.listen, path: ['admin', 'listen'] });
  http.servers.forEach((s, i) => tcpListeners.push({ addr: s.listen, path: ['http', 'servers', i, 'listen'] }));
  const udpListeners: typeof tcpListeners = [];
  stream.servers.forEach((s, i) =>
    (s.protocol === 'udp' ? udpListeners : tcpListeners).push({
      addr: s.listen,
      path: ['stream', 'servers', i, 'listen'],
    }),
  );
  for (const list of [tcpListeners, udpListeners]) {
    const real = list.filter((l) => !l.addr.endsWith(':0'));
    duplicates(
      real,
      (l) => l.addr,
      (i) => real[i]!.path,
      'listen address',
      out,
    );
  }

  if (config.admin && !config.admin.token && !isLoopback(config.admin.listen)) {
    out.push({
      path: ['admin', 'listen'],
      message: `the admin API on ${config.admin.listen} would be reachable from other machines: set admin.token (16+ characters) or listen on 127.0.0.1`,
    });
  }

  const httpUpstreams = new Set(http.upstreams.map((u) => u.name));
  const channels = new Map<string, { replay: number; path: (string | number)[] }>();
  http.servers.forEach((server, si) => {
    if (server.http2 === true && !server.tls)
      out.push({
        path: ['http', 'servers', si, 'http2'],
        message:
          "http2 needs tls on this server (browsers speak HTTP/2 only over TLS); add tls: {} for a certificate from Sluice's local CA",
      });
    checkRouteOverlaps(server.routes, ['http', 'servers', si, 'routes'], out);
    server.routes.forEach((route, ri) => {
      const base = ['http', 'servers', si, 'routes', ri];
      // A URL names its own group (materialised after parsing); when the schema refused the document, it is not there yet.
      if (route.proxy && !httpUpstreams.has(route.proxy.upstream) && !isUpstreamUrl(route.proxy.upstream)) {
        out.push({
          path: [...base, 'proxy', 'upstream'],
          message: `unknown upstream "${route.proxy.upstream}"${httpUpstreams.size ? ` (known: ${[...httpUpstreams].join(', ')})` : ' (http.upstreams is empty)'}`,
        });
      }
      checkLimit(route.limit, [...base, 'limit'], out);
      const ch = route.sse?.channel;
      if (ch && route.sse) {
        const prev = channels.get(ch);
        if (prev && prev.replay !== route.sse.replay)
          out.push({
            path: [...base, 'sse', 'replay'],
            message: `channel "${ch}" is declared with replay ${prev.replay} elsewhere; one channel has one replay size`,
          });
        else if (!prev) channels.set(ch, { replay: route.sse.replay, path: base });
      }
      const script = route.sse?.script;
      script?.forEach((step, k) => {
        if (step.status !== undefined && k !== 0)
          out.push({
            path: [...base, 'sse', 'script', k, 'status'],
            message: 'a status step must be the first step (it answers before streaming starts)',
          });
      });
    });
  });

  const limits = http.limits;
  if (limits) {
    checkLimit(limits.default, ['http', 'limits', 'default'], out);
    limits.rules.forEach((r, i) => {
      checkLimit(r, ['http', 'limits', 'rules', i], out);
      r.match.client?.forEach((c, k) => {
        if (!isCidr(c))
          out.push({
            path: ['http', 'limits', 'rules', i, 'match', 'client', ...(Array.isArray(r.match.client) ? [k] : [])],
            message: `invalid client "${c}": expected an IPv4 or IPv6 address or CIDR, e.g. 127.0.0.2/32`,
          });
      });
    });
  }

  const streamUpstreams = new Set(stream.upstreams.map((u) => u.name));
  stream.servers.forEach((s, i) => {
    const base = ['stream', 'servers', i];
    if (!streamUpstreams.has(s.upstream))
      out.push({
        path: [...base, 'upstream'],
        message: `unknown stream upstream "${s.upstream}"${streamUpstreams.size ? ` (known: ${[...streamUpstreams].join(', ')})` : ' (stream.upstreams is empty)'}`,
      });
    if (s.proxy_responses !== undefined && s.protocol !== 'udp')
      out.push({ path: [...base, 'proxy_responses'], message: 'proxy_responses applies only to protocol: udp' });
    checkLimit(s.limit, [...base, 'limit'], out);
    if (s.protocol === 'udp') checkDatagramFaults(s.faults, [...base, 'faults'], out);
    else if (s.faults?.status !== undefined)
      out.push({
        path: [...base, 'faults', 'status'],
        message:
          'status does not apply to protocol: tcp (a byte stream has no HTTP status); use reset_after, stall_after or drop_connection',
      });
  });

  for (const [section, ups] of [
    ['http', http.upstreams],
    ['stream', stream.upstreams],
  ] as const) {
    ups.forEach((u, i) => {
      if (u.servers.every((s) => s.backup || s.down))
        out.push({
          path: [section, 'upstreams', i, 'servers'],
          message: `upstream "${u.name}" needs at least one server that is neither backup nor down`,
        });
      if (u.balance === 'ip_hash' && u.servers.some((s) => s.backup))
        out.push({
          path: [section, 'upstreams', i, 'balance'],
          message: 'ip_hash cannot be used with backup servers (as in nginx)',
        });
      duplicates(
        u.servers,
        (s) => s.address,
        (k) => [section, 'upstreams', i, 'servers', k, 'address'],
        'server address',
        out,
      );
    });
  }
  return out;
}

/** True for addresses only this machine can reach: 127.0.0.0/8 and ::1. */
export function isLoopback(address: string): boolean {
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host.startsWith('127.') || host === '::1';
}

/** True for `a.b.c.d`, `a.b.c.d/n`, IPv6 and IPv6/n. */
export function isCidr(text: string): boolean {
  const [ip, bits, extra] = text.split('/');
  if (extra !== undefined || !ip) return false;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  const max = v4 ? 32 : 128;
  if (v4) {
    if (v4.slice(1).some((o) => Number(o) > 255)) return false;
  } else if (!/^[0-9a-fA-F:]+$/.test(ip) || !ip.includes(':')) return false;
  if (bits === undefined) return true;
  return /^\d+$/.test(bits) && Number(bits) <= max;
}
