/**
 * Active health checks: every `interval` each peer is probed (with a
 * `timeout`); `fails` consecutive failures mark it down, `passes` consecutive
 * successes mark it up again. A peer with no verdict yet is `unknown` and
 * usable; its first success marks it up at once. Time comes from an injected
 * clock, so tests drive intervals by hand.
 *
 *   timer ─▶ probe(address) ─ok/fail─▶ streak counters ─threshold─▶ peer.health + 'change' event
 */
import type { Peer } from '../balance/peer.js';
import { systemClock, type Clock } from '../util/clock.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { probeReason, type Probe } from './probe.js';

/** Thresholds and timing of one checker. */
export interface HealthCheckOptions {
  interval: number;
  timeout: number;
  fails: number;
  passes: number;
}

/** A peer changed health. */
export interface HealthChange {
  address: string;
  up: boolean;
  /** Why it went down (the probe's reason); absent when it came up. */
  reason?: string;
}

/** Events a checker emits. */
export interface HealthEvents {
  change: HealthChange;
  /** Every probe result (for counters). */
  check: { address: string; ok: boolean; reason?: string };
}

interface Streak {
  ok: number;
  bad: number;
  lastReason?: string;
}

/** Probes a set of peers periodically and sets their `health`. */
export class HealthChecker extends TypedEmitter<HealthEvents> {
  private readonly streaks = new WeakMap<Peer, Streak>();
  private timer: { cancel(): void } | undefined;
  private running = false;
  private inFlight = new AbortController();
  /** Totals for telemetry. */
  readonly stats = { checks: 0, failures: 0, changes: 0 };

  constructor(
    private peers: () => readonly Peer[],
    private probe: Probe,
    private options: HealthCheckOptions,
    private readonly clock: Clock = systemClock,
  ) {
    super();
  }

  /** Starts checking now, then every interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Adopts new settings; the next round uses them. */
  update(options: HealthCheckOptions, probe: Probe): void {
    this.options = options;
    this.probe = probe;
  }

  /** Stops timers and aborts probes in flight; peers keep their last verdict. */
  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.inFlight.abort();
  }

  /** The last failure reason of a peer, if its streak is failing. */
  reason(peer: Peer): string | undefined {
    const s = this.streaks.get(peer);
    return s && s.bad > 0 ? s.lastReason : undefined;
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimeout(() => void this.round(), ms);
  }

  /** Probes every peer once (in parallel), then schedules the next round. */
  async round(): Promise<void> {
    if (!this.running) return;
    this.inFlight = new AbortController();
    const peers = this.peers().filter((p) => !p.down);
    await Promise.all(peers.map((p) => this.checkOne(p, this.inFlight.signal)));
    if (this.running) this.schedule(this.options.interval);
  }

  private async checkOne(peer: Peer, parent: AbortSignal): Promise<void> {
    const ctl = new AbortController();
    const onParent = () => ctl.abort();
    parent.addEventListener('abort', onParent, { once: true });
    const timer = this.clock.setTimeout(() => ctl.abort(), this.options.timeout);
    let reason: string | undefined;
    try {
      await this.probe.check(peer.address, ctl.signal);
    } catch (err) {
      reason = probeReason(err, ctl.signal, this.options.timeout);
    } finally {
      timer.cancel();
      parent.removeEventListener('abort', onParent);
    }
    if (parent.aborted) return; // stopped: no verdict from a cancelled probe
    this.verdict(peer, reason);
  }

  private verdict(peer: Peer, reason: string | undefined): void {
    let s = this.streaks.get(peer);
    if (!s) this.streaks.set(peer, (s = { ok: 0, bad: 0 }));
    this.stats.checks++;
    const ok = reason === undefined;
    this.emit('check', { address: peer.address, ok, reason });
    if (ok) {
      s.ok++;
      s.bad = 0;
      const up = peer.health === 'unknown' || (peer.health === 'down' && s.ok >= this.options.passes);
      if (up && peer.health !== 'up') this.set(peer, true);
    } else {
      this.stats.failures++;
      s.bad++;
      s.ok = 0;
      s.lastReason = reason;
      if (peer.health !== 'down' && s.bad >= this.options.fails) this.set(peer, false, reason);
    }
  }

  private set(peer: Peer, up: boolean, reason?: string): void {
    const was = peer.health;
    peer.setHealth(up);
    // unknown → up is the first verdict, not a change anyone needs to hear about.
    if (was === 'unknown' && up) return;
    this.stats.changes++;
    this.emit('change', { address: peer.address, up, reason });
  }
}
