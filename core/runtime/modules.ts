/**
 * The engine's modules as one typed record, and the views of them that
 * telemetry and the API read. Every module follows the config (apply/stop)
 * and keeps its state across applies: SSE replay rings, upstream health,
 * shared limit buckets.
 */
import type { Rng } from '../balance/index.js';
import type { EngineModule, EngineServices } from '../kernel/index.js';
import { HttpUpstreams } from '../proxy/upstreams.js';
import { ShapingModule } from '../shaping/module.js';
import { SseHub } from '../sse/hub.js';
import { StreamUpstreams } from '../stream/upstreams.js';
import type { TelemetrySources } from '../telemetry/sources.js';

/** Every module of one engine, by role. */
export interface EngineModules {
  /** Publishable SSE channels. */
  sse: SseHub;
  /** Live bandwidth limits (HTTP and stream). */
  shaping: ShapingModule;
  /** HTTP upstream groups for the proxy. */
  upstreams: HttpUpstreams;
  /** Stream upstream groups for the TCP/UDP balancer. */
  streamUpstreams: StreamUpstreams;
}

/** Builds the modules over one engine's services. */
export function createModules(services: EngineServices, rng?: Rng): EngineModules {
  return {
    sse: new SseHub(services),
    shaping: new ShapingModule(services),
    upstreams: new HttpUpstreams(services, rng),
    streamUpstreams: new StreamUpstreams(services),
  };
}

/** The order modules apply in (channels and upstreams before the limits that name routes). */
export function moduleOrder(m: EngineModules): EngineModule[] {
  return [m.sse, m.upstreams, m.shaping, m.streamUpstreams];
}

/** What telemetry and the API read of the modules. */
export function sourcesOf(m: EngineModules): TelemetrySources {
  return {
    channels: () => m.sse.channels(),
    upstreams: () => [...m.upstreams.servers(), ...m.streamUpstreams.servers()],
    limits: () => m.shaping.samples(),
  };
}
