/**
 * `limit` and `faults` on a `protocol: udp` stream server, per session and
 * per datagram, with the same stages as TCP (stages.ts):
 *
 *   client ─in──▶  [link: limit]          ─▶ session socket ─▶ upstream
 *   client ◀─out── [link: faults ▸ limit] ◀─ session socket ◀─ upstream
 *
 * Faults act on `out` only (the replies the client receives), as on TCP and
 * HTTP routes: latency on requests too would just double the round trip a
 * user asked for. A limit follows its `direction`. `drop_connection` acts when
 * a session begins (SessionDropper). A server with neither gets no links at
 * all: its datagrams take the plain path, no promise or stage per datagram.
 */
import type { StreamServerConfig } from '../config/index.js';
import type { ShapingModule } from '../shaping/module.js';
import type { Counters } from '../telemetry/counters.js';
import type { Clock } from '../util/clock.js';
import { connectionStages, needsLinks } from './stages.js';
import { DatagramLink } from './udp-link.js';

/** The links of one shaped session; a direction without stages has none. */
export interface SessionLinks {
  in?: DatagramLink;
  out?: DatagramLink;
}

/** What a session offers its links: where datagrams go and how it is reset. */
export interface SessionSinks {
  /** Sends a client datagram to the upstream (it passed the `in` link). */
  toUpstream(msg: Buffer): void;
  /** Sends a reply to the client (it passed the `out` link). */
  toClient(msg: Buffer): void;
  /** A client datagram was dropped by the `in` link (no reply will come for it). */
  inDropped(msg: Buffer): void;
  /** Ends the session and closes its socket (reset_after). */
  reset(): void;
}

/** What building a session's links needs from the listener. */
export interface UdpShapingDeps {
  clock: Clock;
  shaping: ShapingModule | undefined;
  /** The stream server's name (its limit scope is `stream <name>`). */
  server: string;
  /** The listener's counters: a datagram a full link discards is a drop. */
  counters: Counters;
  /** Every live link, so the listener can close them when it stops. */
  live: Set<DatagramLink>;
}

/** True when sessions of this server need links (see the file comment). */
export const udpNeedsLinks: (config: StreamServerConfig) => boolean = needsLinks;

/** Builds both links of one session; undefined when no stage applies (the plain path). */
export function sessionLinks(
  config: StreamServerConfig,
  clientIp: string,
  deps: UdpShapingDeps,
  sinks: SessionSinks,
): SessionLinks | undefined {
  const stages = connectionStages(config, {
    clock: deps.clock,
    rng: Math.random,
    shaping: deps.shaping,
    server: deps.server,
    clientIp,
    reset: () => sinks.reset(),
  });
  const now = () => deps.clock.now();
  const onClosed = (link: DatagramLink) => deps.live.delete(link);
  const counters = deps.counters;
  let inLink: DatagramLink | undefined;
  let outLink: DatagramLink | undefined;
  if (stages.in.length > 0) {
    inLink = new DatagramLink(
      {
        now,
        deliver: sinks.toUpstream,
        onDrop: (m) => {
          counters.drops++;
          sinks.inDropped(m);
        },
        onClosed,
      },
      stages.in,
    );
    deps.live.add(inLink);
  }
  if (stages.out.length > 0) {
    outLink = new DatagramLink(
      {
        now,
        deliver: sinks.toClient,
        onDrop: () => {
          counters.drops++;
        },
        onClosed,
      },
      stages.out,
    );
    deps.live.add(outLink);
  }
  return inLink || outLink ? { in: inLink, out: outLink } : undefined;
}

/**
 * `drop_connection` for UDP: a session that loses the draw is remembered
 * like a real one, so its later datagrams are discarded too (each a drop)
 * until it has been idle for `proxy_timeout`; only then does the client get
 * a new draw. Only consulted when a server sets drop_connection, and only for
 * datagrams without a session.
 */
export class SessionDropper {
  /** Dropped sessions by client key → when their last datagram arrived (clock ms). */
  private readonly dropped = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly rng: () => number = Math.random,
  ) {}

  /** True when a new session of `key` is (or already was) dropped; refreshes its idle time. */
  drops(key: string, probability: number, idleMs: number): boolean {
    const now = this.clock.now();
    const last = this.dropped.get(key);
    if (last !== undefined && now - last < idleMs) {
      this.dropped.set(key, now);
      return true;
    }
    this.dropped.delete(key);
    if (!(this.rng() < probability)) return false;
    if (this.dropped.size >= 4096) this.prune(now, idleMs);
    this.dropped.set(key, now);
    return true;
  }

  /** Forgets every dropped session (the settings changed: clients get a new draw). */
  clear(): void {
    this.dropped.clear();
  }

  /** Removes entries idle longer than `idleMs`, keeping the map bounded by the clients seen within it. */
  private prune(now: number, idleMs: number): void {
    for (const [k, at] of this.dropped) if (now - at >= idleMs) this.dropped.delete(k);
  }
}
