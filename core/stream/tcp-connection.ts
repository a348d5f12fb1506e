/**
 * One proxied TCP connection: the accepted client socket and its upstream
 * socket, wired per direction either by the fast pump (no limits or faults)
 * or by a Link of stages.
 *
 *   client ──in──▶  [pump | link: limit]          ──▶ upstream
 *   client ◀──out── [pump | link: faults ▸ limit] ◀── upstream
 *
 * FIN passes through in each direction (both sockets are half-open capable);
 * a socket is closed once both of its directions ended. `proxy_timeout`
 * closes the pair when no byte moved either way.
 */
import type { Socket } from 'node:net';
import type { Peer } from '../balance/index.js';
import type { Counters } from '../telemetry/counters.js';
import { Link, type LinkStage } from './link.js';
import type { ReadRelay } from './read-relay.js';
import type { StreamGroup } from './upstreams.js';

/** Stages per direction; an empty list selects the fast pump. */
export interface DirectionStages {
  in: LinkStage[];
  out: LinkStage[];
}

/** Read relays (sockets made with their `onread`): the fastest pump; `in` is absent when the client socket could not take one. */
export interface DirectionRelays {
  in?: ReadRelay;
  out: ReadRelay;
}

/**
 * Forwards src → dst with backpressure (pipe() measured faster than a
 * hand-written data/drain pump: it resumes synchronously on drain), counting
 * per chunk; FIN passes on (pipe ends dst when src ends).
 */
export function pump(src: Socket, dst: Socket, count: (n: number) => void): void {
  src.on('data', (chunk: Buffer) => count(chunk.length));
  src.pipe(dst);
}

/** What a connection reports to and needs from its listener. */
export interface ConnectionContext {
  listener: Counters;
  group: StreamGroup;
  peer: Peer;
  proxyTimeout: number;
  now(): number;
  /** Called once when both sockets are closed. */
  onClosed(conn: TcpConnection): void;
}

/** A client socket joined to its upstream socket. */
export class TcpConnection {
  private readonly server: Counters;
  private links: { in?: Link; out?: Link } = {};
  private open = 2;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    this.server = ctx.group.counters(ctx.peer);
    this.server.active++;
  }

  /** Wires both directions (relays when the sockets were made for them) and starts reading from the client. */
  start(stages: DirectionStages, relays?: DirectionRelays): void {
    const { client, upstream, ctx } = this;
    const listener = ctx.listener;
    const server = this.server;
    // Listener scope: in = from the client. Server scope (as the HTTP proxy and the UI): in = received from the server.
    const countIn = (n: number) => {
      listener.bytesIn += n;
      server.bytesOut += n;
    };
    const countOut = (n: number) => {
      listener.bytesOut += n;
      server.bytesIn += n;
    };
    if (relays) {
      if (relays.in) relays.in.attach(client, upstream, countIn);
      else pump(client, upstream, countIn);
      relays.out.attach(upstream, client, countOut);
    } else {
      if (stages.in.length === 0) pump(client, upstream, countIn);
      else this.links.in = new Link({ src: client, dst: upstream, now: ctx.now, onBytes: countIn }, stages.in);
      if (stages.out.length === 0) pump(upstream, client, countOut);
      else this.links.out = new Link({ src: upstream, dst: client, now: ctx.now, onBytes: countOut }, stages.out);
    }

    client.setTimeout(ctx.proxyTimeout);
    client.on('timeout', () => this.destroy());
    upstream.on('timeout', () => this.destroy());
    client.on('error', noop);
    upstream.on('error', noop);
    client.on('close', () => this.closed(client, upstream, 'in'));
    upstream.on('close', () => this.closed(upstream, client, 'out'));
    client.resume();
  }

  /** Swaps the stages of live links (a changed limit on open connections); fast-pumped directions stay as they are. */
  setStages(stages: DirectionStages): void {
    if (this.links.in && stages.in.length > 0) this.links.in.setStages(stages.in);
    if (this.links.out && stages.out.length > 0) this.links.out.setStages(stages.out);
  }

  /** Closes both sockets now. */
  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  /** Closes both sockets with a TCP reset (the reset_after fault). */
  reset(): void {
    if (!this.client.destroyed) this.client.resetAndDestroy();
    if (!this.upstream.destroyed) this.upstream.resetAndDestroy();
  }

  /**
   * One socket closed; nothing more can come from it. The other socket
   * flushes what it holds and gets its FIN (unless a link is still draining a
   * cleanly ended source), and once flushed it is closed if its own bytes have
   * nowhere to go. Its idle timeout bounds a peer that never reads.
   */
  private closed(gone: Socket, other: Socket, towardsOther: 'in' | 'out'): void {
    if (!other.destroyed) {
      const link = towardsOther === 'in' ? this.links.in : this.links.out;
      if (!other.writableEnded && !(link && gone.readableEnded)) {
        link?.close();
        other.end();
      }
      if (!other.readableEnded) {
        if (other.writableFinished) other.destroy();
        else other.once('finish', () => other.destroy());
      }
      other.setTimeout(this.ctx.proxyTimeout);
    }
    if (--this.open > 0) return;
    this.links.in?.close();
    this.links.out?.close();
    this.server.active--;
    this.ctx.group.group.release(this.ctx.peer, 'ok');
    this.ctx.onClosed(this);
  }
}

function noop(): void {}
