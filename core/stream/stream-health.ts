/**
 * Active health checks of one stream upstream group (placeholder until the
 * generic checker lands).
 */
import type { StreamHealthCheckConfig } from '../config/index.js';
import type { EngineServices } from '../engine/services.js';
import type { StreamGroup } from './upstreams.js';

/** Runs the configured probe against every server of a group. */
export class StreamHealth {
  constructor(private readonly entry: StreamGroup, private readonly services: EngineServices) {}

  configure(config: StreamHealthCheckConfig, protocol: 'tcp' | 'udp'): void {
    void config; void protocol; void this.entry; void this.services;
  }

  stop(): void {}
}
