/**
 * Random with two choices (nginx `random two least_conn`): draw two distinct
 * peers by weight and keep the one with fewer active attempts per weight.
 * Spreads load like least_conn without a global scan of shared state.
 */
import { BaseBalancer, candidates, weightedRandom, type PickContext } from './balancer.js';
import type { Peer } from './peer.js';

/** Power of two weighted random choices. */
export class RandomBalancer extends BaseBalancer {
  pick(ctx?: PickContext): Peer | undefined {
    const avail = candidates(this.peers, ctx, this.deps.clock.now());
    const a = weightedRandom(avail, this.deps.rng);
    if (!a || avail.length === 1) return this.take(a);
    const b = weightedRandom(
      avail.filter((p) => p !== a),
      this.deps.rng,
    )!;
    return this.take(b.active * a.weight < a.active * b.weight ? b : a);
  }
}
