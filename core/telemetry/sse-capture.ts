/**
 * Decodes `text/event-stream` bytes into SSE events for the traffic log — for
 * responses our own SSE handler did not write (a proxied upstream), whatever
 * the request's method (a `fetch` POST streams like a GET). Created lazily per
 * exchange, only while traffic is observed, and capped: the decoder's buffer,
 * each event's data and the number of events are bounded.
 *
 *   chunk (Buffer) ─▶ [decompress: gzip, deflate, br] ─▶ SseDecoder (UTF-8, CR line ends as browsers) ─▶ rec.events + tally
 *
 * A compressed stream is decompressed as it goes (only while observed): each
 * decompressed piece is timed as the chunk that carried it.
 */
import type { Transform } from 'node:stream';
import { createDecompressor } from './content-encoding.js';
import {
  CAPTURE_LIMITS,
  streamNotes,
  type BodyDecoder,
  type ExchangeRecord,
  type SseEventMark,
} from './exchange-record.js';
import { SseDecoder } from './sse-decoder.js';

/** Longest unterminated line or event the decoder buffers before giving up on an exchange. */
const MAX_PENDING_CHARS = CAPTURE_LIMITS.eventData * 4;

/** True when a content type is an SSE stream. */
export function isEventStream(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*text\/event-stream\b/i.test(contentType);
}

/** Incremental SSE decoding of one exchange's response body. */
export class SseCapture implements BodyDecoder {
  private readonly decoder: SseDecoder;
  private now = 0;
  private retry: number | undefined;
  /** Stopped: cap reached or the stream is not valid SSE anymore. */
  done = false;
  /** The decompressor of a compressed stream, and the arrival times of the chunks it has not finished. */
  private readonly inflate: Transform | undefined;
  private readonly pendingTimes: number[] = [];

  /**
   * @param midStream observation began after bytes had gone out: the text up
   *   to the first blank line is a tail of an event and is skipped
   * @param encoding the response's Content-Encoding, if any
   */
  constructor(
    private readonly rec: ExchangeRecord,
    midStream: boolean,
    encoding?: string,
  ) {
    this.decoder = new SseDecoder({
      maxLine: MAX_PENDING_CHARS,
      maxEvent: MAX_PENDING_CHARS,
      midStream,
      onEvent: (e) =>
        this.add({ t: this.now - this.rec.startedAt, event: e.event, data: e.data, id: e.id }, e.data.length),
      onRetry: (ms) => {
        this.retry = ms;
      },
    });
    if (encoding === undefined) return;
    // Joining a compressed stream mid-way cannot be decompressed (the dictionary is gone); an unknown encoding cannot be at all.
    this.inflate = midStream ? undefined : createDecompressor(encoding);
    if (!this.inflate) {
      this.done = true;
      return;
    }
    this.inflate.on('data', (piece: Buffer) => {
      this.now = this.pendingTimes[0] ?? this.now;
      this.decode(piece);
    });
    this.inflate.on('error', () => {
      this.done = true;
    });
    this.inflate.on('end', () => this.finish());
  }

  /** Feeds the bytes of one response chunk, seen at `now` (engine clock). */
  feed(chunk: Uint8Array, now: number): void {
    if (this.done) return;
    if (!this.inflate) {
      this.now = now;
      return this.decode(chunk);
    }
    this.pendingTimes.push(now);
    this.inflate.write(chunk, () => {
      this.pendingTimes.shift();
    });
  }

  /** The response ended: an event completed by a final CR is dispatched (as browsers do). */
  end(now: number): void {
    if (this.done) return;
    if (this.inflate) return void this.inflate.end();
    this.now = now;
    this.finish();
  }

  private decode(bytes: Uint8Array): void {
    if (this.done) return;
    this.decoder.feed(bytes);
    this.noteInvalid();
    if (this.decoder.stopped) this.stop();
  }

  private finish(): void {
    if (this.done) return;
    this.decoder.end();
    this.noteInvalid();
    this.done = true;
  }

  private stop(): void {
    this.done = true;
    this.inflate?.destroy();
  }

  private noteInvalid(): void {
    const at = this.decoder.invalidUtf8At;
    if (at !== undefined && this.rec.stream?.invalidUtf8At === undefined) streamNotes(this.rec).invalidUtf8At = at;
  }

  private add(mark: SseEventMark, size: number): void {
    this.rec.stream?.tally?.event(mark.t, size);
    if (this.rec.events.length >= CAPTURE_LIMITS.events) return this.stop();
    if (this.retry !== undefined) {
      mark.retry = this.retry;
      this.retry = undefined;
    }
    if (mark.data.length > CAPTURE_LIMITS.eventData) mark.data = `${mark.data.slice(0, CAPTURE_LIMITS.eventData)}…`;
    if (mark.event === undefined) delete mark.event;
    if (mark.id === undefined) delete mark.id;
    this.rec.events.push(mark);
    if (this.rec.events.length >= CAPTURE_LIMITS.events) this.stop();
  }
}
