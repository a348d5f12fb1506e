/** A restartable timer on the injected clock: fires when nothing `touch()`ed it for `ms`. */
import type { Clock } from '../util/clock.js';

/** Fires `onIdle` after `ms` without activity; `touch()` restarts the wait. */
export class IdleTimer {
  private timer: { cancel(): void } | undefined;

  constructor(private readonly clock: Clock, private readonly ms: number, private readonly onIdle: () => void) {}

  touch(): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => { this.timer = undefined; this.onIdle(); }, this.ms);
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
