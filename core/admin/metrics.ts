/**
 * `GET /metrics`: the counters in Prometheus text exposition format (0.0.4).
 * Every family gets HELP and TYPE lines; samples of a family are contiguous;
 * label values are escaped (\\, \", \n).
 */
import type { Engine } from '../engine/engine.js';
import type { Scope } from '../telemetry/counters.js';
import { readChannels, readUpstreams } from '../telemetry/sources.js';
import { VERSION } from '../host/version.js';

/** The Content-Type Prometheus expects for the text format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Accumulates metric families and renders them. */
class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string, samples: [Labels, number][]): void {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const ls = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      this.lines.push(`${name}${ls ? `{${ls}}` : ''} ${formatValue(value)}`);
    }
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** Requests per route, plus per listener what matched no route (`route=""`). */
function requestSamples(listeners: Scope[], routes: Scope[]): [Labels, number][] {
  const out: [Labels, number][] = [];
  for (const l of listeners) {
    const own = routes.filter((r) => r.labels.listener === l.name);
    let routed = 0;
    for (const r of own) {
      routed += r.counters.requests;
      out.push([{ listener: l.name, route: r.labels.route ?? r.name }, r.counters.requests]);
    }
    const rest = l.counters.requests - routed;
    if (rest > 0 || own.length === 0) out.push([{ listener: l.name, route: '' }, Math.max(0, rest)]);
  }
  return out;
}

/** Renders every metric of an engine. */
export function renderMetrics(engine: Engine): string {
  const services = engine.services;
  const scopes = services.counters.all();
  const listeners = scopes.filter((s) => s.kind === 'listener');
  const routes = scopes.filter((s) => s.kind === 'route');
  const channelScopes = scopes.filter((s) => s.kind === 'channel');
  const clients = new Map(readChannels(services).map((c) => [c.name, c.clients]));
  const per = (list: Scope[], key: string, f: (s: Scope) => number): [Labels, number][] =>
    list.map((s) => [{ [key]: s.name }, f(s)]);
  const x = new Exposition();

  x.family('sluice_info', 'gauge', 'Sluice version (always 1).', [[{ version: VERSION }, 1]]);
  x.family('sluice_engine_running', 'gauge', '1 while the engine runs a config.', [[{}, engine.running ? 1 : 0]]);
  x.family(
    'sluice_requests_total',
    'counter',
    'HTTP requests (stream: accepted connections) per listener and route; route="" matched no route.',
    requestSamples(listeners, routes),
  );
  const byClass: [Labels, number][] = [];
  for (const l of listeners)
    for (let c = 1; c <= 5; c++)
      if (l.counters.status[c]) byClass.push([{ listener: l.name, code: `${c}xx` }, l.counters.status[c]!]);
  x.family('sluice_responses_total', 'counter', 'HTTP responses per listener and status class.', byClass);
  x.family(
    'sluice_bytes_sent_total',
    'counter',
    'Bytes sent to clients per listener.',
    per(listeners, 'listener', (s) => s.counters.bytesOut),
  );
  x.family(
    'sluice_bytes_received_total',
    'counter',
    'Bytes received from clients per listener.',
    per(listeners, 'listener', (s) => s.counters.bytesIn),
  );
  x.family(
    'sluice_active_connections',
    'gauge',
    'Open client connections per listener.',
    per(listeners, 'listener', (s) => s.counters.active),
  );
  x.family(
    'sluice_errors_total',
    'counter',
    'Failed exchanges and client errors per listener.',
    per(listeners, 'listener', (s) => s.counters.errors),
  );

  x.family(
    'sluice_sse_events_total',
    'counter',
    'SSE events delivered to clients per channel (one per subscriber).',
    per(channelScopes, 'channel', (s) => s.counters.events),
  );
  const channelNames = new Set([...channelScopes.map((s) => s.name), ...clients.keys()]);
  x.family(
    'sluice_sse_clients',
    'gauge',
    'Connected SSE clients per channel.',
    [...channelNames].map((n) => [
      { channel: n },
      clients.get(n) ?? channelScopes.find((s) => s.name === n)?.counters.active ?? 0,
    ]),
  );
  x.family(
    'sluice_sse_dropped_total',
    'counter',
    'SSE clients dropped for not reading, per channel.',
    per(channelScopes, 'channel', (s) => s.counters.drops),
  );

  const ups = readUpstreams(services);
  const ul = (u: (typeof ups)[number]): Labels => ({ section: u.section, upstream: u.group, server: u.address });
  x.family(
    'sluice_upstream_up',
    'gauge',
    'Upstream server health: 1 up, 0 down or disabled, -1 unknown.',
    ups.map((u) => [ul(u), u.health === 'up' ? 1 : u.health === 'unknown' ? -1 : 0]),
  );
  x.family(
    'sluice_upstream_active_connections',
    'gauge',
    'Open connections to an upstream server.',
    ups.map((u) => [ul(u), u.active]),
  );
  x.family(
    'sluice_upstream_requests_total',
    'counter',
    'Requests or connections sent to an upstream server.',
    ups.map((u) => [ul(u), u.requests]),
  );
  x.family(
    'sluice_upstream_failures_total',
    'counter',
    'Failed attempts on an upstream server.',
    ups.map((u) => [ul(u), u.failures]),
  );
  x.family(
    'sluice_upstream_bytes_in_total',
    'counter',
    'Bytes counted in on an upstream server scope.',
    ups.map((u) => [ul(u), u.bytesIn]),
  );
  x.family(
    'sluice_upstream_bytes_out_total',
    'counter',
    'Bytes counted out on an upstream server scope.',
    ups.map((u) => [ul(u), u.bytesOut]),
  );

  // Limits from their counters (monotonic, stateless to read); shaping's samples() is the sampler's, per tick.
  const limitScopes = scopes.filter((s) => s.kind === 'limit');
  x.family(
    'sluice_limit_bytes_total',
    'counter',
    'Bytes passed through a bandwidth limit scope.',
    per(limitScopes, 'limit', (s) => s.counters.bytesIn + s.counters.bytesOut),
  );
  x.family(
    'sluice_limit_throttled_seconds_total',
    'counter',
    'Time spent waiting on a bandwidth limit.',
    per(limitScopes, 'limit', (s) => s.counters.throttledMs / 1000),
  );
  return x.toString();
}
