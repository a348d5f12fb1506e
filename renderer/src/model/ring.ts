/** Fixed-size history for charts: appending returns a new array of at most `cap` items (oldest dropped). */
export function pushRing<T>(ring: readonly T[], item: T, cap: number): T[] {
  const start = ring.length + 1 > cap ? ring.length + 1 - cap : 0;
  const out = ring.slice(start);
  out.push(item);
  return out;
}

/** Points kept per limit and route history (the rate tuner's chart): 240 ticks of 250 ms = the last 60 s. */
export const HISTORY_POINTS = 240;
