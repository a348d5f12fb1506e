/**
 * An upstream group: the peers of one `upstreams` entry and its balancing
 * algorithm. Primaries are tried first; backups only when no primary can take
 * the attempt (down, failed, at max_conns or already tried). A group's only
 * server is never ruled out by failures (nginx), only by `down` or a failed
 * active health check. `update()` adopts
 * a new config keeping the live state of addresses that stay.
 */
import type { BalanceKind, UpstreamServerConfig } from '../config/schema.js';
import { systemClock } from '../util/clock.js';
import type { Balancer, BalancerDeps, PickContext } from './balancer.js';
import { IpHashBalancer } from './ip-hash.js';
import { LeastConnBalancer } from './least-conn.js';
import { Peer, type Outcome } from './peer.js';
import { RandomBalancer } from './random.js';
import { RoundRobinBalancer } from './round-robin.js';

/** The part of an http or stream upstream config a group needs. */
export interface UpstreamLike {
  name: string;
  balance: BalanceKind;
  servers: UpstreamServerConfig[];
}

const ALGORITHMS: Record<BalanceKind, new (peers: readonly Peer[], deps: BalancerDeps) => Balancer> = {
  round_robin: RoundRobinBalancer,
  least_conn: LeastConnBalancer,
  ip_hash: IpHashBalancer,
  random: RandomBalancer,
};

/** One sentence per algorithm, for the UI and logs. */
export const BALANCE_EXPLAINED: Record<BalanceKind, string> = {
  round_robin: 'smooth weighted round robin (nginx)',
  least_conn: 'fewest active connections per weight, ties by round robin',
  ip_hash: 'sticky by client address (first three IPv4 octets), weighted',
  random: 'two weighted random choices, the less loaded wins',
};

/** Peers of one upstream plus the algorithm that picks among them. */
export class UpstreamGroup implements Balancer {
  readonly name: string;
  private kind: BalanceKind;
  private all: Peer[] = [];
  private primary!: Balancer;
  private backup!: Balancer;
  private readonly deps: BalancerDeps;

  constructor(config: UpstreamLike, deps: Partial<BalancerDeps> = {}) {
    this.name = config.name;
    this.kind = config.balance;
    this.deps = { clock: deps.clock ?? systemClock, rng: deps.rng ?? Math.random };
    this.update(config);
  }

  /** Every peer, primaries and backups, in configured order. */
  get peers(): readonly Peer[] {
    return this.all;
  }

  get balance(): BalanceKind {
    return this.kind;
  }

  /** The peer with this address, if configured. */
  peer(address: string): Peer | undefined {
    return this.all.find((p) => p.address === address);
  }

  /** Adopts a new config; peers whose address stays keep their live state. */
  update(config: UpstreamLike): void {
    const old = new Map(this.all.map((p) => [p.address, p]));
    this.kind = config.balance;
    this.all = config.servers.map((s) => {
      const kept = old.get(s.address);
      if (!kept) return new Peer(s);
      kept.configure(s);
      return kept;
    });
    const primaries = this.all.filter((p) => !p.backup);
    for (const p of this.all) p.sole = this.all.length === 1 && primaries.length === 1;
    const Algo = ALGORITHMS[this.kind];
    this.primary = new Algo(
      this.all.filter((p) => !p.backup),
      this.deps,
    );
    this.backup = new Algo(
      this.all.filter((p) => p.backup),
      this.deps,
    );
  }

  /** A primary if any can take the attempt, else a backup, else undefined. */
  pick(ctx: PickContext = {}): Peer | undefined {
    return this.primary.pick(ctx) ?? this.backup.pick(ctx);
  }

  release(peer: Peer, outcome: Outcome): void {
    peer.release(outcome, this.deps.clock.now());
  }

  /** Number of distinct peers a request may try (next_upstream_tries = 0 means all). */
  tries(limit: number): number {
    const n = this.all.filter((p) => !p.down).length;
    return limit > 0 ? Math.min(limit, Math.max(n, 1)) : Math.max(n, 1);
  }

  /** True when the peer is ruled out now (config, health check or max_fails). */
  isDown(peer: Peer): boolean {
    return peer.isDown(this.deps.clock.now());
  }

  /** One sentence: what this group does. */
  explain(): string {
    return `${this.name}: ${BALANCE_EXPLAINED[this.kind]} over ${this.all.map((p) => `${p.address}${p.weight !== 1 ? ` ×${p.weight}` : ''}${p.backup ? ' (backup)' : ''}`).join(', ')}`;
  }
}
