/**
 * One exchange as the traffic log keeps it: request line, headers, status,
 * timings, bytes, and — only while someone observes — a capped chunk timeline
 * and decoded SSE events.
 */
import type { ConnectionTls, ResumeReport, TlsSummary } from '../api/types.js';
import type { StreamTally } from './stream-tally.js';

/** How an exchange ended. `closed` is a clean close by either side, not an error. */
export type ExchangeOutcome = 'open' | 'complete' | 'closed' | 'error' | 'aborted';

/** A chunk as it went out: time since start (ms) and size. */
export interface ChunkMark {
  t: number;
  bytes: number;
}

/** An SSE event seen on the wire. */
export interface SseEventMark {
  t: number;
  event?: string;
  data: string;
  id?: string;
  retry?: number;
}

/** The traffic log's view of one exchange. */
export interface ExchangeRecord {
  id: number;
  listener: string;
  route?: string;
  kind?: string;
  method: string;
  url: string;
  client: string;
  startedAt: number;
  /** The client's wire protocol: `h2`, `http/1.1`, `http/1.0`. */
  protocol?: string;
  /** The TLS of the client's connection (shared by the exchanges of one connection). */
  tls?: ConnectionTls;
  requestHeaders: Record<string, string | string[] | undefined>;
  status?: number;
  /** Read through `responseHeadersOf()`: until someone asks, an HTTP/1 response keeps only its rendered block. */
  responseHeaders?: Record<string, string | number | string[] | undefined>;
  /** The rendered header block of an HTTP/1 response, not yet parsed (see sent-headers.ts). */
  headerBlock?: string;
  contentType?: string;
  bytesIn: number;
  bytesOut: number;
  /** ms from start: upstream connected, first response byte, end. */
  connectMs?: number;
  ttfbMs?: number;
  durationMs?: number;
  outcome: ExchangeOutcome;
  error?: string;
  upstream?: string;
  /** The TLS connection to the upstream server (HTTPS upstreams). */
  upstreamTls?: TlsSummary;
  chunks: ChunkMark[];
  events: SseEventMark[];
  /** What the stream diagnostics and the detail pane know beyond the above; made on first need. */
  stream?: StreamNotes;
}

/** Stream facts of one exchange, gathered while it runs. */
export interface StreamNotes {
  /** Body timing (measured while observed). */
  tally?: StreamTally;
  /** Capture began after `bytes` had gone out, `t` ms into the exchange. */
  captureFrom?: { t: number; bytes: number };
  /** A channel reconnect with Last-Event-ID. */
  resume?: ResumeReport;
  /** A proxy route: its `buffering` and the upstream's X-Accel-Buffering (hidden from the client). */
  proxy?: { buffering: boolean; accelBuffering?: string };
  /** Where a decoded event stream stopped being valid UTF-8. */
  invalidUtf8At?: number;
  /** The decoder of a captured event stream; null once capture found the body is not one. */
  decoder?: BodyDecoder | null;
}

/** Decodes a captured body as it goes out (an event stream the SSE handler did not write: proxied ones). */
export interface BodyDecoder {
  readonly done: boolean;
  feed(chunk: Uint8Array, now: number): void;
  /** The body ended at `now`: decode what is left. */
  end(now: number): void;
}

/** The record's stream notes, made on first use. */
export function streamNotes(rec: ExchangeRecord): StreamNotes {
  return (rec.stream ??= {});
}

/** Caps that keep capture bounded whatever the traffic. */
export const CAPTURE_LIMITS = { chunks: 2000, events: 2000, eventData: 16 * 1024 };
