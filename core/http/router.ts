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

/** Routes of one server, with a value per route (its handler). */
export class Router<T> {
  private readonly entries: { prefix: string; route: RouteConfig; index: number; value: T }[];

  constructor(routes: readonly RouteConfig[], makeValue: (route: RouteConfig, index: number) => T) {
    this.entries = routes
      .map((route, index) => ({ prefix: normalizePrefix(route.path), route, index, value: makeValue(route, index) }))
      .sort((a, b) => b.prefix.length - a.prefix.length);
  }

  match(pathname: string): RouteMatch<T> | undefined {
    for (const e of this.entries) {
      if (
        e.prefix === '' ||
        pathname === e.prefix ||
        (pathname.startsWith(e.prefix) && pathname[e.prefix.length] === '/')
      ) {
        return {
          route: e.route,
          index: e.index,
          prefix: e.prefix,
          rest: pathname.slice(e.prefix.length) || '/',
          value: e.value,
        };
      }
    }
    return undefined;
  }

  values(): T[] {
    return this.entries.map((e) => e.value);
  }
}
