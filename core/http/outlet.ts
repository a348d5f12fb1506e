/**
 * The one way bytes go from a handler to a client.
 *
 *   handler ──write()──▶ [stage: faults] ─▶ [stage: limit] ─▶ sink ──▶ res (socket)
 *                                                              │
 *                                      counters (per chunk) ◀──┘──▶ traffic capture (only when observed)
 *
 * `write()` resolves when the handler may write more: after every stage has
 * passed the chunk on and the socket drained. That is backpressure end to
 * end — a slow client or a limit slows the producer; nothing buffers without
 * bound. Stages are decided at the first write, when status and headers are
 * known (limit rules match on content type and size).
 */
import type { ExchangeResponse, Outlet, Stage } from '../kernel/index.js';
import { DONE } from '../kernel/index.js';
import type { Counters } from '../telemetry/counters.js';
import { drainedOrClosed } from '../util/wait.js';

/** Things the outlet reports per chunk. */
export interface OutletObserver {
  counters: Counters[];
  /** Called per chunk that reached the socket, only while traffic is observed. */
  onChunk?(chunk: Buffer): void;
  /** Called once, on the first byte. */
  onFirstByte?(): void;
  /** The stages for this response, asked once at the first write (unless the outlet was given `decideStages`). */
  stages?(): Stage[];
}

/** Writes to a response through stages, honouring backpressure. */
export class ResponseOutlet implements Outlet {
  private stages: Stage[] | undefined;
  private firstByte = true;
  /** Socket writes whose bytes the response still holds (see flushed()). */
  private unflushed = 0;
  private flushWaiters: (() => void)[] | undefined;
  private readonly wrote = (): void => {
    if (--this.unflushed === 0) this.wakeFlushWaiters();
  };

  constructor(
    readonly res: ExchangeResponse,
    private readonly observer: OutletObserver,
    private readonly decideStages?: () => Stage[],
  ) {}

  /** True when the client has gone away (writes are dropped). */
  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Stages for this response (decided once, at the first write). */
  private pipeline(): Stage[] {
    if (!this.stages) this.stages = this.decideStages ? this.decideStages() : (this.observer.stages?.() ?? []);
    return this.stages;
  }

  /** True when no stage sits on the path: fan-out code may use writeDirect(). */
  get direct(): boolean {
    return this.pipeline().length === 0;
  }

  /** Writes a chunk; resolves when more may be written. Rejects never; a closed client resolves at once. */
  write(chunk: Buffer | string): Promise<void> {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (buf.length === 0 || this.closed) return DONE;
    const stages = this.pipeline();
    if (stages.length === 0) return this.toSocket(buf);
    return this.through(0, buf);
  }

  private through(i: number, chunk: Buffer): Promise<void> {
    const stage = this.stages![i];
    if (!stage) return this.toSocket(chunk);
    return stage.write(chunk, (c) => this.through(i + 1, c));
  }

  /** Synchronous write for fan-out (no stages): counts and writes; returns res.write()'s answer. */
  writeDirect(buf: Buffer): boolean {
    if (this.closed) return false;
    this.count(buf);
    return this.res.write(buf);
  }

  private count(buf: Buffer): void {
    if (this.firstByte) {
      this.firstByte = false;
      this.observer.onFirstByte?.();
    }
    for (const c of this.observer.counters) c.bytesOut += buf.length;
    this.observer.onChunk?.(buf);
  }

  private toSocket(buf: Buffer): Promise<void> {
    if (this.closed) return DONE;
    this.count(buf);
    this.unflushed++;
    if (this.res.write(buf, this.wrote)) return DONE;
    return drainedOrClosed(this.res);
  }

  flushed(): Promise<void> {
    if (this.unflushed === 0 || this.res.destroyed) return DONE;
    return new Promise((resolve) => {
      if (!this.flushWaiters) {
        this.flushWaiters = [];
        // A destroyed response may never call its write callbacks: closing releases the waiters too.
        this.res.once('close', () => this.wakeFlushWaiters());
      }
      this.flushWaiters.push(resolve);
    });
  }

  stepSize(): number {
    let n = 0;
    for (const s of this.stages ?? []) n = Math.max(n, s.stepSize?.() ?? 0);
    return n;
  }

  private wakeFlushWaiters(): void {
    const waiters = this.flushWaiters;
    if (!waiters?.length) return;
    this.flushWaiters = [];
    for (const w of waiters) w();
  }

  /** Ends the response after everything written has passed the stages. */
  end(chunk?: Buffer | string): Promise<void> {
    if (chunk === undefined) return this.finish();
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (buf.length > 0 && !this.closed && this.pipeline().length === 0) {
      // No stage on the path: the last chunk and the end leave in one write (with the head, for a short body).
      this.count(buf);
      this.res.end(buf);
      return DONE;
    }
    return this.write(buf).then(() => this.finish());
  }

  private finish(): Promise<void> {
    if (!this.res.writableEnded && !this.res.destroyed) {
      if (!this.res.headersSent && this.firstByte) this.observer.onFirstByte?.();
      this.firstByte = false;
      this.res.end();
    }
    return DONE;
  }

  /** Releases stage resources; called once when the exchange is over. */
  dispose(): void {
    if (this.stages) for (const s of this.stages) s.dispose?.();
  }
}
