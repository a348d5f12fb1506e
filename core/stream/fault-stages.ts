/**
 * Faults on a TCP link, each a LinkStage so they compose with each other and
 * with limits: latency (± jitter) per chunk, slicing into small delayed
 * writes, stalling after N bytes, resetting after N bytes. Time comes from an
 * injected clock, randomness from an injected RNG.
 */
import type { FaultsConfig } from '../config/index.js';
import type { Clock } from '../util/clock.js';
import type { ChunkInfo, LinkStage } from './link.js';

/** Resolves after `ms` on the given clock (at once for ms ≤ 0). */
export function sleep(clock: Clock, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    clock.setTimeout(resolve, ms);
  });
}

/** Delays each chunk until `latency ± jitter` after it arrived; chunks stay in order. */
export class LatencyStage implements LinkStage {
  constructor(
    private readonly clock: Clock,
    private readonly latency: number,
    private readonly jitter: number,
    private readonly rng: () => number,
  ) {}

  write(chunk: Buffer, next: (piece: Buffer) => Promise<void>, info: ChunkInfo): Promise<void> {
    const extra = this.jitter > 0 ? (this.rng() * 2 - 1) * this.jitter : 0;
    const wait = info.arrivedAt + Math.max(0, this.latency + extra) - this.clock.now();
    return sleep(this.clock, wait).then(() => next(chunk));
  }
}

/** Splits chunks into pieces of `size` bytes with `delay` ms between pieces. */
export class SliceStage implements LinkStage {
  constructor(
    private readonly clock: Clock,
    private readonly size: number,
    private readonly delay: number,
  ) {}

  async write(chunk: Buffer, next: (piece: Buffer) => Promise<void>): Promise<void> {
    for (let off = 0; off < chunk.length; off += this.size) {
      if (off > 0) await sleep(this.clock, this.delay);
      await next(chunk.subarray(off, off + this.size));
    }
  }
}

/** Passes the first `after` bytes, then holds everything back (the connection stays open). */
export class StallStage implements LinkStage {
  private passed = 0;
  constructor(private readonly after: number) {}

  async write(chunk: Buffer, next: (piece: Buffer) => Promise<void>): Promise<void> {
    const room = this.after - this.passed;
    if (room > 0) {
      const piece = room >= chunk.length ? chunk : chunk.subarray(0, room);
      this.passed += piece.length;
      await next(piece);
      if (piece.length === chunk.length) return;
    }
    return new Promise<void>(() => undefined); // stalled for good; the link is closed with its sockets
  }
}

/** Passes the first `after` bytes, then resets the connection (TCP RST both ways). */
export class ResetStage implements LinkStage {
  private passed = 0;
  constructor(
    private readonly after: number,
    private readonly reset: () => void,
  ) {}

  async write(chunk: Buffer, next: (piece: Buffer) => Promise<void>): Promise<void> {
    const room = this.after - this.passed;
    if (room >= chunk.length) {
      this.passed += chunk.length;
      return next(chunk);
    }
    if (room > 0) {
      this.passed += room;
      await next(chunk.subarray(0, room));
    }
    this.reset();
  }
}

/** What fault stages need from their connection. */
export interface FaultDeps {
  clock: Clock;
  rng: () => number;
  /** Resets the whole connection. */
  reset(): void;
}

/** True when a faults block changes the byte stream (drop_connection acts at accept, status is HTTP-only). */
export function hasLinkFaults(f: FaultsConfig | undefined): boolean {
  return (
    !!f &&
    (f.latency !== undefined ||
      f.jitter !== undefined ||
      f.slice !== undefined ||
      f.stall_after !== undefined ||
      f.reset_after !== undefined)
  );
}

/** The fault stages of one direction, in toxiproxy's order: latency, slice, stall, reset. */
export function faultStages(f: FaultsConfig | undefined, deps: FaultDeps): LinkStage[] {
  if (!f) return [];
  const out: LinkStage[] = [];
  if (f.latency !== undefined || f.jitter !== undefined)
    out.push(new LatencyStage(deps.clock, f.latency ?? 0, f.jitter ?? 0, deps.rng));
  if (f.slice) out.push(new SliceStage(deps.clock, f.slice.size, f.slice.delay));
  if (f.stall_after !== undefined) out.push(new StallStage(f.stall_after));
  if (f.reset_after !== undefined) out.push(new ResetStage(f.reset_after, deps.reset));
  return out;
}
