/**
 * What a limit means, in one sentence, plus the few numbers derived from a
 * limit that the UI also needs (effective burst, write slice). Isomorphic:
 * no Node imports, so the renderer can import it.
 */
import { formatRate, formatSize, type LimitConfig, type LimitRuleConfig, type LimitsConfig } from '../config/index.js';

/** The smallest default burst (16k): one write of a usual size at once. */
export const MIN_DEFAULT_BURST = 16 * 1024;
/** Smallest slice: below this, per-write overhead dominates. */
export const MIN_SLICE = 1024;

/** The burst a limit runs with: as configured, else 16k or rate/10, whichever is larger. */
export function effectiveBurst(limit: Pick<LimitConfig, 'rate' | 'burst'>): number {
  return limit.burst ?? Math.max(MIN_DEFAULT_BURST, Math.round(limit.rate / 10));
}

/**
 * Bytes granted per step: 25 ms of rate (never above the burst, at least
 * 1 KiB): 1.6 KiB at 64 KiB/s, 26 KiB at 1 MiB/s, 820 KiB at 32 MiB/s. Each
 * step costs a timer wake-up and a socket write, so at 40 a second a limited
 * download stays cheap however high the rate (at 4 MiB/s, 25 ms steps took
 * about a quarter less CPU per MiB than 10 ms ones, which took a quarter less
 * than 2 ms ones), while a 250 ms telemetry tick still holds ten of them and
 * the throughput chart stays smooth.
 */
export function sliceSize(rate: number, burst: number): number {
  return Math.max(1, Math.min(burst, Math.max(MIN_SLICE, Math.floor(rate / 40))));
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
