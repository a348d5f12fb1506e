/**
 * One direction of a shaped UDP session: the datagram counterpart of Link.
 * The same Stages (latency, stall, reset, the shaping throttle) run on
 * whole datagrams, one at a time and in arrival order, so a later datagram
 * never overtakes an earlier one.
 *
 *   push(dgram) ─▶ [queue ≤ MAX_DATAGRAMS / MAX_BYTES] ─▶ stage 1 ─▶ … ─▶ reassemble ─▶ deliver(dgram)
 *                     └── full: the datagram is dropped (onDrop), never an unbounded buffer
 *
 * Stages work on bytes and may pass a datagram on in pieces (the throttle
 * grants a slice at a time) or only partly (stall, reset): the datagram is
 * delivered, whole and unchanged, once its last byte came through; a
 * datagram held back in part is never delivered. There is no backpressure to
 * apply to a datagram socket, hence the bound instead of pausing a reader.
 */
import type { ChunkInfo, Stage } from '../kernel/index.js';
import { DONE } from '../kernel/index.js';

/**
 * Datagrams a link holds (queued or in flight) before it drops new ones; the
 * byte bound stops large datagrams from taking MAX_DATAGRAMS × 64 KiB.
 * netem's default queue is 1000 packets: 1024 lets e.g. 150 ms of latency
 * carry ~6800 datagrams/s per session before dropping.
 */
export const MAX_DATAGRAMS = 1024;
export const MAX_BYTES = 1024 * 1024;

/** Where a datagram link delivers and whom it tells. */
export interface DatagramEnds {
  now(): number;
  /** A datagram made it through every stage, whole. */
  deliver(msg: Buffer): void;
  /** A datagram did not fit the queue and was discarded. */
  onDrop(msg: Buffer): void;
  /** The link closed (stages released); called once. */
  onClosed?(link: DatagramLink): void;
}

interface Item {
  msg: Buffer;
  info: ChunkInfo;
}

/** A bounded, ordered pipeline of stages for the datagrams of one session direction. */
export class DatagramLink {
  private readonly queue: Item[] = [];
  private bytes = 0;
  private running = false;
  private closed = false;
  /** Bytes of the in-flight datagram that came out of the last stage. */
  private passed = 0;
  private finishTimer: NodeJS.Timeout | undefined;
  private finishing = false;
  /** The last stage hands pieces here; the datagram goes out when all its bytes did. */
  private readonly sink = (piece: Buffer): Promise<void> => {
    const item = this.queue[0];
    if (!item || this.closed) return DONE;
    this.passed += piece.length;
    if (this.passed >= item.msg.length) this.ends.deliver(item.msg);
    return DONE;
  };

  constructor(
    private readonly ends: DatagramEnds,
    private readonly stages: Stage[],
  ) {}

  /** Nothing queued or in flight. */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  /** Queues a datagram behind the earlier ones; false (and onDrop) when the queue is full or the link closed. */
  push(msg: Buffer): boolean {
    if (this.closed || this.queue.length >= MAX_DATAGRAMS || this.bytes + msg.length > MAX_BYTES) {
      this.ends.onDrop(msg);
      return false;
    }
    this.queue.push({ msg, info: { arrivedAt: this.ends.now() } });
    this.bytes += msg.length;
    if (!this.running) void this.run();
    return true;
  }

  /**
   * The session ended: datagrams already queued still go out (a delayed reply
   * is still owed to the client), then the link closes; at most `maxMs` later
   * it closes regardless (a stalled link would otherwise hold its queue).
   */
  finish(maxMs: number): void {
    if (this.closed || this.finishing) return;
    this.finishing = true;
    if (this.idle) return this.close();
    this.finishTimer = setTimeout(() => this.close(), maxMs);
    this.finishTimer.unref();
  }

  /** Stops at once: queued datagrams are discarded, stages (timers, shared buckets) released. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.finishTimer);
    this.queue.length = 0;
    this.bytes = 0;
    for (const s of this.stages) s.dispose?.();
    this.ends.onClosed?.(this);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const item = this.queue[0]!;
        this.passed = 0;
        await this.through(0, item.msg, item.info);
        if (this.closed) break;
        this.queue.shift();
        this.bytes -= item.msg.length;
      }
    } catch {
      // A send on a socket closed under us (listener stopping): nothing more can go out.
      this.close();
    } finally {
      this.running = false;
    }
    if (this.finishing && this.idle) this.close();
  }

  private through(i: number, piece: Buffer, info: ChunkInfo): Promise<void> {
    const stage = this.stages[i];
    if (!stage) return this.sink(piece);
    return stage.write(piece, (p) => this.through(i + 1, p, info), info);
  }
}
