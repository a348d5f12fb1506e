/**
 * The byte faults, each a Stage, implemented once for HTTP responses, TCP
 * links and UDP sessions (toxiproxy's toxics, composed in a fixed order):
 *
 *   chunk ─▶ latency ± jitter (links: per chunk) ─▶ slice into `size` pieces, `delay` apart
 *         ─▶ byte budget: stall_after: pass N bytes, then hold (the connection stays open)
 *                         reset_after: pass N bytes, then reset the connection (RST)
 *         ─▶ rechunk: the same bytes cut where stream parsers break (./rechunk.ts)
 *
 * Held writes resolve when the stream ends, so no producer waits forever;
 * time comes from the target's clock, randomness from an injected RNG.
 */
import type { FaultsConfig } from '../config/index.js';
import type { ChunkInfo, Stage, StageTarget } from '../kernel/index.js';
import { pause } from './pause.js';
import { RechunkStage } from './rechunk.js';

/** A random number in [0, 1). */
export type Rng = () => number;

/** What fault stages act on: the clock, their stream's end, reset and notes. */
export type FaultTarget = StageTarget;

/** Delays each chunk until `latency ± jitter` after it arrived; chunks stay in order. */
export class LatencyStage implements Stage {
  constructor(
    private readonly latency: number,
    private readonly jitter: number,
    private readonly rng: Rng,
    private readonly t: FaultTarget,
  ) {}

  async write(chunk: Buffer, next: (chunk: Buffer) => Promise<void>, info?: ChunkInfo): Promise<void> {
    const extra = this.jitter > 0 ? (this.rng() * 2 - 1) * this.jitter : 0;
    const arrived = info?.arrivedAt ?? this.t.clock.now();
    if (await pause(this.t, arrived + Math.max(0, this.latency + extra) - this.t.clock.now())) await next(chunk);
  }
}

/** Splits chunks into pieces of `size` bytes with `delay` ms between pieces. */
export class SliceStage implements Stage {
  constructor(
    private readonly size: number,
    private readonly delay: number,
    private readonly t: FaultTarget,
  ) {}

  async write(chunk: Buffer, next: (chunk: Buffer) => Promise<void>): Promise<void> {
    for (let off = 0; off < chunk.length; off += this.size) {
      if (off > 0 && !(await pause(this.t, this.delay))) return;
      await next(chunk.subarray(off, off + this.size));
    }
  }
}

/** Where a stream's faults act: an HTTP response, or a TCP/UDP link. */
export type FaultSite = 'response' | 'link';

/**
 * stall_after and reset_after share one byte count: exactly the smaller
 * budget passes, then that fault acts (a reset wins a tie) and nothing more
 * passes. On a response the fault acts as soon as the budget is spent (an
 * SSE stream resets right after the event that filled it); on a link, when
 * a byte beyond it arrives (a connection that carried exactly N bytes is
 * left alone, as toxiproxy's limit_data does).
 */
export class BudgetStage implements Stage {
  private passed = 0;
  private acted = false;
  private readonly limit: number;

  constructor(
    private readonly budget: { stall_after?: number; reset_after?: number },
    private readonly t: FaultTarget,
    private readonly site: FaultSite = 'link',
  ) {
    this.limit = Math.min(budget.stall_after ?? Infinity, budget.reset_after ?? Infinity);
  }

  async write(chunk: Buffer, next: (chunk: Buffer) => Promise<void>): Promise<void> {
    const room = this.limit - this.passed;
    const fits = this.site === 'response' ? room > chunk.length : room >= chunk.length;
    if (fits) {
      this.passed += chunk.length;
      return next(chunk);
    }
    if (room > 0) {
      this.passed += Math.min(room, chunk.length);
      await next(room >= chunk.length ? chunk : chunk.subarray(0, room));
    }
    if (!this.acted) {
      this.acted = true;
      this.act();
    }
    // Nothing more passes: hold the producer until the stream ends.
    return this.t.ended();
  }

  private act(): void {
    const { reset_after: reset } = this.budget;
    if (reset !== undefined && reset <= this.limit) {
      this.t.note(`fault: reset after ${this.passed} bytes`);
      this.t.reset();
    } else {
      this.t.note(`fault: stalled after ${this.passed} bytes`);
    }
  }
}

/** Passes the first `after` bytes, then holds everything back (the connection stays open). */
export class StallStage extends BudgetStage {
  constructor(after: number, t: FaultTarget) {
    super({ stall_after: after }, t);
  }
}

/** Passes the first `after` bytes, then resets the connection. */
export class ResetStage extends BudgetStage {
  constructor(after: number, t: FaultTarget) {
    super({ reset_after: after }, t);
  }
}

/** True when a faults block changes the bytes of a stream (drop_connection acts at accept, status is HTTP-only). */
export function hasByteFaults(f: FaultsConfig | undefined): boolean {
  return (
    !!f &&
    (f.latency !== undefined ||
      f.jitter !== undefined ||
      f.slice !== undefined ||
      f.stall_after !== undefined ||
      f.reset_after !== undefined)
  );
}

/**
 * The fault stages of one stream, in toxiproxy's order: latency (links only:
 * they delay each chunk, HTTP delays the exchange once before its handler),
 * slice, stall/reset; then re-chunking.
 */
export function faultStages(f: FaultsConfig | undefined, t: FaultTarget, rng: Rng, site: FaultSite): Stage[] {
  if (!f) return [];
  const out: Stage[] = [];
  if (site === 'link' && (f.latency !== undefined || f.jitter !== undefined))
    out.push(new LatencyStage(f.latency ?? 0, f.jitter ?? 0, rng, t));
  if (f.slice) out.push(new SliceStage(f.slice.size, f.slice.delay, t));
  if (f.stall_after !== undefined || f.reset_after !== undefined) out.push(new BudgetStage(f, t, site));
  // Re-chunking comes last: it cuts what the other faults let through.
  if (f.rechunk) out.push(new RechunkStage(f.rechunk, t));
  return out;
}

/** Several stages run as one (one hook's contribution to an HTTP response). */
export class StageChain implements Stage {
  constructor(private readonly stages: readonly Stage[]) {}

  write(chunk: Buffer, next: (chunk: Buffer) => Promise<void>, info?: ChunkInfo): Promise<void> {
    return this.through(0, chunk, next, info);
  }

  private through(i: number, chunk: Buffer, next: (chunk: Buffer) => Promise<void>, info?: ChunkInfo): Promise<void> {
    const stage = this.stages[i];
    if (!stage) return next(chunk);
    return stage.write(chunk, (c) => this.through(i + 1, c, next, info), info);
  }

  dispose(): void {
    for (const s of this.stages) s.dispose?.();
  }
}
