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
      if (e.prefix === '' || pathname === e.prefix || (pathname.startsWith(e.prefix) && pathname[e.prefix.length] === '/')) {
        return { route: e.route, index: e.index, prefix: e.prefix, rest: pathname.slice(e.prefix.length) || '/', value: e.value };
      }
    }
    return undefined;
  }

  values(): T[] {
    return this.entries.map((e) => e.value);
  }
}
