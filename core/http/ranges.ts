/**
 * `Range: bytes=…` for one range (RFC 9110 §14): `a-b`, open `a-` and suffix
 * `-n`. Several ranges are answered with the whole body (allowed by the RFC;
 * multipart/byteranges is rarely what a mock needs).
 */

/** A satisfiable byte range, both ends inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a Range header means for a body of `size` bytes. */
export type RangeResult = { kind: 'none' } | { kind: 'range'; range: ByteRange } | { kind: 'unsatisfiable' };

/** Parses a Range header against a known size; malformed or multi-range headers are ignored (`none`). */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'none' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: 'none' };
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return { kind: 'none' };
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', range: { start: Math.max(0, size - n), end: size - 1 } };
  }
  const start = Number(a);
  let end = b === '' ? size - 1 : Number(b);
  if (b !== '' && end < start) return { kind: 'none' }; // invalid syntax: ignore the header
  if (start >= size) return { kind: 'unsatisfiable' };
  if (end >= size) end = size - 1;
  return { kind: 'range', range: { start, end } };
}

/** The Content-Range value of a partial answer: `bytes 0-99/1000`. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}
