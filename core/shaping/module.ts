/**
 * The `shaping` engine module: keeps every configured limit live across
 * config applies (shared buckets survive; a changed rate or burst re-tunes
 * open connections in place, toxiproxy's UpdateToxic idea), provides the
 * exchange hook that puts a throttle on response and request bodies, and
 * reports per-limit samples for the telemetry sampler.
 */
import type { LimitSample } from '../api/types.js';
import { sentHeader } from '../telemetry/sent-headers.js';
import type { LimitConfig, LimitRuleConfig, SluiceConfig } from '../config/index.js';
import { stableJson } from '../config/index.js';
import type { EngineModule, EngineServices, Exchange, ExchangeHook, LinkHook, Stage } from '../kernel/index.js';
import { effectiveBurst, explainLimit, explainRule } from './explain.js';
import { LimitScope } from './limit-scope.js';
import { limitsByScope, selectLimit, streamScope, type Direction, type MatchInput } from './rules.js';
import { ThrottleStage } from './throttle-stage.js';

/** Live limits, the HTTP and link hooks, and telemetry samples. */
export class ShapingModule implements EngineModule {
  private readonly scopes = new Map<string, LimitScope>();
  private nextConn = 1;
  private last = new Map<string, { at: number; bytes: number; throttled: number }>();
  /** The HTTP hook: a throttle on response and request bodies (after the faults hook). */
  readonly hook: ExchangeHook = {
    outStage: (ex) => this.stageFor(ex, 'out'),
    inStage: (ex) => this.stageFor(ex, 'in'),
  };

  /** The link hook: a stream server's `limit` on the directions it names (after the faults hook). */
  readonly linkHook: LinkHook = {
    applies: (server) => server.limit !== undefined,
    linkStages: (server, target, dir) => {
      const d = server.limit?.direction;
      if (d !== dir && d !== 'both') return [];
      const stage = this.streamThrottle(server.name, target.clientIp, dir);
      return stage ? [stage] : [];
    },
  };

  constructor(private readonly services: EngineServices) {}

  apply(next: SluiceConfig): void {
    const wanted = limitsByScope(next);
    for (const [name, scope] of this.scopes) {
      const limit = wanted.get(name);
      if (!limit) {
        scope.remove();
        this.scopes.delete(name);
        this.last.delete(name);
      } else if (stableJson(limit) !== stableJson(scope.limit)) scope.update(limit);
    }
    for (const [name, limit] of wanted)
      if (!this.scopes.has(name)) this.scopes.set(name, this.createScope(name, limit));
  }

  stop(): void {
    for (const s of this.scopes.values()) s.remove();
    this.scopes.clear();
  }

  private createScope(name: string, limit: LimitConfig): LimitScope {
    const counters = this.services.counters.get('limit', name, { scope: name });
    return new LimitScope(name, limit, this.services.clock, counters);
  }

  /** The live scope by name (tests, UI). */
  scope(name: string): LimitScope | undefined {
    return this.scopes.get(name);
  }

  /** A throttle for one stream under scope `name`; undefined when that limit does not exist. */
  throttle(name: string, client: string, dir: Direction, signal?: AbortSignal): ThrottleStage | undefined {
    const scope = this.scopes.get(name);
    if (!scope) return undefined;
    const conn = this.nextConn++;
    scope.open();
    // Looked up per slice, so a re-tune or a removed limit reaches this stream at once.
    const target = () => this.scopes.get(name)?.target(client, conn, dir);
    const close = () => this.scopes.get(name)?.close(conn, dir);
    return new ThrottleStage(target, close, signal);
  }

  /** A throttle for a stream (TCP/UDP) server's limit, live like HTTP ones. */
  streamThrottle(server: string, client: string, dir: Direction, signal?: AbortSignal): ThrottleStage | undefined {
    return this.throttle(streamScope(server), client, dir, signal);
  }

  private stageFor(ex: Exchange, dir: Direction): Stage | undefined {
    const config = this.services.config();
    const limits = config?.http.limits;
    if (!ex.route.limit && !limits) return undefined;
    const picked = selectLimit(ex.server, ex.route, limits, matchInput(ex, dir), dir);
    if (!picked) return undefined;
    return this.throttle(picked.scope, ex.client, dir, ex.signal);
  }

  /** One sample per limit: target vs achieved since the previous call (the sampler calls this per tick). */
  samples(): LimitSample[] {
    const now = this.services.clock.now();
    const out: LimitSample[] = [];
    for (const [name, scope] of this.scopes) {
      scope.sweep();
      const c = scope.counters;
      const bytes = c.bytesOut + c.bytesIn;
      const throttled = scope.throttledMs();
      const prev = this.last.get(name) ?? { at: now, bytes, throttled };
      this.last.set(name, { at: now, bytes, throttled });
      const dt = now - prev.at;
      out.push({
        scope: name,
        explain: 'match' in scope.limit ? explainRule(scope.limit as LimitRuleConfig) : explainLimit(scope.limit),
        rate: scope.limit.rate,
        burst: effectiveBurst(scope.limit),
        achievedPerSec: dt > 0 ? ((bytes - prev.bytes) * 1000) / dt : 0,
        throttled: dt > 0 ? Math.min(1, Math.max(0, (throttled - prev.throttled) / dt)) : 0,
      });
    }
    return out;
  }
}

/** What rules look at for one direction: the response (headers known) or the request body. */
function matchInput(ex: Exchange, dir: Direction): MatchInput {
  const headerLength = (v: unknown) => (v === undefined || v === '' || Number.isNaN(Number(v)) ? undefined : Number(v));
  if (dir === 'out') {
    return {
      pathname: ex.pathname,
      client: ex.client,
      contentType: sentHeader(ex.res, 'content-type')?.toLowerCase(),
      size: ex.responseSize ?? headerLength(sentHeader(ex.res, 'content-length')),
    };
  }
  return {
    pathname: ex.pathname,
    client: ex.client,
    contentType: ex.req.headers['content-type']?.toLowerCase(),
    size: headerLength(ex.req.headers['content-length']),
  };
}
