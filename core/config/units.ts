/**
 * Units used in config documents, parsed once at the boundary so the engine
 * only ever sees numbers: sizes in bytes (1024-based, like nginx) and
 * durations in milliseconds.
 */

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `512k`, `1m`, `64KiB`-less nginx style sizes (and plain numbers) into bytes; undefined if malformed. */
export function parseSize(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  if (!m) return undefined;
  const factor = SIZE_UNITS[m[2]!.toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.round(Number(m[1]) * factor);
}

/** Parses a rate: a size per second, with an optional `/s` suffix (`512k`, `512k/s`). */
export function parseRate(input: string | number): number | undefined {
  if (typeof input === 'string') input = input.replace(/\s*\/\s*s(ec)?\s*$/i, '');
  return parseSize(input);
}

/** Parses `500ms`, `15s`, `1m`, `1h`, `1m30s`; a bare number is milliseconds. Undefined if malformed. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  const s = input.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    consumed = re.lastIndex;
  }
  return consumed === s.length && consumed > 0 ? total : undefined;
}

/** Formats bytes the way the UI and explain() texts show them: `512 KiB`, `1.5 MiB`. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = i === 0 ? String(Math.round(v)) : Number(v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)).toString();
  return `${text} ${units[i]}`;
}

/** Formats a rate in bytes per second: `512 KiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatSize(bytesPerSecond)}/s`;
}

/** Formats milliseconds compactly: `500ms`, `15s`, `2m`, `1h`. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Formats a size as the config language writes it (`512k`, `1m`), the inverse of parseSize. */
export function sizeToConfig(bytes: number): string {
  for (const [suffix, f] of [
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${suffix}`;
  }
  return String(bytes);
}

/** A listen or upstream address split into host and port. */
export interface Address {
  host: string;
  port: number;
}

/**
 * Normalises `host:port`, `:port` or `port` to `host:port` (default host 127.0.0.1);
 * IPv6 hosts are written `[::1]:port`. Undefined when malformed.
 */
export function normalizeAddress(input: string | number): string | undefined {
  const a = parseAddress(input);
  if (!a) return undefined;
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Splits an address into host and port; undefined when malformed (port 0 allowed: "any free port"). */
export function parseAddress(input: string | number): Address | undefined {
  const s = String(input).trim();
  let host = '127.0.0.1';
  let portText: string;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(s);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (/^\d+$/.test(s)) portText = s;
  else {
    const i = s.lastIndexOf(':');
    if (i < 0) return undefined;
    const h = s.slice(0, i);
    if (h !== '') {
      if (!/^[A-Za-z0-9.-]+$/.test(h)) return undefined;
      host = h === 'localhost' ? '127.0.0.1' : h;
    }
    portText = s.slice(i + 1);
  }
  if (!/^\d+$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  return { host, port };
}
