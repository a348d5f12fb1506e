/**
 * The HTTP side of the upstream-group core (core/health/upstream-registry.ts):
 * each http upstream group also keeps a keep-alive agent, replaced when its
 * `keepalive` changes, and is checked with an HTTP probe. Kept across config
 * applies, so peer health, failure counts and idle connections of unchanged
 * servers survive a re-apply. The proxy route looks groups up here by name.
 */
import http from 'node:http';
import type { UpstreamServerState } from '../api/types.js';
import type { Peer, Rng, UpstreamGroup } from '../balance/index.js';
import type { HttpUpstreamConfig, SluiceConfig } from '../config/index.js';
import { HttpProbe } from '../health/index.js';
import { UpstreamRegistry, type UpstreamEntry, type UpstreamEvents } from '../health/upstream-registry.js';
import type { EngineModule, EngineServices } from '../kernel/index.js';
import { CounterRegistry, type Counters } from '../telemetry/counters.js';
import type { TypedEmitter } from '../util/typed-emitter.js';

/** What an http group keeps beside its peers. */
interface HttpExtra {
  agent: http.Agent;
  keepalive: number;
}

type Entry = UpstreamEntry<HttpUpstreamConfig, HttpExtra>;

/** The http upstream groups, their health checkers and keep-alive agents, across applies. */
export class HttpUpstreams implements EngineModule {
  private readonly registry: UpstreamRegistry<HttpUpstreamConfig, HttpExtra>;
  /** Proxied text/event-stream responses open right now. */
  sseActive = 0;

  constructor(services: EngineServices, rng?: Rng) {
    this.registry = new UpstreamRegistry({
      section: 'http',
      create: (cfg) => ({ agent: newAgent(cfg.keepalive), keepalive: cfg.keepalive }),
      update: (entry, cfg) => {
        if (entry.extra.keepalive === cfg.keepalive) return;
        retire(entry.extra.agent);
        entry.extra = { agent: newAgent(cfg.keepalive), keepalive: cfg.keepalive };
      },
      close: (entry) => entry.extra.agent.destroy(),
      probe: (entry: Entry) => {
        const hc = entry.config.health_check;
        return hc && { probe: new HttpProbe({ path: hc.path, status: hc.status }), key: '' };
      },
    }, { clock: services.clock, counters: services.counters, log: services.log, rng });
  }

  /** Health changes, for whoever shows them. */
  get events(): TypedEmitter<UpstreamEvents> {
    return this.registry.events;
  }

  /** The group named `name`, if configured. */
  group(name: string): UpstreamGroup | undefined {
    return this.registry.get(name)?.group;
  }

  /** The keep-alive agent of an upstream (idle sockets up to `keepalive` per server). */
  agent(name: string): http.Agent | undefined {
    return this.registry.get(name)?.extra.agent;
  }

  /** Telemetry counters of one upstream server (a group removed mid-request still counts, detached). */
  counters(group: string, peer: Peer): Counters {
    return this.registry.get(group)?.counters(peer) ?? new CounterRegistry().get('upstream', `${group} ${peer.address}`);
  }

  apply(next: SluiceConfig): void {
    this.registry.reconcile(next.http.upstreams);
  }

  stop(): void {
    this.registry.stop();
  }

  /** Every server of every http upstream, as the UI and API show them. */
  servers(): UpstreamServerState[] {
    return this.registry.servers();
  }
}

/** Closes an agent's idle sockets; in-flight requests finish on theirs, which then close instead of idling. */
function retire(agent: http.Agent): void {
  (agent as http.Agent & { keepAlive: boolean }).keepAlive = false;
  for (const list of Object.values(agent.freeSockets)) for (const s of list ?? []) s.destroy();
}

function newAgent(keepalive: number): http.Agent {
  return new http.Agent({ keepAlive: keepalive > 0, maxFreeSockets: Math.max(keepalive, 1), scheduling: 'lifo' });
}
