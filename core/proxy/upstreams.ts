/**
 * The HTTP side of the upstream-group core (core/health/upstream-registry.ts):
 * each http upstream group also keeps its transport — a keep-alive agent,
 * plain or TLS — replaced when its keep-alive or TLS settings change, and is
 * checked with an HTTP(S) probe. Kept across config applies, so peer health,
 * failure counts and idle connections of unchanged servers survive a
 * re-apply. The proxy route looks groups up here by name.
 */
import type { UpstreamServerState } from '../api/types.js';
import type { Peer, Rng, UpstreamGroup } from '../balance/index.js';
import type { HttpUpstreamConfig, SluiceConfig } from '../config/index.js';
import { HttpProbe } from '../health/index.js';
import { UpstreamRegistry, type UpstreamEvents } from '../health/upstream-registry.js';
import type { EngineModule, EngineServices } from '../kernel/index.js';
import { CounterRegistry, type Counters } from '../telemetry/counters.js';
import type { TypedEmitter } from '../util/typed-emitter.js';
import { UpstreamTransport } from './upstream-transport.js';

/** The http upstream groups, their health checkers and transports, across applies. */
export class HttpUpstreams implements EngineModule {
  private readonly registry: UpstreamRegistry<HttpUpstreamConfig, UpstreamTransport>;
  /** Proxied text/event-stream responses open right now. */
  sseActive = 0;

  constructor(
    private readonly services: EngineServices,
    rng?: Rng,
  ) {
    this.registry = new UpstreamRegistry(
      {
        section: 'http',
        create: (cfg) => this.newTransport(cfg),
        update: (entry, cfg) => {
          const next = this.newTransport(cfg);
          if (next.key === entry.extra.key) return next.destroy();
          entry.extra.retire();
          entry.extra = next;
        },
        close: (entry) => entry.extra.destroy(),
        probe: (entry) => {
          const hc = entry.config.health_check;
          const t = entry.extra;
          // Probes follow the transport's TLS settings: a changed key makes a new probe.
          return (
            hc && {
              probe: new HttpProbe({
                path: hc.path,
                status: hc.status,
                tls: t.secure ? (a) => t.tlsFor(a) : undefined,
              }),
              key: t.key,
            }
          );
        },
      },
      { clock: services.clock, counters: services.counters, log: services.log, rng },
    );
  }

  /** Health changes, for whoever shows them. */
  get events(): TypedEmitter<UpstreamEvents> {
    return this.registry.events;
  }

  /** The group named `name`, if configured. */
  group(name: string): UpstreamGroup | undefined {
    return this.registry.get(name)?.group;
  }

  /** How an upstream's servers are reached: keep-alive agent (idle sockets up to `keepalive` per server), TLS. */
  transport(name: string): UpstreamTransport | undefined {
    return this.registry.get(name)?.extra;
  }

  /** Telemetry counters of one upstream server (a group removed mid-request still counts, detached). */
  counters(group: string, peer: Peer): Counters {
    return (
      this.registry.get(group)?.counters(peer) ?? new CounterRegistry().get('upstream', `${group} ${peer.address}`)
    );
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

  private newTransport(cfg: HttpUpstreamConfig): UpstreamTransport {
    const t = UpstreamTransport.for(cfg, this.services.baseDir);
    if (t.error) this.services.log('error', `upstream ${cfg.name}: ${t.error}`);
    return t;
  }
}
