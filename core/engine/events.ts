/** The engine's typed events (no stringly emit(name, any)). */
import type { ApplyPlan, ConfigError } from '../config/index.js';
import type { LogEntry } from '../kernel/index.js';

export interface EngineEvents {
  /** A listener is bound (address has the real port); HTTP and admin listeners give their URL (`https://…` with tls). */
  listening: { name: string; kind: string; address: string; url?: string };
  /** A listener stopped. */
  closed: { name: string; kind: string; address: string };
  /** A config was applied; `changes` are describePlan() lines. */
  applied: { plan: ApplyPlan; changes: string[] };
  /** A config was refused; the running config is unchanged. */
  'apply-failed': { errors: ConfigError[]; message: string };
  log: LogEntry;
  /** Engine state: running or stopped. */
  state: { running: boolean };
}
