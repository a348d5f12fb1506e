/**
 * What every SSE response shares: the headers, flushed at once so clients see
 * the stream open; the `retry:` field first; heartbeat comments; reading
 * `Last-Event-ID`; and waiting until the client goes away. Heartbeats: ./heartbeat.ts.
 */
import type { SseConfig } from '../config/index.js';
import type { Exchange, ExchangeRequest } from '../kernel/index.js';
import { sentHeaders } from '../telemetry/sent-headers.js';
import { encodeRetry } from './encoder.js';
import type { SseClient } from './client.js';

/** Response headers of an event stream (CORS is set by the listener from the route). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  // no-transform: compressing proxies (dev servers, CDNs) leave the stream alone.
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** Sends the 200 and the SSE headers now (no body byte needed), and records the status. */
export function openStream(ex: Pick<Exchange, 'res' | 'record' | 'services'>): void {
  ex.res.writeHead(200, SSE_HEADERS);
  ex.res.flushHeaders();
  ex.record.status = 200;
  // An open stream shows its type (and, while someone watches, its headers) before it ends.
  ex.record.contentType = SSE_HEADERS['content-type'];
  if (ex.services.traffic.observed) ex.record.responseHeaders = sentHeaders(ex.res);
  // The headers are the first byte: the socket fast path never passes the outlet's first-byte hook.
  ex.record.ttfbMs ??= ex.services.clock.now() - ex.record.startedAt;
}

/** Sends the route's `retry:` field first when configured. */
export function sendRetry(client: SseClient, cfg: Pick<SseConfig, 'retry'>): void {
  if (cfg.retry !== undefined) client.send(encodeRetry(cfg.retry));
}

/**
 * The `Last-Event-ID` a reconnecting client sent (header, or the `lastEventId`
 * query parameter some polyfills use). Node hands header values over as
 * latin1; ids are UTF-8 on the wire, so the bytes are decoded again.
 */
export function lastEventId(req: ExchangeRequest, query?: URLSearchParams): string | undefined {
  const raw = req.headers['last-event-id'];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v !== undefined && v !== '') return Buffer.from(v, 'latin1').toString('utf8');
  const q = query?.get('lastEventId');
  return q ? q : undefined;
}
