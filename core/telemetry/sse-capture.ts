/**
 * Decodes `text/event-stream` bytes into SSE events for the traffic log — for
 * responses our own SSE handler did not write (a proxied upstream). Created
 * lazily per exchange, only while traffic is observed, and capped: the
 * parser's buffer, each event's data and the number of events are bounded.
 *
 *   chunk (Buffer) ─▶ TextDecoder (UTF-8, streaming, BOM dropped) ─▶ eventsource-parser ─▶ rec.events
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { CAPTURE_LIMITS, type ExchangeRecord, type SseEventMark } from './exchange-record.js';

/** Longest unterminated event the decoder buffers before giving up on an exchange. */
const MAX_PENDING_CHARS = CAPTURE_LIMITS.eventData * 4;

/** True when a content type is an SSE stream. */
export function isEventStream(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*text\/event-stream\b/i.test(contentType);
}

/** Incremental SSE decoding of one exchange's response body. */
export class SseCapture {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly parser: EventSourceParser;
  private now = 0;
  private retry: number | undefined;
  /** Observation began mid-stream: text up to the first blank line is a tail; skip it (bounded). */
  private skipping: boolean;
  private skipped = '';
  /** Stopped: cap reached or the stream is not valid SSE anymore. */
  done = false;

  constructor(
    private readonly rec: ExchangeRecord,
    midStream: boolean,
  ) {
    this.skipping = midStream;
    this.parser = createParser({
      maxBufferSize: MAX_PENDING_CHARS,
      onEvent: (e) => this.add({ t: this.now - this.rec.startedAt, event: e.event, data: e.data, id: e.id }),
      onRetry: (ms) => {
        this.retry = ms;
      },
      onError: (err) => {
        if (err.type === 'max-buffer-size-exceeded') this.done = true;
      },
    });
  }

  /** Feeds the bytes of one response chunk, seen at `now` (engine clock). */
  feed(chunk: Uint8Array, now: number): void {
    if (this.done) return;
    this.now = now;
    let text = this.decoder.decode(chunk, { stream: true });
    if (this.skipping) text = this.skipToBoundary(text);
    if (text === '') return;
    try {
      this.parser.feed(text);
    } catch {
      this.done = true;
    }
  }

  /** While skipping, returns what follows the first blank line ('' until one is seen). */
  private skipToBoundary(text: string): string {
    const all = this.skipped + text;
    // A bare CR at the very end may be the first half of CRLF: decide on it with the next chunk.
    const searchable = all.endsWith('\r') ? all.slice(0, -1) : all;
    const m = /(?:\r\n|\r(?!\n)|\n)(?:\r\n|\r(?!\n)|\n)/.exec(searchable);
    if (!m) {
      this.skipped = all.slice(-2);
      return '';
    }
    this.skipping = false;
    this.skipped = '';
    return all.slice(m.index + m[0].length);
  }

  private add(mark: SseEventMark): void {
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
