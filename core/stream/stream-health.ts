/**
 * Active health checks of one stream upstream group: core/health's checker
 * with a TCP probe (connect, optional send/expect) or, for groups only UDP
 * servers use, a UDP probe. Verdicts land on the group's peers, so the
 * balancer skips a down server and takes a recovered one back.
 */
import type { StreamHealthCheckConfig } from '../config/index.js';
import type { EngineServices } from '../engine/services.js';
import { HealthChecker } from '../health/checker.js';
import type { Probe } from '../health/probe.js';
import { TcpProbe } from '../health/tcp-probe.js';
import { UdpProbe } from '../health/udp-probe.js';
import { stableJson } from '../config/index.js';
import type { StreamGroup } from './upstreams.js';

/** Runs the configured probe against every server of a group. */
export class StreamHealth {
  private checker: HealthChecker | undefined;
  private key = '';
  private probe: Probe | undefined;

  constructor(
    private readonly entry: StreamGroup,
    private readonly services: EngineServices,
  ) {}

  /** Starts checking, or adopts changed settings. */
  configure(config: StreamHealthCheckConfig, protocol: 'tcp' | 'udp'): void {
    const key = stableJson({ config, protocol });
    if (key === this.key) return;
    this.key = key;
    const probe: Probe = protocol === 'udp' ? new UdpProbe(config) : new TcpProbe(config);
    this.probe = probe;
    const options = { interval: config.interval, timeout: config.timeout, fails: config.fails, passes: config.passes };
    if (this.checker) {
      this.checker.update(options, probe);
      return;
    }
    const group = this.entry.group;
    this.checker = new HealthChecker(() => group.peers, probe, options, this.services.clock);
    this.checker.on('change', (c) => {
      // A server the checks see recovered re-enters rotation now, not after fail_timeout.
      const peer = group.peer(c.address);
      if (c.up && peer) peer.fails = 0;
      this.services.log(
        c.up ? 'info' : 'warn',
        `stream upstream ${group.name} ${c.address} is ${c.up ? 'up again' : `down: ${c.reason ?? 'failed checks'}`}`,
      );
    });
    this.checker.start();
  }

  /** One sentence: what is checked. */
  explain(): string {
    return this.probe ? `health check: ${this.probe.explain()}` : 'no health check';
  }

  stop(): void {
    this.checker?.stop();
    this.checker = undefined;
    this.key = '';
  }
}
