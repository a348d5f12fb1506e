/**
 * Plays SSE script steps for one connection:
 *
 *   steps ─▶ [status?] ─▶ wait delay ─▶ ┌ wait every ± jitter ─▶ render templates ─▶ send ┐ × repeat
 *                                       └──────────────────────────────────────────────┘
 *            fault: close → clean end · stall → stop sending, keep open · reset → destroy socket
 *
 * Steps come from an iterable (a config script, optionally looped, or a
 * built-in scenario's generator), so long or endless scenarios never exist
 * as a whole list. Time comes from an injected Clock; the sink decides how
 * bytes leave, and the player waits for it before each event (backpressure:
 * a slow client slows the script, it never piles up events).
 */
import type { SseStep } from '../config/index.js';
import type { Clock } from '../util/clock.js';
import { compileTemplate, type Template, type TemplateContext } from '../util/template.js';
import { sleep } from '../util/wait.js';
import { encodeComment, encodeEvent, encodeRetry, type SseEvent } from './encoder.js';
import type { DeliveredEvent } from './client.js';

/** A step as the player takes it: a config step, or a generated one whose text is final (`raw`, no templating). */
export type PlayStep = Partial<SseStep> & { raw?: boolean };

/** How a playback ended. */
export type PlayOutcome = 'done' | 'close' | 'stall' | 'reset' | 'status' | 'aborted';

/** Where the player's output goes (the SSE handler, or a test). */
export interface ScriptSink {
  /** The first step was `status`: answer with it instead of streaming. */
  respond(status: number, body: string): void;
  /** Streaming starts (headers go out); called once, before the first byte. */
  open(): void;
  /** Sends an event. */
  event(ev: DeliveredEvent): void;
  /** Sends raw bytes (comments, a bare retry). */
  raw(buf: Buffer): void;
  /** Resolves when the sink can take more (the client's queue drained). */
  ready(): Promise<void>;
}

/** What a playback needs besides its steps. */
export interface PlayOptions {
  clock: Clock;
  signal: AbortSignal;
  sink: ScriptSink;
  /** Random numbers for jitter and templates; injected in tests. */
  rng?: () => number;
  /** Request query and headers for `{{query.x}}` / `{{header.x}}`. */
  template?: Omit<TemplateContext, 'seq' | 'rng'>;
}

/** Steps of a config script; with `loop`, the script starts over forever. */
export function* scriptSteps(script: readonly PlayStep[], loop: boolean): Generator<PlayStep> {
  do {
    yield* script;
  } while (loop && script.length > 0);
}

/** Compiled templates per config step (compiled once, not per connection). */
const compiled = new WeakMap<PlayStep, { event?: Template; data?: Template; id?: Template }>();

function templatesOf(step: PlayStep): { event?: Template; data?: Template; id?: Template } {
  let t = compiled.get(step);
  if (!t) {
    t = {
      event: step.event !== undefined ? compileTemplate(step.event) : undefined,
      data: step.data !== undefined ? compileTemplate(step.data) : undefined,
      id: step.id !== undefined ? compileTemplate(step.id) : undefined,
    };
    compiled.set(step, t);
  }
  return t;
}

/** True when a step sends an event (as opposed to only waiting, a comment, a retry or a fault). */
function isEvent(step: PlayStep): boolean {
  return step.event !== undefined || step.data !== undefined || step.id !== undefined;
}

/** Plays one connection's steps to the end, a fault, or the client leaving. */
export class ScriptPlayer {
  private seq = 0;
  private opened = false;
  private readonly rng: () => number;

  constructor(private readonly opts: PlayOptions) {
    this.rng = opts.rng ?? Math.random;
  }

  /** Plays `steps`; resolves with how it ended (the caller ends/destroys the response accordingly). */
  async play(steps: Iterable<PlayStep>): Promise<PlayOutcome> {
    const { signal } = this.opts;
    let first = true;
    for (const step of steps) {
      if (signal.aborted) return 'aborted';
      if (first && step.status !== undefined) {
        this.opts.sink.respond(step.status, step.body ?? `${step.status}\n`);
        return 'status';
      }
      first = false;
      this.open();
      const outcome = await this.playStep(step);
      if (outcome) return outcome;
    }
    this.open();
    return signal.aborted ? 'aborted' : 'done';
  }

  private open(): void {
    if (this.opened) return;
    this.opened = true;
    this.opts.sink.open();
  }

  /** One step with its delay, repetitions and waits; returns an outcome when playback ends here. */
  private async playStep(step: PlayStep): Promise<PlayOutcome | undefined> {
    const { clock, signal, sink } = this.opts;
    if (step.delay && !(await sleep(clock, this.jittered(step.delay, step.jitter), signal))) return 'aborted';
    if (step.fault) return step.fault;
    const times = step.repeat === 'forever' ? Infinity : (step.repeat ?? 1);
    for (let i = 0; i < times; i++) {
      if (step.every && !(await sleep(clock, this.jittered(step.every, step.jitter), signal))) return 'aborted';
      await sink.ready();
      if (signal.aborted) return 'aborted';
      if (step.comment !== undefined) sink.raw(encodeComment(step.comment));
      if (isEvent(step)) sink.event(this.render(step));
      else if (step.retry !== undefined) sink.raw(encodeRetry(step.retry));
      // Guard against a zero-wait endless loop starving the event loop.
      if (!step.every && times === Infinity && !(await sleep(clock, 1, signal))) return 'aborted';
    }
    return undefined;
  }

  /** `base` ± up to `jitter` ms, never negative. */
  private jittered(base: number, jitter: number | undefined): number {
    if (!jitter) return base;
    return Math.max(0, base + (this.rng() * 2 - 1) * jitter);
  }

  /** Renders a step's templates into an encoded event. */
  private render(step: PlayStep): DeliveredEvent {
    const seq = ++this.seq;
    let ev: SseEvent;
    if (step.raw) {
      ev = { event: step.event, data: step.data ?? '', id: step.id, retry: step.retry };
    } else {
      const t = templatesOf(step);
      const ctx: TemplateContext = { ...this.opts.template, seq, rng: this.rng };
      ev = { event: t.event?.render(ctx), data: t.data?.render(ctx) ?? '', id: t.id?.render(ctx), retry: step.retry };
    }
    return { ...ev, bytes: encodeEvent(ev) };
  }
}
