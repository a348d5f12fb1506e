/**
 * What the engine shares with every listener, route and stage: the clock,
 * the counters and traffic log that telemetry reads, the log, and the running
 * config. Feature modules (SSE hub, upstreams, limits) and the hooks that act
 * on every exchange are not in here: the composition root hands each part
 * what it needs.
 */
import type { SluiceConfig } from '../config/index.js';
import type { CounterRegistry } from '../telemetry/counters.js';
import type { TrafficLog } from '../telemetry/traffic-log.js';
import type { Clock } from '../util/clock.js';

/** A part of the engine that follows the config (channels, upstreams, limits) and keeps state across applies. */
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

/** Services every listener and handler of one engine shares. */
export interface EngineServices {
  clock: Clock;
  counters: CounterRegistry;
  traffic: TrafficLog;
  /** Directory that relative paths in the config (static roots, upload dirs) are resolved against. */
  baseDir: string;
  log(level: LogEntry['level'], message: string): void;
  /** The running config (after the last successful apply). */
  config(): SluiceConfig | undefined;
}
