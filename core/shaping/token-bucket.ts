/**
 * A token bucket measured against a monotonic clock: `rate` bytes per second
 * flow in, at most `burst` are kept. Writers ask for bytes and are granted
 * them in FIFO order, which is round-robin when each writer asks for one
 * slice at a time and queues again behind the others (fair sharing).
 *
 *   request(want) ─▶ queue ─▶ pump(): refill from clock ─▶ grant head if tokens ≥ need
 *                                 └── else one timer at the exact time tokens suffice
 *
 * Accuracy comes from three choices: tokens are fractional and computed from
 * elapsed clock time (a late timer simply finds more tokens, so lateness never
 * lowers the rate); the next wake-up is computed, not ticked; and grants are
 * sliced small so no 100 ms window carries much more than its share.
 */
import type { Clock } from '../util/clock.js';
import { sliceSize } from './explain.js';

/** Tolerance for float drift when comparing token counts. */
const EPS = 1e-6;
/**
 * While writers wait, tokens may exceed the burst by this much time's worth:
 * a timer that fires late must not cost the waiter the tokens earned
 * meanwhile (with burst ≈ one slice that loses ~5%), yet a long stall must not
 * turn into a big catch-up burst either.
 */
const LATE_MS = 20;

interface Waiter {
  want: number;
  grant: (n: number) => void;
}

/** A rate limiter for bytes; grants are delivered through callbacks. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private rate_: number;
  private burst_: number;
  private slice_: number;
  private readonly queue: Waiter[] = [];
  private timer: { cancel(): void } | undefined;
  private waitingNow = false;
  /** Called when the queue goes from empty to non-empty (true) and back (false): time spent throttled. */
  onWaiting?: (waiting: boolean) => void;

  constructor(rate: number, burst: number, private readonly clock: Clock, opts: { full?: boolean } = {}) {
    this.rate_ = rate;
    this.burst_ = burst;
    this.slice_ = sliceSize(rate, burst);
    this.tokens = opts.full === false ? 0 : burst;
    this.last = clock.now();
  }

  get rate(): number { return this.rate_; }
  get burst(): number { return this.burst_; }
  /** Largest grant while others wait; also the smallest a waiter is made to wait for. */
  get slice(): number { return this.slice_; }
  /** Writers queued for tokens. */
  get waiting(): number { return this.queue.length; }

  /** Tokens available now (refills first). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** True when nobody waits and the bucket is full: dropping it loses nothing. */
  idle(): boolean {
    return this.queue.length === 0 && this.available() >= this.burst_ - EPS;
  }

  /**
   * Asks for up to `want` bytes; `grant(n)` is called with 1 ≤ n ≤ want when
   * tokens allow (synchronously if they do now and nobody is queued). Returns
   * a cancel function that withdraws the request.
   */
  request(want: number, grant: (n: number) => void): () => void {
    const w: Waiter = { want: Math.max(1, Math.floor(want)), grant };
    this.refill(); // before joining: an idle bucket stops at the burst
    this.queue.push(w);
    if (this.queue.length === 1) this.pump();
    this.syncWaiting();
    return () => this.cancel(w);
  }

  /** Promise form of request(). */
  take(want: number): Promise<number> {
    return new Promise((resolve) => this.request(want, resolve));
  }

  /** Changes the rate live: tokens earned so far count at the old rate, waiters are rescheduled. */
  setRate(rate: number): void {
    if (!(rate > 0) || rate === this.rate_) return;
    this.refill();
    this.rate_ = rate;
    this.slice_ = sliceSize(rate, this.burst_);
    this.reschedule();
  }

  /** Changes the burst live; tokens above the new burst are dropped. */
  setBurst(burst: number): void {
    if (!(burst > 0) || burst === this.burst_) return;
    this.refill();
    this.burst_ = burst;
    this.tokens = Math.min(this.tokens, burst);
    this.slice_ = sliceSize(this.rate_, burst);
    this.reschedule();
  }

  /** Grants every waiter all it asked for (the limit was removed) and stops the timer. */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const all = this.queue.splice(0);
    this.syncWaiting();
    for (const w of all) w.grant(w.want);
  }

  private cancel(w: Waiter): void {
    const i = this.queue.indexOf(w);
    if (i < 0) return;
    this.queue.splice(i, 1);
    if (i === 0) this.reschedule();
    this.syncWaiting();
  }

  private syncWaiting(): void {
    const now = this.queue.length > 0;
    if (now === this.waitingNow) return;
    this.waitingNow = now;
    this.onWaiting?.(now);
  }

  private refill(): void {
    const now = this.clock.now();
    const dt = now - this.last;
    this.last = now;
    if (dt <= 0) return;
    const cap = this.queue.length > 0 ? Math.max(this.burst_, this.slice_) + (this.rate_ * LATE_MS) / 1000 : this.burst_;
    this.tokens = Math.min(cap, this.tokens + (dt * this.rate_) / 1000);
  }

  private reschedule(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.pump();
    this.syncWaiting();
  }

  /** Grants what the tokens allow, in order; arms one timer for the head. */
  private pump(): void {
    this.refill();
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const need = Math.min(head.want, this.slice_);
      if (this.tokens + EPS < need) break;
      this.queue.shift();
      // Alone, a writer may take what has piled up (up to ~5 ms of rate); with others waiting, one slice.
      const cap = this.queue.length > 0 ? need : Math.max(need, this.slice_, this.rate_ / 200);
      const n = Math.max(need, Math.min(head.want, Math.floor(this.tokens), cap));
      this.tokens -= n;
      head.grant(n);
    }
    if (this.queue.length === 0 || this.timer) return;
    const head = this.queue[0]!;
    const deficit = Math.min(head.want, this.slice_) - this.tokens;
    const wait = Math.max(0, (deficit * 1000) / this.rate_);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.pump();
      this.syncWaiting();
    }, wait);
  }
}
