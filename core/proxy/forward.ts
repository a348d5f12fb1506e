/**
 * Sends an upstream response on to the client, chunk by chunk as it arrives:
 *
 *   upstream socket ─▶ IncomingMessage ─'data'─▶ outlet (stages) ─▶ client
 *                          ▲ paused while the client or a stage is behind
 *
 * A slow client pauses the upstream read (backpressure) instead of growing
 * a buffer. `read_timeout`
 * is an idle timeout between upstream reads (an SSE stream may stay open for
 * hours). A response the upstream breaks off (bad framing, reset, short
 * body) aborts the client connection: a truncated body never looks complete.
 * `buffering: on` collects a response (up to a cap) to send it with a length.
 */
import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream';
import type { Exchange } from '../kernel/index.js';
import { hasEnded, isHttp2 } from '../kernel/index.js';
import { drainedOrClosed } from '../util/wait.js';
import type { Counters } from '../telemetry/counters.js';
import { streamNotes } from '../telemetry/exchange-record.js';
import { CleanAbort, SluiceError } from '../util/errors.js';
import { clientResponseHeaders, isEventStream } from './headers.js';
import { IdleTimer, WaitWatch } from './idle-timer.js';

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

/** Bytes a client socket may hold before the upstream read pauses (a bound, not a buffer target). */
const OUT_HIGH_WATER = 256 * 1024;

/**
 * Upstream chunks at least this big that arrive in one turn of the event
 * loop leave in one write: a TLS upstream hands its body over a 16 KiB
 * record at a time, which would otherwise be a syscall each. Smaller chunks
 * (SSE events) go out at once.
 */
const COALESCE_FROM = 8 * 1024;

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
  // The client never sees X-Accel-Buffering (hidden as nginx does); the diagnostics need it.
  if (o.buffering || accel !== '')
    streamNotes(ex.record).proxy = { buffering: o.buffering, accelBuffering: accel || undefined };
  // A known length lets limit rules on min_size match proxied responses too.
  const length = Number(up.headers['content-length']);
  if (Number.isFinite(length) && up.headers['content-length'] !== undefined) ex.responseSize = length;
  const res = ex.res;
  let applied = false;
  const apply = () => {
    if (applied || res.headersSent) return;
    applied = true;
    for (const { name, values } of clientResponseHeaders(up).values())
      res.setHeader(name, values.length === 1 ? values[0]! : values);
    res.statusCode = up.statusCode ?? 502;
    if (up.statusMessage && !isHttp2(res)) res.statusMessage = up.statusMessage; // HTTP/2 has no reason phrase
  };
  return { sse, buffer, apply };
}

/** Streams (or buffers) the upstream response to the client; throws on a broken upstream body. */
export async function forwardResponse(ex: Exchange, up: IncomingMessage, o: ForwardOptions): Promise<void> {
  const { sse, buffer, apply } = head(ex, up, o);
  const clock = ex.services.clock;
  let idleFired = false;
  let sendTimedOut = false;
  const idle = new IdleTimer(clock, o.readTimeout, () => {
    idleFired = true;
    up.destroy();
  });
  const watch = new WaitWatch(clock, o.sendTimeout, () => {
    sendTimedOut = true;
    ex.res.destroy();
  });
  const endSse = sse ? o.onSse?.() : undefined;
  const flushHead = () => {
    apply();
    if (!ex.res.headersSent && !ex.res.destroyed) ex.res.flushHeaders();
  };
  // SSE clients open on the status: send it at once. Other streams: with the first byte, or alone after a pause.
  const headTimer = buffer || sse ? undefined : clock.setTimeout(flushHead, HEAD_ALONE_MS);
  if (sse) flushHead();
  let pending: Buffer[] | undefined;
  try {
    idle.touch();
    pending = await pump(ex, up, {
      buffer,
      apply,
      watch,
      onChunk: (c) => {
        idle.touch();
        o.upstream.bytesIn += c.length;
      },
    });
  } catch (err) {
    if (hasEnded(ex) || sendTimedOut) throw new CleanAbort(sendTimedOut ? 'send timeout' : 'client closed');
    if (idleFired && sse) return void (await ex.outlet.end()); // an idle SSE stream ends cleanly
    if (idleFired)
      throw new SluiceError(
        'E_UPSTREAM_TIMEOUT',
        `upstream ${o.group}: no data from ${o.address} for ${o.readTimeout} ms`,
      );
    const why = (o.cause?.() ?? (err as Error)).message;
    // Before any byte went out this becomes a clean 502; after, the listener aborts the connection.
    throw new SluiceError(
      'E_UPSTREAM_PROTOCOL',
      `upstream ${o.group}: ${ex.res.headersSent ? 'response broken off' : 'malformed response'} from ${o.address}: ${why}`,
    );
  } finally {
    idle.cancel();
    watch.cancel();
    headTimer?.cancel();
    endSse?.();
  }
  if (hasEnded(ex)) throw new CleanAbort('client closed');
  if (!up.complete)
    throw new SluiceError('E_UPSTREAM_PROTOCOL', `upstream ${o.group}: response from ${o.address} ended early`);
  apply();
  if (pending) {
    const body = Buffer.concat(pending);
    ex.res.removeHeader('transfer-encoding');
    ex.res.setHeader('content-length', body.length);
    ex.responseSize = body.length;
    await ex.outlet.write(body);
  }
  await ex.outlet.end();
}

/** What the pump needs from forwardResponse. */
interface PumpHooks {
  buffer: boolean;
  apply(): void;
  watch: WaitWatch;
  onChunk(chunk: Buffer): void;
}

/**
 * Moves upstream chunks to the outlet as 'data' events arrive. Without
 * stages a chunk goes straight to the socket (writeDirect) and the upstream
 * pauses only when the socket says so; with stages (faults, limits) it
 * pauses for every chunk until the stages pass it. Resolves with the
 * collected body when buffering stayed under the cap.
 */
function pump(ex: Exchange, up: IncomingMessage, h: PumpHooks): Promise<Buffer[] | undefined> {
  return new Promise((resolve, reject) => {
    const outlet = ex.outlet;
    let pending: Buffer[] | undefined = h.buffer ? [] : undefined;
    let pendingBytes = 0;
    let inflight: Promise<void> | undefined;
    let corked = false;
    const uncork = () => {
      corked = false;
      ex.res.uncork();
    };
    const resume = () => {
      inflight = undefined;
      h.watch.end();
      if (!up.destroyed) up.resume();
    };
    const send = (chunk: Buffer) => {
      h.apply();
      if (outlet.direct) {
        if (!corked && chunk.length >= COALESCE_FROM && !outlet.closed) {
          corked = true;
          ex.res.cork();
          setImmediate(uncork);
        }
        // Keep reading while the socket holds less than OUT_HIGH_WATER: fewer pause/resume
        // cycles and larger writes than Node's 16 KiB default, still a fixed bound per connection.
        if (outlet.writeDirect(chunk) || outlet.closed || ex.res.writableLength < OUT_HIGH_WATER) return;
        up.pause();
        h.watch.begin();
        inflight = drainedOrClosed(ex.res).then(resume);
        return;
      }
      up.pause();
      h.watch.begin();
      inflight = outlet.write(chunk).then(resume);
    };
    up.on('data', (chunk: Buffer) => {
      h.onChunk(chunk);
      if (!pending) return send(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes <= BUFFER_CAP) return;
      const all = Buffer.concat(pending); // over the cap: stream the rest
      pending = undefined;
      send(all);
    });
    finished(up, (err) => {
      if (err) return reject(err);
      // The last chunk may still be passing the stages.
      void (inflight ?? Promise.resolve()).then(() => resolve(pending));
    });
  });
}
