/**
 * One Sluice HTTP server as nginx `server` blocks. Routes with `hosts` are
 * nginx's name-based virtual servers: one block per set of names answering
 * the same routes, beside a `default_server` block with the routes for any
 * other host (nginx's choice of server by name is the one Sluice makes).
 * Listener-wide settings are repeated in each block, as nginx keeps them per
 * server. Isomorphic.
 */
import { formatDuration, sizeToConfig, type HttpServerConfig, type RouteConfig } from '../config/index.js';
import { quote, type Conf } from './conf-writer.js';
import { exportRoute, type RouteExportOptions } from './export-route.js';
import { exportServerTls, listenTlsParams } from './export-tls.js';

/** The zone every server's connection cap counts in (keyed by the listening address). */
export const CONN_ZONE = 'sluice_conn';
/** The log_format name of JSON-lines access logs. */
export const JSON_LOG_FORMAT = 'sluice_json';

const ms = (v: number) => formatDuration(v);

/** One nginx server block to write: its names and routes. */
interface Block {
  names: string[];
  routes: RouteConfig[];
  isDefault: boolean;
}

/** Splits a server's routes into the default block and one block per set of host names with the same routes. */
export function serverBlocks(s: HttpServerConfig): Block[] {
  const hostless = s.routes.filter((r) => !r.hosts);
  if (hostless.length === s.routes.length) return [{ names: [s.name], routes: s.routes, isDefault: false }];
  const patterns: string[] = [];
  for (const r of s.routes) for (const h of r.hosts ?? []) if (!patterns.includes(h)) patterns.push(h);
  const byRoutes = new Map<string, Block>();
  for (const h of patterns) {
    const routes = s.routes.filter((r) => r.hosts?.includes(h));
    const key = routes.map((r) => s.routes.indexOf(r)).join(',');
    const block = byRoutes.get(key);
    if (block) block.names.push(h);
    else byRoutes.set(key, { names: [h], routes, isDefault: false });
  }
  return [{ names: [s.name], routes: hostless, isDefault: true }, ...byRoutes.values()];
}

/** Writes every block of one Sluice server. */
export function exportServer(c: Conf, s: HttpServerConfig, opts: RouteExportOptions): void {
  for (const block of serverBlocks(s)) {
    c.open('server');
    c.line(`listen ${s.listen}${listenTlsParams(s, opts)}${block.isDefault ? ' default_server' : ''};`);
    c.line(`server_name ${block.names.join(' ')};`);
    exportServerTls(c, s, opts);
    listenerSettings(c, s);
    // Longest prefix first reads best; nginx picks the longest match itself.
    const routes = [...block.routes].sort(byPath);
    const seen = new Set<string>();
    for (const r of routes) {
      const key = r.path.replace(/\/$/, '') || '/';
      if (seen.has(key)) {
        c.comment(
          `route ${r.methods?.join(' ') ?? ''} ${r.path}: nginx chooses a location by path only; this route's methods are served by the route above`,
        );
        continue;
      }
      seen.add(key);
      exportRoute(c, r, opts);
    }
    if (block.isDefault && block.routes.length === 0) c.line('return 404;');
    c.close();
  }
}

/** Longest path first, then by path and methods: the same config always gives the same text. */
function byPath(a: RouteConfig, b: RouteConfig): number {
  return (
    b.path.length - a.path.length ||
    a.path.localeCompare(b.path) ||
    (a.methods?.join() ?? '').localeCompare(b.methods?.join() ?? '')
  );
}

function listenerSettings(c: Conf, s: HttpServerConfig): void {
  c.line(`client_header_timeout ${ms(s.header_timeout)};`);
  c.line(`keepalive_timeout ${ms(s.keepalive_timeout)};`);
  c.line(`large_client_header_buffers 4 ${sizeToConfig(s.max_header_size)};`);
  if (s.max_connections > 0) c.line(`limit_conn ${CONN_ZONE} ${s.max_connections};`);
  if (s.access_log)
    c.line(
      `access_log ${quote(s.access_log.path)}${s.access_log.format === 'json' ? ` ${JSON_LOG_FORMAT}` : ' combined'};`,
    );
  if (s.gzip) {
    c.line('gzip on;').line(`gzip_min_length ${s.gzip.min_length};`);
    // nginx takes full types, not prefixes; text/ becomes the usual text types; text/html is always compressed.
    const types = s.gzip.types.flatMap((t) =>
      t === 'text/'
        ? ['text/plain', 'text/css', 'text/xml', 'text/javascript', 'text/csv', 'text/event-stream']
        : t.endsWith('/') || t === 'text/html'
          ? []
          : [t],
    );
    if (types.length) c.line(`gzip_types ${types.join(' ')};`);
    if (s.gzip.types.some((t) => t.endsWith('/') && t !== 'text/'))
      c.comment('type prefixes other than text/ have no nginx equivalent');
  }
}

/** The http-level lines the servers need: the connection-cap zone and the JSON log format. */
export function exportServerShared(c: Conf, servers: readonly HttpServerConfig[]): void {
  if (servers.some((s) => s.max_connections > 0))
    c.line(`limit_conn_zone $server_addr:$server_port zone=${CONN_ZONE}:1m;`);
  if (servers.some((s) => s.access_log?.format === 'json')) {
    c.line(
      `log_format ${JSON_LOG_FORMAT} escape=json '{"time":"$time_iso8601","remote_addr":"$remote_addr","request_method":"$request_method","request_uri":"$request_uri","status":$status,"body_bytes_sent":$body_bytes_sent,"request_time":$request_time,"http_referer":"$http_referer","http_user_agent":"$http_user_agent"}';`,
    );
  }
}
