/**
 * The upstream-group core the HTTP proxy and the stream balancer share: one
 * UpstreamGroup per configured upstream, kept across config applies (peers
 * whose address stays keep health, failure counts and active counts), its
 * active health checker, per-server counters, and the `servers()` view the
 * API and telemetry show. Each side adds only what differs — keep-alive
 * agents for HTTP, parsed targets and probe protocol for streams — through
 * its `UpstreamSide`.
 *
 *   config apply ─▶ reconcile(upstreams) ─▶ create | update | close each group
 *                                         └▶ start / re-tune / stop its health checker
 */
import type { UpstreamServerState } from '../api/types.js';
import { UpstreamGroup, type Peer, type Rng, type UpstreamLike } from '../balance/index.js';
import { stableJson } from '../config/index.js';
import type { CounterRegistry, Counters } from '../telemetry/counters.js';
import type { Clock } from '../util/clock.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { HealthChecker, type HealthCheckOptions } from './checker.js';
import type { Probe } from './probe.js';

/** An upstream config as both sections have it: servers, balance, optional active checks. */
export interface UpstreamConfigLike extends UpstreamLike {
  health_check?: HealthCheckOptions;
}

/** One group at runtime, with what its side keeps beside it. */
export interface UpstreamEntry<C extends UpstreamConfigLike, X> {
  readonly group: UpstreamGroup;
  config: C;
  /** The side's own state (an agent, parsed targets). */
  extra: X;
  /** Counters of one server (`upstream` scope `group address`), looked up once per peer. */
  counters(peer: Peer): Counters;
}

/** What one section (http or stream) adds to the shared core. */
export interface UpstreamSide<C extends UpstreamConfigLike, X> {
  section: UpstreamServerState['section'];
  /** State kept beside a new group. */
  create(config: C): X;
  /** A group's config changed (same name). */
  update?(entry: UpstreamEntry<C, X>, config: C): void;
  /** A group is gone (removed, or the engine stopped). */
  close?(entry: UpstreamEntry<C, X>): void;
  /** The probe for a group's `health_check`, and a key that changes when the probe must. */
  probe(entry: UpstreamEntry<C, X>): { probe: Probe; key: string } | undefined;
}

/** What the core needs from the engine. */
export interface RegistryDeps {
  clock: Clock;
  counters: CounterRegistry;
  log(level: 'info' | 'warn', message: string): void;
  rng?: Rng;
}

/** Events of a registry (for the API and UI). */
export interface UpstreamEvents {
  /** A server changed health (active checks). */
  health: { group: string; address: string; up: boolean; reason?: string };
}

interface Entry<C extends UpstreamConfigLike, X> extends UpstreamEntry<C, X> {
  checker?: HealthChecker;
  checkKey?: string;
}

/** The upstream groups of one section, across config applies. */
export class UpstreamRegistry<C extends UpstreamConfigLike, X> {
  private readonly entries = new Map<string, Entry<C, X>>();
  /** Health changes, for whoever shows them. */
  readonly events = new TypedEmitter<UpstreamEvents>();

  constructor(
    private readonly side: UpstreamSide<C, X>,
    private readonly deps: RegistryDeps,
  ) {}

  /** The group named `name`, if configured. */
  get(name: string): UpstreamEntry<C, X> | undefined {
    return this.entries.get(name);
  }

  /** Adopts the configured upstreams: new groups start, changed ones update in place, missing ones close. */
  reconcile(configs: readonly C[]): void {
    const seen = new Set<string>();
    for (const cfg of configs) {
      seen.add(cfg.name);
      const entry = this.entries.get(cfg.name);
      if (entry) this.update(entry, cfg);
      else this.entries.set(cfg.name, this.create(cfg));
      this.syncChecker(this.entries.get(cfg.name)!);
    }
    for (const [name, entry] of this.entries) {
      if (seen.has(name)) continue;
      this.close(entry);
      for (const p of entry.group.peers) this.deps.counters.delete('upstream', scopeName(name, p.address));
      this.entries.delete(name);
    }
  }

  /** Stops every checker and closes every group. */
  stop(): void {
    for (const entry of this.entries.values()) this.close(entry);
    this.entries.clear();
  }

  /** Every server of every group, as the UI and API show them. */
  servers(): UpstreamServerState[] {
    const out: UpstreamServerState[] = [];
    const now = this.deps.clock.now();
    for (const entry of this.entries.values()) {
      for (const p of entry.group.peers) {
        const c = entry.counters(p);
        out.push({
          group: entry.group.name,
          section: this.side.section,
          address: p.address,
          weight: p.weight,
          backup: p.backup,
          health: p.down ? 'disabled' : p.isDown(now) ? 'down' : p.health === 'up' || !entry.checker ? 'up' : 'unknown',
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

  private create(cfg: C): Entry<C, X> {
    const group = new UpstreamGroup(cfg, { clock: this.deps.clock, rng: this.deps.rng });
    const byPeer = new WeakMap<Peer, Counters>();
    const section = this.side.section;
    const counters = (peer: Peer): Counters => {
      let c = byPeer.get(peer);
      if (!c) {
        c = this.deps.counters.get('upstream', scopeName(group.name, peer.address), {
          group: group.name,
          address: peer.address,
          section,
        });
        byPeer.set(peer, c);
      }
      return c;
    };
    return { group, config: cfg, extra: this.side.create(cfg), counters };
  }

  private update(entry: Entry<C, X>, cfg: C): void {
    const before = new Set(entry.group.peers.map((p) => p.address));
    entry.group.update(cfg);
    entry.config = cfg;
    this.side.update?.(entry, cfg);
    const live = new Set(entry.group.peers.map((p) => p.address));
    for (const address of before)
      if (!live.has(address)) this.deps.counters.delete('upstream', scopeName(cfg.name, address));
  }

  private close(entry: Entry<C, X>): void {
    entry.checker?.stop();
    entry.checker = undefined;
    this.side.close?.(entry);
  }

  /** Starts, re-tunes or stops the group's health checker to match its config. */
  private syncChecker(entry: Entry<C, X>): void {
    const hc = entry.config.health_check;
    const made = hc ? this.side.probe(entry) : undefined;
    if (!hc || !made) {
      entry.checker?.stop();
      entry.checker = undefined;
      entry.checkKey = undefined;
      // Without checks, a verdict from an old checker must not keep a server out.
      for (const p of entry.group.peers) p.health = 'unknown';
      return;
    }
    const key = stableJson({ hc, probe: made.key });
    if (entry.checker && entry.checkKey === key) return;
    entry.checkKey = key;
    const opts = { interval: hc.interval, timeout: hc.timeout, fails: hc.fails, passes: hc.passes };
    if (entry.checker) return entry.checker.update(opts, made.probe);
    const group = entry.group;
    const checker = new HealthChecker(() => group.peers, made.probe, opts, this.deps.clock);
    checker.on('change', (c) => {
      const peer = group.peer(c.address);
      if (!c.up && peer) entry.counters(peer).errors++;
      this.events.emit('health', { group: group.name, ...c });
      const what = `${this.side.section === 'stream' ? 'stream ' : ''}upstream ${group.name} ${c.address}`;
      this.deps.log(c.up ? 'info' : 'warn', `${what} is ${c.up ? 'up again' : `down: ${c.reason ?? 'failed checks'}`}`);
    });
    entry.checker = checker;
    checker.start();
  }
}

/** The counter scope of one server. */
function scopeName(group: string, address: string): string {
  return `${group} ${address}`;
}
