/**
 * The one interface for transforms on a byte stream: a limit or a fault on
 * an HTTP response or request body, on one direction of a TCP link, or on the
 * datagrams of a UDP session.
 *
 *   write(chunk) ─▶ stage 1 ─next─▶ stage 2 ─next─▶ … ─▶ sink (socket, response)
 *
 * A stage passes a chunk on through `next` — split, delayed, or not at all —
 * and resolves when it may take the next one: backpressure end to end.
 */
import type { Clock } from '../util/clock.js';

/** What a stage knows about the chunk it handles. */
export interface ChunkInfo {
  /** When the chunk was read from its source (clock ms). */
  arrivedAt: number;
}

/** One step on a byte path (a limit, a fault). */
export interface Stage {
  /** Passes `chunk` on through `next`; resolves when more may be written. */
  write(chunk: Buffer, next: (chunk: Buffer) => Promise<void>, info?: ChunkInfo): Promise<void>;
  /** The stream ended: release timers and shared-bucket membership. */
  dispose?(): void;
  /**
   * Bytes this stage passes on per step (a limit's grant), if it works in
   * steps: a producer that reads this much at a time wakes up once per step.
   */
  stepSize?(): number | undefined;
}

/** What a stage acts on besides the bytes: the clock, the end of its stream, a reset, a note in the traffic record. */
export interface StageTarget {
  clock: Clock;
  /** Resolves when the stream ends (client gone, listener draining, link closed). */
  ended(): Promise<void>;
  /** Resets the connection (TCP RST where possible). */
  reset(): void;
  /** Notes in the traffic record what a fault did. */
  note(message: string): void;
}
