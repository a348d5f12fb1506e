/** An abortable wait on the injected clock. */
import type { Clock } from '../util/clock.js';

/** Resolves after `ms`, or at once when `signal` aborts (returns false then). */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => { timer.cancel(); resolve(false); };
    const timer = clock.setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(true); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
