/**
 * Sends an upstream response on to the client, chunk by chunk as it arrives:
 *
 *   upstream socket ─▶ IncomingMessage (paused while we wait) ─▶ outlet.write() ─▶ stages ─▶ client
 *
 * Each chunk is awaited through the outlet, so a slow client pauses the
 * upstream read (backpressure) instead of growing a buffer. `read_timeout`
 * is an idle timeout between upstream reads (an SSE stream may stay open for
 * hours). A response the upstream breaks off (bad framing, reset, short
 * body) aborts the client connection: a truncated body never looks complete.
 * `buffering: on` collects a response (up to a cap) to send it with a length.
 */
import type { IncomingMessage } from 'node:http';
import type { Exchange } from '../http/exchange.js';
import type { Counters } from '../telemetry/counters.js';
import { CleanAbort, SluiceError } from '../util/errors.js';
import { clientResponseHeaders, isEventStream } from './headers.js';
import { IdleTimer } from './idle-timer.js';

/** Past this many bytes a buffered response is streamed anyway (buffers stay bounded). */
export const BUFFER_CAP = 1024 * 1024;

/** Settings for sending one response on. */
export interface ForwardOptions {
  readTimeout: number;
  sendTimeout: number;
  buffering: boolean;
  address: string;
  /** The upstream group's name (error messages start `upstream NAME:`). */
  group: string;
  upstream: Counters;
  /** The parser/socket error behind a broken body, if the request saw one. */
  cause?(): Error | undefined;
  /** Called when a text/event-stream response starts (returns the end callback). */
  onSse?(): () => void;
}

/** Without body bytes for this long, a streamed response's head is sent alone (long polls see their status). */
const HEAD_ALONE_MS = 50;

/**
 * Decides SSE and buffering; `apply()` copies status and headers onto the
 * response. It runs at the first body byte (or at once for SSE), so a
 * response whose framing breaks right away can still become a clean 502.
 */
function head(ex: Exchange, up: IncomingMessage, o: ForwardOptions): { sse: boolean; buffer: boolean; apply(): void } {
  const contentType = typeof up.headers['content-type'] === 'string' ? up.headers['content-type'] : undefined;
  const sse = isEventStream(contentType);
  const accel = String(up.headers['x-accel-buffering'] ?? '').toLowerCase();
  const buffer = !sse && (accel === 'no' ? false : accel === 'yes' ? true : o.buffering);
  ex.record.contentType = contentType;
  const res = ex.res;
  let applied = false;
  const apply = () => {
    if (applied || res.headersSent) return;
    applied = true;
    for (const { name, values } of clientResponseHeaders(up).values()) res.setHeader(name, values.length === 1 ? values[0]! : values);
    res.statusCode = up.statusCode ?? 502;
    if (up.statusMessage) res.statusMessage = up.statusMessage;
  };
  return { sse, buffer, apply };
}

/** Streams (or buffers) the upstream response to the client; throws on a broken upstream body. */
export async function forwardResponse(ex: Exchange, up: IncomingMessage, o: ForwardOptions): Promise<void> {
  const { sse, buffer, apply } = head(ex, up, o);
  const clock = ex.services.clock;
  let idleFired = false;
  const idle = new IdleTimer(clock, o.readTimeout, () => { idleFired = true; up.destroy(); });
  const endSse = sse ? o.onSse?.() : undefined;
  const send = sendWithin(ex, o.sendTimeout);
  const write = (c: Buffer) => { apply(); return send(c); };
  const flushHead = () => { apply(); if (!ex.res.headersSent && !ex.res.destroyed) ex.res.flushHeaders(); };
  // SSE clients open on the status: send it at once. Other streams: with the first byte, or alone after a pause.
  const headTimer = buffer || sse ? undefined : clock.setTimeout(flushHead, HEAD_ALONE_MS);
  if (sse) flushHead();
  let pending: Buffer[] | undefined = buffer ? [] : undefined;
  let pendingBytes = 0;
  try {
    idle.touch();
    for await (const chunk of up as AsyncIterable<Buffer>) {
      idle.touch();
      o.upstream.bytesIn += chunk.length;
      if (pending) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes <= BUFFER_CAP) continue;
        for (const c of pending) await write(c); // over the cap: stream the rest
        pending = undefined;
        continue;
      }
      await write(chunk);
    }
  } catch (err) {
    if (ex.signal.aborted) throw new CleanAbort('client closed');
    if (idleFired && sse) return void (await ex.outlet.end()); // an idle SSE stream ends cleanly
    if (idleFired) throw new SluiceError('E_UPSTREAM_TIMEOUT', `upstream ${o.group}: no data from ${o.address} for ${o.readTimeout} ms`);
    const why = (o.cause?.() ?? (err as Error)).message;
    // Before any byte went out this becomes a clean 502; after, the listener aborts the connection.
    throw new SluiceError('E_UPSTREAM_PROTOCOL', `upstream ${o.group}: ${ex.res.headersSent ? 'response broken off' : 'malformed response'} from ${o.address}: ${why}`);
  } finally {
    idle.cancel();
    headTimer?.cancel();
    endSse?.();
  }
  if (ex.signal.aborted) throw new CleanAbort('client closed');
  if (!up.complete) throw new SluiceError('E_UPSTREAM_PROTOCOL', `upstream ${o.group}: response from ${o.address} ended early`);
  apply();
  if (pending) {
    ex.res.removeHeader('transfer-encoding');
    ex.res.setHeader('content-length', pendingBytes);
    ex.responseSize = pendingBytes;
    for (const c of pending) await write(c);
  }
  await ex.outlet.end();
}

/** outlet.write() bounded by send_timeout: a client that stops reading is cut off. */
function sendWithin(ex: Exchange, ms: number): (chunk: Buffer) => Promise<void> {
  const clock = ex.services.clock;
  return async (chunk) => {
    let timedOut = false;
    const timer = clock.setTimeout(() => { timedOut = true; ex.res.destroy(); }, ms);
    try {
      await ex.outlet.write(chunk);
    } finally {
      timer.cancel();
    }
    if (timedOut || ex.signal.aborted) throw new CleanAbort(timedOut ? 'send timeout' : 'client closed');
  };
}
