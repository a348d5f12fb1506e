/**
 * Waiting for an exchange to end (client gone, listener draining) the cheap
 * way: LiveExchange offers `whenEnded()` and `ended`, which need no
 * AbortController; a hand-made Exchange (tests) falls back to its signal.
 */
import type { EndListener, Exchange } from './exchange.js';

/** Resolves when the exchange ends. */
export function untilEnded(ex: Pick<Exchange, 'signal' | 'whenEnded'>): Promise<void> {
  return ex.whenEnded ? ex.whenEnded() : untilAborted(ex.signal);
}

/** Tells `listener` once when the exchange ends (held by the exchange itself where it can: no promise). */
export function atEnd(ex: Pick<Exchange, 'signal' | 'whenEnded' | 'onEnded'>, listener: EndListener): void {
  if (ex.onEnded) ex.onEnded(listener);
  else void untilEnded(ex).then(() => listener.exchangeEnded());
}

/** True once the exchange ended (what `signal.aborted` would say, without making a signal). */
export function hasEnded(ex: Pick<Exchange, 'signal' | 'ended'>): boolean {
  return ex.ended ?? ex.signal.aborted;
}

/** Resolves when the signal aborts (client gone, listener draining). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  // resolve itself is the listener: no closure kept per waiting exchange.
  return new Promise((resolve) => signal.addEventListener('abort', resolve as () => void, { once: true }));
}
