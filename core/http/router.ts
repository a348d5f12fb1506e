/**
 * Longest-prefix routing on segment boundaries: `/api` matches `/api`,
 * `/api/` and `/api/x`, never `/apix`. Built once per config apply, so a
 * lookup is a scan over prefixes sorted longest first.
 */
import type { RouteConfig } from '../config/index.js';

/** A route and what the request path has after its prefix (`/files/a/b` on `/files` → `/a/b`). */
export interface RouteMatch<T> {
  route: RouteConfig;
  index: number;
  prefix: string;
  rest: string;
  value: T;
}

/** A request target split into its path and raw query (without `?`), as the URL parser would see them. */
export interface Target {
  pathname: string;
  search: string;
}

/** Punctuation the URL parser leaves untouched in a path. */
const PLAIN_PUNCTUATION = new Set("-_~!$&'()*+,;=:@.%".split('').map((c) => c.charCodeAt(0)));

/** True when `path` parses to itself: one leading `/`, no dot segment, nothing the parser would encode or rewrite. */
function isPlainPath(path: string): boolean {
  if (path.charCodeAt(0) !== 0x2f || path.charCodeAt(1) === 0x2f) return false;
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) continue;
    if (c === 0x2f) {
      if (path.charCodeAt(i + 1) === 0x2e) return false; // `/.`: maybe a dot segment
      continue;
    }
    if (c === 0x25 && path.charCodeAt(i + 1) === 0x32 && (path.charCodeAt(i + 2) | 0x20) === 0x65) return false; // %2e
    if (!PLAIN_PUNCTUATION.has(c)) return false;
  }
  return true;
}

/** True when a query holds no control character, space or `#` (which the URL parser strips or ends at). */
function isPlainQuery(query: string): boolean {
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x23) return false;
  }
  return true;
}

/**
 * Splits a request target (`req.url`) into path and query. Plain targets —
 * nearly all — are split on `?` without building a URL; anything else goes
 * through the WHATWG parser (dot segments, absolute form, encoding), so both
 * ways give the same answer. Undefined for a target that does not parse.
 */
export function parseTarget(url: string): Target | undefined {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const search = q < 0 ? '' : url.slice(q + 1);
  if (isPlainPath(path) && isPlainQuery(search)) return { pathname: path, search };
  try {
    const u = new URL(url, 'http://x');
    return { pathname: u.pathname, search: u.search.slice(1) };
  } catch {
    return undefined;
  }
}

/** Strips trailing slashes: `/api/` → `/api`, `/` → ``. */
export function normalizePrefix(path: string): string {
  return path.replace(/\/+$/, '');
}

/** The routes of one path prefix: by method, plus the one answering any method. */
interface Slot<T> {
  prefix: string;
  byMethod?: Map<string, RouteMatchBase<T>>;
  any?: RouteMatchBase<T>;
  /** Methods some route of this prefix answers (for 405's Allow). */
  allow: string[];
}

type RouteMatchBase<T> = Omit<RouteMatch<T>, 'rest' | 'prefix'>;

/** Slots sorted longest prefix first: one virtual server (the routes of one host pattern, or the hostless ones). */
class PathTable<T> {
  private slots: Slot<T>[] = [];

  add(prefix: string, m: RouteMatchBase<T>, methods: readonly string[] | undefined): void {
    let slot = this.slots.find((s) => s.prefix === prefix);
    if (!slot) this.slots.push((slot = { prefix, allow: [] }));
    if (!methods) {
      slot.any ??= m;
      return;
    }
    slot.byMethod ??= new Map();
    for (const meth of methods) {
      if (!slot.byMethod.has(meth)) slot.byMethod.set(meth, m);
      if (!slot.allow.includes(meth)) slot.allow.push(meth);
      // GET also answers HEAD, as nginx's limit_except GET does.
      if (meth === 'GET' && !slot.byMethod.has('HEAD')) slot.byMethod.set('HEAD', m);
    }
  }

  seal(): this {
    this.slots.sort((a, b) => b.prefix.length - a.prefix.length);
    return this;
  }

  /** The slot owning this path: the longest prefix on a segment boundary. */
  slot(pathname: string): Slot<T> | undefined {
    for (const s of this.slots) {
      const p = s.prefix;
      if (p === '' || pathname === p || (pathname.startsWith(p) && pathname.charCodeAt(p.length) === 0x2f)) return s;
    }
    return undefined;
  }

  values(): RouteMatchBase<T>[] {
    const out: RouteMatchBase<T>[] = [];
    for (const s of this.slots) {
      if (s.any) out.push(s.any);
      for (const m of s.byMethod?.values() ?? []) if (!out.includes(m)) out.push(m);
    }
    return out;
  }
}

/** Host patterns of a server's routes, ordered as nginx orders server names. */
class HostTable<T> {
  readonly exact = new Map<string, PathTable<T>>();
  /** `*.example.test` / `.example.test` as their `.example.test` suffix, longest first. */
  readonly leading: { suffix: string; table: PathTable<T> }[] = [];
  /** `www.example.*` as its `www.example.` prefix, longest first. */
  readonly trailing: { prefix: string; table: PathTable<T> }[] = [];

  /** The tables a route with this pattern belongs to. */
  tablesOf(pattern: string): PathTable<T>[] {
    const out: PathTable<T>[] = [];
    const get = <K>(list: K[], find: (k: K) => boolean, make: () => K): K =>
      list.find(find) ?? (list.push(make()), list[list.length - 1]!);
    if (pattern.startsWith('*.') || pattern.startsWith('.')) {
      const suffix = pattern.slice(pattern.indexOf('.'));
      out.push(
        get(
          this.leading,
          (e) => e.suffix === suffix,
          () => ({ suffix, table: new PathTable<T>() }),
        ).table,
      );
      if (pattern.startsWith('.')) out.push(this.exactTable(pattern.slice(1)));
    } else if (pattern.endsWith('.*')) {
      const prefix = pattern.slice(0, -1);
      out.push(
        get(
          this.trailing,
          (e) => e.prefix === prefix,
          () => ({ prefix, table: new PathTable<T>() }),
        ).table,
      );
    } else {
      out.push(this.exactTable(pattern));
    }
    return out;
  }

  private exactTable(name: string): PathTable<T> {
    let t = this.exact.get(name);
    if (!t) this.exact.set(name, (t = new PathTable<T>()));
    return t;
  }

  seal(): void {
    for (const t of this.exact.values()) t.seal();
    this.leading.sort((a, b) => b.suffix.length - a.suffix.length).forEach((e) => e.table.seal());
    this.trailing.sort((a, b) => b.prefix.length - a.prefix.length).forEach((e) => e.table.seal());
  }

  /** The table of the best pattern for `host`, as nginx picks a server: exact, longest leading wildcard, longest trailing wildcard. */
  find(host: string): PathTable<T> | undefined {
    if (host === '') return undefined;
    const exact = this.exact.get(host);
    if (exact) return exact;
    for (const e of this.leading) if (host.length > e.suffix.length && host.endsWith(e.suffix)) return e.table;
    for (const e of this.trailing) if (host.length > e.prefix.length && host.startsWith(e.prefix)) return e.table;
    return undefined;
  }

  tables(): PathTable<T>[] {
    return [...this.exact.values(), ...this.leading.map((e) => e.table), ...this.trailing.map((e) => e.table)];
  }
}

/**
 * The host a request names, as server_name compares it: the Host header
 * without port or trailing dot, lower-cased (`API.Example.test:8080` →
 * `api.example.test`).
 */
export function requestHost(header: string | undefined): string {
  if (!header) return '';
  let h = header;
  if (h.startsWith('[')) h = h.slice(0, h.indexOf(']') + 1);
  else {
    const colon = h.indexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

/**
 * Routes of one server, with a value per route (its handler). A route
 * answers by longest path prefix; routes with `hosts` form virtual servers
 * chosen first by the request's host (routes without hosts answer any other
 * host), and routes with `methods` share a path with others by method.
 */
export class Router<T> {
  private readonly anyHost = new PathTable<T>();
  private readonly hosts = new HostTable<T>();
  private readonly byHost: boolean;

  constructor(routes: readonly RouteConfig[], makeValue: (route: RouteConfig, index: number) => T) {
    routes.forEach((route, index) => {
      const m: RouteMatchBase<T> = { route, index, value: makeValue(route, index) };
      const prefix = normalizePrefix(route.path);
      const tables = route.hosts ? route.hosts.flatMap((h) => this.hosts.tablesOf(h)) : [this.anyHost];
      for (const t of new Set(tables)) t.add(prefix, m, route.methods);
    });
    this.anyHost.seal();
    this.hosts.seal();
    this.byHost = routes.some((r) => r.hosts !== undefined);
  }

  private table(host: string | undefined): PathTable<T> {
    return (this.byHost && host !== undefined && this.hosts.find(requestHost(host))) || this.anyHost;
  }

  /**
   * The route answering `pathname` for this method and Host header
   * (undefined: no route, or the path's routes take other methods — see
   * `allowed()`). Without a method, any route of the path matches.
   */
  match(pathname: string, method?: string, host?: string): RouteMatch<T> | undefined {
    const slot = this.table(host).slot(pathname);
    if (!slot) return undefined;
    const m =
      (method !== undefined ? slot.byMethod?.get(method) : undefined) ??
      slot.any ??
      (method === undefined ? slot.byMethod?.values().next().value : undefined);
    if (!m) return undefined;
    return { ...m, prefix: slot.prefix, rest: pathname.slice(slot.prefix.length) || '/' };
  }

  /** The methods answered on this path when match() found routes for it but none for the request's method; undefined otherwise. */
  allowed(pathname: string, host?: string): string[] | undefined {
    const slot = this.table(host).slot(pathname);
    return slot && !slot.any && slot.allow.length ? slot.allow : undefined;
  }

  values(): T[] {
    const seen = new Set<RouteMatchBase<T>>();
    for (const t of [this.anyHost, ...this.hosts.tables()]) for (const m of t.values()) seen.add(m);
    return [...seen].sort((a, b) => a.index - b.index).map((m) => m.value);
  }
}
