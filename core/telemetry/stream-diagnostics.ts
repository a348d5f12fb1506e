/**
 * "Why isn't it streaming?" — the rules, in one pure function used by the
 * proxy's traffic record and by the stream client. Inputs are what either
 * side can see (response headers, body timing, event sizes); the output is a
 * list of findings, each saying what to change (an nginx directive, a header).
 *
 *   headers ──┐
 *   timing ───┼─▶ RULES (each: facts → finding | undefined) ─▶ Diagnostic[]
 *   route ────┘
 */
import type { Diagnostic } from '../api/types.js';
import type { StreamTiming } from './stream-tally.js';

/** Response headers as received (lower-case names). */
export type HeaderMap = Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** An event stream, or a stream of lines (NDJSON, or any chunked text a client reads line by line). */
export type StreamKind = 'sse' | 'lines';

/** Everything the rules look at. Times are ms since the request started. */
export interface StreamFacts {
  contentType?: string;
  /** How the body is read, when the reader knows better than the content type (a client reading chunked text as lines). */
  kind?: StreamKind;
  headers: HeaderMap;
  /** The response travelled over HTTP/2. */
  http2?: boolean;
  /** A Sluice proxy route: its `buffering` setting and the upstream's X-Accel-Buffering value. */
  proxy?: { buffering: boolean; accelBuffering?: string };
  /** Body timing, when it was measured (the traffic log measures only while observed). */
  timing?: StreamTiming;
  /** Timing began mid-stream (an observer joined late): what came before is unknown. */
  partial?: boolean;
  /** Now (open stream) or the end of the response. */
  now: number;
  ended: boolean;
  /** Byte offset where the body stopped being valid UTF-8. */
  invalidUtf8At?: number;
}

/** Proxies and load balancers commonly close a connection idle this long (nginx proxy_read_timeout, AWS ALB). */
export const IDLE_TIMEOUT_MS = 60_000;
/** Lines longer than this break common line-buffered clients (Go's bufio.Scanner stops at 64 KiB). */
export const CLIENT_LINE_BUFFER = 64 * 1024;
/** A first event this late, then everything at once, is a held-back stream rather than a slow start. */
const LATE_FIRST_EVENT_MS = 500;

/** What kind of stream a content type is, for the rules that apply only to streams. */
export function streamKind(contentType: string | undefined): StreamKind | undefined {
  const ct = (contentType ?? '').toLowerCase();
  if (/^\s*text\/event-stream\b/.test(ct)) return 'sse';
  if (/^\s*application\/(x-)?(ndjson|jsonl|jsonlines|json-seq|stream\+json)\b/.test(ct)) return 'lines';
  return undefined;
}

function header(h: HeaderMap, name: string): string | undefined {
  const v = h[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(', ') : String(v);
}

const secs = (ms: number) =>
  ms >= 10_000 ? `${Math.round(ms / 1000)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
const kib = (n: number) => `${Math.round(n / 1024)} KiB`;

type Rule = (f: StreamFacts, kind: StreamKind | undefined) => Diagnostic | undefined;

const compression: Rule = (f, kind) => {
  const enc = header(f.headers, 'content-encoding')?.trim().toLowerCase();
  if (!kind || !enc || enc === 'identity') return undefined;
  return {
    code: 'compression',
    message:
      `Content-Encoding: ${enc} on ${f.contentType}: the compressor holds events until its buffer fills or the stream ends. ` +
      `nginx: remove ${kind === 'sse' ? 'text/event-stream' : 'the type'} from gzip_types (or \`gzip off;\` in that location); ` +
      'Node compression middleware and dev-server proxies: send `Cache-Control: no-transform` or flush after each event.',
  };
};

const buffering: Rule = (f, kind) => {
  const t = f.timing;
  if (
    !kind ||
    !t ||
    f.partial ||
    !f.ended ||
    t.events < 2 ||
    t.firstEventAt === undefined ||
    t.lastEventAt === undefined
  )
    return undefined;
  const window = Math.max(100, 0.05 * t.lastEventAt);
  const burst = t.lastEventAt - t.firstEventAt <= window && f.now - t.lastEventAt <= window;
  if (!burst || t.firstEventAt < LATE_FIRST_EVENT_MS) return undefined;
  return {
    code: 'buffering',
    message:
      `All ${t.events} ${kind === 'sse' ? 'events' : 'lines'} arrived in one burst ${secs(t.firstEventAt)} after the request, as the response ended: ` +
      'something on the way held the whole stream back (or the server wrote it all at once). ' +
      'nginx: `proxy_buffering off;` in that location, or send `X-Accel-Buffering: no` from the upstream; check compression and any CDN or load balancer in between.',
  };
};

const clumped: Rule = (f, kind) => {
  const t = f.timing;
  if (!kind || !t || t.clumps < 2 || t.events < 20) return undefined;
  const perClump = t.events / t.clumps;
  const gap = t.clumpGapsMs / (t.clumps - 1);
  if (perClump < 8 || gap < 1000) return undefined;
  return {
    code: 'clumped',
    message:
      `Events arrive in clumps of about ${Math.round(perClump)}, ${secs(gap)} apart: a buffer on the way passes them on only when it fills. ` +
      'nginx: `proxy_buffering off;` (or `X-Accel-Buffering: no` from the upstream); with compression on, turn it off for this type.',
  };
};

const contentLength: Rule = (f, kind) => {
  const len = header(f.headers, 'content-length');
  if (!kind || len === undefined) return undefined;
  return {
    code: 'content-length',
    message:
      `Content-Length: ${len} on a stream: the response ends after ${len} bytes and proxies may wait for all of them before passing any on. ` +
      'Send the stream without a length (chunked on HTTP/1.1): do not set Content-Length, and do not buffer the body to compute it.',
  };
};

const cacheControl: Rule = (f, kind) => {
  if (kind !== 'sse') return undefined;
  const cc = header(f.headers, 'cache-control');
  if (cc && /\b(no-cache|no-store)\b/i.test(cc)) return undefined;
  return {
    code: 'cache-control',
    message:
      `${cc ? `Cache-Control: ${cc}` : 'No Cache-Control'} on an event stream: caches and CDNs may store or coalesce it. ` +
      'Send `Cache-Control: no-cache, no-transform` (no-transform also keeps compressing proxies off it).',
  };
};

const routeBuffering: Rule = (f, kind) => {
  const p = f.proxy;
  if (!kind || !p || !p.buffering || (p.accelBuffering ?? '').trim().toLowerCase() === 'no') return undefined;
  if (kind === 'sse') {
    return {
      code: 'export-buffering',
      message:
        'This proxy route has `buffering: on`: Sluice streams event streams anyway, but `sluice export-nginx` writes it as `proxy_buffering on;` and nginx would hold these events. ' +
        'Send `X-Accel-Buffering: no` from the upstream, or set `buffering: off` on the route.',
    };
  }
  return {
    code: 'proxy-buffering',
    message:
      'This proxy route has `buffering: on`, so Sluice collects the response (up to 1 MiB) before sending it. Set `buffering: off` on the route, or send `X-Accel-Buffering: no` from the upstream.',
  };
};

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2); browsers fail the stream on them. */
const CONNECTION_HEADERS = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

const h2Headers: Rule = (f) => {
  if (!f.http2) return undefined;
  const found = CONNECTION_HEADERS.filter((n) => f.headers[n] !== undefined);
  if (found.length === 0) return undefined;
  return {
    code: 'h2-connection-headers',
    message:
      `${found.join(', ')} on an HTTP/2 response: connection-specific headers are forbidden in HTTP/2 and browsers fail the stream (ERR_HTTP2_PROTOCOL_ERROR). ` +
      `Stop sending ${found.map((n) => `\`${n}\``).join(', ')} (set them only on HTTP/1.1 responses).`,
  };
};

const largeEvent: Rule = (f, kind) => {
  const t = f.timing;
  if (!kind || !t || t.maxEventSize <= CLIENT_LINE_BUFFER) return undefined;
  return {
    code: 'large-event',
    message:
      `An ${kind === 'sse' ? 'event' : 'line'} of ${kib(t.maxEventSize)}: line-buffered clients stop at 64 KiB (Go's bufio.Scanner, several SSE libraries). ` +
      'Split large payloads over several events (or send a reference to fetch), and keep each line under 64 KiB.',
  };
};

const heartbeat: Rule = (f, kind) => {
  const t = f.timing;
  if (!kind || !t) return undefined;
  const silence = Math.max(t.maxGapMs, f.now - (t.lastChunkAt ?? t.since));
  if (silence < IDLE_TIMEOUT_MS) return undefined;
  return {
    code: 'heartbeat',
    message:
      `${secs(silence)} without a byte: proxies and load balancers close idle connections after about 60 s (nginx proxy_read_timeout, AWS ALB). ` +
      `Send a heartbeat every 15–30 s${kind === 'sse' ? ' (a comment line `: ping`)' : ''}, or raise the idle timeouts (nginx: \`proxy_read_timeout 1h;\`).`,
  };
};

const invalidUtf8: Rule = (f) => {
  if (f.invalidUtf8At === undefined) return undefined;
  return {
    code: 'invalid-utf8',
    message: `The body is not valid UTF-8 (from about byte ${f.invalidUtf8At}): browsers show U+FFFD there. Event streams are always UTF-8: encode the text as UTF-8.`,
  };
};

/** Every rule, in the order findings are listed (the likeliest causes of a held-back stream first). */
const RULES: readonly Rule[] = [
  buffering,
  clumped,
  compression,
  routeBuffering,
  contentLength,
  cacheControl,
  h2Headers,
  largeEvent,
  heartbeat,
  invalidUtf8,
];

/** The findings for one stream; empty when nothing looks wrong (or it is not a stream). */
export function diagnoseStream(facts: StreamFacts): Diagnostic[] {
  const kind = facts.kind ?? streamKind(facts.contentType);
  const out: Diagnostic[] = [];
  for (const rule of RULES) {
    const d = rule(facts, kind);
    if (d) out.push(d);
  }
  return out;
}
