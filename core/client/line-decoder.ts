/**
 * Splits a streamed text body into lines (NDJSON, or any chunked text read
 * line by line): LF or CRLF ends a line, a lone CR too; the last line counts
 * even without a final line break. A line past `maxLine` characters stops
 * the decoder with a reason instead of growing without bound.
 */
import { lineStop, openLineLength, type DecodeStop } from '../telemetry/sse-decoder.js';
import { Utf8Text } from '../telemetry/utf8-text.js';

/** One body's line splitter. */
export class LineDecoder {
  private readonly utf8 = new Utf8Text();
  private pending = '';
  /** The last text ended in CR: an LF that starts the next one belongs to it. */
  private crDone = false;
  private lineChars = 0;
  /** Set when a line grew past the limit; nothing more is decoded. */
  stopped: DecodeStop | undefined;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine: number,
  ) {}

  /** Byte offset of the chunk where the body first had invalid UTF-8, if it did. */
  get invalidUtf8At(): number | undefined {
    return this.utf8.invalidAt;
  }

  /** Decodes the next chunk; complete lines are handed on at once. */
  feed(chunk: Uint8Array): void {
    if (!this.stopped) this.push(this.utf8.decode(chunk), false);
  }

  /** The body ended: a last line without a line break still counts. */
  end(): void {
    if (!this.stopped) this.push(this.utf8.end(), true);
  }

  private push(input: string, last: boolean): void {
    let text = input;
    if (this.crDone && text.startsWith('\n')) text = text.slice(1);
    if (text !== '') this.crDone = text.endsWith('\r');
    this.lineChars = openLineLength(this.lineChars, text);
    if (this.lineChars > this.maxLine) {
      this.pending = '';
      this.stopped = lineStop(this.maxLine);
      return;
    }
    const all = this.pending + text;
    const parts = all.split(/\r\n|\r|\n/);
    this.pending = parts.pop() ?? '';
    for (const line of parts) {
      if (this.stopped) return;
      if (line !== '') this.onLine(line);
    }
    if (last && this.pending !== '') {
      const line = this.pending;
      this.pending = '';
      this.onLine(line);
    }
  }
}
