/**
 * `proxy`: a streaming reverse proxy to an upstream group (see core/proxy/):
 * responses and request bodies stream both ways with backpressure, failed
 * servers are skipped per `max_fails`, upgrades (WebSocket) pass through.
 */
import type { HandlerFactory, RouteHandler } from '../handler.js';
import { proxyExchange } from '../../proxy/proxy-exchange.js';
import { proxyUpgrade, type UpgradeRequest } from '../../proxy/upgrade.js';
import { upstreamsOf } from '../../proxy/upstreams.js';

/** A route handler that can also take protocol upgrades (the listener checks for `upgrade`). */
export interface UpgradableHandler extends RouteHandler {
  upgrade(u: UpgradeRequest): void;
}

export const createProxyHandler: HandlerFactory = (route, ctx): UpgradableHandler => {
  const cfg = route.proxy!;
  const mod = () => upstreamsOf(ctx.services);
  return {
    handle: (ex) => proxyExchange(ex, cfg, mod()),
    upgrade: (u) => proxyUpgrade(u, cfg, mod()),
    explain: () =>
      `forwards to upstream ${cfg.upstream}${cfg.buffering ? ', buffering responses up to 1 MiB' : ', streaming'}${cfg.host ? ` with Host ${cfg.host}` : ''}`,
  };
};
