/** Upstream balancing: pure algorithms behind pick(ctx) / release(peer, outcome). */
export { Peer, type Outcome, type PeerHealth } from './peer.js';
export type { Balancer, BalancerDeps, PickContext, Rng } from './balancer.js';
export { RoundRobinBalancer } from './round-robin.js';
export { LeastConnBalancer } from './least-conn.js';
export { IpHashBalancer, hashKey } from './ip-hash.js';
export { RandomBalancer } from './random.js';
export { UpstreamGroup, BALANCE_EXPLAINED, type UpstreamLike } from './group.js';
