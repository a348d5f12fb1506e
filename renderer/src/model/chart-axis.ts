/** Axis arithmetic for live charts: a round top for the value axis, fixed ticks and labels for the time axis. */

/** A round axis maximum ≥ v: 1, 2, 2.5, 4, 5, 8 × 10ⁿ (scaled by 1024ᵏ for bytes), so ticks read cleanly. */
export function niceCeil(v: number, bytes = false): number {
  if (!(v > 0)) return bytes ? 1024 : 4;
  let scale = 1;
  if (bytes) while (v / scale >= 1024) scale *= 1024;
  const x = v / scale;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  const step = [1, 2, 2.5, 4, 5, 8, 10].find((m) => m * p >= x) ?? 10;
  const out = step * p * scale;
  return bytes ? out : Math.max(out, 4);
}

/** Five value ticks from 0 to `top`. */
export const valueTicks = (top: number) => [0, top / 4, top / 2, (top * 3) / 4, top];

/** Time-axis ticks (ms before now) for a window: every 10 s for a minute, every minute for 5, every 3 for 15. */
export function timeTicks(rangeMs: number): number[] {
  const step = rangeMs <= 60_000 ? 10_000 : rangeMs <= 300_000 ? 60_000 : 180_000;
  const out: number[] = [];
  for (let t = -rangeMs; t <= 0; t += step) out.push(t);
  return out;
}

/** A time-axis label with its unit: `now`, `−30 s`, `−4 min`. */
export function timeTickLabel(ms: number, rangeMs: number): string {
  if (ms >= 0) return 'now';
  return rangeMs <= 60_000 ? `−${Math.round(-ms / 1000)} s` : `−${Math.round(-ms / 60_000)} min`;
}
