/**
 * The control API's routes, each a thin mapping from HTTP onto
 * one ApiHost call (so the admin API, IPC and the WebSocket cannot drift).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiHost } from '../host/api-host.js';
import type { PublishRequest } from '../api/types.js';
import { SluiceError } from '../util/errors.js';
import { readBody, sendError, sendJson } from './http-util.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.js';
import type { TelemetryStreams } from './telemetry-stream.js';

/** What a route handler gets. */
export interface AdminContext {
  host: ApiHost;
  streams: TelemetryStreams;
  /** Keeps traffic capture on for a while after a poll of /api/traffic. */
  holdObserve(): void;
}

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
  url: URL,
  ctx: AdminContext,
) => Promise<void> | void;

interface AdminRoute {
  method: string;
  pattern: RegExp;
  handle: Handler;
}

/** Parses the JSON form of a publish: `{ data, event?, id? }`; non-string data is sent as its JSON text. */
function parseJsonPublish(v: unknown): PublishRequest {
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new SluiceError('E_BAD_REQUEST', 'body must be a JSON object with "data" (or plain text, sent as the data)');
  const o = v as Record<string, unknown>;
  if (o.data === undefined || o.data === null) throw new SluiceError('E_BAD_REQUEST', 'the event needs "data"');
  for (const k of Object.keys(o))
    if (!['data', 'event', 'id'].includes(k))
      throw new SluiceError('E_BAD_REQUEST', `unknown key "${k}" (allowed: data, event, id)`);
  for (const k of ['event', 'id'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string')
      throw new SluiceError('E_BAD_REQUEST', `"${k}" must be a string`);
  }
  const data = typeof o.data === 'string' ? o.data : JSON.stringify(o.data);
  return { data, event: o.event as string | undefined, id: o.id as string | undefined };
}

/**
 * A publish body, as Sluice and nchan both take it: a `text/*` body, or any
 * body that is not JSON, is the event's data as sent (the event type may come
 * in `X-EventSource-Event`, as nchan reads it); a JSON body is
 * `{ data, event?, id? }`. So `sluice publish` and `curl -d` work against
 * Sluice and against an exported nginx + nchan alike.
 */
export function parsePublish(body: string, headers: IncomingMessage['headers']): PublishRequest {
  const type = String(headers['content-type'] ?? '').toLowerCase();
  const header = headers['x-eventsource-event'];
  const event = (Array.isArray(header) ? header[0] : header) || undefined;
  if (!type.startsWith('text/')) {
    let v: unknown;
    let json = true;
    try {
      v = JSON.parse(body);
    } catch {
      json = false;
    }
    if (json) {
      const r = parseJsonPublish(v);
      return event && r.event === undefined ? { ...r, event } : r;
    }
  }
  if (event !== undefined && /[\r\n]/.test(event))
    throw new SluiceError('E_BAD_REQUEST', 'X-EventSource-Event must be one line');
  return { data: body, event };
}

const ROUTES: AdminRoute[] = [
  {
    method: 'GET',
    pattern: /^\/api\/health$/,
    handle: async (_q, res, _p, _u, { host }) => sendJson(res, 200, await host.health()),
  },
  {
    method: 'GET',
    pattern: /^\/api\/config$/,
    handle: async (_q, res, _p, _u, { host }) => sendJson(res, 200, await host.getConfig()),
  },
  {
    method: 'PUT',
    pattern: /^\/api\/config$/,
    handle: async (req, res, _p, _u, { host }) => {
      const r = await host.applyConfig(await readBody(req));
      sendJson(res, r.ok ? 200 : 400, r);
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/config\/validate$/,
    handle: async (req, res, _p, _u, { host }) => {
      const r = await host.validateConfig(await readBody(req));
      sendJson(res, r.ok ? 200 : 400, r);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/channels$/,
    handle: async (_q, res, _p, _u, { host }) => sendJson(res, 200, await host.getChannels()),
  },
  {
    method: 'POST',
    pattern: /^\/api\/channels\/([^/]+)\/events$/,
    handle: async (req, res, [name], _u, { host }) => {
      const event = parsePublish(await readBody(req, 1024 * 1024), req.headers);
      sendJson(res, 202, await host.publish(name!, event));
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/stats$/,
    handle: async (_q, res, _p, _u, { host }) => sendJson(res, 200, await host.getStats()),
  },
  {
    method: 'GET',
    pattern: /^\/api\/upstreams$/,
    handle: async (_q, res, _p, _u, { host }) => sendJson(res, 200, await host.getUpstreams()),
  },
  {
    method: 'GET',
    pattern: /^\/api\/telemetry$/,
    handle: (_q, res, _p, _u, { host, streams }) => streams.serve(res, host),
  },
  {
    method: 'GET',
    pattern: /^\/api\/traffic$/,
    handle: async (_q, res, _p, url, ctx) => {
      ctx.holdObserve();
      const q = url.searchParams;
      const num = (k: string) => (q.has(k) ? Number(q.get(k)) : undefined);
      const limit = num('limit');
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
        throw new SluiceError('E_BAD_REQUEST', 'limit must be a positive integer');
      sendJson(
        res,
        200,
        await ctx.host.getTraffic({ limit, after: num('after'), search: q.get('search') ?? undefined }),
      );
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/traffic\/(\d+)$/,
    handle: async (_q, res, [id], _u, ctx) => {
      ctx.holdObserve();
      const detail = await ctx.host.getExchange(Number(id));
      if (detail) sendJson(res, 200, detail);
      else sendError(res, 404, `no exchange #${id} in the traffic log`);
    },
  },
  {
    method: 'GET',
    pattern: /^\/metrics$/,
    handle: (_q, res, _p, _u, { host }) => {
      const body = Buffer.from(renderMetrics(host.engine, host.sources));
      res.writeHead(200, {
        'content-type': METRICS_CONTENT_TYPE,
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      res.end(body);
    },
  },
];

/** Finds the route of a request: the handler with its decoded path parameters, or the status to answer. */
export function matchAdminRoute(
  method: string,
  pathname: string,
): { handle: Handler; params: string[] } | { status: 404 | 405; allow?: string } {
  const allowed: string[] = [];
  for (const r of ROUTES) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    if (r.method === method) {
      let params: string[];
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        return { status: 404 };
      }
      return { handle: r.handle, params };
    }
    allowed.push(r.method);
  }
  return allowed.length ? { status: 405, allow: allowed.join(', ') } : { status: 404 };
}
