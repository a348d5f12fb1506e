/**
 * Streaming UTF-8 → text for stream decoders, as browsers read an event
 * stream: a character cut between two chunks is joined, a leading BOM is
 * dropped, and invalid bytes become U+FFFD instead of an error. Unlike a bare
 * TextDecoder it notices invalid bytes (a literal U+FFFD in the stream is not
 * mistaken for one), so a decoder can say where the stream stopped being UTF-8.
 */

/** The UTF-8 encoding of U+FFFD, to tell a literal replacement character from a decoding error. */
const REPLACEMENT = [0xef, 0xbf, 0xbd];

/** Counts EF BF BD in `tail + chunk` (tail: the last two bytes of the previous chunk). */
function literalReplacements(tail: readonly number[], chunk: Uint8Array): number {
  let n = 0;
  const len = tail.length + chunk.length;
  const at = (i: number) => (i < tail.length ? tail[i]! : chunk[i - tail.length]!);
  for (let i = 0; i + 2 < len; i++) {
    if (at(i) === REPLACEMENT[0] && at(i + 1) === REPLACEMENT[1] && at(i + 2) === REPLACEMENT[2]) n++;
  }
  return n;
}

function countReplacements(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) n++;
  return n;
}

/** One stream's UTF-8 decoding state. */
export class Utf8Text {
  private readonly decoder = new TextDecoder('utf-8');
  private tail: number[] = [];
  private offset = 0;
  /** Byte offset (from the stream's start) of the chunk where invalid UTF-8 was first seen. */
  invalidAt: number | undefined;

  /** Decodes the next chunk; a character cut at its end waits for the next one. */
  decode(chunk: Uint8Array): string {
    const text = this.decoder.decode(chunk, { stream: true });
    // Only when a U+FFFD appears: compare with the literal ones in the bytes (rare, so nearly free).
    if (
      this.invalidAt === undefined &&
      text.includes('\uFFFD') &&
      countReplacements(text) > literalReplacements(this.tail, chunk)
    ) {
      this.invalidAt = this.offset;
    }
    this.offset += chunk.length;
    this.tail =
      chunk.length >= 2 ? [chunk[chunk.length - 2]!, chunk[chunk.length - 1]!] : [...this.tail, ...chunk].slice(-2);
    return text;
  }

  /** The stream ended: a character left incomplete becomes U+FFFD (and counts as invalid). */
  end(): string {
    const text = this.decoder.decode();
    if (text !== '' && this.invalidAt === undefined) this.invalidAt = this.offset;
    return text;
  }
}
