/**
 * Decodes `text/event-stream` bytes into SSE events for the traffic log — for
 * responses our own SSE handler did not write (a proxied upstream), whatever
 * the request's method (a `fetch` POST streams like a GET). Created lazily per
 * exchange, only while traffic is observed, and capped: the decoder's buffer,
 * each event's data and the number of events are bounded.
 *
 *   chunk (Buffer) ─▶ SseDecoder (UTF-8, CR line ends as browsers) ─▶ rec.events + tally
 */
import { CAPTURE_LIMITS, streamNotes, type ExchangeRecord, type SseEventMark } from './exchange-record.js';
import { SseDecoder } from './sse-decoder.js';

/** Longest unterminated line or event the decoder buffers before giving up on an exchange. */
const MAX_PENDING_CHARS = CAPTURE_LIMITS.eventData * 4;

/** True when a content type is an SSE stream. */
export function isEventStream(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*text\/event-stream\b/i.test(contentType);
}

/** Incremental SSE decoding of one exchange's response body. */
export class SseCapture {
  private readonly decoder: SseDecoder;
  private now = 0;
  private retry: number | undefined;
  /** Stopped: cap reached or the stream is not valid SSE anymore. */
  done = false;

  /**
   * @param midStream observation began after bytes had gone out: the text up
   *   to the first blank line is a tail of an event and is skipped
   */
  constructor(private readonly rec: ExchangeRecord, midStream: boolean) {
    this.decoder = new SseDecoder({
      maxLine: MAX_PENDING_CHARS,
      maxEvent: MAX_PENDING_CHARS,
      midStream,
      onEvent: (e) => this.add({ t: this.now - this.rec.startedAt, event: e.event, data: e.data, id: e.id }, e.data.length),
      onRetry: (ms) => { this.retry = ms; },
    });
  }

  /** Feeds the bytes of one response chunk, seen at `now` (engine clock). */
  feed(chunk: Uint8Array, now: number): void {
    if (this.done) return;
    this.now = now;
    this.decoder.feed(chunk);
    this.noteInvalid();
    if (this.decoder.stopped) this.done = true;
  }

  /** The response ended: an event completed by a final CR is dispatched (as browsers do). */
  end(now: number): void {
    if (this.done) return;
    this.now = now;
    this.decoder.end();
    this.noteInvalid();
    this.done = true;
  }

  private noteInvalid(): void {
    const at = this.decoder.invalidUtf8At;
    if (at !== undefined && this.rec.stream?.invalidUtf8At === undefined) streamNotes(this.rec).invalidUtf8At = at;
  }

  private add(mark: SseEventMark, size: number): void {
    this.rec.stream?.tally?.event(mark.t, size);
    if (this.rec.events.length >= CAPTURE_LIMITS.events) {
      this.done = true;
      return;
    }
    if (this.retry !== undefined) {
      mark.retry = this.retry;
      this.retry = undefined;
    }
    if (mark.data.length > CAPTURE_LIMITS.eventData) mark.data = `${mark.data.slice(0, CAPTURE_LIMITS.eventData)}…`;
    if (mark.event === undefined) delete mark.event;
    if (mark.id === undefined) delete mark.id;
    this.rec.events.push(mark);
    if (this.rec.events.length >= CAPTURE_LIMITS.events) this.done = true;
  }
}
