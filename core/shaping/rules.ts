/**
 * Which limit applies to an exchange, per direction: the route's own `limit`
 * overrides; otherwise the first `http.limits.rules` entry whose every
 * condition holds; otherwise `http.limits.default`. Scope names are stable
 * keys for live re-tune and telemetry: `route <listener> <path>`,
 * `rule <n>` (1-based), `default`, `stream <server>`.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { HttpServerConfig, LimitConfig, LimitRuleConfig, SluiceConfig } from '../config/index.js';

/** A direction bytes flow in: out = response to the client, in = request body. */
export type Direction = 'out' | 'in';

/** What a rule can look at. */
export interface MatchInput {
  pathname: string;
  client: string;
  /** Content type of the body in this direction (response or request), lowercased. */
  contentType?: string;
  /** Known body length in this direction. */
  size?: number;
}

/** Scope name of a route's own limit (listener name + route path). */
export const routeScope = (listener: string, path: string) => `route ${listener} ${path}`;
/** Scope name of a server-wide rule (1-based, as explain lists them). */
export const ruleScope = (index: number) => `rule ${index + 1}`;
/** Scope name of a stream server's limit. */
export const streamScope = (server: string) => `stream ${server}`;
export const DEFAULT_SCOPE = 'default';

/** True when the limit shapes this direction. */
export function coversDirection(limit: LimitConfig, dir: Direction): boolean {
  return limit.direction === 'both' || limit.direction === dir;
}

/** Every limit of a config by scope name (what the shaping module keeps live). */
export function limitsByScope(config: SluiceConfig): Map<string, LimitConfig> {
  const out = new Map<string, LimitConfig>();
  for (const s of config.http.servers)
    for (const r of s.routes) if (r.limit) out.set(routeScope(s.name, r.path), r.limit);
  const limits = config.http.limits;
  limits?.rules.forEach((r, i) => out.set(ruleScope(i), r));
  if (limits?.default) out.set(DEFAULT_SCOPE, limits.default);
  for (const s of config.stream.servers) if (s.limit) out.set(streamScope(s.name), s.limit);
  return out;
}

const blockLists = new WeakMap<string[], BlockList>();

/** A BlockList for a rule's CIDRs, built once per config object. */
function cidrList(cidrs: string[]): BlockList {
  let list = blockLists.get(cidrs);
  if (list) return list;
  list = new BlockList();
  for (const c of cidrs) {
    const [ip, bits] = c.split('/');
    const type = isIPv6(ip!) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip!, type);
    else list.addSubnet(ip!, Number(bits), type);
  }
  blockLists.set(cidrs, list);
  return list;
}

/** True when `client` (an IP) falls in one of the CIDRs. */
export function clientMatches(client: string, cidrs: string[]): boolean {
  const type = isIPv4(client) ? 'ipv4' : isIPv6(client) ? 'ipv6' : undefined;
  if (!type) return false;
  try {
    return cidrList(cidrs).check(client, type);
  } catch {
    return false;
  }
}

/** The extension of the last path segment, lowercased, without the dot. */
function extension(pathname: string): string | undefined {
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot > 0 ? last.slice(dot + 1).toLowerCase() : undefined;
}

function pathUnder(pathname: string, prefix: string): boolean {
  if (prefix === '/' || pathname === prefix) return true;
  return pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/** True when every given condition of the rule holds. */
export function ruleMatches(rule: LimitRuleConfig, input: MatchInput): boolean {
  const m = rule.match;
  if (m.ext?.length) {
    const ext = extension(input.pathname);
    if (!ext || !m.ext.some((e) => e.toLowerCase() === ext)) return false;
  }
  if (m.content_type?.length) {
    const ct = input.contentType ?? '';
    if (!m.content_type.some((p) => ct.startsWith(p.toLowerCase()))) return false;
  }
  if (m.min_size !== undefined && !(input.size !== undefined && input.size >= m.min_size)) return false;
  if (m.path && !pathUnder(input.pathname, m.path)) return false;
  if (m.client?.length && !clientMatches(input.client, m.client)) return false;
  return true;
}

/** The limit for one exchange and direction, with its scope name; undefined when unlimited. */
export function selectLimit(
  server: Pick<HttpServerConfig, 'name'>,
  route: { path: string; limit?: LimitConfig },
  limits: SluiceConfig['http']['limits'],
  input: MatchInput,
  dir: Direction,
): { scope: string; limit: LimitConfig } | undefined {
  if (route.limit && coversDirection(route.limit, dir))
    return { scope: routeScope(server.name, route.path), limit: route.limit };
  if (!limits) return undefined;
  for (const [i, rule] of limits.rules.entries()) {
    if (coversDirection(rule, dir) && ruleMatches(rule, input)) return { scope: ruleScope(i), limit: rule };
  }
  if (limits.default && coversDirection(limits.default, dir)) return { scope: DEFAULT_SCOPE, limit: limits.default };
  return undefined;
}
