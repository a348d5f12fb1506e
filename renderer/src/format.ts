/** Display formatting shared by views: bytes, rates, durations, times. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1.5 MiB`, `512 B`. */
export function fmtBytes(n: number): string {
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${UNITS[i]}`;
}

/** `1.5 MiB/s`. */
export const fmtRate = (n: number) => `${fmtBytes(n)}/s`;

// One formatter for every call: toLocaleString builds a new one each time (slow on chart axes at 4 Hz).
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `1,234` / `12.5` for small rates. */
export function fmtNum(n: number): string {
  if (Math.abs(n) >= 100 || Number.isInteger(n)) return INT.format(Math.round(n));
  return n.toFixed(1);
}

/** `850 ms`, `2.4 s`, `3 m 5 s`. */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

// One formatter for every call (see INT above): times are formatted per row and per tooltip.
const CLOCK = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** `14:03:07` local time. */
export function fmtClock(t: number): string {
  return CLOCK.format(t);
}

/** `14:03:07.123` local time, to the millisecond. */
export function fmtClockMs(t: number): string {
  const ms = Math.floor(((t % 1000) + 1000) % 1000);
  return `${CLOCK.format(t)}.${String(ms).padStart(3, '0')}`;
}

/** Seconds ago relative to `now`, for chart axes (`-30s`). */
export function fmtAgo(t: number, now: number): string {
  return `${Math.round((t - now) / 1000)}s`;
}

/** A size as config text: `512k`, `1m`, or bytes. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024}m`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}k`;
  return String(bytes);
}
