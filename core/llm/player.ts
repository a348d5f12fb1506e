/**
 * Plays a plan on a clock into a sink, one write per step at its due time:
 *
 *   head ─▶ wait until at[i] ─▶ write step i ─▶ (sink full? wait for ready) ─▶ … ─▶ end | failure
 *
 * The schedule is absolute (start + at[i]), so timer lateness never adds
 * up; a client that stops reading holds the player at its current step (its
 * socket buffers are all that is held) and the overdue steps then go out at
 * once. Callbacks instead of an async loop: a thousand streams at 50 tokens/s
 * are fifty thousand steps a second, each one timer and one write.
 */
import type { Clock } from '../util/clock.js';
import { dueQueueOf, type DueQueue } from './due-queue.js';
import type { InBandKind } from './errors.js';
import type { LlmPlan } from './plan.js';
import { malformed, type Framer, type WireRenderer } from './wire.js';

/** Where the bytes go: the client's response. */
export interface PlaySink {
  /** Writes text; a promise when the caller must wait before writing more (backpressure, stages). */
  write(text: string): Promise<void> | undefined;
  /** Ends the response cleanly. */
  end(): void;
  /** Drops the connection (the `cut` failure). */
  cut(): void;
  /** True once the client is gone. */
  readonly gone: boolean;
}

/** Called with each step's lateness (ms after its due time) when set: benchmarks read the schedule's accuracy here. */
let latenessProbe: ((lateMs: number) => void) | undefined;

/** Sets (or clears) the lateness probe of every player in this process. */
export function probeLateness(fn: ((lateMs: number) => void) | undefined): void {
  latenessProbe = fn;
}

/** How a playback ended. */
export type PlayEnd = 'complete' | 'failed' | 'cut' | 'gone';

/** Plays one response. */
export class PlanPlayer {
  private i = 0;
  private start = 0;
  private readonly queue: DueQueue;
  private resolve!: (end: PlayEnd) => void;
  private finished = false;
  private readonly failAt: number;
  /** A write is waiting for the client (backpressure): wake-ups wait for it too. */
  private pending = false;
  private readonly tick = () => this.advance();
  private readonly resume = () => {
    this.pending = false;
    this.advance();
  };

  constructor(
    private readonly plan: LlmPlan,
    private readonly renderer: WireRenderer,
    private readonly framer: Framer,
    private readonly clock: Clock,
    private readonly sink: PlaySink,
  ) {
    const f = plan.fail;
    // malformed_json breaks one step and plays on; drop_done at the very end is an end without its marker.
    const early = f && f.kind !== 'malformed_json' && !(f.kind === 'drop_done' && f.afterStep >= plan.steps.length);
    this.failAt = early ? f.afterStep : Infinity;
    this.queue = dueQueueOf(clock);
  }

  /** Writes the head now and plays the steps; resolves with how it ended. */
  play(): Promise<PlayEnd> {
    this.start = this.clock.now();
    const done = new Promise<PlayEnd>((r) => {
      this.resolve = r;
    });
    this.after(this.sink.write(this.framer.frame(this.renderer.head())));
    return done;
  }

  /** The client left: resolve now (a pending wake-up finds the player finished and does nothing). */
  stop(): void {
    this.finish('gone');
  }

  /** Steps sent so far. */
  get sent(): number {
    return this.i;
  }

  private after(wait: Promise<void> | undefined): void {
    if (wait) {
      this.pending = true;
      wait.then(this.resume, this.resume);
    } else {
      this.advance();
    }
  }

  /** Sends every step that is due, then sleeps until the next one (or ends). */
  private advance(): void {
    if (this.finished || this.pending) return;
    if (this.sink.gone) return this.finish('gone');
    const { plan } = this;
    if (this.i >= this.failAt) return this.fail();
    if (this.i >= plan.steps.length) return this.complete();
    const wait = this.start + plan.at[this.i]! - this.clock.now();
    if (wait > 0.5) return this.queue.at(this.start + plan.at[this.i]!, this.tick);
    latenessProbe?.(-wait);
    const i = this.i++;
    let frames = this.renderer.step(i);
    if (plan.fail?.kind === 'malformed_json' && plan.fail.afterStep === i) frames = malformed(frames);
    if (frames.length === 0) return this.advance();
    this.after(this.sink.write(this.framer.frame(frames)));
  }

  private complete(): void {
    const f = this.plan.fail;
    let frames = this.renderer.end(f?.kind === 'drop_done');
    if (f?.kind === 'malformed_json' && f.afterStep >= this.plan.steps.length)
      frames = malformed(frames.slice(0, 1)).concat(frames.slice(1));
    const wait = this.sink.write(this.framer.frame(frames) + this.framer.close());
    const end = () => {
      if (!this.sink.gone) this.sink.end();
      this.finish('complete');
    };
    if (wait) wait.then(end, end);
    else end();
  }

  private fail(): void {
    const kind = this.plan.fail!.kind;
    if (kind === 'cut') {
      this.sink.cut();
      return this.finish('cut');
    }
    if (kind === 'drop_done') {
      // Stopped early: no finish, no end marker, a clean close.
      this.sink.end();
      return this.finish('failed');
    }
    const text = this.framer.frame(this.renderer.error(kind as InBandKind, this.i)) + this.framer.close();
    const wait = this.sink.write(text);
    const end = () => {
      if (!this.sink.gone) this.sink.end();
      this.finish('failed');
    };
    if (wait) wait.then(end, end);
    else end();
  }

  private finish(how: PlayEnd): void {
    if (this.finished) return;
    this.finished = true;
    this.resolve(how);
  }
}
