/** Config schema: the route kinds and a route (path, matching, its one kind, limit, faults, headers). */
import { z } from 'zod';
import { duration, headers, name, onOff, size } from './fields.js';
import { llmSchema } from './llm-schema.js';
import { faultsSchema, limitSchema } from './schema-shaping.js';
import { upstreamRef } from './upstream-url.js';

export const staticSchema = z.strictObject({
  root: z.string().min(1),
  index: z.string().default('index.html'),
  max_age: duration().optional().describe('Cache-Control max-age'),
  autoindex: z.boolean().default(false),
});

const chunkSchema = z.union([z.string(), z.strictObject({ data: z.string(), delay: duration().optional() })]);

export const chunkedSchema = z.strictObject({
  chunks: z.array(chunkSchema).min(1, 'chunked needs at least one chunk'),
  delay: duration().default(0).describe('delay before each chunk unless the chunk sets its own'),
  repeat: z.number().int().min(1).default(1),
  status: z.number().int().min(100).max(599).default(200),
  content_type: z.string().default('text/plain; charset=utf-8'),
});

/** Body formats of a generated stream. */
export const STREAM_FORMATS = ['ndjson', 'text', 'binary'] as const;

export const streamSchema = z.strictObject({
  format: z.enum(STREAM_FORMATS).default('ndjson'),
  line: z.string().default('{"n": {{seq}}}').describe('template for ndjson/text lines'),
  size: size({ min: 1 }).default(1024).describe('bytes per binary chunk'),
  every: duration().default(1000),
  count: z.number().int().min(0).default(0).describe('0 = forever'),
  content_type: z.string().optional(),
});

export const uploadSchema = z.strictObject({
  dir: z.string().min(1),
  max_size: size({ min: 1 }).default(1024 ** 3),
});

export const respondSchema = z.strictObject({
  status: z.number().int().min(100).max(599).default(200),
  body: z.string().default(''),
  content_type: z.string().default('text/plain; charset=utf-8'),
  headers: headers.default({}),
});

/** Faults an SSE script step can play: a clean close, a stall, a reset. */
export const SSE_STEP_FAULTS = ['close', 'stall', 'reset'] as const;
/** The built-in SSE scenarios. */
export const SSE_SCENARIOS = ['openai', 'anthropic', 'progress', 'ticker', 'log'] as const;

/** One step of an SSE script: an event, a comment, a fault, or a status before streaming. */
export const sseStepSchema = z.strictObject({
  event: z.string().optional(),
  data: z.string().optional(),
  id: z.string().optional(),
  retry: duration().optional(),
  comment: z.string().optional(),
  delay: duration().optional().describe('wait before this step (once)'),
  every: duration().optional().describe('wait before each repetition'),
  jitter: duration().optional(),
  repeat: z.union([z.number().int().min(1), z.literal('forever')]).default(1),
  fault: z.enum(SSE_STEP_FAULTS).optional(),
  status: z
    .number()
    .int()
    .min(100)
    .max(599)
    .optional()
    .describe('answer with this status instead of streaming (first step only)'),
  body: z.string().optional(),
});

export const sseScenarioSchema = z.strictObject({
  type: z.enum(SSE_SCENARIOS),
  text: z.string().optional().describe('text the chat scenarios stream, token by token'),
  tokens_per_second: z.number().positive().default(20),
  model: z.string().optional(),
  every: duration().optional(),
  count: z.number().int().min(0).optional(),
});

export const sseSchema = z.strictObject({
  channel: name.optional().describe('a publishable channel'),
  script: z.array(sseStepSchema).min(1).optional().describe('events played per connection'),
  scenario: z
    .union([sseScenarioSchema.shape.type, sseScenarioSchema])
    .optional()
    .transform((v) => (typeof v === 'string' ? sseScenarioSchema.parse({ type: v }) : v))
    .describe('a built-in scenario: openai, anthropic, progress, ticker, log'),
  loop: z.boolean().default(false).describe('replay the script forever'),
  heartbeat: duration({ min: 100 }).default(15_000),
  retry: duration().optional().describe('reconnection delay sent to clients'),
  replay: z.number().int().min(0).default(100).describe('channel events kept for Last-Event-ID'),
  max_clients: z.number().int().min(1).default(10_000),
  queue: size({ min: 1024 })
    .default(256 * 1024)
    .describe('per-client send queue; a client past it is dropped'),
});

export const proxySchema = z.strictObject({
  upstream: upstreamRef(),
  buffering: onOff().default(false),
  connect_timeout: duration({ min: 1 }).default(5000),
  read_timeout: duration({ min: 0 }).default(60_000).describe('between two reads from the upstream; 0 = no timeout'),
  send_timeout: duration({ min: 1 }).default(60_000),
  host: z
    .string()
    .optional()
    .describe("Host header sent upstream; default: the client's (TLS and URL upstreams: the upstream's host name)"),
  headers: headers.default({}).describe('extra request headers'),
  next_upstream_tries: z.number().int().min(0).default(0).describe('0 = every server once'),
  uri: z
    .string()
    .startsWith('/', 'uri starts with "/"')
    .optional()
    .describe(
      "replaces the route's path prefix upstream (nginx proxy_pass http://backend/v2/): /api/x on route /api goes up as /v2/x; default: the full original path",
    ),
});

/** HTTP methods as they appear on the request line. */
const method = z.string().regex(/^[A-Z][A-Z-]*$/, 'methods are upper-case tokens, e.g. GET or POST');

/**
 * A host name pattern as nginx `server_name` writes it: `api.example.test`,
 * `*.example.test` (any subdomain), `www.example.*` (any last labels) or
 * `.example.test` (the name and every subdomain). Compared without case.
 */
export const hostPattern = z
  .string()
  .regex(
    /^(\*\.|\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?$/,
    'hosts are names like api.example.test, *.example.test, www.example.* or .example.test',
  )
  .refine(
    (h) => !(h.startsWith('*.') || h.startsWith('.')) || !h.endsWith('.*'),
    'a host pattern has one wildcard, at its start or its end',
  )
  .transform((h) => h.toLowerCase());

export const ROUTE_KINDS = ['static', 'chunked', 'stream', 'upload', 'respond', 'sse', 'proxy', 'llm'] as const;
/** The handler kinds a route can have (exactly one per route). */
export type RouteKind = (typeof ROUTE_KINDS)[number];

export const routeSchema = z
  .strictObject({
    path: z.string().startsWith('/', 'paths start with "/"'),
    static: staticSchema.optional(),
    chunked: chunkedSchema.optional(),
    stream: streamSchema.optional(),
    upload: uploadSchema.optional(),
    respond: respondSchema.optional(),
    sse: sseSchema.optional(),
    proxy: proxySchema.optional(),
    llm: llmSchema.optional(),
    limit: limitSchema.optional(),
    faults: faultsSchema.optional(),
    cors: z
      .union([z.string(), z.literal(false)])
      .optional()
      .describe('Access-Control-Allow-Origin; default * on mock routes'),
    headers: headers.default({}).describe('extra response headers'),
    methods: z
      .array(method)
      .min(1)
      .optional()
      .describe('answer only these methods (GET also answers HEAD); another method on this path gets 405'),
    hosts: z
      .array(hostPattern)
      .min(1)
      .optional()
      .describe(
        'answer only requests for these hosts, chosen as nginx chooses a server_name: exact name, then the longest *.wildcard, then the longest wildcard.*; routes without hosts answer the others',
      ),
    max_body_size: size().optional().describe('a request body above this gets 413 (nginx client_max_body_size)'),
  })
  .superRefine((r, ctx) => {
    const kinds = ROUTE_KINDS.filter((k) => r[k] !== undefined);
    if (kinds.length === 0)
      ctx.addIssue({ code: 'custom', message: `route ${r.path} needs one of: ${ROUTE_KINDS.join(', ')}` });
    if (kinds.length > 1)
      ctx.addIssue({
        code: 'custom',
        message: `route ${r.path} has ${kinds.join(' and ')}; a route has exactly one kind`,
        path: [kinds[1]!],
      });
    if (r.sse) {
      const n = [r.sse.channel, r.sse.script, r.sse.scenario].filter((x) => x !== undefined).length;
      if (n !== 1)
        ctx.addIssue({
          code: 'custom',
          message: 'sse needs exactly one of channel, script or scenario',
          path: ['sse'],
        });
    }
  });
