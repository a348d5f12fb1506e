/**
 * A `protocol: udp` stream server: one bound dgram socket; datagrams are
 * grouped into sessions by client address, each bound to the upstream server
 * the balancer picked when the session began (see UdpSession).
 *
 *   message ─▶ oversize? drop ─▶ session for ip:port (new: max_connections?, drop_connection?, pick) ─▶ session.send
 *
 * `limit` and `faults` shape sessions per datagram (udp-shaping.ts); a
 * server without them keeps the plain path.
 */
import dgram, { type RemoteInfo } from 'node:dgram';
import { parseAddress, type ListenerDef, type StreamServerConfig } from '../config/index.js';
import type { EngineServices } from '../engine/services.js';
import type { Listener } from '../engine/listener.js';
import type { Counters } from '../telemetry/counters.js';
import { listenError } from '../util/errors.js';
import { formatAddress } from './addresses.js';
import { PARK_MS, UdpSession } from './udp-session.js';
import type { DatagramLink } from './udp-link.js';
import { SessionDropper, sessionLinks, udpNeedsLinks, type SessionSinks } from './udp-shaping.js';
import { shapingOf } from '../shaping/module.js';
import { STREAM_UPSTREAMS, type StreamUpstreams } from './upstreams.js';

type StreamDef = Extract<ListenerDef, { kind: 'tcp' | 'udp' }>;

/**
 * Replies go to the IP a datagram came from, always a literal: answering the
 * lookup synchronously skips dns.lookup and a nextTick per reply.
 */
function literalLookup4(
  address: string,
  family: unknown,
  callback: (err: Error | null, address: string, family: number) => void,
): void {
  callback(null, address, 4);
}

function literalLookup6(
  address: string,
  family: unknown,
  callback: (err: Error | null, address: string, family: number) => void,
): void {
  callback(null, address, 6);
}

/** Kernel socket buffer asked for (capped by net.core.rmem_max / wmem_max). */
const SOCKET_BUFFER = 4 * 1024 * 1024;

/** Serves one `stream.servers[]` entry with `protocol: udp`. */
export class UdpListener implements Listener {
  private socket: dgram.Socket | undefined;
  private config: StreamServerConfig;
  private readonly counters: Counters;
  private readonly sessions = new Map<string, UdpSession>();
  private readonly onEnd = (s: UdpSession, parked: boolean) => this.ended(s, parked);
  private readonly onClosed = (s: UdpSession) => this.closed(s);
  /** Sessions whose sockets wait for reuse; swept every PARK_MS. */
  private readonly parked = new Set<UdpSession>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly reply = (msg: Buffer, port: number, address: string) => this.socket?.send(msg, port, address);
  /** Links of shaped sessions, including those still delivering after their session ended. */
  private readonly links = new Set<DatagramLink>();
  private readonly dropper: SessionDropper;

  constructor(
    public def: StreamDef,
    private readonly services: EngineServices,
  ) {
    this.config = def.server;
    this.counters = services.counters.get('listener', def.name, { kind: 'udp', listen: def.listen });
    this.dropper = new SessionDropper(services.clock);
  }

  address(): string {
    const a = this.socket?.address();
    return a ? formatAddress(a.address, a.port) : this.def.listen;
  }

  async start(): Promise<void> {
    const { host, port } = parseAddress(this.def.listen)!;
    // Large kernel buffers absorb bursts while the event loop is busy (a dropped datagram costs a client timeout).
    const socket = dgram.createSocket({
      type: host.includes(':') ? 'udp6' : 'udp4',
      recvBufferSize: SOCKET_BUFFER,
      sendBufferSize: SOCKET_BUFFER,
      lookup: host.includes(':') ? literalLookup6 : literalLookup4,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, this.def.listen)));
      socket.bind(port, host, () => resolve());
    });
    socket.removeAllListeners('error');
    socket.on('error', (err) => this.services.log('warn', `${this.def.name}: ${err.message}`));
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    this.socket = socket;
  }

  /**
   * New sessions use the new settings; open sessions keep theirs until they
   * end (a changed limit's rate and burst still re-tune them live, through
   * the shaping module). Dropped sessions get a new draw.
   */
  update(def: ListenerDef): void {
    if (def.kind !== 'udp') return;
    this.def = def;
    this.config = def.server;
    this.dropper.clear();
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    for (const s of [...this.sessions.values()]) s.close();
    for (const l of [...this.links]) l.close();
    this.dropper.clear();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const counters = this.counters;
    counters.bytesIn += msg.length;
    if (msg.length > this.config.max_datagram) {
      counters.drops++;
      return;
    }
    const key = `${rinfo.address}:${rinfo.port}`;
    const session = this.sessions.get(key);
    if (session && !session.isParked) return session.send(msg);
    this.open(key, rinfo, session)?.send(msg);
  }

  /** A new session: balanced afresh; a parked socket of this client is reused when the pick lands on its server. */
  private open(key: string, rinfo: RemoteInfo, parked: UdpSession | undefined): UdpSession | undefined {
    const config = this.config;
    const counters = this.counters;
    if (config.max_connections > 0 && counters.active >= config.max_connections) {
      counters.drops++;
      return undefined;
    }
    const dropP = config.faults?.drop_connection;
    if (dropP !== undefined && this.dropper.drops(key, dropP, config.proxy_timeout)) {
      parked?.close();
      counters.drops++;
      return undefined;
    }
    const g = (this.services.modules.get(STREAM_UPSTREAMS) as StreamUpstreams | undefined)?.get(config.upstream);
    const peer = g?.group.pick({ clientIp: rinfo.address });
    if (!g || !peer) {
      counters.errors++;
      counters.drops++;
      return undefined;
    }
    counters.requests++;
    counters.active++;
    const shaped = udpNeedsLinks(config);
    if (parked && !shaped && parked.peer === peer && parked.runsWith(config.proxy_responses, config.proxy_timeout)) {
      this.parked.delete(parked);
      parked.revive();
      return parked;
    }
    parked?.close();
    const session = new UdpSession(key, rinfo.port, rinfo.address, {
      listener: counters,
      group: g,
      peer,
      proxyResponses: config.proxy_responses,
      proxyTimeout: config.proxy_timeout,
      reply: this.reply,
      onEnd: this.onEnd,
      onClosed: this.onClosed,
      links: shaped ? (sinks) => this.linksFor(config, rinfo.address, sinks) : undefined,
    });
    this.sessions.set(key, session);
    return session;
  }

  /** The links of one new shaped session, under the settings it started with. */
  private linksFor(config: StreamServerConfig, clientIp: string, sinks: SessionSinks) {
    const deps = {
      clock: this.services.clock,
      shaping: shapingOf(this.services),
      server: this.def.name,
      counters: this.counters,
      live: this.links,
    };
    return sessionLinks(config, clientIp, deps, sinks);
  }

  private ended(session: UdpSession, parked: boolean): void {
    this.counters.active--;
    if (!parked) return;
    this.parked.add(session);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), PARK_MS / 2);
      this.sweeper.unref();
    }
  }

  /** Closes sockets parked longer than PARK_MS. */
  private sweep(): void {
    const now = performance.now();
    for (const s of this.parked) if (now - s.parkedAt >= PARK_MS) s.close();
    if (this.parked.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private closed(session: UdpSession): void {
    this.parked.delete(session);
    if (this.sessions.get(session.key) === session) this.sessions.delete(session.key);
  }
}
