/** nginx's smooth weighted round robin: weights 5/1/1 → a a b a c a a. */
import { BaseBalancer, candidates, smoothPick, type PickContext } from './balancer.js';
import type { Peer } from './peer.js';

/** Smooth weighted round robin over the available peers. */
export class RoundRobinBalancer extends BaseBalancer {
  pick(ctx?: PickContext): Peer | undefined {
    return this.take(smoothPick(candidates(this.peers, ctx, this.deps.clock.now())));
  }
}
