/**
 * Exchanges as HAR 1.2 (HTTP Archive), the format browsers' devtools and
 * HTTP Toolkit read and write. One ExchangeDetail becomes one entry; decoded
 * SSE events travel as `_eventSourceMessages`, the field Chrome's own HAR
 * export uses (`time` in seconds — here wall-clock epoch seconds). Timings
 * are the server's view: waiting is time to first byte, receiving the rest.
 * Isomorphic and pure: the UI exports with it, tools may import it.
 */
import type { ExchangeDetail } from './types.js';

/** A header or query parameter. */
export interface HarNameValue {
  name: string;
  value: string;
}

/** One SSE event as Chrome's HAR export writes it. */
export interface HarEventSourceMessage {
  time: number;
  eventName: string;
  eventId: string;
  data: string;
}

/** One HAR entry (the fields Sluice fills; `_`-prefixed ones are extensions). */
export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: never[];
    headers: HarNameValue[];
    queryString: HarNameValue[];
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: never[];
    headers: HarNameValue[];
    content: { size: number; mimeType: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
  };
  cache: Record<string, never>;
  timings: { blocked: number; dns: number; connect: number; ssl: number; send: number; wait: number; receive: number };
  comment?: string;
  _resourceType: string;
  _eventSourceMessages?: HarEventSourceMessage[];
  /** Sluice's own view of the exchange: where it ran and how it ended, plus the chunk timeline (ms since start, bytes). */
  _sluice: {
    id: number;
    listener: string;
    route?: string;
    kind?: string;
    outcome: string;
    error?: string;
    upstream?: string;
    chunks: { t: number; bytes: number }[];
  };
}

/** A whole HAR document. */
export interface HarDocument {
  log: { version: '1.2'; creator: { name: string; version: string }; pages: never[]; entries: HarEntry[] };
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Header maps as HAR lists: one entry per value, values as strings, absent ones left out. */
export function harHeaders(h: Record<string, string | number | string[] | undefined> | undefined): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (const [name, v] of Object.entries(h ?? {})) {
    if (v === undefined) continue;
    for (const value of Array.isArray(v) ? v : [v]) out.push({ name, value: String(value) });
  }
  return out;
}

function first(v: string | number | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v === undefined ? undefined : String(v);
}

/** True for an SSE exchange: our own SSE route, or a response typed text/event-stream. */
function isSse(d: ExchangeDetail): boolean {
  return d.kind === 'sse' || /^\s*text\/event-stream\b/i.test(d.contentType ?? '') || d.sseEvents.length > 0;
}

/** Options of an entry. */
export interface HarOptions {
  /** `http` unless the request says otherwise (an HTTP/2 `:scheme`). */
  scheme?: string;
  /** Export time (epoch ms): the end of an exchange still open. */
  now?: number;
}

/** The HAR entry of one exchange. */
export function toHarEntry(d: ExchangeDetail, opts: HarOptions = {}): HarEntry {
  const h2 = d.requestHeaders[':method'] !== undefined;
  const scheme = opts.scheme ?? first(d.requestHeaders[':scheme']) ?? 'http';
  const host = first(d.requestHeaders[':authority']) ?? first(d.requestHeaders.host) ?? 'localhost';
  const url = new URL(d.url, `${scheme}://${host}`);
  const lastMark = Math.max(0, ...d.chunks.map((c) => c.t), ...d.sseEvents.map((e) => e.t));
  const duration = d.durationMs ?? Math.max(lastMark, opts.now !== undefined ? opts.now - d.startedAt : 0);
  const wait = Math.min(d.ttfbMs ?? duration, duration);
  const httpVersion = h2 ? 'HTTP/2' : 'HTTP/1.1';
  const entry: HarEntry = {
    startedDateTime: new Date(d.startedAt).toISOString(),
    time: duration,
    request: {
      method: d.method,
      url: url.href,
      httpVersion,
      cookies: [],
      headers: harHeaders(d.requestHeaders),
      queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
      headersSize: -1,
      bodySize: d.bytesIn,
    },
    response: {
      status: d.status ?? 0,
      statusText: STATUS_TEXT[d.status ?? 0] ?? '',
      httpVersion,
      cookies: [],
      headers: harHeaders(d.responseHeaders),
      content: { size: d.bytesOut, mimeType: d.contentType ?? 'x-unknown' },
      redirectURL: first(d.responseHeaders?.location) ?? '',
      headersSize: -1,
      bodySize: d.bytesOut,
    },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait, receive: duration - wait },
    _resourceType: isSse(d) ? 'eventsource' : 'other',
    _sluice: {
      id: d.id,
      listener: d.listener,
      route: d.route,
      kind: d.kind,
      outcome: d.outcome,
      error: d.error,
      upstream: d.upstream,
      chunks: d.chunks,
    },
  };
  if (d.outcome === 'open') entry.comment = 'still open when exported';
  if (isSse(d)) {
    entry._eventSourceMessages = d.sseEvents.map((e) => ({
      time: (d.startedAt + e.t) / 1000,
      eventName: e.event ?? 'message',
      eventId: e.id ?? '',
      data: e.data,
    }));
  }
  return entry;
}

/** A HAR document of exchanges, oldest first. */
export function toHar(
  details: readonly ExchangeDetail[],
  creator: { name: string; version: string },
  opts: HarOptions = {},
): HarDocument {
  const entries = [...details].sort((a, b) => a.startedAt - b.startedAt || a.id - b.id).map((d) => toHarEntry(d, opts));
  return { log: { version: '1.2', creator, pages: [], entries } };
}
