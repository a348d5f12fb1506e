/**
 * The response-side faults as one outlet stage (toxiproxy's toxics, composed
 * in a fixed order):
 *
 *   write(chunk) ─▶ slice into `size` pieces, `delay` apart ─▶ byte budget:
 *                   stall_after: pass up to N bytes, then hold (connection stays open)
 *                   reset_after: pass up to N bytes, then reset the connection (RST)
 *
 * A held write resolves when the exchange ends, so no producer waits forever.
 */
import type { FaultsConfig } from '../config/index.js';
import type { OutletStage } from '../http/outlet.js';
import type { Clock } from '../util/clock.js';
import { sleep } from '../util/wait.js';

/** What the stage acts on: the clock, the exchange's end, and how to reset the connection. */
export interface FaultTarget {
  clock: Clock;
  signal: AbortSignal;
  /** Resets the client connection (TCP RST where possible). */
  reset(): void;
  /** Notes in the traffic record what the fault did. */
  note(message: string): void;
}

/** True when the faults config has anything for the response path. */
export function hasOutFaults(f: FaultsConfig): boolean {
  return f.stall_after !== undefined || f.reset_after !== undefined || f.slice !== undefined;
}

/** Slice, stall and reset faults on one response. */
export class FaultStage implements OutletStage {
  private sent = 0;
  private stopped = false;

  constructor(
    private readonly f: FaultsConfig,
    private readonly t: FaultTarget,
  ) {}

  async write(chunk: Buffer, next: (chunk: Buffer) => Promise<void>): Promise<void> {
    const size = this.f.slice?.size ?? chunk.length;
    for (let off = 0; off < chunk.length && !this.stopped; off += size) {
      if (off > 0 && this.f.slice && !(await sleep(this.t.clock, this.f.slice.delay, this.t.signal))) return;
      await this.budgeted(chunk.subarray(off, off + size), next);
    }
    if (this.stopped) await this.hold();
  }

  /** Passes what the stall/reset budget allows, then triggers the fault. */
  private async budgeted(piece: Buffer, next: (chunk: Buffer) => Promise<void>): Promise<void> {
    const limit = Math.min(this.f.stall_after ?? Infinity, this.f.reset_after ?? Infinity);
    const room = limit - this.sent;
    if (room > 0) {
      const pass = piece.length <= room ? piece : piece.subarray(0, room);
      this.sent += pass.length;
      await next(pass);
    }
    if (this.sent < limit || piece.length < room) return;
    this.stopped = true;
    if (
      this.f.reset_after !== undefined &&
      this.sent >= this.f.reset_after &&
      (this.f.stall_after === undefined || this.f.reset_after <= this.f.stall_after)
    ) {
      this.t.note(`fault: reset after ${this.sent} bytes`);
      this.t.reset();
    } else {
      this.t.note(`fault: stalled after ${this.sent} bytes`);
    }
  }

  /** Stalled: wait until the exchange ends (client leaves or the listener drains). */
  private hold(): Promise<void> {
    if (this.t.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.t.signal.addEventListener('abort', () => resolve(), { once: true }));
  }
}
