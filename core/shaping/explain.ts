/**
 * What a limit means, in one sentence, plus the few numbers derived from a
 * limit that the UI also needs (effective burst, write slice). Isomorphic:
 * no Node imports, so the renderer can import it.
 */
import { formatRate, formatSize, type LimitConfig, type LimitRuleConfig, type LimitsConfig } from '../config/index.js';

/** Default write granularity: the bucket never hands out more than this at once while others wait. */
export const DEFAULT_SLICE = 16 * 1024;
/** Smallest slice: below this, per-write overhead dominates. */
export const MIN_SLICE = 1024;

/** The burst a limit runs with: as configured, else one slice (16k) or rate/10, whichever is larger. */
export function effectiveBurst(limit: Pick<LimitConfig, 'rate' | 'burst'>): number {
  return limit.burst ?? Math.max(DEFAULT_SLICE, Math.round(limit.rate / 10));
}

/**
 * Bytes granted per step: min(burst, rate/50, max(16k, rate/100)), at least
 * 1 KiB (never above the burst). At 64 KiB/s that is ~1.3 KiB every 20 ms; at
 * 1 MiB/s 16 KiB every 16 ms; above 1.6 MiB/s 10 ms of rate, so timer
 * wake-ups stay near 100/s however high the rate (each costs a timer, a read
 * and a write: at 4 MiB/s, 10 ms slices took a quarter less CPU per MiB than
 * 2 ms ones) while a 100 ms window still holds ten of them.
 */
export function sliceSize(rate: number, burst: number): number {
  const s = Math.floor(Math.min(burst, rate / 50, Math.max(DEFAULT_SLICE, rate / 100)));
  return Math.max(1, Math.min(burst, Math.max(MIN_SLICE, s)));
}

const PER_TEXT: Record<LimitConfig['per'], string> = {
  connection: 'per connection',
  client: 'per client',
  route: 'shared by the route',
};

/** "512 KiB/s per client after the first 1 MiB, burst 64 KiB". */
export function explainLimit(limit: LimitConfig): string {
  let s = `${formatRate(limit.rate)} ${PER_TEXT[limit.per]}`;
  if (limit.direction === 'in') s += ' on uploads';
  else if (limit.direction === 'both') s += ' each way';
  if (limit.after > 0) s += ` after the first ${formatSize(limit.after)}`;
  s += `, burst ${formatSize(effectiveBurst(limit))}`;
  return s;
}

/** "responses .mp4/.zip of at least 1 KiB" — the condition part of a rule. */
export function explainMatch(match: LimitRuleConfig['match']): string {
  const parts: string[] = [];
  if (match.ext?.length) parts.push(`files ${match.ext.map((e) => `.${e}`).join('/')}`);
  if (match.content_type?.length) parts.push(`of type ${match.content_type.join(' or ')}`);
  if (match.min_size !== undefined) parts.push(`of at least ${formatSize(match.min_size)}`);
  if (match.path) parts.push(`under ${match.path}`);
  if (match.client?.length) parts.push(`for clients in ${match.client.join(', ')}`);
  return parts.length ? parts.join(' ') : 'everything';
}

/** "files .mp4/.zip of at least 1 KiB: 256 KiB/s per connection, burst 64 KiB". */
export function explainRule(rule: LimitRuleConfig): string {
  return `${explainMatch(rule.match)}: ${explainLimit(rule)}`;
}

/** One line per rule (in match order) and the default. */
export function explainLimits(limits: LimitsConfig | undefined): string[] {
  if (!limits) return [];
  const lines = limits.rules.map((r, i) => `${i + 1}. ${explainRule(r)}`);
  if (limits.default) lines.push(`otherwise: ${explainLimit(limits.default)}`);
  return lines;
}
