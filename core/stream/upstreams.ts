/**
 * The stream side of the upstream-group core (core/health/upstream-registry.ts):
 * each `stream.upstreams` group also keeps its servers' parsed addresses and
 * which protocols use it, and is checked with a TCP probe (connect, optional
 * send/expect) or, for groups only UDP servers use, a UDP probe. Kept across
 * config applies, so passive failure state, health verdicts and active counts
 * survive a re-apply.
 */
import type { UpstreamServerState } from '../api/types.js';
import type { Peer } from '../balance/index.js';
import { parseAddress, type Address, type SluiceConfig, type StreamUpstreamConfig } from '../config/index.js';
import { TcpProbe } from '../health/tcp-probe.js';
import { UdpProbe } from '../health/udp-probe.js';
import { UpstreamRegistry, type UpstreamEntry } from '../health/upstream-registry.js';
import type { EngineModule, EngineServices } from '../kernel/index.js';
import type { Counters } from '../telemetry/counters.js';

/** What a stream group keeps beside its peers. */
export interface StreamExtra {
  /** host/port of a server, parsed once. */
  target(peer: Peer): Address;
  /** Which stream server protocols use this group (decides the probe). */
  protocols: Set<'tcp' | 'udp'>;
}

/** One group with what the proxies need per server. */
export type StreamGroup = UpstreamEntry<StreamUpstreamConfig, StreamExtra>;

/** Stream upstream groups and their health checks, across applies. */
export class StreamUpstreams implements EngineModule {
  private readonly registry: UpstreamRegistry<StreamUpstreamConfig, StreamExtra>;
  private protocols = new Map<string, Set<'tcp' | 'udp'>>();

  constructor(services: EngineServices) {
    this.registry = new UpstreamRegistry(
      {
        section: 'stream',
        create: (cfg) => ({ target: targets(), protocols: this.protocols.get(cfg.name) ?? new Set() }),
        update: (entry, cfg) => {
          entry.extra.protocols = this.protocols.get(cfg.name) ?? new Set();
        },
        probe: (entry) => {
          const hc = entry.config.health_check;
          if (!hc) return undefined;
          const { protocols } = entry.extra;
          const udp = !protocols.has('tcp') && protocols.size > 0;
          return { probe: udp ? new UdpProbe(hc) : new TcpProbe(hc), key: udp ? 'udp' : 'tcp' };
        },
      },
      { clock: services.clock, counters: services.counters, log: services.log },
    );
  }

  /** The group named `name`, if configured. */
  get(name: string): StreamGroup | undefined {
    return this.registry.get(name);
  }

  apply(next: SluiceConfig): void {
    this.protocols = new Map(
      next.stream.upstreams.map((u) => [
        u.name,
        new Set(next.stream.servers.filter((s) => s.upstream === u.name).map((s) => s.protocol)),
      ]),
    );
    this.registry.reconcile(next.stream.upstreams);
  }

  stop(): void {
    this.registry.stop();
  }

  /** Every stream upstream server's state, for the API and telemetry. */
  servers(): UpstreamServerState[] {
    return this.registry.servers();
  }

  /** Counters of one server of a group. */
  counters(group: string, peer: Peer): Counters | undefined {
    return this.registry.get(group)?.counters(peer);
  }
}

/** A parse-once lookup of server addresses. */
function targets(): (peer: Peer) => Address {
  const parsed = new Map<string, Address>();
  return (peer) => {
    let t = parsed.get(peer.address);
    if (!t) {
      t = parseAddress(peer.address)!;
      parsed.set(peer.address, t);
    }
    return t;
  };
}
