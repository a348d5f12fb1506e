/**
 * The throttle: a Stage that passes bytes on only as fast as a token
 * bucket grants them. It never buffers: the producer's write() promise stays
 * pending until the last slice of its chunk went out, so a limit slows the
 * handler (or, on request bodies, the socket read) — backpressure.
 *
 *   write(chunk) ─▶ first `after` bytes straight through (split at the exact byte)
 *                └▶ bucket.request(rest) ─grant n─▶ next(chunk[0..n]) ─▶ … until the chunk is done
 *
 * The bucket and `after` are looked up per slice through `target()`, so a
 * live re-tune (new rate, burst, after, even a removed limit) reaches
 * connections already open without dropping or duplicating a byte.
 */
import type { Stage } from '../kernel/index.js';
import type { TokenBucket } from './token-bucket.js';

/** What a throttle needs at one instant: the bucket to draw from and the free prefix. */
export interface ThrottleTarget {
  bucket: TokenBucket;
  /** The first `after` bytes of this stream pass unlimited. */
  after: number;
  /** Called for every byte passed on (telemetry). */
  onBytes?(n: number): void;
}

/** Delays chunks until tokens are available; see the file comment. */
export class ThrottleStage implements Stage {
  /** Bytes passed on so far (compared with `after`). */
  passed = 0;
  private disposed = false;
  private pending: { cancel(): void; resolve(n: number): void } | undefined;

  /** `target()` returns undefined when no limit applies (any more): bytes then pass straight through. */
  constructor(
    private readonly target: () => ThrottleTarget | undefined,
    private readonly onDispose?: () => void,
    signal?: AbortSignal,
  ) {
    signal?.addEventListener('abort', () => this.dispose(), { once: true });
  }

  async write(chunk: Buffer, next: (chunk: Buffer) => Promise<void>): Promise<void> {
    let off = 0;
    while (off < chunk.length && !this.disposed) {
      const t = this.target();
      const rest = chunk.length - off;
      if (!t) {
        this.passed += rest;
        return next(off === 0 ? chunk : chunk.subarray(off));
      }
      const free = t.after - this.passed;
      const n = free > 0 ? Math.min(free, rest) : await this.grant(t.bucket, rest);
      if (n <= 0 || this.disposed) return;
      this.passed += n;
      t.onBytes?.(n);
      await next(n === chunk.length ? chunk : chunk.subarray(off, off + n));
      off += n;
    }
  }

  /** The bucket's slice: what one wake-up grants while others wait. */
  stepSize(): number | undefined {
    return this.target()?.bucket.slice;
  }

  private grant(bucket: TokenBucket, want: number): Promise<number> {
    return new Promise((resolve) => {
      const p = { cancel: () => {}, resolve };
      this.pending = p;
      p.cancel = bucket.request(want, (n) => {
        if (this.pending === p) this.pending = undefined;
        resolve(n);
      });
    });
  }

  /** Withdraws a pending request (the peer went away); pending writes resolve without sending. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const p = this.pending;
    this.pending = undefined;
    if (p) {
      p.cancel();
      p.resolve(0);
    }
    this.onDispose?.();
  }
}
