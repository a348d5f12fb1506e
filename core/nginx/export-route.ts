/**
 * One Sluice route as nginx locations. Sluice matches a prefix on a segment
 * boundary (`/api` and `/api/…`, never `/apix`), so a route becomes
 * `location = /p` plus `location /p/` with the same body (a static route's
 * `= /p` redirects to `/p/`, as nginx does for directories). Proxy routes set
 * the X-Forwarded-* / X-Real-IP headers Sluice sends; SSE channels go to
 * nchan; mock kinds nginx cannot run answer 501 with a comment naming the
 * route. Isomorphic.
 */
import {
  formatDuration,
  isUpstreamUrl,
  sizeToConfig,
  type HttpUpstreamConfig,
  type RouteConfig,
} from '../config/index.js';
import { explainLimit } from '../shaping/explain.js';
import { quote, type Conf } from './conf-writer.js';
import { exportSubscriber } from './export-sse.js';
import { exportProxyTls, upstreamHost, type TlsExportOptions } from './export-tls.js';
import { NGINX_NO_TIMEOUT } from './import-proxy.js';

/** What route bodies need from the export's options. */
export interface RouteExportOptions extends TlsExportOptions {
  /** Turns a config-relative path (static root, upload dir, certificate) into an absolute one. */
  resolvePath?: (p: string) => string;
  /** The HTTP upstream group a proxy names (URL shorthands included). */
  upstream?: (name: string) => HttpUpstreamConfig | undefined;
}

const ms = (v: number) => formatDuration(v);
const size = (v: number) => sizeToConfig(v);

/** The locations of one route. */
export function exportRoute(c: Conf, r: RouteConfig, opts: RouteExportOptions): void {
  const path = r.path === '/' ? '/' : r.path.replace(/\/$/, '');
  if (path === '/') {
    c.open('location /');
    routeBody(c, r, opts);
    c.close();
    return;
  }
  if (r.static) c.open(`location = ${path}`).line(`return 301 ${path}/;`).close();
  else {
    c.open(`location = ${path}`);
    routeBody(c, r, opts);
    c.close();
  }
  c.open(`location ${path}/`);
  routeBody(c, r, opts);
  c.close();
}

function routeBody(c: Conf, r: RouteConfig, opts: RouteExportOptions): void {
  if (r.methods)
    c.open(`limit_except ${r.methods.join(' ')}`)
      .line('deny all;')
      .close();
  if (r.max_body_size !== undefined) c.line(`client_max_body_size ${size(r.max_body_size)};`);
  const channel = r.sse?.channel !== undefined;
  const cors = r.cors ?? (r.proxy ? undefined : '*');
  if (cors && !channel) c.line(`add_header Access-Control-Allow-Origin ${quote(cors)} always;`);
  const redirect = redirectOf(r);
  const headers = Object.entries({ ...r.headers, ...(r.respond?.headers ?? {}) }).filter(
    ([k]) => !(redirect && k.toLowerCase() === 'location'),
  );
  for (const [k, v] of headers) c.line(`add_header ${k} ${quote(v)} always;`);
  if (r.limit) exportLimit(c, r.limit);
  if (r.faults) c.comment(`faults (${Object.keys(r.faults).join(', ')}) have no nginx equivalent`);
  const abs = opts.resolvePath ?? ((p: string) => p);
  if (r.static) {
    const root = abs(r.static.root).replace(/\/?$/, '/');
    c.line(`alias ${quote(root)};`).line(`index ${r.static.index};`);
    if (r.static.autoindex) c.line('autoindex on;');
    if (r.static.max_age !== undefined)
      c.line(`add_header Cache-Control ${quote(`max-age=${Math.floor(r.static.max_age / 1000)}`)};`);
  } else if (r.respond) {
    // nginx's `return 3xx URL` sets Location itself (and its own small body).
    const text = redirect ?? r.respond.body;
    if (!redirect) c.line(`default_type ${quote(r.respond.content_type)};`);
    c.line(`return ${r.respond.status}${text ? ` ${quote(text)}` : ''};`);
  } else if (r.proxy) {
    exportProxy(c, r.proxy, opts);
  } else if (channel) {
    exportSubscriber(c, r);
  } else {
    unsupported(c, r, opts);
  }
}

/** The Location of a redirecting respond route (301/302/303/307/308 with a Location header). */
function redirectOf(r: RouteConfig): string | undefined {
  const res = r.respond;
  if (!res || ![301, 302, 303, 307, 308].includes(res.status)) return undefined;
  return Object.entries(res.headers).find(([k]) => k.toLowerCase() === 'location')?.[1];
}

function exportLimit(c: Conf, l: NonNullable<RouteConfig['limit']>): void {
  c.comment(`limit: ${explainLimit(l)}`);
  if (l.direction === 'in') {
    c.comment('nginx http cannot rate-limit request bodies; left out');
    return;
  }
  c.line(`limit_rate ${size(l.rate)};`);
  c.line(`limit_rate_after ${size(l.after)};`);
  if (l.per !== 'connection')
    c.comment(`per: ${l.per} (one shared bucket) has no nginx equivalent; nginx limits each connection`);
  if (l.direction === 'both') c.comment('the upload direction is not limited by nginx');
}

/**
 * A proxy location. A URL shorthand (`upstream: https://api.example.com`)
 * is proxied to directly, as the user wrote it; a group by name through its
 * `upstream` block, over https when the group has `tls`.
 */
function exportProxy(c: Conf, p: NonNullable<RouteConfig['proxy']>, opts: RouteExportOptions): void {
  const group = opts.upstream?.(p.upstream);
  const target = isUpstreamUrl(p.upstream) ? p.upstream : `${group?.tls ? 'https' : 'http'}://${p.upstream}`;
  c.line(`proxy_pass ${target}${p.uri ?? ''};`);
  if (group?.tls) exportProxyTls(c, group, opts);
  c.line('proxy_http_version 1.1;');
  c.line('proxy_set_header Upgrade $http_upgrade;').line('proxy_set_header Connection $sluice_connection;');
  // The client's Host, unless the route sets one or the upstream is named by its own host (TLS and URL upstreams).
  const host = p.host ?? upstreamHost(group);
  c.line(`proxy_set_header Host ${host !== undefined ? quote(host) : '$http_host'};`);
  // What Sluice's proxy sends: the client chain, its scheme and Host, its address.
  c.line('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
  c.line('proxy_set_header X-Forwarded-Proto $scheme;');
  c.line('proxy_set_header X-Forwarded-Host $http_host;');
  c.line('proxy_set_header X-Real-IP $remote_addr;');
  for (const [k, v] of Object.entries(p.headers)) c.line(`proxy_set_header ${k} ${quote(v)};`);
  c.line(`proxy_buffering ${p.buffering ? 'on' : 'off'};`);
  c.line('proxy_request_buffering off;');
  c.line(`proxy_connect_timeout ${ms(p.connect_timeout)};`);
  if (p.read_timeout === 0) c.comment('read_timeout 0 (no timeout): nginx has none; its longest timer instead');
  c.line(`proxy_read_timeout ${p.read_timeout === 0 ? NGINX_NO_TIMEOUT : ms(p.read_timeout)};`);
  c.line(`proxy_send_timeout ${ms(p.send_timeout)};`);
  if (p.next_upstream_tries > 0) c.line(`proxy_next_upstream_tries ${p.next_upstream_tries};`);
}

/** What a mock kind does, for the comment above its 501. */
function describeMock(r: RouteConfig, abs: (p: string) => string): string {
  if (r.sse)
    return r.sse.script ? `an SSE script of ${r.sse.script.length} steps` : `the SSE ${r.sse.scenario?.type} scenario`;
  if (r.chunked) return `a chunked mock (${r.chunked.chunks.length} chunks, ${ms(r.chunked.delay)} apart)`;
  if (r.stream) return `a ${r.stream.format} stream mock (every ${ms(r.stream.every)})`;
  if (r.upload) return `uploads into ${abs(r.upload.dir)}`;
  if (r.llm) return `an LLM mock (${r.llm.format} wire format)`;
  return 'a Sluice mock';
}

/** Mock kinds nginx cannot generate: a comment naming the route, and 501 so the file still loads. */
function unsupported(c: Conf, r: RouteConfig, opts: RouteExportOptions): void {
  const abs = opts.resolvePath ?? ((p: string) => p);
  c.comment(
    `route ${r.path}: ${describeMock(r, abs)} — nginx cannot generate it; run it with Sluice or point this location at a backend`,
  );
  if (r.upload && r.max_body_size === undefined) c.line(`client_max_body_size ${size(r.upload.max_size)};`);
  c.line('return 501;');
}
