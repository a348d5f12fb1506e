/**
 * What the engine shares with listeners and handlers. Each module here keeps
 * state across config applies (an SSE channel's replay ring survives a
 * re-apply; so do upstream health and shared limit buckets).
 */
import type { SluiceConfig } from '../config/index.js';
import type { Clock } from '../util/clock.js';
import type { CounterRegistry } from '../telemetry/counters.js';
import type { ExchangeHook } from '../http/exchange.js';
import type { TrafficLog } from '../telemetry/traffic-log.js';
import type { Engine } from './engine.js';

/** A part of the engine that follows the config (channels, upstreams, limits). */
export interface EngineModule {
  /** Adopts a new config; must not throw for a validated config. */
  apply(next: SluiceConfig, prev: SluiceConfig | undefined): void | Promise<void>;
  stop(): void | Promise<void>;
}

/** A log line the engine emits (the CLI prints them; the UI shows them). */
export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  at: number;
}

/** Shared services; modules are registered by name in `modules` and typed by their owners. */
export interface EngineServices {
  clock: Clock;
  counters: CounterRegistry;
  traffic: TrafficLog;
  /** Hooks run on every HTTP exchange, in order (faults first, then limits). */
  hooks: ExchangeHook[];
  /** Directory that relative paths in the config (static roots, upload dirs) are resolved against. */
  baseDir: string;
  log(level: LogEntry['level'], message: string): void;
  /** The running config (after the last successful apply). */
  config(): SluiceConfig | undefined;
  /** Modules by name: `sse`, `upstreams`, `shaping`, … (see core/engine/modules.ts). */
  modules: Map<string, EngineModule>;
  /** The engine these services belong to (the admin listener serves the API over it); unset in bare test services. */
  engine?: Engine;
}

/** Typed access to a module registered by its owner. */
export function moduleOf<T extends EngineModule>(services: EngineServices, name: string): T | undefined {
  return services.modules.get(name) as T | undefined;
}
