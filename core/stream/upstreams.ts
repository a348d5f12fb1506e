/**
 * The `stream-upstreams` module: one UpstreamGroup (core/balance) per
 * `stream.upstreams` entry, kept across config applies so passive failure
 * state, health verdicts and active counts survive a re-apply; plus the
 * active health checker of groups that configure one.
 */
import { parseAddress, type Address, type SluiceConfig, type StreamUpstreamConfig } from '../config/index.js';
import { UpstreamGroup, type Peer } from '../balance/index.js';
import type { EngineModule, EngineServices } from '../engine/services.js';
import type { Counters } from '../telemetry/counters.js';
import type { UpstreamServerState } from '../api/types.js';
import { StreamHealth } from './stream-health.js';

/** The module's name in `services.modules`. */
export const STREAM_UPSTREAMS = 'stream-upstreams';

/** One group with what the proxies need per server. */
export interface StreamGroup {
  group: UpstreamGroup;
  config: StreamUpstreamConfig;
  /** Per-server counters (`upstream` scope `group address`). */
  counters(peer: Peer): Counters;
  /** host/port of a server, parsed once. */
  target(peer: Peer): Address;
}

interface Entry extends StreamGroup {
  health: StreamHealth | undefined;
  protocols: Set<'tcp' | 'udp'>;
}

/** Stream upstream groups and their health checks, across applies. */
export class StreamUpstreams implements EngineModule {
  private readonly groups = new Map<string, Entry>();

  constructor(private readonly services: EngineServices) {}

  /** The group named `name`, if configured. */
  get(name: string): StreamGroup | undefined {
    return this.groups.get(name);
  }

  apply(next: SluiceConfig): void {
    const seen = new Set<string>();
    for (const u of next.stream.upstreams) {
      seen.add(u.name);
      const protocols = new Set(next.stream.servers.filter((s) => s.upstream === u.name).map((s) => s.protocol));
      const entry = this.groups.get(u.name);
      if (entry) {
        entry.group.update(u);
        entry.config = u;
        entry.protocols = protocols;
        this.forgetRemovedServers(entry);
      } else this.groups.set(u.name, this.create(u, protocols));
      this.configureHealth(this.groups.get(u.name)!);
    }
    for (const [name, entry] of this.groups) {
      if (seen.has(name)) continue;
      entry.health?.stop();
      for (const p of entry.group.peers) this.services.counters.delete('upstream', `${name} ${p.address}`);
      this.groups.delete(name);
    }
  }

  stop(): void {
    for (const entry of this.groups.values()) entry.health?.stop();
    this.groups.clear();
  }

  /** Every stream upstream server's state, for the API and telemetry. */
  servers(): UpstreamServerState[] {
    const out: UpstreamServerState[] = [];
    for (const entry of this.groups.values()) {
      for (const p of entry.group.peers) {
        const c = entry.counters(p);
        out.push({
          group: entry.group.name,
          section: 'stream',
          address: p.address,
          weight: p.weight,
          backup: p.backup,
          health: p.down
            ? 'disabled'
            : entry.group.isDown(p)
              ? 'down'
              : p.health === 'up'
                ? 'up'
                : entry.health
                  ? 'unknown'
                  : 'up',
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

  private create(u: StreamUpstreamConfig, protocols: Set<'tcp' | 'udp'>): Entry {
    const group = new UpstreamGroup(u, { clock: this.services.clock });
    const counters = new Map<Peer, Counters>();
    const targets = new Map<string, Address>();
    const entry: Entry = {
      group,
      config: u,
      health: undefined,
      protocols,
      counters: (peer) => {
        let c = counters.get(peer);
        if (!c) {
          c = this.services.counters.get('upstream', `${group.name} ${peer.address}`, {
            group: group.name,
            address: peer.address,
            section: 'stream',
          });
          counters.set(peer, c);
        }
        return c;
      },
      target: (peer) => {
        let t = targets.get(peer.address);
        if (!t) {
          t = parseAddress(peer.address)!;
          targets.set(peer.address, t);
        }
        return t;
      },
    };
    return entry;
  }

  private forgetRemovedServers(entry: Entry): void {
    const live = new Set(entry.group.peers.map((p) => p.address));
    for (const scope of this.services.counters.ofKind('upstream')) {
      if (
        scope.labels.section === 'stream' &&
        scope.labels.group === entry.group.name &&
        !live.has(scope.labels.address ?? '')
      ) {
        this.services.counters.delete('upstream', scope.name);
      }
    }
  }

  /** Starts, reconfigures or stops the group's active checks. UDP-only groups probe with datagrams. */
  private configureHealth(entry: Entry): void {
    const hc = entry.config.health_check;
    if (!hc) {
      entry.health?.stop();
      entry.health = undefined;
      for (const p of entry.group.peers) p.health = 'unknown';
      return;
    }
    const protocol = entry.protocols.has('tcp') || entry.protocols.size === 0 ? 'tcp' : 'udp';
    if (!entry.health) entry.health = new StreamHealth(entry, this.services);
    entry.health.configure(hc, protocol);
  }
}
