/**
 * One SSE subscriber on the response path, with a bounded send queue.
 *
 *   publish ─▶ deliver(ev) ─┬─ idle:    socket.write(framed)      (no stage: pre-framed chunk, encoded once per event)
 *                           │           outlet.write(bytes)       (a limit or fault stage sits on the path)
 *                           └─ lagging: queue[] += buf ── 'drain' ─▶ ONE write of everything queued
 *                                          │
 *                                          └─ queued bytes > cap ─▶ drop (socket destroyed, counted)
 *
 * The same Buffer object goes to every subscriber. With no stage on the
 * path, the HTTP chunk framing (`size\r\n … \r\n`) is also done once per
 * event and the bytes go straight to the socket, skipping the per-write
 * framing of ServerResponse; counters and traffic capture are updated here
 * as the outlet would. A client that never reads costs at most `cap` queued
 * bytes plus the socket's own buffer — then it is gone.
 */
import type { Socket } from 'node:net';
import type { EndListener, Exchange, ExchangeResponse } from '../kernel/index.js';
import { isHttp2 } from '../kernel/index.js';
import type { Counters } from '../telemetry/counters.js';
import { CAPTURE_LIMITS } from '../telemetry/exchange-record.js';
import { frameChunk } from './encoder.js';

/** An event as the channel or player hands it to a client: encoded bytes plus fields for the traffic log. */
export interface DeliveredEvent {
  bytes: Buffer;
  event?: string;
  data: string;
  id?: string;
  retry?: number;
  /** `bytes` framed as one HTTP chunk, made once on first use and shared by every subscriber. */
  framed?: Buffer;
}

/** How a client's bytes leave. */
type WriteMode = 'socket' | 'direct' | 'staged';

/** Node internals the socket fast path checks: the response owns its socket and buffered nothing. */
interface ResponseInternals {
  chunkedEncoding?: boolean;
  outputSize?: number;
}

/**
 * The socket a response may write to directly, or undefined when it must go
 * through the response (an HTTP/2 stream shares its connection: never).
 */
function ownedSocket(res: ExchangeResponse): Socket | undefined {
  if (isHttp2(res)) return undefined;
  const socket = res.socket as (Socket & { _httpMessage?: unknown }) | null;
  const internals = res as unknown as ResponseInternals;
  if (!socket || socket._httpMessage !== res || !res.headersSent || (internals.outputSize ?? 0) !== 0) return undefined;
  return socket;
}

const NO_COUNTERS: Counters[] = [];

/** What a client needs from its exchange. */
export type ClientExchange = Pick<Exchange, 'outlet' | 'res' | 'record' | 'services' | 'counters'>;

/** A set of clients this one belongs to (its channel, its heartbeat group): left when it goes. */
export interface ClientGroup {
  unsubscribe(client: SseClient): void;
}

/**
 * A subscriber with a bounded per-client queue. As its exchange's end
 * listener it leaves its groups and ends the stream, so an idle subscriber
 * holds no promise or closure.
 */
export class SseClient implements EndListener {
  private queue: Buffer[] | null = null;
  private queuedBytes = 0;
  private dead = false;
  private readonly mode: WriteMode;
  private readonly socket: Socket | undefined;
  private readonly chunked: boolean;
  /** The exchange's counters (listener, route): bytes and events. */
  private readonly scopeCounters: Counters[];
  /** Counters besides the exchange's (the channel's): events and drops only. */
  private readonly extra: Counters[];
  /** flushQueue bound to this client, made when the socket first fills (most clients never lag). */
  private flush: (() => void) | null = null;
  /** Producers waiting in idle() (scripts); allocated on first use. */
  private waiters: (() => void)[] | null = null;
  /** The heartbeat group sending this client comments (see joinHeartbeat). */
  private heartbeat: ClientGroup | undefined = undefined;

  /**
   * @param ex the exchange (headers already sent)
   * @param cap queued bytes past which the client is dropped
   * @param extra counters besides the exchange's (the channel's), shared by its clients
   * @param channel left when the client is dropped for not reading or its exchange ends
   */
  constructor(
    private readonly ex: ClientExchange,
    private readonly cap: number,
    extra: Counters[] = NO_COUNTERS,
    private readonly channel?: ClientGroup,
  ) {
    this.socket = ex.outlet.direct ? ownedSocket(ex.res) : undefined;
    this.mode = this.socket ? 'socket' : ex.outlet.direct ? 'direct' : 'staged';
    this.chunked = (ex.res as unknown as ResponseInternals).chunkedEncoding === true;
    this.scopeCounters = ex.counters;
    this.extra = extra.length > 0 ? extra : NO_COUNTERS;
  }

  /** Notes the heartbeat group this client is in, so ending the exchange takes it out. */
  joinHeartbeat(group: ClientGroup): void {
    this.heartbeat = group;
  }

  /** The exchange ended (client gone, listener draining): leave the groups and end cleanly so clients reconnect. */
  exchangeEnded(): void {
    this.leave();
    this.end();
  }

  /** Leaves the heartbeat group and the channel. */
  leave(): void {
    this.heartbeat?.unsubscribe(this);
    this.heartbeat = undefined;
    this.channel?.unsubscribe(this);
  }

  /** The drain callback, bound on first need (bind, not an arrow: no name property under tsx keepNames). */
  private flusher(): () => void {
    return (this.flush ??= this.flushQueue.bind(this));
  }

  /** True once dropped or closed. */
  get closed(): boolean {
    return this.dead || this.ex.outlet.closed || (this.socket?.destroyed ?? false);
  }

  /** Bytes waiting for this client right now. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** Resolves when nothing is queued (the socket took everything) or the client is gone: producers that can wait (scripts) await this instead of queueing. */
  idle(): Promise<void> {
    if (!this.queue || this.closed) return Promise.resolve();
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }

  private wake(): void {
    const w = this.waiters;
    if (!w) return;
    this.waiters = null;
    for (const fn of w) fn();
  }

  /** Sends an event (counted as a delivery, recorded while traffic is observed). */
  deliver(ev: DeliveredEvent): void {
    if (this.dead) return;
    for (const c of this.scopeCounters) c.events++;
    for (const c of this.extra) c.events++;
    if (this.ex.services.traffic.observed) this.recordEvent(ev);
    this.enqueue(this.mode === 'socket' && this.chunked ? (ev.framed ??= frameChunk(ev.bytes)) : ev.bytes);
  }

  /** Sends raw bytes (comments, retry) through the same queue. */
  send(buf: Buffer): void {
    if (this.dead) return;
    this.enqueue(this.mode === 'socket' && this.chunked ? frameChunk(buf) : buf);
  }

  /** Holds writes until uncork() (socket mode only); true when corked, so the caller uncorks exactly once. */
  cork(): boolean {
    if (this.mode !== 'socket' || this.dead || this.socket!.destroyed) return false;
    this.socket!.cork();
    return true;
  }

  /** Lets corked writes go out in one writev. */
  uncork(): void {
    this.socket!.uncork();
  }

  /** Sends bytes shared by many clients (heartbeats) with their chunk framing made once. */
  sendShared(buf: Buffer, framed: Buffer): void {
    if (this.dead) return;
    this.enqueue(this.mode === 'socket' && this.chunked ? framed : buf);
  }

  /** Writes now, or queues behind a write that is still draining (bounded by `cap`). */
  private enqueue(buf: Buffer): void {
    if (this.queue) {
      this.queue.push(buf);
      this.queuedBytes += buf.length;
      if (this.queuedBytes > this.cap) this.drop();
      return;
    }
    this.write(buf);
  }

  private write(buf: Buffer): void {
    const { outlet, res } = this.ex;
    if (this.mode === 'socket') {
      const socket = this.socket!;
      if (socket.destroyed || res.writableEnded) return;
      this.countOut(buf.length);
      if (socket.write(buf)) return;
      this.queue = [];
      socket.once('drain', this.flusher());
      return;
    }
    if (this.mode === 'direct') {
      if (outlet.writeDirect(buf) || outlet.closed) return;
      this.queue = [];
      res.once('drain', this.flusher());
      return;
    }
    this.queue = [];
    void outlet.write(buf).then(this.flusher());
  }

  /** Everything queued while the socket was full goes out in one write. */
  private flushQueue(): void {
    const q = this.queue;
    const bytes = this.queuedBytes;
    this.queue = null;
    this.queuedBytes = 0;
    if (!this.dead && q && q.length > 0 && !this.closed) this.write(q.length === 1 ? q[0]! : Buffer.concat(q, bytes));
    if (!this.queue) this.wake();
  }

  /** What the outlet would count for bytes written around it. */
  private countOut(bytes: number): void {
    for (const c of this.scopeCounters) c.bytesOut += bytes;
    const rec = this.ex.record;
    rec.bytesOut += bytes;
    const { traffic, clock } = this.ex.services;
    if (traffic.observed) traffic.chunk(rec, bytes, clock.now());
  }

  private recordEvent(ev: DeliveredEvent): void {
    const rec = this.ex.record;
    if (rec.events.length >= CAPTURE_LIMITS.events) return;
    const data = ev.data.length > CAPTURE_LIMITS.eventData ? ev.data.slice(0, CAPTURE_LIMITS.eventData) : ev.data;
    rec.events.push({
      t: this.ex.services.clock.now() - rec.startedAt,
      event: ev.event,
      data,
      id: ev.id,
      retry: ev.retry,
    });
  }

  /** Drops a client that will not read: its socket is destroyed and the drop counted. */
  private drop(): void {
    this.dead = true;
    this.queue = null;
    this.queuedBytes = 0;
    for (const c of this.scopeCounters) c.drops++;
    for (const c of this.extra) c.drops++;
    this.ex.record.error = `dropped: send queue over ${this.cap} bytes (client not reading)`;
    this.unhookDrain();
    this.ex.res.destroy();
    this.leave();
    this.wake();
  }

  /** Ends the stream cleanly (channel removed, script done): EventSource clients reconnect. */
  end(): void {
    this.dispose();
    void this.ex.outlet.end();
  }

  /** Stops sending (client gone or channel removed); queued bytes are released. */
  dispose(): void {
    this.dead = true;
    this.queue = null;
    this.queuedBytes = 0;
    this.unhookDrain();
    this.wake();
  }

  private unhookDrain(): void {
    if (!this.flush) return;
    this.ex.res.off('drain', this.flush);
    this.socket?.off('drain', this.flush);
  }
}
