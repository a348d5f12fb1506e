/**
 * The faults hooks. On every HTTP exchange whose route has `faults`:
 *
 *   before handler: latency ± jitter ─▶ drop_connection (probability) ─▶ status injection (probability)
 *   response path:  slice ─▶ stall_after / reset_after ─▶ rechunk (./stages.ts)
 *
 * On TCP/UDP stream servers the same byte stages (with latency per chunk) sit
 * on the `out` direction: what the client receives. Limits come after (their
 * hooks are later in the list), so a sliced response is shaped too.
 * Randomness is injected for deterministic tests.
 */
import type { FaultsConfig } from '../config/index.js';
import type { Exchange, ExchangeHook, LinkHook, Stage } from '../kernel/index.js';
import { dropExchange, resetExchange, sendText, untilEnded } from '../kernel/index.js';
import { sleep } from '../util/wait.js';
import { faultStages, hasByteFaults, StageChain, type Rng } from './stages.js';

/** The delay one exchange gets: latency plus a uniform ±jitter, never negative. */
export function latencyOf(f: FaultsConfig, rng: Rng): number {
  const base = f.latency ?? 0;
  const jitter = f.jitter ?? 0;
  return Math.max(0, base + (jitter > 0 ? (rng() * 2 - 1) * jitter : 0));
}

/** True when the faults config has anything for the HTTP response path. */
export function hasOutFaults(f: FaultsConfig): boolean {
  return f.stall_after !== undefined || f.reset_after !== undefined || f.slice !== undefined || f.rechunk !== undefined;
}

/** Builds the HTTP faults hook. */
export function createFaultsHook(rng: Rng = Math.random): ExchangeHook {
  return {
    // Synchronous for the common case (no faults on the route): no promise per request.
    before: (ex: Exchange) => (ex.route.faults ? beforeHandler(ex, ex.route.faults, rng) : false),
    outStage(ex: Exchange): Stage | undefined {
      const f = ex.route.faults;
      if (!f || !hasOutFaults(f)) return undefined;
      const stages = faultStages(
        f,
        {
          clock: ex.services.clock,
          ended: () => untilEnded(ex),
          reset: () => {
            ex.record.outcome = 'aborted';
            resetExchange(ex);
          },
          note: (m) => {
            ex.record.error = m;
          },
        },
        rng,
        'response',
      );
      return new StageChain(stages);
    },
  };
}

/** Builds the faults hook of TCP/UDP stream servers: the byte faults on what the client receives. */
export function createLinkFaultsHook(rng: Rng = Math.random): LinkHook {
  return {
    applies: (server) => hasByteFaults(server.faults),
    linkStages: (server, target, dir) => (dir === 'out' ? faultStages(server.faults, target, rng, 'link') : []),
  };
}

/** latency ± jitter, then drop_connection, then status injection; true when the exchange is answered. */
async function beforeHandler(ex: Exchange, f: FaultsConfig, rng: Rng): Promise<boolean> {
  const delay = latencyOf(f, rng);
  if (delay > 0 && !(await sleep(ex.services.clock, delay, ex.signal))) return true;
  if (f.drop_connection !== undefined && rng() < f.drop_connection) {
    ex.record.outcome = 'aborted';
    ex.record.error = 'fault: connection dropped';
    dropExchange(ex);
    return true;
  }
  if (f.status && rng() < f.status.probability) {
    ex.record.error = `fault: status ${f.status.code} injected`;
    sendText(ex, f.status.code, f.status.body ?? `injected fault: status ${f.status.code}`);
    return true;
  }
  return false;
}
