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
 * While writers wait, a wake-up may deliver up to this much time's worth at
 * once (or the head's need if larger): timer lateness up to 50 ms costs
 * nothing, and a 100 ms window carries at most 1.5× its share.
 */
const LATE_MS = 50;
/**
 * Longer stalls (a starved event loop on a loaded machine) are owed to the
 * waiters as `lag`, up to this much time's worth…
 */
const LAG_MAX_MS = 2000;
/**
 * …and repaid at this fraction of the rate on top of it: the rate holds over
 * seconds, yet a stall never comes back as a burst refill.
 */
const CATCHUP = 0.5;

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
  /** Tokens owed for wake-ups that came late (see LAG_MAX_MS). */
  private lag = 0;
  /** Called when the queue goes from empty to non-empty (true) and back (false): time spent throttled. */
  onWaiting?: (waiting: boolean) => void;

  constructor(
    rate: number,
    burst: number,
    private readonly clock: Clock,
    opts: { full?: boolean } = {},
  ) {
    this.rate_ = rate;
    this.burst_ = burst;
    this.slice_ = sliceSize(rate, burst);
    this.tokens = opts.full === false ? 0 : burst;
    this.last = clock.now();
  }

  get rate(): number {
    return this.rate_;
  }
  get burst(): number {
    return this.burst_;
  }
  /** Largest grant while others wait; also the smallest a waiter is made to wait for. */
  get slice(): number {
    return this.slice_;
  }
  /** Writers queued for tokens. */
  get waiting(): number {
    return this.queue.length;
  }

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
    const earned = (dt * this.rate_) / 1000;
    const repay = Math.min(this.lag, earned * CATCHUP);
    this.lag -= repay;
    let t = this.tokens + earned + repay;
    // Idle, the bucket fills up to the burst; what a late wake-up left over is kept, not clipped.
    if (this.queue.length === 0) t = Math.min(t, Math.max(this.burst_, this.tokens));
    else {
      // Earned while someone waited: beyond what was already there, the head's need and
      // LATE_MS of slack, it came from a late wake-up (tokens saved before are never clipped).
      const need = Math.min(this.queue[0]!.want, this.slice_);
      const cap = Math.max(this.tokens, need, (this.rate_ * LATE_MS) / 1000);
      if (t > cap) {
        this.lag = Math.min(this.lag + t - cap, (this.rate_ * LAG_MAX_MS) / 1000);
        t = cap;
      }
    }
    this.tokens = t;
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
      const cap = this.queue.length > 0 ? need : Math.max(need, this.slice_, Math.floor(this.rate_ / 200));
      const n = Math.max(need, Math.min(head.want, Math.floor(this.tokens), cap));
      this.tokens -= n;
      head.grant(n);
    }
    if (this.queue.length === 0 || this.timer) return;
    const head = this.queue[0]!;
    const deficit = Math.min(head.want, this.slice_) - this.tokens;
    const inflow = this.rate_ * (this.lag > 0 ? 1 + CATCHUP : 1);
    const wait = Math.max(0, (deficit * 1000) / inflow);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.pump();
      this.syncWaiting();
    }, wait);
  }
}
