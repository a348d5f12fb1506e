/**
 * The faults hook, first on every HTTP exchange whose route has `faults`:
 *
 *   before handler: latency ± jitter ─▶ drop_connection (probability) ─▶ status injection (probability)
 *   response path:  FaultStage (slice, stall_after, reset_after)
 *
 * Limits come after (their hook is later in the list), so a sliced response
 * is shaped too. Randomness is injected for deterministic tests.
 */
import type { Socket } from 'node:net';
import type { FaultsConfig } from '../config/index.js';
import type { Exchange, ExchangeHook } from '../http/exchange.js';
import { sendText } from '../http/handler.js';
import type { OutletStage } from '../http/outlet.js';
import { FaultStage, hasOutFaults } from './fault-stage.js';
import { sleep } from '../util/wait.js';

/** A random number in [0, 1). */
export type Rng = () => number;

/** The delay one exchange gets: latency plus a uniform ±jitter, never negative. */
export function latencyOf(f: FaultsConfig, rng: Rng): number {
  const base = f.latency ?? 0;
  const jitter = f.jitter ?? 0;
  return Math.max(0, base + (jitter > 0 ? (rng() * 2 - 1) * jitter : 0));
}

/** Builds the faults hook. */
export function createFaultsHook(rng: Rng = Math.random): ExchangeHook {
  return {
    // Synchronous for the common case (no faults on the route): no promise per request.
    before: (ex: Exchange) => (ex.route.faults ? beforeHandler(ex, ex.route.faults, rng) : false),
    outStage(ex: Exchange): OutletStage | undefined {
      const f = ex.route.faults;
      if (!f || !hasOutFaults(f)) return undefined;
      return new FaultStage(f, {
        clock: ex.services.clock,
        signal: ex.signal,
        reset: () => {
          ex.record.outcome = 'aborted';
          resetSocket(ex.req.socket);
        },
        note: (m) => {
          ex.record.error = m;
        },
      });
    },
  };
}

/** latency ± jitter, then drop_connection, then status injection; true when the exchange is answered. */
async function beforeHandler(ex: Exchange, f: FaultsConfig, rng: Rng): Promise<boolean> {
  const delay = latencyOf(f, rng);
  if (delay > 0 && !(await sleep(ex.services.clock, delay, ex.signal))) return true;
  if (f.drop_connection !== undefined && rng() < f.drop_connection) {
    ex.record.outcome = 'aborted';
    ex.record.error = 'fault: connection dropped';
    ex.req.socket.destroy();
    return true;
  }
  if (f.status && rng() < f.status.probability) {
    ex.record.error = `fault: status ${f.status.code} injected`;
    sendText(ex, f.status.code, f.status.body ?? `injected fault: status ${f.status.code}`);
    return true;
  }
  return false;
}

/**
 * Sends a TCP RST — but only after the bytes already passed have left our
 * buffers (an RST discards unsent data, and the client must see exactly N
 * bytes). The write callback of an empty write fires once earlier writes
 * are flushed; the response corks the socket until the next tick.
 */
function resetSocket(s: Socket): void {
  const rst = () => {
    if (s.destroyed) return;
    if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
    else s.destroy();
  };
  setImmediate(() => {
    if (s.destroyed) return;
    s.write(Buffer.alloc(0), () => setTimeout(rst, 10));
  });
}
