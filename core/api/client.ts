/**
 * Wire types of the stream client: what the Client view and `sluice client`
 * ask for, and what a session reports. Isomorphic (no Node built-ins).
 */
import type { Diagnostic } from './types.js';

/** A stream to subscribe to. */
export interface ClientRequest {
  url: string;
  /** Default GET, or POST when a body is given. */
  method?: string;
  /** Extra request headers, in order. */
  headers?: [string, string][];
  body?: string;
  /**
   * Reconnects allowed. Unset: as a browser's EventSource — a GET event
   * stream reconnects whenever it ends, anything else never does.
   */
  reconnect?: number;
  /** Stop after this many events (a clean end). */
  maxEvents?: number;
  /** Accept any TLS certificate. */
  insecure?: boolean;
  /** Extra trusted CA certificates (PEM text), besides the system's. */
  ca?: string;
  /** Largest line or event kept while it arrives, in characters (default 1 MiB). */
  maxEventSize?: number;
}

/** How a body is read. */
export type ClientFormat = 'sse' | 'lines';

/** One event (or line) as it arrived. Times are ms since the session's first request. */
export interface ClientEvent {
  /** Sequence number in the session, from 1. */
  n: number;
  t: number;
  /** ms since the previous event (or since this connection's request, for its first). */
  gap: number;
  /** The connection it came on, from 1. */
  conn: number;
  event?: string;
  id?: string;
  data: string;
  /** Size of the data in characters (before any truncation for display). */
  size: number;
  /** The data was shortened for display; `size` is the real size. */
  truncated?: boolean;
  /** What its numeric id says: a gap before it, a duplicate, or behind the last one. */
  idNote?: 'gap' | 'duplicate' | 'behind';
}

/** A reconnect: when, after how long a wait, and the id it resumed from. */
export interface ClientReconnect {
  t: number;
  /** The new connection's number. */
  conn: number;
  /** ms between losing the connection and asking again. */
  afterMs: number;
  lastEventId?: string;
  /** Why the previous connection ended. */
  reason: string;
}

/** One connection of a session. */
export interface ClientConnection {
  conn: number;
  /** When its request went out (ms since the session's first request). */
  t: number;
  status?: number;
  contentType?: string;
  format?: ClientFormat;
  /** Request → response headers. */
  ttfbMs?: number;
  /** Request → first event. */
  firstEventMs?: number;
  events: number;
  bytes: number;
  responseHeaders?: Record<string, string | string[]>;
  /** How it ended, once it did. */
  end?: string;
}

/** Gaps and duplicates of numeric ids across the session. */
export interface IdReport {
  /** Up to 100 gaps: the id before, the id after, how many were missing. */
  gaps: { after: string; next: string; missing: number }[];
  /** Ids missed in all. */
  missing: number;
  /** Up to 100 ids seen twice. */
  duplicates: string[];
  duplicateCount: number;
  /** Ids lower than one already seen but not seen before (out of order). */
  behind: number;
}

/** A session's state. */
export type ClientState = 'connecting' | 'open' | 'waiting' | 'ended' | 'failed' | 'stopped';

/** A session's figures, sent with every batch. */
export interface ClientSummary {
  state: ClientState;
  events: number;
  connections: number;
  reconnects: number;
  bytes: number;
  /** First connection's request → response headers. */
  ttfbMs?: number;
  /** First connection's request → first event. */
  firstEventMs?: number;
  durationMs: number;
  ids: IdReport;
  diagnostics: Diagnostic[];
  /** Why it ended: `stream ended`, `max events reached`, `stopped`, or the one-line error. */
  endReason?: string;
  /** The one-line error, when it failed. */
  error?: string;
}

/** What the UI gets per session at each telemetry tick: the new events and reconnects and the figures. */
export interface ClientBatch {
  id: number;
  summary: ClientSummary;
  events: ClientEvent[];
  reconnects: ClientReconnect[];
  /** Connections that changed since the last batch. */
  connections: ClientConnection[];
  /** Events left out of this batch because more arrived in one tick than a batch carries (the summary counts them). */
  skipped?: number;
}

/** A whole session as the engine keeps it (the newest events only). */
export interface ClientSessionView {
  id: number;
  request: ClientRequest;
  summary: ClientSummary;
  events: ClientEvent[];
  reconnects: ClientReconnect[];
  connections: ClientConnection[];
}
