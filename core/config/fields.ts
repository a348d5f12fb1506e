/**
 * Reusable schema fields: sizes, rates, durations and addresses are accepted
 * as the user writes them (`512k`, `500ms`, `:8080`) and come out as numbers
 * or normalised strings. Every failure message names what was expected.
 */
import { z } from 'zod';
import { normalizeAddress, parseDuration, parseRate, parseSize } from './units.js';

const numberOrString = z.union([z.number(), z.string()]);

/** A size in bytes: a number or `512k`/`1m`/`1g` (1024-based). `min` is inclusive. */
export function size(opts: { min?: number; max?: number } = {}) {
  const min = opts.min ?? 0;
  return numberOrString
    .transform((v, ctx) => {
      const n = parseSize(v);
      if (n === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid size ${JSON.stringify(v)}: expected bytes or a number with k, m or g (e.g. 512k)`,
        });
        return z.NEVER;
      }
      if (n < min) {
        ctx.addIssue({
          code: 'custom',
          message:
            min === 1
              ? `size must be greater than 0, got ${JSON.stringify(v)}`
              : `size must be at least ${min} bytes, got ${JSON.stringify(v)}`,
        });
        return z.NEVER;
      }
      if (opts.max !== undefined && n > opts.max) {
        ctx.addIssue({ code: 'custom', message: `size must be at most ${opts.max} bytes, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    })
    .meta({ description: 'bytes, or a number with k, m or g (1024-based)' });
}

/** Largest rate accepted: 10 GiB/s — beyond that a limit means nothing on one machine. */
export const MAX_RATE = 10 * 1024 ** 3;

/** A rate in bytes per second: `512k`, `4m`, `512k/s`; must be > 0. */
export function rate() {
  return numberOrString
    .transform((v, ctx) => {
      const n = parseRate(v);
      if (n === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid rate ${JSON.stringify(v)}: expected bytes per second, e.g. 512k or 4m`,
        });
        return z.NEVER;
      }
      if (n <= 0) {
        ctx.addIssue({ code: 'custom', message: `rate must be greater than 0, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      if (n > MAX_RATE) {
        ctx.addIssue({ code: 'custom', message: `rate must be at most 10g per second, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    })
    .meta({ description: 'bytes per second, e.g. 512k or 4m (1024-based)' });
}

/** A duration in milliseconds: a number (ms) or `500ms`, `15s`, `1m`, `1h`. */
export function duration(opts: { min?: number } = {}) {
  const min = opts.min ?? 0;
  return numberOrString
    .transform((v, ctx) => {
      const n = parseDuration(v);
      if (n === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid duration ${JSON.stringify(v)}: expected e.g. 500ms, 15s, 1m or 1h`,
        });
        return z.NEVER;
      }
      if (n < min) {
        ctx.addIssue({
          code: 'custom',
          message:
            min > 0
              ? `duration must be at least ${min}ms, got ${JSON.stringify(v)}`
              : `duration must not be negative, got ${JSON.stringify(v)}`,
        });
        return z.NEVER;
      }
      return n;
    })
    .meta({ description: 'milliseconds, or a number with ms, s, m or h' });
}

/** A `host:port` address (default host 127.0.0.1), normalised to `host:port`. */
export function address() {
  return numberOrString
    .transform((v, ctx) => {
      const a = normalizeAddress(v);
      if (a === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid address ${JSON.stringify(v)}: expected host:port, e.g. 127.0.0.1:8080`,
        });
        return z.NEVER;
      }
      return a;
    })
    .meta({ description: 'host:port (default host 127.0.0.1)' });
}

/** `on`/`off`/`true`/`false` — YAML 1.2 reads `off` as a string, nginx users write it anyway. */
export function onOff() {
  return z.union([z.boolean(), z.enum(['on', 'off'])]).transform((v) => v === true || v === 'on');
}

/** A probability between 0 and 1. */
export const probability = z.number().min(0).max(1);

/** A non-empty name used for references (servers, upstreams, channels). */
export const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'names may contain only letters, digits, "_", "." and "-"');

/** Free-form header map. */
export const headers = z.record(z.string(), z.union([z.string(), z.number()]).transform(String));
