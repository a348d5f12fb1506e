/**
 * One configured limit (a route's `limit`, a rule, the default, a stream
 * server's limit) and its live buckets, keyed by who shares them: a
 * connection id (`per: connection`), a client IP (`client`) or one bucket for
 * everyone (`route`). Updating the limit re-tunes every bucket in place.
 */
import type { LimitConfig } from '../config/index.js';
import type { Counters } from '../telemetry/counters.js';
import type { Clock } from '../util/clock.js';
import { effectiveBurst } from './explain.js';
import { TokenBucket } from './token-bucket.js';
import type { ThrottleTarget } from './throttle-stage.js';
import type { Direction } from './rules.js';

/** Buckets unused this long (and full) are dropped by sweep(). */
const IDLE_MS = 10_000;

/** A limit and the buckets it shares out. */
export class LimitScope {
  private readonly buckets = new Map<string, { bucket: TokenBucket; lastUsed: number }>();
  private waitingBuckets = 0;
  private waitSince = 0;
  private throttledBase = 0;
  private lastSweep = 0;

  constructor(
    readonly name: string,
    public limit: LimitConfig,
    private readonly clock: Clock,
    readonly counters: Counters,
  ) {}

  /** Number of live buckets (for tests and GC). */
  get size(): number {
    return this.buckets.size;
  }

  /** Adopts a changed limit: every bucket gets the new rate and burst at once. */
  update(limit: LimitConfig): void {
    this.limit = limit;
    const burst = effectiveBurst(limit);
    for (const b of this.buckets.values()) {
      b.bucket.setBurst(burst);
      b.bucket.setRate(limit.rate);
    }
  }

  /** The limit is gone: waiters are released and buckets dropped. */
  remove(): void {
    for (const b of this.buckets.values()) b.bucket.flush();
    this.buckets.clear();
  }

  /** Key of the bucket a stream uses under the current `per`; each direction has its own buckets. */
  keyFor(client: string, connId: number, dir: Direction): string {
    return `${dir} ${this.limit.per === 'connection' ? `#${connId}` : this.limit.per === 'client' ? client : '*'}`;
  }

  /** The bucket for a key, created (full) on first use. */
  bucket(key: string): TokenBucket {
    let entry = this.buckets.get(key);
    if (!entry) {
      this.sweep();
      const bucket = new TokenBucket(this.limit.rate, effectiveBurst(this.limit), this.clock);
      bucket.onWaiting = (w) => this.waitingChanged(w);
      entry = { bucket, lastUsed: this.clock.now() };
      this.buckets.set(key, entry);
    }
    entry.lastUsed = this.clock.now();
    return entry.bucket;
  }

  /** A throttle target for one stream (connection `connId` of `client`), counting bytes for `dir`. */
  target(client: string, connId: number, dir: Direction): ThrottleTarget {
    const bucket = this.bucket(this.keyFor(client, connId, dir));
    const c = this.counters;
    return {
      bucket,
      after: this.limit.after,
      onBytes:
        dir === 'out'
          ? (n) => {
              c.bytesOut += n;
            }
          : (n) => {
              c.bytesIn += n;
            },
    };
  }

  /** A stream opened under this limit. */
  open(): void {
    this.counters.active++;
    this.counters.requests++;
  }

  /** A stream under this limit ended; its own connection bucket goes at once. */
  close(connId: number, dir: Direction): void {
    this.counters.active--;
    const key = `${dir} #${connId}`;
    const entry = this.buckets.get(key);
    if (entry && entry.bucket.waiting === 0) this.buckets.delete(key);
  }

  /** Drops buckets nobody used for a while and that are full again (nothing to remember); at most once a second. */
  sweep(): void {
    const now = this.clock.now();
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [key, e] of this.buckets) {
      if (now - e.lastUsed > IDLE_MS && e.bucket.idle()) this.buckets.delete(key);
    }
  }

  /** Total ms during which at least one bucket of this limit had a waiter (up to now). */
  throttledMs(): number {
    const open = this.waitingBuckets > 0 ? this.clock.now() - this.waitSince : 0;
    return this.throttledBase + open;
  }

  private waitingChanged(waiting: boolean): void {
    const now = this.clock.now();
    if (waiting) {
      if (this.waitingBuckets++ === 0) this.waitSince = now;
    } else if (--this.waitingBuckets === 0) {
      this.throttledBase += now - this.waitSince;
      this.counters.throttledMs = this.throttledBase;
    }
  }
}
