/**
 * Throttling for byte streams outside HTTP (the TCP/UDP proxies in
 * core/stream), as plain functions:
 *
 *   const t = createStreamThrottle(limit, clock);      // one per connection and direction
 *   socketA.on('data', (chunk) => {
 *     socketA.pause();
 *     void t.write(chunk, (c) => writeWithDrain(socketB, c)).then(() => socketA.resume());
 *   });
 *   t.setLimit(newLimit);  // live re-tune, bytes in flight are kept
 *   t.dispose();           // on close: pending writes resolve, nothing more is sent
 *
 * `write(chunk, next)` resolves once every byte went through `next` (which
 * should itself resolve on drain): pause reading until it resolves and the
 * link never buffers more than one chunk. `after` is honoured to the byte.
 *
 * For limits that follow config applies and share buckets (`per: client` /
 * `route`) use the engine's shaping module instead:
 * `shapingOf(services)?.streamThrottle(serverName, clientIp, 'out' | 'in', signal)`
 * returns the same kind of throttle bound to `stream.servers[].limit`.
 */
import type { LimitConfig } from '../config/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { effectiveBurst } from './explain.js';
import { ThrottleStage } from './throttle-stage.js';
import { TokenBucket } from './token-bucket.js';

/** A throttle for one byte stream. */
export interface StreamThrottle {
  /** Passes `chunk` to `next` in slices as tokens allow; resolves when all of it went out. */
  write(chunk: Buffer, next: (chunk: Buffer) => Promise<void>): Promise<void>;
  /** Changes rate, burst and `after` live. */
  setLimit(limit: Pick<LimitConfig, 'rate' | 'burst' | 'after'>): void;
  /** Bytes passed so far. */
  readonly passed: number;
  dispose(): void;
}

/** Builds a throttle with its own bucket (per-connection semantics). */
export function createStreamThrottle(
  limit: Pick<LimitConfig, 'rate' | 'burst' | 'after'>,
  clock: Clock = systemClock,
): StreamThrottle {
  let current = limit;
  const bucket = new TokenBucket(limit.rate, effectiveBurst(limit), clock);
  const stage = new ThrottleStage(() => ({ bucket, after: current.after ?? 0 }));
  return {
    write: (chunk, next) => stage.write(chunk, next),
    setLimit(next) {
      current = next;
      bucket.setBurst(effectiveBurst(next));
      bucket.setRate(next.rate);
    },
    get passed() {
      return stage.passed;
    },
    dispose: () => stage.dispose(),
  };
}
