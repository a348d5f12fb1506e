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
 *
 * A session that ended by getting all its replies parks its connected socket
 * for a moment (PARK_MS): if the same client's next datagram is balanced to
 * the same server, the new session reuses it instead of opening a socket per
 * request (what makes `proxy_responses: 1` ping-pong cheap). Balancing still
 * decides every new session; only the socket is recycled.
 *
 * A server with `limit` or `faults` gives its sessions links (udp-shaping.ts):
 * client datagrams pass the `in` link, replies the `out` link. Such a session
 * does not park: its stall/reset byte counts and buckets are its own, and a
 * new session starts them afresh. Queued replies still go out after it ended.
 */
import dgram from 'node:dgram';
import type { Peer } from '../balance/index.js';
import type { Counters } from '../telemetry/counters.js';
import type { StreamGroup } from './upstreams.js';
import { MAX_BYTES } from './udp-link.js';
import type { SessionLinks, SessionSinks } from './udp-shaping.js';

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
  /** Called once when the session ends; `parked` when its socket waits for reuse. */
  onEnd(session: UdpSession, parked: boolean): void;
  /** Called when a parked session's socket is finally closed. */
  onClosed(session: UdpSession): void;
  /** Builds the session's links when the server shapes datagrams (limit, faults); absent on the plain path. */
  links?(sinks: SessionSinks): SessionLinks | undefined;
}

/** How long a finished session's socket waits for the same client (and server) again. */
export const PARK_MS = 2000;

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
  private parked = false;
  private closed = false;
  /** When the session parked (performance.now()). */
  parkedAt = 0;
  private readonly timer: NodeJS.Timeout;
  /** Set only for shaped sessions; the plain path checks it once per datagram. */
  private readonly links: SessionLinks | undefined;

  constructor(
    readonly key: string,
    readonly clientPort: number,
    readonly clientAddress: string,
    private readonly ctx: SessionContext,
  ) {
    this.server = ctx.group.counters(ctx.peer);
    this.begin();
    this.links = ctx.links?.({
      toUpstream: this.forwardLimited,
      toClient: this.deliver,
      inDropped: this.inDropped,
      reset: () => this.reset(),
    });
    const target = ctx.group.extra.target(ctx.peer);
    const type: dgram.SocketType = target.host.includes(':') ? 'udp6' : 'udp4';
    // A shaped session queues up to MAX_BYTES of replies itself: give the kernel as much room, so a burst
    // is dropped (and counted) by the link's bounded queue rather than unseen by a full socket buffer.
    this.socket = this.links ? dgram.createSocket({ type, recvBufferSize: MAX_BYTES }) : dgram.createSocket(type);
    this.socket.on('message', (msg) => this.onReply(msg));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.fail(err));
    this.socket.connect(target.port, target.host, () => this.connected());
    this.timer = setTimeout(() => this.onTimer(), ctx.proxyTimeout);
  }

  /** The server this session's socket is connected to. */
  get peer() {
    return this.ctx.peer;
  }

  /** True while parked (ended, socket kept for reuse). */
  get isParked(): boolean {
    return this.parked;
  }

  /** True when this session runs with these settings (a parked socket is reused only then). */
  runsWith(proxyResponses: number | undefined, proxyTimeout: number): boolean {
    return this.ctx.proxyResponses === proxyResponses && this.ctx.proxyTimeout === proxyTimeout;
  }

  /** Starts a new session on a parked socket (the balancer picked the same server again). */
  revive(): void {
    this.parked = false;
    this.ended = false;
    this.expected = 0;
    this.replies = 0;
    this.begin();
    this.timer.refresh();
  }

  private begin(): void {
    this.server.requests++;
    this.server.active++;
  }

  /** Forwards one client datagram (in order). */
  send(msg: Buffer): void {
    if (this.ended) return;
    this.timer.refresh();
    // Counted on arrival, even when an `in` link still holds it: the session must not park before its reply.
    if (this.ctx.proxyResponses !== undefined) this.expected += this.ctx.proxyResponses;
    const inLink = this.links?.in;
    if (inLink) inLink.push(msg);
    else this.forward(msg);
  }

  /** Sends a client datagram on the upstream socket (queued while it connects). */
  private readonly forward = (msg: Buffer): void => {
    this.server.bytesOut += msg.length; // server scope: out = sent to the server
    if (this.queue) {
      if (this.queue.length >= MAX_QUEUED) {
        this.ctx.listener.drops++;
        this.inDropped(); // its replies will never come: the session must not wait for them
        return;
      }
      this.queue.push(msg);
      return;
    }
    this.sendNow(msg);
  };

  /** A datagram let through by the `in` link: traffic, so the idle timer restarts (a slow limit is not silence). */
  private readonly forwardLimited = (msg: Buffer): void => {
    this.timer.refresh();
    this.forward(msg);
  };

  /** The `in` link dropped a datagram: its replies will never come. */
  private readonly inDropped = (): void => {
    if (this.ctx.proxyResponses !== undefined) this.expected -= this.ctx.proxyResponses;
  };

  /** Sends a reply to the client through the listener's socket. */
  private readonly deliver = (msg: Buffer): void => {
    this.ctx.listener.bytesOut += msg.length;
    this.ctx.reply(msg, this.clientPort, this.clientAddress);
  };

  private sendNow(msg: Buffer): void {
    // Without a callback, send errors (ICMP refusals) arrive as 'error' events.
    if (this.ctx.proxyResponses === 0) this.socket.send(msg, this.afterSend);
    else this.socket.send(msg);
  }

  /** Ends the session and closes its socket now (listener stopping, or a parked socket not reused). */
  close(): void {
    this.end('ok');
    this.dispose();
  }

  /** reset_after: the session ends now and what its links still hold is discarded; the client's next datagram starts a new session. */
  reset(): void {
    this.links?.out?.close();
    this.close();
  }

  private connected(): void {
    const queued = this.queue ?? [];
    this.queue = undefined;
    if (this.ended) return;
    for (const msg of queued) this.sendNow(msg);
  }

  /** With proxy_responses 0 nothing comes back: the session ends once its datagrams are sent (an `in` link may still hold some). */
  private readonly afterSend = (err: Error | null): void => {
    if (err) this.fail(err as NodeJS.ErrnoException);
    else if (this.ctx.proxyResponses === 0 && (this.links?.in?.idle ?? true)) this.close();
  };

  /** An ICMP refusal fails the session; any socket error closes it. */
  private fail(err: NodeJS.ErrnoException): void {
    this.end(err.code === 'ECONNREFUSED' ? 'fail' : 'ok');
    this.dispose();
  }

  private onReply(msg: Buffer): void {
    if (this.closed) return;
    // Late replies of a parked session still belong to this client and server.
    this.server.bytesIn += msg.length;
    const outLink = this.links?.out;
    if (outLink) outLink.push(msg);
    else {
      this.ctx.listener.bytesOut += msg.length;
      this.ctx.reply(msg, this.clientPort, this.clientAddress);
    }
    if (this.ended) return;
    this.replies++;
    this.timer.refresh();
    // A shaped session closes instead of parking (see the file comment); its out link finishes delivering.
    if (this.ctx.proxyResponses !== undefined && --this.expected <= 0) {
      if (this.links) this.close();
      else this.park();
    }
  }

  private onTimer(): void {
    if (this.parked) return this.dispose();
    // Silence is a failure only when a reply was expected and none ever came.
    const failed = this.ctx.proxyResponses !== 0 && this.replies === 0;
    this.end(failed ? 'fail' : 'ok');
    this.dispose();
  }

  /** All expected replies came: the session ends, its socket waits briefly for reuse (the listener sweeps parked sockets). */
  private park(): void {
    this.parked = true;
    this.parkedAt = performance.now();
    this.end('ok', true);
  }

  private end(outcome: 'ok' | 'fail', parking = false): void {
    if (this.ended) return;
    this.ended = true;
    if (!parking) clearTimeout(this.timer);
    if (outcome === 'fail') this.server.errors++;
    this.server.active--;
    this.ctx.group.group.release(this.ctx.peer, outcome);
    this.ctx.onEnd(this, parking);
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.parked = false;
    clearTimeout(this.timer);
    // Nothing more may go upstream; replies already queued are still owed to the client (bounded by proxy_timeout).
    this.links?.in?.close();
    this.links?.out?.finish(this.ctx.proxyTimeout);
    try {
      this.socket.close();
    } catch {
      /* already closed */
    }
    this.ctx.onClosed(this);
  }
}
