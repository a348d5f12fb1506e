/**
 * Record & replay: turns an exchange the traffic log captured into a route
 * that replays it with the original timing (optionally sped up).
 *
 *   SSE (record.events, each with its arrival time) → `sse: { script: [...] }`,
 *     each step delayed by the gap to the previous event ÷ speed;
 *   chunked (record.chunks: sizes and times, no bytes) → `chunked: { chunks }`
 *     with the same sizes and gaps; the bytes are placeholders, because the
 *     traffic log keeps timings only, never bodies.
 *
 * The YAML is one route (a `routes:` item), validated against the schema.
 */
import { stringify } from 'yaml';
import { routeSchema } from '../config/schema.js';
import type { ExchangeRecord } from '../telemetry/exchange-record.js';

/** Options: playback speed (2 = twice as fast) and the route's path. */
export interface RecordOptions {
  speed?: number;
  path?: string;
}

/** The route as YAML, or why it cannot be made. `note` says what the replay cannot reproduce. */
export type RecordResult = { ok: true; yaml: string; note?: string } | { ok: false; message: string };

/** Chunk placeholders larger than this in total are refused (a config is not a place for bulk data). */
const MAX_PLACEHOLDER_BYTES = 1024 * 1024;

/** Milliseconds as a duration string the schema reads back (`120ms`). */
const ms = (n: number) => `${Math.max(0, Math.round(n))}ms`;

/** Turns a recorded SSE or chunked exchange into a replaying route. */
export function recordAsMock(record: ExchangeRecord, opts: RecordOptions = {}): RecordResult {
  const speed = opts.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed))
    return { ok: false, message: `speed must be a positive number, got ${opts.speed}` };
  const path = opts.path ?? `/replay/${record.id}`;
  if (!path.startsWith('/')) return { ok: false, message: `path must start with "/", got ${JSON.stringify(path)}` };
  const route =
    record.events.length > 0
      ? sseRoute(record, speed, path)
      : record.chunks.length > 0
        ? chunkedRoute(record, speed, path)
        : undefined;
  if (!route) {
    return {
      ok: false,
      message: `exchange ${record.id} has no captured SSE events or chunks (traffic is captured only while observed)`,
    };
  }
  if ('message' in route) return { ok: false, message: route.message };
  const check = routeSchema.safeParse(route.value);
  if (!check.success)
    return { ok: false, message: `the recorded route does not validate: ${check.error.issues[0]?.message}` };
  return { ok: true, yaml: stringify(route.value, { lineWidth: 0 }), note: route.note };
}

type Built = { value: Record<string, unknown>; note?: string } | { message: string };

function sseRoute(record: ExchangeRecord, speed: number, path: string): Built {
  let prev = 0;
  const script = record.events.map((e) => {
    const step: Record<string, unknown> = {};
    if (e.event !== undefined && e.event !== 'message') step.event = e.event;
    step.data = e.data;
    if (e.id !== undefined) step.id = e.id;
    if (e.retry !== undefined) step.retry = ms(e.retry);
    const gap = (e.t - prev) / speed;
    prev = e.t;
    if (gap >= 1) step.delay = ms(gap);
    return step;
  });
  const notes: string[] = [];
  if (record.events.some((e) => e.data.includes('{{')))
    notes.push('event data with {{…}} is read as a template on replay');
  if (record.outcome === 'closed' || record.outcome === 'error')
    notes.push(`the original stream ended as ${record.outcome}; the replay ends after the last event`);
  return { value: { path, sse: { script, heartbeat: '15s' } }, note: notes.join('; ') || undefined };
}

function chunkedRoute(record: ExchangeRecord, speed: number, path: string): Built {
  const total = record.chunks.reduce((s, c) => s + c.bytes, 0);
  if (total > MAX_PLACEHOLDER_BYTES)
    return {
      message: `exchange ${record.id} sent ${total} bytes in chunks; replays are limited to ${MAX_PLACEHOLDER_BYTES} bytes`,
    };
  let prev = 0;
  const chunks = record.chunks.map((c) => {
    const gap = (c.t - prev) / speed;
    prev = c.t;
    return { data: '.'.repeat(c.bytes), delay: ms(gap) };
  });
  const value: Record<string, unknown> = {
    path,
    chunked: {
      chunks,
      ...(record.status && record.status !== 200 ? { status: record.status } : {}),
      ...(record.contentType ? { content_type: record.contentType } : {}),
    },
  };
  return { value, note: 'bodies are not captured: chunk sizes and timing are replayed with placeholder bytes' };
}
