/**
 * One UDP session: the datagrams of one client address, bound to one chosen
 * upstream server through a dgram socket connected to it. Datagrams leave in
 * arrival order (a bounded queue covers the moment the socket connects).
 *
 *   client ─dgram─▶ listener ─▶ session ─connected socket─▶ upstream
 *   client ◀─dgram─ listener ◀─ session ◀─ reply ──────────┘
 *
 * With `proxy_responses: N` the session ends once N replies per datagram have
 * come back; `proxy_timeout` ends an idle session. A session that never got a
 * reply it expected, or an ICMP error (ECONNREFUSED), counts as a failure
 * towards the server's `max_fails`.
 */
import dgram from 'node:dgram';
import type { Peer } from '../balance/index.js';
import type { Counters } from '../telemetry/counters.js';
import type { StreamGroup } from './upstreams.js';

/** What a session needs from its listener. */
export interface SessionContext {
  listener: Counters;
  group: StreamGroup;
  peer: Peer;
  /** Replies expected per datagram; undefined = any number, 0 = none. */
  proxyResponses: number | undefined;
  proxyTimeout: number;
  /** Sends a reply to the client through the listener's socket. */
  reply(msg: Buffer, port: number, address: string): void;
  /** Called once when the session ends. */
  onEnd(session: UdpSession): void;
}

/** Datagrams held while the upstream socket connects; beyond this they are dropped. */
const MAX_QUEUED = 256;

/** One client's datagrams to one upstream server. */
export class UdpSession {
  private readonly socket: dgram.Socket;
  private readonly server: Counters;
  private queue: Buffer[] | undefined = [];
  /** Replies still expected (proxy_responses × datagrams sent − replies). */
  private expected = 0;
  private replies = 0;
  private ended = false;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly key: string, readonly clientPort: number, readonly clientAddress: string, private readonly ctx: SessionContext) {
    this.server = ctx.group.counters(ctx.peer);
    this.server.requests++;
    this.server.active++;
    const target = ctx.group.target(ctx.peer);
    this.socket = dgram.createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
    this.socket.on('message', (msg) => this.onReply(msg));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.end(err.code === 'ECONNREFUSED' ? 'fail' : 'ok'));
    this.socket.connect(target.port, target.host, () => this.connected());
    this.timer = setTimeout(() => this.onIdle(), ctx.proxyTimeout);
  }

  /** Forwards one client datagram (in order). */
  send(msg: Buffer): void {
    if (this.ended) return;
    this.timer.refresh();
    if (this.ctx.proxyResponses !== undefined) this.expected += this.ctx.proxyResponses;
    this.server.bytesIn += msg.length;
    if (this.queue) {
      if (this.queue.length >= MAX_QUEUED) {
        this.ctx.listener.drops++;
        return;
      }
      this.queue.push(msg);
      return;
    }
    this.sendNow(msg);
  }

  private sendNow(msg: Buffer): void {
    // Without a callback, send errors (ICMP refusals) arrive as 'error' events.
    if (this.ctx.proxyResponses === 0) this.socket.send(msg, this.afterSend);
    else this.socket.send(msg);
  }

  /** Ends the session now (listener stopping). */
  close(): void {
    this.end('ok');
  }

  private connected(): void {
    const queued = this.queue ?? [];
    this.queue = undefined;
    if (this.ended) return;
    for (const msg of queued) this.sendNow(msg);
  }

  /** With proxy_responses 0 nothing comes back: the session ends once its datagrams are sent. */
  private readonly afterSend = (err: Error | null): void => {
    if (err) this.end((err as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'fail' : 'ok');
    else if (this.ctx.proxyResponses === 0) this.end('ok');
  };

  private onReply(msg: Buffer): void {
    if (this.ended) return;
    this.replies++;
    this.timer.refresh();
    this.server.bytesOut += msg.length;
    this.ctx.listener.bytesOut += msg.length;
    this.ctx.reply(msg, this.clientPort, this.clientAddress);
    if (this.ctx.proxyResponses !== undefined && --this.expected <= 0) this.end('ok');
  }

  private onIdle(): void {
    // Silence is a failure only when a reply was expected and none ever came.
    const failed = this.ctx.proxyResponses !== 0 && this.replies === 0;
    this.end(failed ? 'fail' : 'ok');
  }

  private end(outcome: 'ok' | 'fail'): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    if (outcome === 'fail') this.server.errors++;
    this.server.active--;
    this.ctx.group.group.release(this.ctx.peer, outcome);
    try { this.socket.close(); } catch { /* already closed */ }
    this.ctx.onEnd(this);
  }
}
