/**
 * `proxy`: a streaming reverse proxy to an upstream group: responses and
 * request bodies stream both ways with backpressure, failed servers are
 * skipped per `max_fails`, upgrades (WebSocket) pass through.
 */
import type { HandlerFactory } from '../kernel/index.js';
import { proxyExchange } from './proxy-exchange.js';
import { proxyUpgrade } from './upgrade.js';
import type { HttpUpstreams } from './upstreams.js';

/** The `proxy` route kind over the engine's HTTP upstream groups. */
export function proxyRoute(upstreams: HttpUpstreams): HandlerFactory {
  return (route) => {
    const cfg = route.proxy!;
    return {
      handle: (ex) => proxyExchange(ex, cfg, upstreams),
      upgrade: (u) => proxyUpgrade(u, cfg, upstreams),
      explain: () =>
        `forwards to upstream ${cfg.upstream}${cfg.buffering ? ', buffering responses up to 1 MiB' : ', streaming'}${cfg.host ? ` with Host ${cfg.host}` : ''}`,
    };
  };
}
