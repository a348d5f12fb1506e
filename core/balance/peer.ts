/**
 * One upstream server as the balancers see it: configured weight and flags,
 * live connection count, passive failure accounting (nginx `max_fails` within
 * `fail_timeout`) and the verdict of active health checks. Pure state: no
 * sockets, time comes from the caller (an injected clock).
 */
import type { UpstreamServerConfig } from '../config/schema.js';

/** How an attempt on a peer ended: `fail` counts towards `max_fails`. */
export type Outcome = 'ok' | 'fail';

/** Health as active checks report it; `unknown` (no verdict yet) counts as usable. */
export type PeerHealth = 'unknown' | 'up' | 'down';

/** One upstream server's state. */
export class Peer {
  readonly address: string;
  weight = 1;
  backup = false;
  /** Configured `down: true`: never picked. */
  down = false;
  maxFails = 1;
  failTimeout = 10_000;
  maxConns = 0;
  /**
   * The group's only server (no other primary, no backup): as in nginx, its
   * failures are counted but never take it out, since there is nothing to
   * fall back to and refusing every request would only turn one bad answer
   * into many.
   */
  sole = false;

  /** Attempts in flight (picked and not yet released). */
  active = 0;
  /** Failures counted in the current fail_timeout window. */
  fails = 0;
  /** When the last failure was counted (clock ms), -Infinity if never. */
  lastFailAt = -Infinity;
  health: PeerHealth = 'unknown';
  /** Smooth weighted round-robin state (nginx `current_weight`). */
  currentWeight = 0;
  /** Totals, for the UI's share-of-traffic view. */
  picks = 0;
  failures = 0;

  constructor(config: UpstreamServerConfig) {
    this.address = config.address;
    this.configure(config);
  }

  /** Adopts new settings for the same address, keeping the live state. */
  configure(config: UpstreamServerConfig): void {
    this.weight = config.weight;
    this.backup = config.backup;
    this.down = config.down;
    this.maxFails = config.max_fails;
    this.failTimeout = config.fail_timeout;
    this.maxConns = config.max_conns;
  }

  /** True while `max_fails` failures within `fail_timeout` keep the peer out. */
  failed(now: number): boolean {
    return !this.sole && this.maxFails > 0 && this.fails >= this.maxFails && now - this.lastFailAt < this.failTimeout;
  }

  /** True when the peer may take a new attempt now. */
  available(now: number): boolean {
    if (this.down || this.health === 'down' || this.failed(now)) return false;
    return this.maxConns === 0 || this.active < this.maxConns;
  }

  /** True when configuration, health checks or failures rule the peer out (ignores max_conns). */
  isDown(now: number): boolean {
    return this.down || this.health === 'down' || this.failed(now);
  }

  /** Sets the active-check verdict; a server that passes checks again is forgiven its passive failures. */
  setHealth(up: boolean): void {
    this.health = up ? 'up' : 'down';
    if (up) this.fails = 0;
  }

  /** Counts an attempt starting on this peer. */
  acquire(): void {
    this.active++;
    this.picks++;
  }

  /** Ends an attempt; a failure counts towards `max_fails` (nginx semantics). */
  release(outcome: Outcome, now: number): void {
    if (this.active > 0) this.active--;
    if (outcome === 'fail') this.recordFailure(now);
    else this.recordSuccess(now);
  }

  /** A failure; failures older than `fail_timeout` are forgotten first. */
  recordFailure(now: number): void {
    this.failures++;
    if (this.maxFails === 0) return;
    if (now - this.lastFailAt >= this.failTimeout) this.fails = 0;
    this.fails++;
    this.lastFailAt = now;
  }

  /** A success after the window has passed clears the failure count (the peer recovered). */
  recordSuccess(now: number): void {
    if (this.fails > 0 && now - this.lastFailAt >= this.failTimeout) this.fails = 0;
  }
}
