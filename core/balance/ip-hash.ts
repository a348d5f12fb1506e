/**
 * nginx ip_hash: the first three octets of an IPv4 client (the whole address
 * for IPv6) pick a peer by weight, so a client keeps its server. When that
 * peer is unavailable the hash is stirred again (up to 20 times), then round
 * robin takes over — as nginx does.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { BaseBalancer, candidates, smoothPick, type PickContext } from './balancer.js';
import type { Peer } from './peer.js';

/** The bytes of an address that ip_hash uses. */
export function hashKey(ip: string): number[] {
  const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(v4)) return v4.split('.').slice(0, 3).map(Number);
  if (isIPv6(ip)) return ipv6Bytes(ip);
  return [...Buffer.from(ip)];
}

function ipv6Bytes(ip: string): number[] {
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.flatMap((g) => {
    const n = parseInt(g, 16) || 0;
    return [n >> 8, n & 255];
  });
}

/** Sticky by client address, weighted. */
export class IpHashBalancer extends BaseBalancer {
  pick(ctx?: PickContext): Peer | undefined {
    const now = this.deps.clock.now();
    const total = this.peers.reduce((s, p) => s + p.weight, 0);
    if (ctx?.clientIp && total > 0) {
      const key = hashKey(ctx.clientIp);
      let hash = 89;
      for (let tries = 0; tries < 20; tries++) {
        for (const b of key) hash = (hash * 113 + b) % 6271;
        const peer = this.byWeight(hash % total);
        if (peer.available(now) && !ctx.exclude?.has(peer)) return this.take(peer);
      }
    }
    return this.take(smoothPick(candidates(this.peers, ctx, now)));
  }

  private byWeight(w: number): Peer {
    for (const p of this.peers) {
      if (w < p.weight) return p;
      w -= p.weight;
    }
    return this.peers[this.peers.length - 1]!;
  }
}
