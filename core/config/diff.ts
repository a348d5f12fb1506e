/**
 * Old config vs new → apply plan. Listeners are identified by protocol and
 * address, so a renamed server on the same port is an update (its open
 * connections stay up), while a moved port is remove + add.
 */
import type { AdminConfig, HttpServerConfig, SluiceConfig, StreamServerConfig } from './schema.js';

/** What one listener is: an HTTP server, a TCP/UDP stream server, or the admin API. */
export type ListenerDef =
  | { kind: 'http'; key: string; name: string; listen: string; server: HttpServerConfig }
  | { kind: 'tcp' | 'udp'; key: string; name: string; listen: string; server: StreamServerConfig }
  | { kind: 'admin'; key: string; name: string; listen: string; admin: AdminConfig };

/** One change of an apply plan. */
export interface PlanItem {
  key: string;
  kind: ListenerDef['kind'];
  name: string;
  listen: string;
  /** For updates: which parts changed, e.g. ["routes[2]", "gzip"]. */
  changes?: string[];
}

/** What applying a config will do: listeners started, stopped, changed in place, left alone; shared sections changed. */
export interface ApplyPlan {
  add: PlanItem[];
  remove: PlanItem[];
  update: PlanItem[];
  unchanged: PlanItem[];
  /** Top-level sections that changed and are applied in place (upstreams, limits). */
  sections: string[];
}

/** Listener key: protocol + address; port-0 listeners are keyed by name (each start picks a new port). */
function keyOf(proto: string, listen: string, name: string): string {
  return listen.endsWith(':0') ? `${proto}:${name}@${listen}` : `${proto}:${listen}`;
}

/** Every listener a config defines. */
export function listenersOf(config: SluiceConfig): ListenerDef[] {
  const out: ListenerDef[] = [];
  if (config.admin)
    out.push({
      kind: 'admin',
      key: keyOf('tcp', config.admin.listen, 'admin'),
      name: 'admin',
      listen: config.admin.listen,
      admin: config.admin,
    });
  for (const s of config.http.servers)
    out.push({ kind: 'http', key: keyOf('tcp', s.listen, s.name), name: s.name, listen: s.listen, server: s });
  for (const s of config.stream.servers)
    out.push({ kind: s.protocol, key: keyOf(s.protocol, s.listen, s.name), name: s.name, listen: s.listen, server: s });
  return out;
}

/** Stable JSON for comparisons (key order does not matter). */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );
}

function bodyOf(l: ListenerDef): Record<string, unknown> {
  return l.kind === 'admin' ? { ...l.admin } : { ...l.server };
}

function changedParts(a: ListenerDef, b: ListenerDef): string[] {
  const x = bodyOf(a);
  const y = bodyOf(b);
  const out: string[] = [];
  for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (k === 'routes' && Array.isArray(x[k]) && Array.isArray(y[k])) {
      const ra = x[k] as unknown[];
      const rb = y[k] as unknown[];
      for (let i = 0; i < Math.max(ra.length, rb.length); i++)
        if (stableJson(ra[i]) !== stableJson(rb[i])) out.push(`routes[${i}]`);
    } else if (stableJson(x[k]) !== stableJson(y[k])) out.push(k);
  }
  return out;
}

/** The plan to go from `prev` (undefined: nothing running) to `next`. */
export function planApply(prev: SluiceConfig | undefined, next: SluiceConfig): ApplyPlan {
  const before = new Map((prev ? listenersOf(prev) : []).map((l) => [l.key, l]));
  const after = listenersOf(next);
  const plan: ApplyPlan = { add: [], remove: [], update: [], unchanged: [], sections: [] };
  const item = (l: ListenerDef): PlanItem => ({ key: l.key, kind: l.kind, name: l.name, listen: l.listen });
  for (const l of after) {
    const old = before.get(l.key);
    if (!old) plan.add.push(item(l));
    else {
      before.delete(l.key);
      const changes = changedParts(old, l);
      if (changes.length > 0) plan.update.push({ ...item(l), changes });
      else plan.unchanged.push(item(l));
    }
  }
  for (const l of before.values()) plan.remove.push(item(l));
  const sections: [string, unknown, unknown][] = [
    ['http.upstreams', prev?.http.upstreams, next.http.upstreams],
    ['http.limits', prev?.http.limits, next.http.limits],
    ['stream.upstreams', prev?.stream.upstreams, next.stream.upstreams],
  ];
  for (const [name, a, b] of sections) if (prev && stableJson(a) !== stableJson(b)) plan.sections.push(name);
  return plan;
}

/** One line per change, for logs and the UI: `+ http mock 127.0.0.1:8080`. */
export function describePlan(plan: ApplyPlan): string[] {
  const line = (sign: string, i: PlanItem) =>
    `${sign} ${i.kind} ${i.name} ${i.listen}${i.changes ? ` (${i.changes.join(', ')})` : ''}`;
  return [
    ...plan.add.map((i) => line('+', i)),
    ...plan.remove.map((i) => line('-', i)),
    ...plan.update.map((i) => line('~', i)),
    ...plan.sections.map((s) => `~ ${s}`),
  ];
}
