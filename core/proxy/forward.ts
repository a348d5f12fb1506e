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
  upstream: Counters;
  /** Called when a text/event-stream response starts (returns the end callback). */
  onSse?(): () => void;
}

/** Copies status and headers; returns whether the response is SSE and whether to buffer it. */
function head(ex: Exchange, up: IncomingMessage, o: ForwardOptions): { sse: boolean; buffer: boolean } {
  const contentType = typeof up.headers['content-type'] === 'string' ? up.headers['content-type'] : undefined;
  const sse = isEventStream(contentType);
  const accel = String(up.headers['x-accel-buffering'] ?? '').toLowerCase();
  const buffer = !sse && (accel === 'no' ? false : accel === 'yes' ? true : o.buffering);
  ex.record.contentType = contentType;
  const res = ex.res;
  for (const { name, values } of clientResponseHeaders(up).values()) res.setHeader(name, values.length === 1 ? values[0]! : values);
  res.statusCode = up.statusCode ?? 502;
  if (up.statusMessage) res.statusMessage = up.statusMessage;
  return { sse, buffer };
}

/** Streams (or buffers) the upstream response to the client; throws on a broken upstream body. */
export async function forwardResponse(ex: Exchange, up: IncomingMessage, o: ForwardOptions): Promise<void> {
  const { sse, buffer } = head(ex, up, o);
  const clock = ex.services.clock;
  let idleFired = false;
  const idle = new IdleTimer(clock, o.readTimeout, () => { idleFired = true; up.destroy(); });
  const endSse = sse ? o.onSse?.() : undefined;
  const write = sendWithin(ex, o.sendTimeout);
  let pending: Buffer[] | undefined = buffer ? [] : undefined;
  let pendingBytes = 0;
  try {
    if (!buffer) ex.res.flushHeaders(); // the client sees the status at once (SSE clients open on it)
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
    if (idleFired) throw new SluiceError('E_UPSTREAM_TIMEOUT', `upstream ${o.address}: no data for ${o.readTimeout} ms`);
    throw new SluiceError('E_UPSTREAM_PROTOCOL', `upstream ${o.address}: response broken off: ${(err as Error).message}`);
  } finally {
    idle.cancel();
    endSse?.();
  }
  if (ex.signal.aborted) throw new CleanAbort('client closed');
  if (!up.complete) throw new SluiceError('E_UPSTREAM_PROTOCOL', `upstream ${o.address}: response ended early`);
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
