/**
 * "Save as mock": turns a client session into a route that plays it back
 * with its timing — an event stream into an `sse: { script }` route (each
 * event delayed by its gap ÷ speed, the last `retry:` kept), a stream of lines
 * into a `chunked` route with one chunk per line. The YAML is one `routes:`
 * item, validated against the config schema.
 */
import { stringify } from 'yaml';
import type { ClientEvent, ClientFormat } from '../api/client.js';
import { routeSchema } from '../config/schema.js';

/** What the session had. */
export interface MockSource {
  format: ClientFormat | undefined;
  contentType?: string;
  events: readonly ClientEvent[];
  /** Events the session saw in all (more than `events` when older ones were let go). */
  total: number;
  connections: number;
  /** The `retry:` the server last sent, if any. */
  retryMs?: number;
}

/** Playback speed (2 = twice as fast) and the route's path. */
export interface MockOptions {
  speed?: number;
  path?: string;
}

/** The route as YAML with what the replay cannot reproduce, or why there is none. */
export type MockResult = { ok: true; yaml: string; note?: string } | { ok: false; message: string };

const ms = (n: number) => `${Math.max(0, Math.round(n))}ms`;

/** The events' delays: each event's gap to the one before (the first: its time since the request), ÷ speed. */
function delays(events: readonly ClientEvent[], speed: number): number[] {
  return events.map((e) => e.gap / speed);
}

function notes(src: MockSource): string[] {
  const out: string[] = [];
  if (src.connections > 1)
    out.push(`the session used ${src.connections} connections; the mock plays every event on one`);
  if (src.total > src.events.length) out.push(`only the last ${src.events.length} of ${src.total} events were kept`);
  if (src.events.some((e) => e.truncated)) out.push('events longer than the kept size were shortened');
  if (src.events.some((e) => e.data.includes('{{'))) out.push('data with {{…}} is read as a template on replay');
  return out;
}

/** Builds the replaying route of a session. */
export function sessionAsMock(src: MockSource, opts: MockOptions = {}): MockResult {
  const speed = opts.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed))
    return { ok: false, message: `speed must be a positive number, got ${opts.speed}` };
  const path = opts.path ?? '/mock';
  if (!path.startsWith('/')) return { ok: false, message: `path must start with "/", got ${JSON.stringify(path)}` };
  if (src.events.length === 0) return { ok: false, message: 'the session has no events to play back yet' };
  const waits = delays(src.events, speed);
  let route: Record<string, unknown>;
  if (src.format === 'lines') {
    const chunks = src.events.map((e, i) => ({ data: `${e.data}\n`, delay: ms(waits[i]!) }));
    route = { path, chunked: { chunks, ...(src.contentType ? { content_type: src.contentType } : {}) } };
  } else {
    const script: Record<string, unknown>[] = src.events.map((e, i) => {
      const step: Record<string, unknown> = {};
      if (e.event !== undefined && e.event !== 'message') step.event = e.event;
      step.data = e.data;
      if (e.id !== undefined) step.id = e.id;
      if (waits[i]! >= 1) step.delay = ms(waits[i]!);
      return step;
    });
    route = { path, sse: { script, ...(src.retryMs !== undefined ? { retry: ms(src.retryMs) } : {}) } };
  }
  const check = routeSchema.safeParse(route);
  if (!check.success)
    return { ok: false, message: `the mock route does not validate: ${check.error.issues[0]?.message}` };
  const n = notes(src);
  return { ok: true, yaml: stringify(route, { lineWidth: 0 }), ...(n.length ? { note: n.join('; ') } : {}) };
}
