/**
 * The one interface every balancing algorithm implements, and the helpers
 * they share. Algorithms are pure: they see peers, an injected clock and an
 * injected RNG, never sockets.
 */
import type { Clock } from '../util/clock.js';
import type { Outcome, Peer } from './peer.js';

/** What a pick may depend on: the client's address (ip_hash) and peers already tried. */
export interface PickContext {
  clientIp?: string;
  /** Peers this request already tried (next-upstream): never picked again. */
  exclude?: Set<Peer>;
}

/** A balancing algorithm over a fixed list of peers. */
export interface Balancer {
  /** Chooses a peer and counts the attempt as active, or undefined when none is available. */
  pick(ctx?: PickContext): Peer | undefined;
  /** Ends an attempt started by `pick`; `fail` counts towards the peer's `max_fails`. */
  release(peer: Peer, outcome: Outcome): void;
}

/** A random number in [0, 1), injectable for deterministic tests. */
export type Rng = () => number;

/** What an algorithm is built with. */
export interface BalancerDeps {
  clock: Pick<Clock, 'now'>;
  rng: Rng;
}

/** The peers that may take a new attempt now, in configured order. */
export function candidates(peers: readonly Peer[], ctx: PickContext | undefined, now: number): Peer[] {
  const out: Peer[] = [];
  for (const p of peers) if (p.available(now) && !ctx?.exclude?.has(p)) out.push(p);
  return out;
}

/**
 * One step of nginx's smooth weighted round robin over `peers`: every peer
 * gains its weight, the largest wins and pays back the total. Weights 5/1/1
 * give a a b a c a a.
 */
export function smoothPick(peers: readonly Peer[]): Peer | undefined {
  let best: Peer | undefined;
  let total = 0;
  for (const p of peers) {
    p.currentWeight += p.weight;
    total += p.weight;
    if (!best || p.currentWeight > best.currentWeight) best = p;
  }
  if (best) best.currentWeight -= total;
  return best;
}

/** A weighted random pick (probability proportional to weight). */
export function weightedRandom(peers: readonly Peer[], rng: Rng): Peer | undefined {
  let total = 0;
  for (const p of peers) total += p.weight;
  let r = rng() * total;
  for (const p of peers) {
    if (r < p.weight) return p;
    r -= p.weight;
  }
  return peers[peers.length - 1];
}

/** Base class: release accounting shared by every algorithm. */
export abstract class BaseBalancer implements Balancer {
  constructor(
    protected readonly peers: readonly Peer[],
    protected readonly deps: BalancerDeps,
  ) {}

  abstract pick(ctx?: PickContext): Peer | undefined;

  release(peer: Peer, outcome: Outcome): void {
    peer.release(outcome, this.deps.clock.now());
  }

  /** Marks the chosen peer as taken (active + 1) and returns it. */
  protected take(peer: Peer | undefined): Peer | undefined {
    peer?.acquire();
    return peer;
  }
}
