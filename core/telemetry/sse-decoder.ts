/**
 * Decodes `text/event-stream` bytes the way browsers do, for the traffic
 * capture and the stream client:
 *
 *   bytes ─▶ UTF-8 (cut characters joined, BOM dropped, invalid → U+FFFD, noted)
 *         ─▶ line ends (a bare CR ends its line at once) ─▶ eventsource-parser ─▶ onEvent / onRetry
 *
 * A browser ends a line at a CR without waiting for the next byte; the parser
 * waits, in case an LF follows. So a stream ending in `data: x\r\r` would lose
 * its last event, and one pausing there would hold it back: a trailing CR is
 * fed as CRLF at once and an LF that then arrives is dropped. Memory is
 * bounded: a line or an event past its limit stops the decoder with a reason.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { Utf8Text } from './utf8-text.js';

/** One decoded event (fields as sent; `event` undefined means "message"). */
export interface DecodedEvent {
  event?: string;
  data: string;
  id?: string;
}

/** Why a decoder stopped before the stream's end. */
export interface DecodeStop {
  kind: 'line' | 'event';
  limit: number;
  message: string;
}

/** Callbacks and limits of a decoder. */
export interface SseDecoderOptions {
  onEvent(ev: DecodedEvent): void;
  onRetry?(ms: number): void;
  onComment?(text: string): void;
  /** Longest line kept while waiting for its end, in characters. */
  maxLine: number;
  /** Largest event (all of its data), in characters. */
  maxEvent: number;
  /** Decoding starts in the middle of a stream: skip to the first blank line (a tail of an event is no event). */
  midStream?: boolean;
}

/** `1048576` → `1 MiB`, for limit messages. */
export function sizeText(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** The stop reason for a line past `limit`. */
export function lineStop(limit: number): DecodeStop {
  return {
    kind: 'line',
    limit,
    message: `a line of the stream grew past ${sizeText(limit)} without a line break; reading stopped there (the limit keeps memory bounded)`,
  };
}

/** The stop reason for an event past `limit`. */
export function eventStop(limit: number): DecodeStop {
  return {
    kind: 'event',
    limit,
    message: `an event's data grew past ${sizeText(limit)}; reading stopped there (the limit keeps memory bounded)`,
  };
}

/** Tracks the length of the line still open at the end of the text seen so far. */
export function openLineLength(prev: number, text: string): number {
  const lastBreak = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
  return lastBreak === -1 ? prev + text.length : text.length - lastBreak - 1;
}

/** One event stream's decoder. */
export class SseDecoder {
  private readonly utf8 = new Utf8Text();
  private readonly parser: EventSourceParser;
  /** The last text fed ended in a CR that was completed as CRLF: drop a leading LF of the next. */
  private crDone = false;
  private lineChars = 0;
  /** Still looking for the first event boundary of a stream joined mid-way; `skipped` keeps at most 2 characters. */
  private skipping: boolean;
  private skipped = '';
  /** Set when a limit stopped decoding; nothing more is decoded. */
  stopped: DecodeStop | undefined;

  constructor(private readonly opts: SseDecoderOptions) {
    this.skipping = opts.midStream === true;
    this.parser = createParser({
      maxBufferSize: opts.maxEvent,
      onEvent: (e) => {
        if (this.stopped) return;
        if (e.data.length > opts.maxEvent) return this.stop(eventStop(opts.maxEvent));
        opts.onEvent({ event: e.event, data: e.data, id: e.id });
      },
      onRetry: (ms) => opts.onRetry?.(ms),
      onComment: opts.onComment && ((c) => opts.onComment!(c)),
      onError: (err) => {
        if (err.type === 'max-buffer-size-exceeded') this.stop(eventStop(opts.maxEvent));
      },
    });
  }

  /** Byte offset of the chunk where the stream first had invalid UTF-8, if it did. */
  get invalidUtf8At(): number | undefined {
    return this.utf8.invalidAt;
  }

  /** Decodes the next chunk of the body. */
  feed(chunk: Uint8Array): void {
    if (!this.stopped) this.push(this.utf8.decode(chunk));
  }

  /** The body ended: a character cut at the very end becomes U+FFFD; an event without its blank line is dropped, as browsers do. */
  end(): void {
    if (!this.stopped) this.push(this.utf8.end());
  }

  private push(input: string): void {
    let text = this.skipping ? this.skipToBoundary(input) : input;
    if (text === '') return;
    if (this.crDone && text.startsWith('\n')) text = text.slice(1);
    this.crDone = false;
    if (text === '') return;
    this.crDone = text.endsWith('\r');
    if (this.crDone) text += '\n';
    this.lineChars = openLineLength(this.lineChars, text);
    if (this.lineChars > this.opts.maxLine) return this.stop(lineStop(this.opts.maxLine));
    try {
      this.parser.feed(text);
    } catch {
      this.stop(eventStop(this.opts.maxEvent));
    }
  }

  /** While skipping, returns what follows the first blank line ('' until one is seen). */
  private skipToBoundary(text: string): string {
    const all = this.skipped + text;
    // A CR at the very end may be the first half of CRLF: decide with the next chunk.
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

  private stop(reason: DecodeStop): void {
    this.stopped ??= reason;
  }
}
