/** Waiting: on the injected clock (cut short by an abort signal), for the event loop, for a writer to drain. */
import type { Clock } from './clock.js';

/** Resolves after `ms` on `clock`, or at once (resolving false) when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      timer.cancel();
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Yields to the event loop (so a tight producer loop lets sockets and timers run). */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What drainedOrClosed() listens on: any writable stream or response. */
interface Drainable {
  on(event: 'drain' | 'close', fn: () => void): unknown;
  off(event: 'drain' | 'close', fn: () => void): unknown;
}

/** Resolves when `w` can take more ('drain') or is gone ('close'): the wait after a write() that returned false. */
export function drainedOrClosed(w: Drainable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      w.off('drain', done);
      w.off('close', done);
      resolve();
    };
    w.on('drain', done);
    w.on('close', done);
  });
}
