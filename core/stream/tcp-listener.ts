/**
 * A `protocol: tcp` stream server. Accepting only counts and hands off: the
 * client socket stays paused (pauseOnConnect) while the upstream is dialled
 * asynchronously; once connected the two sockets are joined (TcpConnection).
 *
 *   accept ─▶ max_connections? ─▶ drop_connection? ─▶ dial (balancer, retries) ─▶ join ─▶ pump | links
 */
import net, { type Socket } from 'node:net';
import { parseAddress, stableJson, type ListenerDef, type StreamServerConfig } from '../config/index.js';
import type { EngineServices } from '../engine/services.js';
import type { Listener } from '../engine/listener.js';
import type { Counters } from '../telemetry/counters.js';
import { listenError } from '../util/errors.js';
import { clientIp, formatAddress } from './addresses.js';
import { connectionStages, needsLinks } from './stages.js';
import { shapingOf } from '../shaping/module.js';
import { dialUpstream, SOCKET_HIGH_WATER } from './tcp-dial.js';
import { TcpConnection, type DirectionRelays } from './tcp-connection.js';
import { adoptForRelay, ReadRelay } from './read-relay.js';
import { STREAM_UPSTREAMS, type StreamUpstreams } from './upstreams.js';

type TcpDef = Extract<ListenerDef, { kind: 'tcp' | 'udp' }>;

/** Serves one `stream.servers[]` entry with `protocol: tcp`. */
export class TcpListener implements Listener {
  private server: net.Server | undefined;
  private config: StreamServerConfig;
  private readonly counters: Counters;
  private readonly conns = new Set<TcpConnection>();
  /** Accepted sockets still dialling (closed on stop). */
  private readonly pending = new Set<Socket>();
  private readonly onClosed = (c: TcpConnection) => this.closed(c);
  private readonly now: () => number;
  private lastWarn = -Infinity;
  /** Set while stop() waits for the last connection. */
  private drained: (() => void) | undefined;

  constructor(
    public def: TcpDef,
    private readonly services: EngineServices,
  ) {
    this.config = def.server;
    this.counters = services.counters.get('listener', def.name, { kind: 'tcp', listen: def.listen });
    this.now = () => services.clock.now();
  }

  address(): string {
    const a = this.server?.address();
    return a && typeof a === 'object' ? formatAddress(a.address, a.port) : this.def.listen;
  }

  async start(): Promise<void> {
    const { host, port } = parseAddress(this.def.listen)!;
    const server = net.createServer(
      { allowHalfOpen: true, pauseOnConnect: true, noDelay: true, highWaterMark: SOCKET_HIGH_WATER },
      (s) => this.accept(s),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, this.def.listen)));
      server.listen({ host, port, backlog: 1024 }, () => resolve());
    });
    server.on('error', (err) => this.services.log('error', `${this.def.name}: ${err.message}`));
    this.server = server;
  }

  /** New connections use the new settings; a changed limit re-tunes open connections too. */
  update(def: ListenerDef): void {
    if (def.kind !== 'tcp') return;
    const faultsChanged = stableJson(this.config.faults) !== stableJson(def.server.faults);
    const hadLinks = needsLinks(this.config);
    this.def = def;
    this.config = def.server;
    // A changed limit is re-tuned live by the shaping module. Changed faults reach open connections that already run links; fast-pumped ones keep their pump.
    if (faultsChanged && hadLinks && needsLinks(def.server)) for (const c of this.conns) c.setStages(this.stagesFor(c));
  }

  async stop(deadlineMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.pending) s.destroy();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const timer = setTimeout(() => {
      for (const c of this.conns) c.destroy();
    }, deadlineMs);
    await closed;
    // Relayed connections left net.Server's count when adopted: wait for them here.
    if (this.conns.size > 0)
      await new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    clearTimeout(timer);
  }

  private accept(client: Socket): void {
    const counters = this.counters;
    const config = this.config;
    counters.requests++;
    if (config.max_connections > 0 && counters.active >= config.max_connections) {
      counters.drops++;
      client.destroy();
      return;
    }
    const dropP = config.faults?.drop_connection;
    if (dropP !== undefined && Math.random() < dropP) {
      client.destroy();
      return;
    }
    counters.active++;
    if (needsLinks(config)) return this.dial(client, config, undefined);
    // No limits or faults: both sockets read into recycled buffers (see read-relay.ts).
    const inbound = new ReadRelay();
    const adopted = adoptForRelay(client, inbound.onread, SOCKET_HIGH_WATER);
    // The upstream socket takes onread through net.connect's documented option in any case.
    this.dial(adopted?.socket ?? client, config, { in: adopted?.relayed ? inbound : undefined, out: new ReadRelay() });
  }

  private dial(client: Socket, config: StreamServerConfig, relays: DirectionRelays | undefined): void {
    const group = this.services.modules.get(STREAM_UPSTREAMS) as StreamUpstreams | undefined;
    const g = group?.get(config.upstream);
    const end = () => {
      this.counters.active--;
    };
    if (!g) {
      this.counters.errors++;
      client.destroy();
      end();
      return;
    }
    this.pending.add(client);
    // The client left while dialling: withdraw the attempt (the callback will not run).
    const onEarlyClose = () => {
      dial.cancel();
      this.pending.delete(client);
      end();
    };
    client.on('error', noop);
    client.once('close', onEarlyClose);
    // The peer address costs a syscall: only ip_hash needs it.
    const ip = g.group.balance === 'ip_hash' ? clientIp(client) : undefined;
    const dial = dialUpstream(
      {
        group: g,
        clientIp: ip,
        connectTimeout: config.connect_timeout,
        tries: config.next_upstream_tries,
        onread: relays?.out.onread,
      },
      (err, upstream, peer) => {
        this.pending.delete(client);
        client.off('close', onEarlyClose);
        if (err || !upstream || !peer || client.destroyed) {
          if (err) this.counters.errors++;
          upstream?.destroy();
          if (peer) g.group.release(peer, 'ok');
          if (err && !client.destroyed) this.warn(err.message);
          client.destroy();
          end();
          return;
        }
        const conn = new TcpConnection(client, upstream, {
          listener: this.counters,
          group: g,
          peer,
          proxyTimeout: config.proxy_timeout,
          now: this.now,
          onClosed: this.onClosed,
        });
        this.conns.add(conn);
        conn.start(needsLinks(config) ? this.stagesFor(conn) : NO_STAGES, relays);
      },
    );
  }

  /** Logs a connect failure, at most once a second (a dead upstream under load would flood the log). */
  private warn(message: string): void {
    const now = this.services.clock.now();
    if (now - this.lastWarn < 1000) return;
    this.lastWarn = now;
    this.services.log('warn', `${this.def.name}: ${message}`);
  }

  private stagesFor(conn: TcpConnection) {
    return connectionStages(this.config, {
      clock: this.services.clock,
      rng: Math.random,
      shaping: shapingOf(this.services),
      server: this.def.name,
      clientIp: clientIp(conn.client),
      reset: () => conn.reset(),
    });
  }

  private closed(conn: TcpConnection): void {
    this.conns.delete(conn);
    this.counters.active--;
    if (this.conns.size === 0) this.drained?.();
  }
}

const NO_STAGES = { in: [], out: [] };
function noop(): void {}
