/** Active health checks: a generic checker and pluggable probes. */
export { HealthChecker, type HealthCheckOptions, type HealthChange, type HealthEvents } from './checker.js';
export { ProbeError, probeReason, type Probe } from './probe.js';
export { HttpProbe, type HttpProbeOptions } from './http-probe.js';
