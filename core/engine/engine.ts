/**
 * The Engine: start(config), apply(config), stop() over the listener kinds,
 * modules and hooks it is given — it knows no feature. Applies change only
 * what changed (see core/config/diff.ts); a failed apply leaves the last good
 * config running and says why. Applies are serialised.
 */
import {
  describePlan,
  listenersOf,
  planApply,
  type ApplyPlan,
  type ConfigError,
  type ListenerDef,
  type PlanItem,
  type SluiceConfig,
} from '../config/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { CounterRegistry } from '../telemetry/counters.js';
import { TrafficLog } from '../telemetry/traffic-log.js';
import type {
  EngineModule,
  EngineServices,
  Listener,
  ListenerFactory,
  ListenerKinds,
  LogEntry,
} from '../kernel/index.js';
import type { EngineEvents } from './events.js';

/** The outcome of start/apply. */
export type ApplyResult =
  { ok: true; plan: ApplyPlan; changes: string[] } | { ok: false; message: string; errors: ConfigError[] };

/** Options for an engine. */
export interface EngineOptions {
  /** Relative paths in the config resolve against this (default: cwd). */
  baseDir?: string;
  clock?: Clock;
  /** Default drain deadline for stop(), ms. */
  drainMs?: number;
}

/** What an engine runs: the composition root decides (see core/runtime). */
export interface EngineParts {
  /** Which factory builds the listener of each kind. */
  listenerKinds: ListenerKinds;
  /** Parts that follow the config, applied in this order before listeners start. */
  modules: readonly EngineModule[];
}

/** Runs a config: listeners, modules and telemetry. */
export class Engine {
  readonly events = new TypedEmitter<EngineEvents>();
  readonly services: EngineServices;
  private current: SluiceConfig | undefined;
  private readonly listeners = new Map<string, Listener>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly drainMs: number;
  private readonly kinds: ListenerKinds;
  private readonly modules: readonly EngineModule[];

  /** `compose` builds the engine's parts over its services (see core/runtime). */
  constructor(compose: (services: EngineServices) => EngineParts, opts: EngineOptions = {}) {
    this.drainMs = opts.drainMs ?? 5000;
    this.services = {
      clock: opts.clock ?? systemClock,
      counters: new CounterRegistry(),
      traffic: new TrafficLog(1000),
      baseDir: opts.baseDir ?? process.cwd(),
      config: () => this.current,
      log: (level, message) => this.log(level, message),
    };
    const parts = compose(this.services);
    this.kinds = parts.listenerKinds;
    this.modules = parts.modules;
  }

  /** The running config, or undefined when stopped. */
  get config(): SluiceConfig | undefined {
    return this.current;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  /** Bound addresses by listener name (real ports for port-0 configs). */
  addresses(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const l of this.listeners.values()) out[l.def.name] = l.address();
    return out;
  }

  /** The bound address of one listener, e.g. `127.0.0.1:54321`. */
  address(name: string): string | undefined {
    for (const l of this.listeners.values()) if (l.def.name === name) return l.address();
    return undefined;
  }

  /** Info on every listener: name, kind, configured and bound address. */
  listenerInfo(): { name: string; kind: string; listen: string; address: string }[] {
    return [...this.listeners.values()].map((l) => ({
      name: l.def.name,
      kind: l.def.kind,
      listen: l.def.listen,
      address: l.address(),
    }));
  }

  private log(level: LogEntry['level'], message: string): void {
    this.events.emit('log', { level, message, at: Date.now() });
  }

  /** Starts with a config (same as apply when nothing runs). */
  start(config: SluiceConfig): Promise<ApplyResult> {
    return this.apply(config);
  }

  /** Applies a validated config; only what changed is touched. */
  apply(config: SluiceConfig): Promise<ApplyResult> {
    const run = this.queue.then(() => this.applyNow(config));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(next: SluiceConfig): Promise<ApplyResult> {
    const prev = this.current;
    const plan = planApply(prev, next);
    const defs = new Map(listenersOf(next).map((d) => [d.key, d]));
    this.services.traffic.setCapacity(next.admin?.traffic_log ?? 1000);

    // Kept listeners read their certificate files first: a bad file fails the apply before anything changed.
    const unready = await this.prepareListeners([...plan.update, ...plan.unchanged], defs);
    if (unready) return unready;

    // Modules first, so new routes find their upstreams and channels.
    for (const m of this.modules) await m.apply(next, prev);

    // Bind new listeners; if any fails, undo and keep the last good config.
    const started: Listener[] = [];
    for (const item of plan.add) {
      const def = defs.get(item.key)!;
      // Each kind's factory takes that kind's definitions: the table guarantees the pairing.
      const listener = (this.kinds[def.kind] as ListenerFactory)(def, this.services);
      try {
        await listener.start();
        started.push(listener);
      } catch (err) {
        for (const l of started) await l.stop(0);
        if (prev) for (const m of this.modules) await m.apply(prev, next);
        const message = err instanceof Error ? err.message : String(err);
        this.events.emit('apply-failed', { errors: [], message });
        this.log('error', `apply failed: ${message}`);
        return { ok: false, message, errors: [] };
      }
    }
    for (const l of started) {
      this.listeners.set(l.def.key, l);
      this.events.emit('listening', { name: l.def.name, kind: l.def.kind, address: l.address(), url: urlOf(l) });
    }
    for (const item of plan.update) {
      const l = this.listeners.get(item.key)!;
      await l.update(defs.get(item.key) as ListenerDef);
    }
    // Keep names and definitions fresh on unchanged listeners too (a rename is an update, but be safe).
    for (const item of plan.unchanged) this.listeners.get(item.key)!.def = defs.get(item.key)!;
    await Promise.all(
      plan.remove.map(async (item) => {
        const l = this.listeners.get(item.key);
        if (!l) return;
        this.listeners.delete(item.key);
        await l.stop(this.drainMs);
        this.events.emit('closed', { name: l.def.name, kind: l.def.kind, address: l.def.listen });
      }),
    );

    this.current = next;
    const changes = describePlan(plan);
    if (!prev) this.events.emit('state', { running: true });
    this.events.emit('applied', { plan, changes });
    return { ok: true, plan, changes };
  }

  /** Runs prepare() of the listeners an apply keeps; a failed apply's result when one rejects. */
  private async prepareListeners(items: PlanItem[], defs: Map<string, ListenerDef>): Promise<ApplyResult | undefined> {
    for (const item of items) {
      const l = this.listeners.get(item.key);
      if (!l?.prepare) continue;
      try {
        await l.prepare(defs.get(item.key)!);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.events.emit('apply-failed', { errors: [], message });
        this.log('error', `apply failed: ${message}`);
        return { ok: false, message, errors: [] };
      }
    }
    return undefined;
  }

  /** Stops every listener (drain until the deadline) and module. */
  stop(deadlineMs = this.drainMs): Promise<void> {
    const run = this.queue.then(async () => {
      const all = [...this.listeners.values()];
      this.listeners.clear();
      await Promise.all(
        all.map(async (l) => {
          await l.stop(deadlineMs);
          this.events.emit('closed', { name: l.def.name, kind: l.def.kind, address: l.def.listen });
        }),
      );
      for (const m of this.modules) await m.stop();
      const was = this.current !== undefined;
      this.current = undefined;
      if (was) this.events.emit('state', { running: false });
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** `http://host:port` of an HTTP or admin listener, `https://` when it serves TLS. */
function urlOf(l: Listener): string | undefined {
  const def = l.def;
  if (def.kind === 'admin') return `http://${l.address()}`;
  if (def.kind === 'http') return `${def.server.tls ? 'https' : 'http'}://${l.address()}`;
  return undefined;
}
