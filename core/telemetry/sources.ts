/**
 * What telemetry reads besides counters and the traffic log: channel infos
 * from the SSE hub, upstream server states, limit samples. The composition
 * root builds these views from the engine's modules, so telemetry never
 * knows a feature.
 */
import type { ChannelInfo, LimitSample, UpstreamServerState } from '../api/types.js';
import type { Clock } from '../util/clock.js';
import type { CounterRegistry } from './counters.js';
import type { TrafficLog } from './traffic-log.js';

/** Views of the engine's modules that ticks, stats and /metrics carry. */
export interface TelemetrySources {
  /** Every channel with its clients and recent events. */
  channels(): ChannelInfo[];
  /** Every configured upstream server (HTTP and stream) with health and counters. */
  upstreams(): UpstreamServerState[];
  /** One sample per bandwidth limit since the previous call (the sampler calls it once per tick). */
  limits(): LimitSample[];
}

/** What the sampler reads every tick: counters, the traffic log, the clock, the module views. */
export interface TelemetryInputs {
  counters: CounterRegistry;
  traffic: TrafficLog;
  clock: Clock;
  sources: TelemetrySources;
}

/** Sources that report nothing (an engine without channels, upstreams or limits). */
export const NO_SOURCES: TelemetrySources = { channels: () => [], upstreams: () => [], limits: () => [] };
