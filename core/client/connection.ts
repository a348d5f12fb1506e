/**
 * One connection of a stream client session: send the request, check the
 * answer, read the body as events or lines while timing every chunk, and say
 * how it ended — so the session can decide whether to reconnect.
 *
 *   send ─▶ status? ─▶ stream type? ─▶ body (decompressed) ─▶ decoder ─▶ onItem
 *    │         │ 204: done   │ no: failed       │ cut: lost    │ over the cap: failed
 *    └ refused, DNS: lost    └ 4xx/5xx: failed (status + first 200 bytes)
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { ClientConnection, ClientFormat } from '../api/client.js';
import type { Diagnostic } from '../api/types.js';
import { diagnoseStream } from '../telemetry/stream-diagnostics.js';
import { StreamTally } from '../telemetry/stream-tally.js';
import { SseDecoder, type DecodedEvent } from '../telemetry/sse-decoder.js';
import type { Clock } from '../util/clock.js';
import { LineDecoder } from './line-decoder.js';
import { ClientFailure, send, type SendOptions } from './request.js';
import { decodedBody, httpError, streamFormat } from './response.js';

/** How a connection ended. */
export type ConnOutcome =
  | { kind: 'ended'; reason: string }
  | { kind: 'lost'; reason: string; answered: boolean }
  | { kind: 'done'; reason: string }
  | { kind: 'failed'; error: ClientFailure }
  | { kind: 'stopped' };

/** What a connection reports to its session as it goes. */
export interface ConnHooks {
  /** Status and headers are in (or the connection ended): the record changed. */
  changed(c: ClientConnection): void;
  /** An event or line arrived; return false to stop reading (max events reached). */
  item(ev: DecodedEvent, now: number): boolean;
  retry(ms: number): void;
}

/** The figures a decoder shares, whichever kind. */
type Decoder = SseDecoder | LineDecoder;

function plainHeaders(res: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = v;
  return out;
}

/** Why reading a body failed, in words. */
function lostReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ECONNRESET' || e?.message === 'aborted') return 'the connection was reset mid-stream';
  if (e?.code === 'ERR_STREAM_PREMATURE_CLOSE') return 'the connection closed mid-body';
  if (e?.code?.startsWith('Z_') || e?.code === 'ERR_BROTLI_DECOMPRESSION_FAILED')
    return `the compressed body is corrupt (${e.code})`;
  return `the connection failed mid-stream: ${e?.message ?? String(err)}`;
}

/** One request and its body. */
export class Connection {
  readonly info: ClientConnection;
  readonly tally = new StreamTally();
  private res: IncomingMessage | undefined;
  private destroy: (() => void) | undefined;
  private decoder: Decoder | undefined;
  private stopped = false;
  private readonly abort = new AbortController();
  private endedAt: number | undefined;
  /** The stream ended by itself (not stopped by us): the rules about a burst at the end may judge it. */
  private naturalEnd = false;

  /**
   * @param t0 when the request goes out, on the session clock
   * @param t0Session the same instant as ms since the session's first request
   */
  constructor(
    n: number,
    private readonly t0: number,
    t0Session: number,
    private readonly clock: Clock,
    private readonly hooks: ConnHooks,
  ) {
    this.info = { conn: n, t: Math.round(t0Session), events: 0, bytes: 0 };
  }

  /** The format once the answer is known. */
  get format(): ClientFormat | undefined {
    return this.info.format;
  }

  /** Ends the connection now (the session was stopped). */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.destroy?.();
  }

  /** Sends, checks and reads; resolves with how it ended. */
  async run(o: SendOptions, maxSize: number): Promise<ConnOutcome> {
    let opened;
    try {
      opened = await send({ ...o, signal: this.abort.signal });
    } catch (err) {
      return this.close(this.stopped ? { kind: 'stopped' } : this.failure(err, false));
    }
    this.res = opened.res;
    this.destroy = opened.destroy;
    if (this.stopped) return this.close({ kind: 'stopped' });
    const res = opened.res;
    const info = this.info;
    info.status = res.statusCode;
    info.ttfbMs = Math.round(this.clock.now() - this.t0);
    info.contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : undefined;
    info.responseHeaders = plainHeaders(res);
    const status = res.statusCode ?? 0;
    if (status === 204) {
      res.resume();
      return this.close({ kind: 'done', reason: 'the server answered 204 No Content: no more events' });
    }
    if (status < 200 || status >= 300) return this.close({ kind: 'failed', error: await httpError(res) });
    try {
      info.format = streamFormat(res);
    } catch (err) {
      res.destroy();
      return this.close(this.failure(err, true));
    }
    this.hooks.changed(info);
    return this.close(await this.read(res, info.format, maxSize));
  }

  private failure(err: unknown, answered: boolean): ConnOutcome {
    if (err instanceof ClientFailure)
      return err.kind === 'network' ? { kind: 'lost', reason: err.message, answered } : { kind: 'failed', error: err };
    return { kind: 'lost', reason: (err as Error).message, answered };
  }

  private async read(res: IncomingMessage, format: ClientFormat, maxSize: number): Promise<ConnOutcome> {
    let full = false;
    const onItem = (ev: DecodedEvent) => {
      if (full || this.stopped) return;
      const now = this.clock.now();
      this.tally.event(now - this.t0, ev.data.length);
      this.info.events++;
      this.info.firstEventMs ??= Math.round(now - this.t0);
      if (!this.hooks.item(ev, now)) full = true;
    };
    const decoder: Decoder = (this.decoder =
      format === 'sse'
        ? new SseDecoder({
            maxLine: maxSize,
            maxEvent: maxSize,
            onEvent: onItem,
            onRetry: (ms) => this.hooks.retry(ms),
          })
        : new LineDecoder((line) => onItem({ data: line }), maxSize));
    let body: Readable;
    try {
      body = decodedBody(res);
    } catch (err) {
      res.destroy();
      return this.failure(err, true);
    }
    try {
      for await (const chunk of body) {
        const buf = chunk as Buffer;
        this.tally.chunk(this.clock.now() - this.t0, buf.length);
        this.info.bytes += buf.length;
        decoder.feed(buf);
        if (full || decoder.stopped || this.stopped) break;
      }
    } catch (err) {
      if (this.stopped) return { kind: 'stopped' };
      if (full) return { kind: 'done', reason: 'max events reached' };
      return { kind: 'lost', reason: lostReason(err), answered: true };
    }
    if (this.stopped) return { kind: 'stopped' };
    if (full) return { kind: 'done', reason: 'max events reached' };
    if (decoder.stopped) return { kind: 'failed', error: new ClientFailure('limit', decoder.stopped.message) };
    decoder.end();
    if (full) return { kind: 'done', reason: 'max events reached' };
    if (!res.complete)
      return { kind: 'lost', reason: 'the connection closed before the body was complete', answered: true };
    return { kind: 'ended', reason: 'the server ended the stream' };
  }

  /** Records the end and tells the session. */
  private close(out: ConnOutcome): ConnOutcome {
    this.endedAt = this.clock.now() - this.t0;
    this.naturalEnd = out.kind === 'ended' || out.kind === 'lost';
    this.info.end = out.kind === 'failed' ? out.error.message : out.kind === 'stopped' ? 'stopped' : out.reason;
    this.res?.destroy();
    this.hooks.changed(this.info);
    return out;
  }

  /** What looks wrong with this connection's stream so far (nothing before it streams). */
  diagnostics(): Diagnostic[] {
    if (!this.res || !this.info.format) return [];
    return diagnoseStream({
      contentType: this.info.contentType,
      kind: this.info.format,
      headers: this.res.headers,
      timing: this.tally,
      now: this.endedAt ?? this.clock.now() - this.t0,
      ended: this.naturalEnd,
      invalidUtf8At: this.decoder?.invalidUtf8At,
    });
  }
}
