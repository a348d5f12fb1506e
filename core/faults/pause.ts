/** Waiting inside a fault: on the stream's clock, cut short when the stream ends. */
import type { StageTarget } from '../kernel/index.js';

/** Resolves true after `ms` on the target's clock, or false as soon as its stream ends. */
export function pause(t: StageTarget, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = t.clock.setTimeout(() => resolve(true), ms);
    void t.ended().then(() => {
      timer.cancel();
      resolve(false);
    });
  });
}
