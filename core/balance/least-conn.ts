/**
 * Weighted least connections (nginx least_conn): the peer with the fewest
 * active attempts per unit of weight; ties are broken by smooth weighted
 * round robin so equal peers still alternate.
 */
import { BaseBalancer, candidates, smoothPick, type PickContext } from './balancer.js';
import type { Peer } from './peer.js';

/** Least active/weight, ties by round robin. */
export class LeastConnBalancer extends BaseBalancer {
  pick(ctx?: PickContext): Peer | undefined {
    const avail = candidates(this.peers, ctx, this.deps.clock.now());
    let tied: Peer[] = [];
    for (const p of avail) {
      const best = tied[0];
      // Compare active/weight without division: a.active * b.weight vs b.active * a.weight.
      const cmp = best ? p.active * best.weight - best.active * p.weight : -1;
      if (cmp < 0) tied = [p];
      else if (cmp === 0) tied.push(p);
    }
    return this.take(tied.length === 1 ? tied[0] : smoothPick(tied));
  }
}
