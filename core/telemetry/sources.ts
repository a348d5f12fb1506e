/**
 * Narrow, structural views of modules other parts of the engine own (the SSE
 * hub, upstreams, shaping). Telemetry and the API host read them through
 * these interfaces only, checked at runtime, so a module that has not landed
 * (or changes shape) yields empty lists instead of a crash.
 */
import type { ChannelInfo, LimitSample, PublishRequest, UpstreamServerState } from '../api/types.js';
import type { SluiceConfig } from '../config/index.js';
import type { EngineServices } from '../engine/services.js';
import type { CounterRegistry } from './counters.js';

/** What the API needs of the SSE hub (`services.modules.get('sse')`). */
export interface SseHubView {
  publish(channel: string, event: PublishRequest): string | Promise<string>;
  channels(): ChannelInfo[];
}

/** What the API needs of the upstreams module: one state per configured server. */
export interface UpstreamsView {
  states(): UpstreamServerState[];
}

/** What the rate tuner needs of the shaping module. */
export interface ShapingView {
  samples(): LimitSample[];
}

function hasMethods(v: unknown, ...names: string[]): boolean {
  return (
    typeof v === 'object' && v !== null && names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function')
  );
}

/** The SSE hub, if the module is installed and has the expected shape. */
export function sseHub(services: EngineServices): SseHubView | undefined {
  const m = services.modules.get('sse');
  return hasMethods(m, 'publish', 'channels') ? (m as unknown as SseHubView) : undefined;
}

/** Channel infos from the hub; [] when there is no hub or it fails. */
export function readChannels(services: EngineServices): ChannelInfo[] {
  try {
    return sseHub(services)?.channels() ?? [];
  } catch {
    return [];
  }
}

/** Limit samples from the shaping module; [] when absent. */
export function readLimits(services: EngineServices): LimitSample[] {
  const m = services.modules.get('shaping');
  if (!hasMethods(m, 'samples')) return [];
  try {
    return (m as unknown as ShapingView).samples();
  } catch {
    return [];
  }
}

/** Modules that report upstream server states via `servers()` (or `states()`), and the section each covers. */
const UPSTREAM_MODULES: [string, 'http' | 'stream'][] = [
  ['upstreams', 'http'],
  ['stream-upstreams', 'stream'],
];

/**
 * Upstream server states: from the upstreams modules (`upstreams` for http,
 * `stream-upstreams` for stream) where installed; a section without its
 * module is derived from the config plus the counters of kind `upstream`
 * (health unknown).
 */
export function readUpstreams(services: EngineServices): UpstreamServerState[] {
  const out: UpstreamServerState[] = [];
  const covered = new Set<string>();
  for (const [name, section] of UPSTREAM_MODULES) {
    const m = services.modules.get(name) as unknown as Record<string, unknown> | undefined;
    const method = ['servers', 'states'].find((k) => hasMethods(m, k));
    if (!method) continue;
    try {
      const states = (m![method] as () => unknown).call(m);
      if (!Array.isArray(states)) continue;
      out.push(...(states as UpstreamServerState[]));
      covered.add(section);
    } catch {
      /* fall back to the config view of this section */
    }
  }
  const config = services.config();
  if (config && covered.size < UPSTREAM_MODULES.length) {
    out.push(...upstreamsFromConfig(config, services.counters).filter((u) => !covered.has(u.section)));
  }
  return out;
}

/** Every configured upstream server with its counters (scope `group address`). */
export function upstreamsFromConfig(config: SluiceConfig, counters: CounterRegistry): UpstreamServerState[] {
  const byName = new Map(counters.ofKind('upstream').map((s) => [s.name, s.counters]));
  const out: UpstreamServerState[] = [];
  const add = (
    section: 'http' | 'stream',
    group: string,
    servers: SluiceConfig['http']['upstreams'][number]['servers'],
  ) => {
    for (const s of servers) {
      const c = byName.get(`${group} ${s.address}`);
      out.push({
        group,
        section,
        address: s.address,
        weight: s.weight,
        backup: s.backup,
        health: s.down ? 'disabled' : 'unknown',
        active: c?.active ?? 0,
        requests: c?.requests ?? 0,
        failures: c?.errors ?? 0,
        bytesIn: c?.bytesIn ?? 0,
        bytesOut: c?.bytesOut ?? 0,
      });
    }
  };
  for (const u of config.http.upstreams) add('http', u.name, u.servers);
  for (const u of config.stream.upstreams) add('stream', u.name, u.servers);
  return out;
}
