/**
 * Which stages a stream server's `limit` and `faults` put on each direction
 * of a TCP connection. `in` is client → upstream, `out` is upstream → client.
 * Faults act on `out` (what the client receives), as on HTTP routes; a limit
 * follows its `direction`. No limit and no faults: both directions take the
 * fast pump.
 */
import type { StreamServerConfig } from '../config/index.js';
import type { Clock } from '../util/clock.js';
import { faultStages, hasLinkFaults } from './fault-stages.js';
import type { LinkStage } from './link.js';
import type { DirectionStages } from './tcp-connection.js';
import type { ShapingModule } from '../shaping/module.js';

/** What building stages needs. */
export interface StageDeps {
  clock: Clock;
  rng: () => number;
  /** The engine's shaping module (live limits); undefined when not installed. */
  shaping: ShapingModule | undefined;
  /** The stream server's name (its limit scope is `stream <name>`). */
  server: string;
  clientIp: string;
  /** Resets the connection (reset_after). */
  reset(): void;
}

/** True when the server's connections need links (not the fast pump) in some direction. */
export function needsLinks(server: StreamServerConfig): boolean {
  return server.limit !== undefined || hasLinkFaults(server.faults);
}

/** The stages of both directions for one connection. */
export function connectionStages(server: StreamServerConfig, deps: StageDeps): DirectionStages {
  const out: LinkStage[] = faultStages(server.faults, deps);
  const inbound: LinkStage[] = [];
  const limit = server.limit;
  if (limit && deps.shaping) {
    if (limit.direction === 'out' || limit.direction === 'both')
      push(out, deps.shaping.streamThrottle(deps.server, deps.clientIp, 'out'));
    if (limit.direction === 'in' || limit.direction === 'both')
      push(inbound, deps.shaping.streamThrottle(deps.server, deps.clientIp, 'in'));
  }
  return { in: inbound, out };
}

function push(stages: LinkStage[], stage: LinkStage | undefined): void {
  if (stage) stages.push(stage);
}
