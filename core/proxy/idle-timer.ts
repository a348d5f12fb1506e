/**
 * Restartable timeouts on the injected clock that cost nothing per chunk:
 * `touch()` only stores the time; the one pending timer, when it fires,
 * re-arms itself for the remainder instead of being cancelled and recreated
 * on every read (which, per chunk, costs more than the proxying itself).
 */
import type { Clock } from '../util/clock.js';

/** Fires `onIdle` after `ms` without `touch()`; `ms` 0 never fires (nginx-style "no timeout"). */
export class IdleTimer {
  private timer: { cancel(): void } | undefined;
  private last = 0;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {}

  touch(): void {
    this.last = this.clock.now();
    if (!this.timer && !this.stopped && this.ms > 0) this.arm(this.ms);
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const idle = this.clock.now() - this.last;
      if (idle >= this.ms) this.onIdle();
      else this.arm(this.ms - idle);
    }, ms);
  }

  cancel(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }
}

/** Fires `onStuck` when one wait (begin → end) lasts longer than `ms`. */
export class WaitWatch {
  private timer: { cancel(): void } | undefined;
  private since: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
    private readonly onStuck: () => void,
  ) {}

  begin(): void {
    this.since = this.clock.now();
    if (!this.timer) this.arm(this.ms);
  }

  end(): void {
    this.since = undefined;
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.since === undefined) return; // not waiting: re-armed by the next begin()
      const waited = this.clock.now() - this.since;
      if (waited >= this.ms) this.onStuck();
      else this.arm(this.ms - waited);
    }, ms);
  }

  cancel(): void {
    this.since = undefined;
    this.timer?.cancel();
    this.timer = undefined;
  }
}
