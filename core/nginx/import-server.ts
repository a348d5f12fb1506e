/**
 * nginx `server` blocks as Sluice HTTP servers. nginx may run several
 * servers on one address and pick one by Host; Sluice runs one server per
 * address, so the servers sharing an address become one, and the routes of
 * each non-default server carry its `server_name`s as `hosts` (nginx's
 * default server — `default_server`, else the first — answers every other
 * host, as routes without hosts do). Listener-wide settings come from the
 * default server: gzip, timeouts, access_log, limit_conn, TLS and HTTP/2.
 */
import { hostPattern } from '../config/index.js';
import { hasVariable, nginxSize, nginxTime, onOff, Scope, type ImportContext, type Obj } from './import-context.js';
import { importLocation, type HttpSettings, type RouteDraft } from './import-location.js';
import { parseListen, type Listen } from './import-listen.js';
import { addressTls, readServerTls, type ServerTls, type SettingSink } from './import-tls.js';
import type { Directive } from './parse.js';

/** A server block read so far: its listens, routes and listener-wide settings. */
interface ServerDraft {
  scope: Scope;
  listens: Listen[];
  routes: RouteDraft[];
  names: string[];
  settings: Map<string, { value: unknown; d: Directive }>;
  tls: ServerTls;
}

/** Reads every server of an http section (or of a bare server file) into Sluice servers. */
export function importServers(servers: Scope[], http: HttpSettings): Obj[] {
  const drafts = servers.map((s) => readServer(s, http)).filter((d): d is ServerDraft => d !== undefined);
  const groups = new Map<string, { listen: Listen; draft: ServerDraft }[]>();
  for (const draft of drafts) {
    for (const listen of draft.listens) {
      const list = groups.get(listen.address) ?? [];
      list.push({ listen, draft });
      groups.set(listen.address, list);
    }
  }
  const out: Obj[] = [];
  const names = new Set<string>();
  for (const [address, members] of groups) out.push(buildServer(address, members, names));
  return out;
}

function readServer(scope: Scope, http: HttpSettings): ServerDraft | undefined {
  const ctx = scope.ctx;
  const listenDirs = scope.ownAll('listen');
  const listens: Listen[] = [];
  for (const d of listenDirs) {
    const l = parseListen(ctx, d, 'http');
    if (!l) continue;
    if (listens.some((x) => x.address === l.address)) {
      ctx.info(d, `the same address as another listen of this server (${l.address}); imported once`);
      continue;
    }
    listens.push(l);
  }
  if (listenDirs.length === 0) {
    ctx.info(scope.node!, 'no listen: nginx listens on *:80; imported as 127.0.0.1:80');
    listens.push({
      d: scope.node!,
      address: '127.0.0.1:80',
      v6any: false,
      ssl: false,
      http2: false,
      udp: false,
      defaultServer: false,
    });
  }
  if (listens.length === 0) return void ctx.skipBlock(scope.node!, 'none of its listen addresses can be imported');
  const names = scope.ownAll('server_name').flatMap((d) => d.args);
  const tls = readServerTls(scope, listens);
  return { scope, listens, names, routes: serverRoutes(scope, http), settings: listenerSettings(scope), tls };
}

/** The routes of one server: a server-level `return` answers everything; else its locations, and its root at `/`. */
function serverRoutes(scope: Scope, http: HttpSettings): RouteDraft[] {
  const ctx = scope.ctx;
  const ret = scope.block.find((d) => d.name === 'return');
  const locations = scope.block.filter((d) => d.name === 'location');
  if (ret) {
    // Server-level rewrite directives run before any location is chosen.
    const holder = new Scope(
      ctx,
      [ret, ...scope.block.filter((d) => d.name === 'default_type' || d.name === 'add_header')],
      'location',
      scope,
      { ...scope.node!, name: 'location', args: ['/'] },
    );
    for (const l of locations) ctx.skipBlock(l, 'the server-level return answers every request first');
    return importLocation(holder, http).map((r) => ({ ...r, loc: ret }));
  }
  const drafts = locations.flatMap((l) => importLocation(scope.child(l, 'location'), http));
  const hasRootRoute = drafts.some((r) => r.route.path === '/');
  if (!hasRootRoute && (scope.has('root') || locations.length === 0)) {
    // Requests no location matches are served from the server's root, as nginx does.
    const holder = new Scope(ctx, [], 'location', scope, { ...scope.node!, name: 'location', args: ['/'] });
    drafts.push(...importLocation(holder, http).map((r) => ({ ...r, loc: scope.node! })));
  }
  return mergeExact(ctx, drafts);
}

/**
 * `location = /p` beside `location /p/`: the export writes both for one
 * route (or the `= /p` → `/p/` redirect of a static route), so equal twins
 * fold into one route; an exact location alone serves as a prefix route.
 */
function mergeExact(ctx: ImportContext, drafts: RouteDraft[]): RouteDraft[] {
  const out: RouteDraft[] = [];
  for (const r of drafts) {
    const same = out.find((o) => o.route.path === r.route.path && sameList(o.route.methods, r.route.methods));
    if (!same) {
      if (r.exact && !r.slashRedirect && !drafts.some((o) => o !== r && o.route.path === r.route.path)) {
        ctx.info(
          r.loc,
          `the exact match ${r.route.path} is imported as a prefix route (it also answers ${r.route.path === '/' ? '/…' : `${r.route.path}/…`})`,
        );
      }
      out.push(r);
      continue;
    }
    const [exact, prefix] = same.exact ? [same, r] : [r, same];
    if (exact === r && prefix === same && (r.slashRedirect || stable(r.route) === stable(same.route))) continue; // the export's pair
    if (exact === same && (same.slashRedirect || stable(r.route) === stable(same.route))) {
      out[out.indexOf(same)] = r;
      continue;
    }
    ctx.skipBlock(
      r.loc,
      `location ${r.route.path} is already a route (from line ${same.loc.line}); Sluice has one route per path`,
    );
  }
  return out;
}

function sameList(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}

/** Listener-wide settings of one server, each with the directive it came from. */
function listenerSettings(scope: Scope): ServerDraft['settings'] {
  const out: ServerDraft['settings'] = new Map();
  const set: SettingSink = (key, value, d) => {
    if (d) out.set(key, { value, d });
  };
  const gz = scope.inherited('gzip');
  if (onOff(gz)) set('gzip', gzipSettings(scope), gz);
  const cht = scope.inherited('client_header_timeout');
  if (cht && nginxTime(cht.args[0] ?? '')) set('header_timeout', nginxTime(cht.args[0]!), cht);
  const kat = scope.inherited('keepalive_timeout');
  if (kat && nginxTime(kat.args[0] ?? '')) {
    set('keepalive_timeout', nginxTime(kat.args[0]!), kat);
    if (kat.args[1]) scope.ctx.info(kat, `the Keep-Alive response header value (${kat.args[1]}) is not imported`);
  }
  const lchb = scope.inherited('large_client_header_buffers');
  const hsize = nginxSize(lchb?.args[1] ?? '');
  if (lchb && hsize) set('max_header_size', hsize, lchb);
  maxConnections(scope, set);
  accessLog(scope, set);
  return out;
}

/** gzip_types / gzip_min_length; text/html is always compressed, as nginx does. */
function gzipSettings(scope: Scope): Obj {
  const types = scope.inherited('gzip_types');
  const min = scope.inherited('gzip_min_length');
  const list = ['text/html', ...(types?.args ?? []).filter((t) => t !== 'text/html' && t !== '*')];
  if (types?.args.includes('*')) scope.ctx.info(types, 'gzip_types * is imported as the listed types only');
  return { types: list, min_length: min && nginxSize(min.args[0] ?? '') ? nginxSize(min.args[0]!) : 20 };
}

/** `limit_conn ZONE N` with a zone keyed by the server (not the client) → max_connections. */
function maxConnections(scope: Scope, set: SettingSink): void {
  const lc = scope.inherited('limit_conn');
  if (!lc) return;
  const [zone = '', n = ''] = lc.args;
  const http = scope.up('http') ?? scope.up('main');
  const zoneDir = http?.ownAll('limit_conn_zone').find((z) => z.args.some((a) => a.startsWith(`zone=${zone}:`)));
  if (!zoneDir) return scope.ctx.skip(lc, `no limit_conn_zone defines zone ${zone}`);
  const key = zoneDir.args[0] ?? '';
  if (/remote_addr|http_|cookie_|arg_/.test(key))
    return scope.ctx.skip(
      lc,
      `zone ${zone} counts per ${key}; Sluice caps the connections of a whole server (max_connections)`,
    );
  if (!/^[1-9]\d*$/.test(n)) return scope.ctx.skip(lc, `"${n}" is not a number`);
  set('max_connections', Number(n), lc);
}

/** access_log PATH [FORMAT] → { path, format }; a log_format written as JSON is read as JSON lines. */
function accessLog(scope: Scope, set: SettingSink): void {
  const logs = scope.inheritedList('access_log');
  const [first, ...rest] = logs;
  for (const r of rest) scope.ctx.skip(r, 'Sluice writes one access log per server');
  if (!first || first.args[0] === 'off') return;
  const [path = '', format = 'combined'] = first.args;
  if (hasVariable(path) || /^(syslog|memory):/.test(path))
    return scope.ctx.skip(first, `Sluice writes its access log to a file (${path})`);
  let f = 'combined';
  if (format !== 'combined') {
    const http = scope.up('http') ?? scope.up('main');
    const def = http?.ownAll('log_format').find((d) => d.args[0] === format);
    const text = def?.args.slice(1).join('') ?? '';
    if (def && (def.args.includes('escape=json') || /^\s*\{/.test(text.replace(/^escape=\w+/, '')))) f = 'json';
    else scope.ctx.info(first, `log_format ${format} is written as nginx's combined format`);
  }
  set('access_log', { path, format: f }, first);
}

/** The Sluice server for one address: the default server's settings, every member's routes (non-default ones with hosts). */
function buildServer(address: string, members: { listen: Listen; draft: ServerDraft }[], used: Set<string>): Obj {
  const def = members.find((m) => m.listen.defaultServer) ?? members[0]!;
  const ctx = def.draft.scope.ctx;
  const base = (
    def.draft.names.find((n) => /^[A-Za-z0-9_.-]+$/.test(n) && n !== '_') ?? `server-${address.replace(/^.*:/, '')}`
  ).replace(/[^A-Za-z0-9_.-]/g, '_');
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
  used.add(name);
  const server: Obj = { name, listen: address };
  for (const [key, { value }] of def.draft.settings) server[key] = value;
  for (const m of members) {
    if (m === def) continue;
    for (const [key, s] of m.draft.settings) {
      if (JSON.stringify(def.draft.settings.get(key)?.value) !== JSON.stringify(s.value))
        ctx.skip(s.d, `Sluice sets ${key} per address; the default server's setting applies to ${address}`);
    }
  }
  const tlsOf = (m: (typeof members)[number]) => ({ listen: m.listen, tls: m.draft.tls });
  addressTls(ctx, address, members.map(tlsOf), tlsOf(def), (key, value, d) => {
    if (d) server[key] = value;
  });
  const routes: Obj[] = [];
  for (const m of members) {
    const hosts = m === def || members.length === 1 ? undefined : hostsOf(m.draft);
    if (hosts === null) {
      ctx.skipBlock(
        m.draft.scope.node!,
        `no usable server_name (${m.draft.names.join(' ') || 'none'}): nginx would send this server only requests no other server takes`,
      );
      continue;
    }
    for (const r of m.draft.routes) addRoute(routes, hosts ? { ...r.route, hosts } : r.route);
  }
  server.routes = routes;
  return server;
}

/** A server's names as host patterns; null when none is usable (regex names and `_` are not). */
function hostsOf(draft: ServerDraft): string[] | null {
  const out: string[] = [];
  for (const n of draft.names) {
    if (n === '_' || n === '' || n.startsWith('~') || hasVariable(n)) continue;
    if (hostPattern.safeParse(n).success) out.push(n.toLowerCase());
  }
  return out.length ? out : null;
}

/** Adds a route, folding it into an equal route that differs only in hosts (one route, both hosts). */
function addRoute(routes: Obj[], route: Obj): void {
  const { hosts, ...rest } = route;
  const key = stable(rest);
  const twin = routes.find((r) => {
    const { hosts: h, ...o } = r;
    return h && hosts && stable(o) === key;
  });
  if (twin && Array.isArray(twin.hosts) && Array.isArray(hosts)) {
    for (const h of hosts) if (!twin.hosts.includes(h)) twin.hosts.push(h);
    return;
  }
  routes.push(route);
}
