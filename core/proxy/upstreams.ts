/**
 * The `upstreams` engine module: the http upstream groups, their health
 * checkers and keep-alive agents, kept across config applies (a re-apply
 * keeps peer health, failure counts and idle connections of unchanged
 * servers). The proxy handler looks groups up here by name; the API reads
 * `servers()`.
 */
import http from 'node:http';
import type { HttpUpstreamConfig, SluiceConfig } from '../config/index.js';
import type { UpstreamServerState } from '../api/types.js';
import { UpstreamGroup, type Peer, type Rng } from '../balance/index.js';
import { HealthChecker, HttpProbe } from '../health/index.js';
import type { EngineModule, EngineServices } from '../engine/services.js';
import type { Counters } from '../telemetry/counters.js';
import { TypedEmitter } from '../util/typed-emitter.js';

/** Events of the upstreams module (for the API / UI). */
export interface UpstreamEvents {
  /** An http upstream server changed health (active checks). */
  health: { group: string; address: string; up: boolean; reason?: string };
}

/** One configured http upstream at runtime. */
interface Upstream {
  group: UpstreamGroup;
  agent: http.Agent;
  keepalive: number;
  checker?: HealthChecker;
  checkKey?: string;
}

/** Module name in `services.modules`. */
export const UPSTREAMS_MODULE = 'upstreams';

/** Holds http upstream groups, health checkers and agents across applies. */
export class UpstreamsModule implements EngineModule {
  private readonly upstreams = new Map<string, Upstream>();
  /** Proxied text/event-stream responses open right now. */
  sseActive = 0;
  /** Health changes, for whoever shows them. */
  readonly events = new TypedEmitter<UpstreamEvents>();

  constructor(
    private readonly services: EngineServices,
    private readonly rng: Rng = Math.random,
  ) {}

  /** The group named `name`, if configured. */
  group(name: string): UpstreamGroup | undefined {
    return this.upstreams.get(name)?.group;
  }

  /** The keep-alive agent of an upstream (idle sockets up to `keepalive` per server). */
  agent(name: string): http.Agent | undefined {
    return this.upstreams.get(name)?.agent;
  }

  /** Telemetry counters of one upstream server. */
  counters(group: string, address: string): Counters {
    return this.services.counters.get('upstream', `${group} ${address}`, { group, address });
  }

  apply(next: SluiceConfig): void {
    const seen = new Set<string>();
    for (const cfg of next.http.upstreams) {
      seen.add(cfg.name);
      const cur = this.upstreams.get(cfg.name);
      if (cur) this.update(cur, cfg);
      else this.upstreams.set(cfg.name, this.create(cfg));
    }
    for (const [name, u] of this.upstreams) {
      if (seen.has(name)) continue;
      this.close(u);
      this.upstreams.delete(name);
    }
  }

  stop(): void {
    for (const u of this.upstreams.values()) this.close(u);
    this.upstreams.clear();
  }

  /** Every server of every http upstream, as the UI and API show them. */
  servers(): UpstreamServerState[] {
    const out: UpstreamServerState[] = [];
    for (const u of this.upstreams.values()) {
      for (const p of u.group.peers) {
        const c = this.counters(u.group.name, p.address);
        out.push({
          group: u.group.name,
          section: 'http',
          address: p.address,
          weight: p.weight,
          backup: p.backup,
          health: healthOf(u, p),
          active: p.active,
          requests: c.requests,
          failures: p.failures,
          bytesIn: c.bytesIn,
          bytesOut: c.bytesOut,
        });
      }
    }
    return out;
  }

  private create(cfg: HttpUpstreamConfig): Upstream {
    const group = new UpstreamGroup(cfg, { clock: this.services.clock, rng: this.rng });
    const u: Upstream = { group, agent: newAgent(cfg.keepalive), keepalive: cfg.keepalive };
    this.syncChecker(u, cfg);
    return u;
  }

  private update(u: Upstream, cfg: HttpUpstreamConfig): void {
    u.group.update(cfg);
    if (u.keepalive !== cfg.keepalive) {
      retire(u.agent);
      u.agent = newAgent(cfg.keepalive);
      u.keepalive = cfg.keepalive;
    }
    this.syncChecker(u, cfg);
  }

  /** Starts, updates or stops the health checker to match the config. */
  private syncChecker(u: Upstream, cfg: HttpUpstreamConfig): void {
    const hc = cfg.health_check;
    if (!hc) {
      u.checker?.stop();
      u.checker = undefined;
      // Without checks, a verdict from an old checker must not keep a server out.
      for (const p of u.group.peers) p.health = 'unknown';
      return;
    }
    const key = JSON.stringify(hc);
    if (u.checker && u.checkKey === key) return;
    const probe = new HttpProbe({ path: hc.path, status: hc.status });
    const opts = { interval: hc.interval, timeout: hc.timeout, fails: hc.fails, passes: hc.passes };
    u.checkKey = key;
    if (u.checker) return u.checker.update(opts, probe);
    const checker = new HealthChecker(() => u.group.peers, probe, opts, this.services.clock);
    checker.on('change', (c) => {
      this.counters(u.group.name, c.address).errors += c.up ? 0 : 1;
      this.events.emit('health', { group: u.group.name, ...c });
      this.services.log(
        c.up ? 'info' : 'warn',
        `upstream ${u.group.name} ${c.address} is ${c.up ? 'up' : `down: ${c.reason}`}`,
      );
    });
    u.checker = checker;
    checker.start();
  }

  private close(u: Upstream): void {
    u.checker?.stop();
    u.agent.destroy();
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

function healthOf(u: Upstream, p: Peer): UpstreamServerState['health'] {
  if (p.down) return 'disabled';
  if (u.group.isDown(p)) return 'down';
  if (p.health === 'up' || !u.checker) return 'up';
  return 'unknown';
}

/** The module registered in services, for handlers. */
export function upstreamsOf(services: EngineServices): UpstreamsModule | undefined {
  return services.modules.get(UPSTREAMS_MODULE) as UpstreamsModule | undefined;
}
