/**
 * One direction of a proxied TCP connection when limits or faults apply
 * (toxiproxy's link idea):
 *
 *   src ──data──▶ [queue ≤ highWater] ──▶ stage 1 ─▶ stage 2 ─▶ … ─▶ dst.write (wait for drain)
 *                     │                     (latency, slice, stall, reset, limit)
 *                     └── src paused while the queue is full: backpressure, never an unbounded buffer
 *
 * Chunks go through the stages one at a time and in order; a stage may split,
 * delay or hold back a chunk. Stages can be swapped on a live link
 * (`setStages`): the chunk in flight finishes on the old ones.
 */
import type { Socket } from 'node:net';
import { drainedOrClosed } from '../util/wait.js';

/** What a stage knows about the chunk it handles. */
export interface ChunkInfo {
  /** When the chunk was read from the source (clock ms). */
  arrivedAt: number;
}

/** One step on a link (a fault or a limit): passes a chunk on through `next`, maybe split, delayed or not at all. */
export interface LinkStage {
  write(chunk: Buffer, next: (piece: Buffer) => Promise<void>, info: ChunkInfo): Promise<void>;
  /** The link ended: release timers and shared buckets. */
  dispose?(): void;
}

/** Where a link delivers and whom it tells. */
export interface LinkEnds {
  src: Socket;
  dst: Socket;
  now(): number;
  /** Bytes that reached dst (per piece written). */
  onBytes(n: number): void;
}

const HIGH_WATER = 256 * 1024;
const LOW_WATER = 64 * 1024;

/** A per-direction pipeline of stages between two sockets. */
export class Link {
  private readonly queue: { chunk: Buffer; arrivedAt: number }[] = [];
  private queued = 0;
  private running = false;
  private closed = false;
  private srcEnded = false;
  private readonly toSocket = (piece: Buffer) => this.write(piece);

  constructor(
    private readonly ends: LinkEnds,
    private stages: LinkStage[],
  ) {
    const { src } = ends;
    src.on('data', (chunk: Buffer) => this.push(chunk));
    src.on('end', () => {
      this.srcEnded = true;
      if (!this.running) this.finish();
    });
  }

  /** Replaces the stages; the chunk in flight completes on the old ones. */
  setStages(stages: LinkStage[]): void {
    const old = this.stages;
    this.stages = stages;
    for (const s of old) if (!stages.includes(s)) s.dispose?.();
  }

  /** Stops forwarding and releases stages (the sockets are closed by the owner). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    for (const s of this.stages) s.dispose?.();
  }

  private push(chunk: Buffer): void {
    if (this.closed) return;
    this.queue.push({ chunk, arrivedAt: this.ends.now() });
    this.queued += chunk.length;
    if (this.queued >= HIGH_WATER) this.ends.src.pause();
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const item = this.queue[0]!;
        await this.through(this.stages, 0, item.chunk, item);
        this.queue.shift();
        this.queued -= item.chunk.length;
        if (this.queued <= LOW_WATER && !this.closed && !this.ends.src.destroyed) this.ends.src.resume();
      }
    } catch {
      // A write to a destroyed socket: the owner sees the close and tears down.
    } finally {
      this.running = false;
    }
    if (this.srcEnded && this.queue.length === 0) this.finish();
  }

  private through(stages: LinkStage[], i: number, chunk: Buffer, info: ChunkInfo): Promise<void> {
    const stage = stages[i];
    if (!stage) return this.toSocket(chunk);
    return stage.write(chunk, (piece) => this.through(stages, i + 1, piece, info), info);
  }

  private write(piece: Buffer): Promise<void> {
    const { dst } = this.ends;
    if (this.closed || dst.destroyed || piece.length === 0) return Promise.resolve();
    this.ends.onBytes(piece.length);
    if (dst.write(piece)) return Promise.resolve();
    return drainedOrClosed(dst);
  }

  /** FIN passes on once every queued byte is written. */
  private finish(): void {
    if (this.closed) return;
    const { dst } = this.ends;
    if (!dst.destroyed && !dst.writableEnded) dst.end();
  }
}
