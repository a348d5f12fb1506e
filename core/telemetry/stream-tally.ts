/**
 * Running figures of one response body's timing — what the stream
 * diagnostics need — in constant memory, however long the stream runs:
 * first/last chunk and event, the longest silence, the largest event, and
 * how events clump (events decoded from one read arrive at the same instant).
 * Times are ms since the request started.
 */

/** What the diagnostics read of a body's timing. */
export interface StreamTiming {
  /** When measuring began (0: at the request). */
  readonly since: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly firstChunkAt: number | undefined;
  readonly lastChunkAt: number | undefined;
  /** Longest time without a body byte, counted from the request (ms). */
  readonly maxGapMs: number;
  readonly events: number;
  readonly firstEventAt: number | undefined;
  readonly lastEventAt: number | undefined;
  /** Largest event (or line) seen, in characters. */
  readonly maxEventSize: number;
  /** Groups of events that arrived at the same instant (one read). */
  readonly clumps: number;
  /** Sum of the time between one clump and the next (ms). */
  readonly clumpGapsMs: number;
}

/** Accumulates a StreamTiming chunk by chunk and event by event. */
export class StreamTally implements StreamTiming {
  chunks = 0;
  bytes = 0;
  firstChunkAt: number | undefined = undefined;
  lastChunkAt: number | undefined = undefined;
  maxGapMs = 0;
  events = 0;
  firstEventAt: number | undefined = undefined;
  lastEventAt: number | undefined = undefined;
  maxEventSize = 0;
  clumps = 0;
  clumpGapsMs = 0;

  /**
   * @param since when measuring began (ms since the request): 0, or the
   *   moment an observer joined a stream already running, so the time before
   *   does not count as a silence
   */
  constructor(readonly since = 0) {}

  /** A body chunk arrived `t` ms after the request. */
  chunk(t: number, bytes: number): void {
    const gap = t - (this.lastChunkAt ?? this.since);
    if (gap > this.maxGapMs) this.maxGapMs = gap;
    this.firstChunkAt ??= t;
    this.lastChunkAt = t;
    this.chunks++;
    this.bytes += bytes;
  }

  /** An event (or line) of `size` characters was decoded at `t`. */
  event(t: number, size: number): void {
    if (this.lastEventAt === undefined || t - this.lastEventAt > 1) {
      if (this.lastEventAt !== undefined) this.clumpGapsMs += t - this.lastEventAt;
      this.clumps++;
    }
    this.firstEventAt ??= t;
    this.lastEventAt = t;
    this.events++;
    if (size > this.maxEventSize) this.maxEventSize = size;
  }

  /** The longest silence so far, counting the one still running at `now` (an open stream). */
  silenceAt(now: number): number {
    return Math.max(this.maxGapMs, now - (this.lastChunkAt ?? this.since));
  }
}
