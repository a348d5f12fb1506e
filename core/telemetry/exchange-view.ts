/**
 * Wire views of traffic records: the table row (summary) and the detail pane.
 * Copies, never the live record, so a host can send them across a process
 * boundary and the engine may keep mutating its own.
 */
import type { ExchangeDetail, ExchangeSummary } from '../api/types.js';
import type { ExchangeRecord } from './exchange-record.js';
import { recordDiagnostics } from './exchange-diagnostics.js';
import { recordContentType, responseHeadersOf } from './sent-headers.js';

/**
 * The traffic-table row of a record. Records keep monotonic engine-clock
 * times; `epochOffset` (epoch ms − clock ms) turns `startedAt` into wall time.
 */
export function toSummary(r: ExchangeRecord, epochOffset = 0): ExchangeSummary {
  return {
    id: r.id,
    listener: r.listener,
    route: r.route,
    kind: r.kind,
    method: r.method,
    url: r.url,
    client: r.client,
    status: r.status,
    contentType: recordContentType(r),
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
    startedAt: Math.round(r.startedAt + epochOffset),
    ttfbMs: r.ttfbMs,
    durationMs: r.durationMs,
    outcome: r.outcome,
    error: r.error,
    upstream: r.upstream,
    events: r.events.length,
    protocol: r.protocol,
    tlsVersion: r.tls?.version,
  };
}

/**
 * The detail pane of a record: summary plus headers, timings, chunks, decoded
 * SSE events and the stream diagnostics (`now`, on the engine clock, lets an
 * open stream's current silence count).
 */
export function toDetail(r: ExchangeRecord, epochOffset = 0, now?: number): ExchangeDetail {
  const notes = r.stream;
  return {
    ...toSummary(r, epochOffset),
    requestHeaders: { ...r.requestHeaders },
    responseHeaders: responseHeadersOf(r) ? { ...r.responseHeaders } : undefined,
    connectMs: r.connectMs,
    tls: r.tls ? { ...r.tls } : undefined,
    upstreamTls: r.upstreamTls,
    chunks: r.chunks.slice(),
    sseEvents: r.events.map((e) => ({ ...e })),
    diagnostics: recordDiagnostics(r, now),
    ...(notes?.captureFrom ? { captureFrom: { ...notes.captureFrom } } : {}),
    ...(notes?.resume ? { resume: { ...notes.resume } } : {}),
  };
}

/** A cheap fingerprint of what a table row shows, to send a row again only when it changed. */
export function rowSignature(r: ExchangeRecord): string {
  return `${r.outcome}|${r.status ?? ''}|${r.bytesIn}|${r.bytesOut}|${r.events.length}|${r.ttfbMs ?? ''}`;
}
