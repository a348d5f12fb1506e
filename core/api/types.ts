/**
 * Wire types of the one Sluice API: what the Electron preload, the browser-mode
 * WebSocket and the admin HTTP listener all carry. Isomorphic (no Node
 * built-ins): the renderer imports these too.
 */
import type { ApplyPlan, ConfigError } from '../config/index.js';

/** Rates over one tick, totals since start, and a gauge of open connections — for one scope. */
export interface ScopeSample {
  /** Scope name: listener name, `server /path` for routes, channel name, `group address` for upstream servers. */
  name: string;
  kind?: string;
  active: number;
  requestsPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  eventsPerSec: number;
  totals: { requests: number; bytesIn: number; bytesOut: number; events: number; errors: number; drops: number };
}

/** An upstream server's state as the balancer and health checks see it. */
export interface UpstreamServerState {
  group: string;
  section: 'http' | 'stream';
  address: string;
  weight: number;
  backup: boolean;
  /** up | down (health check or max_fails) | draining (configured down) | unknown (no check yet). */
  health: 'up' | 'down' | 'unknown' | 'disabled';
  active: number;
  requests: number;
  failures: number;
  bytesIn: number;
  bytesOut: number;
}

/** One limit's live state, for the rate tuner: target vs achieved. */
export interface LimitSample {
  /** e.g. `route mock /downloads` or `stream pg`. */
  scope: string;
  explain: string;
  rate: number;
  burst: number;
  achievedPerSec: number;
  /** Fraction of the tick spent waiting on the bucket (0–1): "limited" vs "not limited". */
  throttled: number;
}

/** One telemetry tick (every 250 ms): everything the dashboard charts. */
export interface TelemetryTick {
  /** Wall-clock time of the sample (epoch ms). */
  t: number;
  intervalMs: number;
  total: ScopeSample;
  listeners: ScopeSample[];
  routes: ScopeSample[];
  channels: (ScopeSample & { clients: number })[];
  upstreams: UpstreamServerState[];
  limits: LimitSample[];
}

/** A row of the traffic table. */
export interface ExchangeSummary {
  id: number;
  listener: string;
  route?: string;
  kind?: string;
  method: string;
  url: string;
  client: string;
  status?: number;
  contentType?: string;
  bytesIn: number;
  bytesOut: number;
  startedAt: number;
  ttfbMs?: number;
  durationMs?: number;
  outcome: 'open' | 'complete' | 'closed' | 'error' | 'aborted';
  error?: string;
  upstream?: string;
  events: number;
  /** The client's wire protocol: `h2`, `http/1.1` or `http/1.0`. */
  protocol?: string;
  /** The TLS version of the client's connection (`TLSv1.3`), on HTTPS listeners. */
  tlsVersion?: string;
}

/** The TLS of a client's connection to an HTTPS listener. */
export interface ConnectionTls {
  /** `TLSv1.3`, `TLSv1.2`. */
  version: string;
  /** The cipher suite (OpenSSL name, as nginx's `$ssl_cipher`). */
  cipher: string;
  /** The server name the client asked for (SNI), when it sent one. */
  serverName?: string;
}

/** A TLS connection as the traffic detail shows it: protocol, cipher and the peer's certificate. */
export interface TlsSummary {
  protocol?: string;
  cipher?: string;
  /** Whether the certificate verified (false also when verification is off and it would not have). */
  authorized: boolean;
  authorizationError?: string;
  certificate?: {
    subject: string;
    issuer: string;
    altNames: string[];
    validFrom: string;
    validTo: string;
    serialNumber: string;
    fingerprint256: string;
  };
}

/** Why a stream may not arrive as it is sent ("why isn't it streaming?"): a stable code and what to change. */
export interface Diagnostic {
  code: DiagnosticCode;
  message: string;
}

/** Codes of stream diagnostics. */
export type DiagnosticCode =
  | 'buffering'
  | 'clumped'
  | 'compression'
  | 'content-length'
  | 'cache-control'
  | 'export-buffering'
  | 'proxy-buffering'
  | 'h2-connection-headers'
  | 'large-event'
  | 'heartbeat'
  | 'invalid-utf8';

/** What a channel route did for a client that came back with `Last-Event-ID`. */
export interface ResumeReport {
  /** The Last-Event-ID the client sent. */
  from: string;
  /** Events sent again from the replay ring. */
  replayed: number;
  /** Events it missed that the ring no longer held; null when that cannot be counted (an id not in the ring, not numeric). */
  missed: number | null;
}

/** The detail pane: headers, timings, chunks and decoded SSE events. */
export interface ExchangeDetail extends ExchangeSummary {
  requestHeaders: Record<string, string | string[] | undefined>;
  responseHeaders?: Record<string, string | number | string[] | undefined>;
  connectMs?: number;
  /** The TLS of the client's connection, on HTTPS listeners. */
  tls?: ConnectionTls;
  /** The TLS connection to the upstream server, for HTTPS upstreams. */
  upstreamTls?: TlsSummary;
  chunks: { t: number; bytes: number }[];
  sseEvents: { t: number; event?: string; data: string; id?: string; retry?: number }[];
  /** Why this stream may not arrive as sent, with what to change (empty when nothing looks wrong). */
  diagnostics: Diagnostic[];
  /** Capture began after `bytes` had gone out, `t` ms into the exchange: earlier events are not listed. */
  captureFrom?: { t: number; bytes: number };
  /** A channel reconnect with Last-Event-ID: what was replayed and what was lost. */
  resume?: ResumeReport;
}

/** Query for the traffic table. */
export interface TrafficQuery {
  limit?: number;
  /** Only exchanges newer than this id (for incremental polling). */
  after?: number;
  search?: string;
}

/** The config as the UI edits it: the source text (comments kept) and where it lives. */
export interface ConfigState {
  text: string;
  file?: string;
  running: boolean;
}

/** Validation answer: errors as `file:line:col` records, and the plan applying would carry out. */
export interface ValidateResult {
  ok: boolean;
  errors: ConfigError[];
  plan?: ApplyPlan;
  changes?: string[];
}

/** Apply answer. */
export type ApplyResponse =
  { ok: true; plan: ApplyPlan; changes: string[] } | { ok: false; message: string; errors: ConfigError[] };

/** An event to publish on a channel. */
export interface PublishRequest {
  event?: string;
  data: string;
  id?: string;
}

/** A channel's clients and recent events. */
export interface ChannelInfo {
  name: string;
  clients: number;
  replay: number;
  lastId?: string;
  recent: { id: string; event?: string; data: string; t: number }[];
}

/** Counters per listener, route, channel and upstream server (GET /api/stats). */
export interface Stats {
  version: string;
  uptimeMs: number;
  running: boolean;
  listeners: (ScopeSample & { listen: string; address: string })[];
  routes: ScopeSample[];
  channels: (ScopeSample & { clients: number })[];
  upstreams: UpstreamServerState[];
}

/** A log line from the engine. */
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  at: number;
}

/** Sluice's local CA, as the HTTPS helpers show it: what to trust, and how. */
export interface CaInfo {
  /** Path of the CA certificate (PEM) on the machine running Sluice: NODE_EXTRA_CA_CERTS, curl --cacert. */
  certPath: string;
  /** Base64 SHA-256 of the CA's public key: Chromium's --ignore-certificate-errors-spki-list. */
  spki: string;
}

/** The local CA, or why it could not be opened (an unwritable data directory). */
export type CaInfoResult = { ok: true; ca: CaInfo } | { ok: false; message: string };

/** A browser started to trust the local CA: which one, and its throwaway profile folder. */
export type TrustedBrowserResult =
  { ok: true; browser: string; profile: string; pid: number } | { ok: false; message: string };
