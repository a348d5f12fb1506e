/**
 * The stream diagnostics of one traffic record: its headers, the proxy
 * route's facts and the body timing measured while observed, read by the
 * one rule set (./stream-diagnostics.ts).
 */
import type { Diagnostic } from '../api/types.js';
import type { ExchangeRecord } from './exchange-record.js';
import { recordContentType, responseHeadersOf } from './sent-headers.js';
import { diagnoseStream, type StreamFacts } from './stream-diagnostics.js';

/** The rule inputs of a record; `now` (engine clock) measures an open stream's current silence. */
export function recordFacts(r: ExchangeRecord, now?: number): StreamFacts {
  const notes = r.stream;
  const ended = r.outcome !== 'open';
  const at = ended ? (r.durationMs ?? 0) : now !== undefined ? now - r.startedAt : (notes?.tally?.lastChunkAt ?? 0);
  return {
    contentType: recordContentType(r),
    headers: responseHeadersOf(r) ?? {},
    // HTTP/2 requests carry pseudo-headers; HTTP/1 ones never do.
    http2: r.requestHeaders[':method'] !== undefined,
    proxy: notes?.proxy,
    timing: notes?.tally,
    partial: notes?.captureFrom !== undefined,
    now: at,
    ended,
    invalidUtf8At: notes?.invalidUtf8At,
  };
}

/** Why this exchange's stream may not arrive as sent. */
export function recordDiagnostics(r: ExchangeRecord, now?: number): Diagnostic[] {
  return diagnoseStream(recordFacts(r, now));
}
