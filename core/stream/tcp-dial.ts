/**
 * Connecting to an upstream server for one accepted client, off the accept
 * path: pick a server through the group's balancer, connect with
 * `connect_timeout`, and on failure count it (max_fails) and try the next
 * server — never the same one twice — up to `next_upstream_tries`.
 */
import net, { type Socket } from 'node:net';
import type { Peer } from '../balance/index.js';
import { SluiceError } from '../util/errors.js';
import type { StreamGroup } from './upstreams.js';
import type { OnRead } from './read-relay.js';

/**
 * Stream buffer per socket: with Node's 16 KiB default every 64 KiB read
 * overfills the writer and pauses the reader (a readStop/readStart per chunk);
 * 256 KiB keeps bulk transfers flowing and memory still bounded per connection.
 */
export const SOCKET_HIGH_WATER = 256 * 1024;

/** What one dial needs. */
export interface DialOptions {
  group: StreamGroup;
  /** Only ip_hash looks at it. */
  clientIp: string | undefined;
  connectTimeout: number;
  /** next_upstream_tries (0 = every server once). */
  tries: number;
  /** Reads of the upstream socket go to this relay (the fast pump) instead of a stream. */
  onread?: OnRead;
}

/** The outcome: a connected socket and the peer it belongs to (release it when the connection ends). */
export type DialCallback = (err: SluiceError | undefined, socket?: Socket, peer?: Peer) => void;

/** A dial in progress; cancel() when the client leaves first. */
export interface Dial {
  cancel(): void;
}

/** Connects to an upstream server, trying others on failure; calls `done` exactly once unless cancelled. */
export function dialUpstream(opts: DialOptions, done: DialCallback): Dial {
  const { group } = opts.group;
  let left = group.tries(opts.tries);
  let exclude: Set<Peer> | undefined;
  let socket: Socket | undefined;
  let peer: Peer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  let lastError = '';

  const attempt = (): void => {
    const p = group.pick({ clientIp: opts.clientIp, exclude });
    if (!p) {
      const why = lastError ? `: ${lastError}` : '';
      done(new SluiceError('E_UPSTREAM_CONNECT', `no server of upstream "${group.name}" is available${why}`));
      return;
    }
    peer = p;
    opts.group.counters(p).requests++;
    const { host, port } = opts.group.target(p);
    // highWaterMark reaches the socket's Duplex options (missing from the NetConnectOpts typings).
    const s = net.connect({
      host,
      port,
      allowHalfOpen: true,
      noDelay: true,
      highWaterMark: SOCKET_HIGH_WATER,
      onread: opts.onread,
    } as net.NetConnectOpts);
    socket = s;
    timer = setTimeout(
      () => fail(s, p, `connect to ${p.address} timed out after ${opts.connectTimeout}ms`),
      opts.connectTimeout,
    );
    s.once('connect', onConnect);
    s.once('error', onError);
  };

  function onConnect(this: Socket): void {
    clearTimeout(timer);
    this.off('error', onError);
    socket = undefined;
    done(undefined, this, peer);
  }

  function onError(this: Socket, err: NodeJS.ErrnoException): void {
    fail(this, peer!, `${peer!.address}: ${err.code ?? err.message}`);
  }

  const fail = (s: Socket, p: Peer, why: string): void => {
    clearTimeout(timer);
    s.off('connect', onConnect);
    s.off('error', onError);
    s.on('error', () => undefined);
    s.destroy();
    socket = undefined;
    peer = undefined;
    group.release(p, 'fail');
    opts.group.counters(p).errors++;
    if (cancelled) return;
    lastError = why;
    (exclude ??= new Set()).add(p);
    if (--left > 0) attempt();
    else done(new SluiceError('E_UPSTREAM_CONNECT', `cannot connect to upstream "${group.name}": ${why}`));
  };

  attempt();
  return {
    cancel() {
      if (cancelled) return;
      cancelled = true;
      clearTimeout(timer);
      if (socket && peer) {
        socket.off('connect', onConnect);
        socket.off('error', onError);
        socket.on('error', () => undefined);
        socket.destroy();
        group.release(peer, 'ok');
      }
    },
  };
}
