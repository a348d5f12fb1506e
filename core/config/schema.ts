/**
 * The Sluice config document: one zod schema for the whole file. The engine,
 * the CLI and the UI editor all use it — types are inferred from it, the JSON
 * Schema for editors is generated from it, and defaults live only here.
 *
 * Input types (`SluiceConfigInput`) are what a user writes; output types
 * (`SluiceConfig`) have sizes in bytes, durations in ms, addresses normalised.
 */
import { z } from 'zod';
import { address, duration, headers, name, onOff, probability, rate, size } from './fields.js';

// ---------------------------------------------------------------- limits

/** Who shares one bucket: each connection, each client IP, or everyone on the route. */
export const LIMIT_PER = ['connection', 'client', 'route'] as const;
/** Which way a limit applies: responses (out), request bodies (in), or both. */
export const LIMIT_DIRECTIONS = ['out', 'in', 'both'] as const;

/** One bandwidth limit: a token bucket (`rate`, `burst`) after `after` free bytes. */
export const limitSchema = z.strictObject({
  rate: rate(),
  burst: size({ min: 1 })
    .optional()
    .describe('bucket size; default: one write granularity (16k) or rate/10, whichever is larger'),
  after: size().default(0).describe('the first N bytes of each response pass unlimited (nginx limit_rate_after)'),
  per: z.enum(LIMIT_PER).default('connection').describe('who shares one bucket'),
  direction: z
    .enum(LIMIT_DIRECTIONS)
    .default('out')
    .describe(
      'out: responses to the client; in: request bodies (uploads). Stream servers: out = upstream → client, in = client → upstream (UDP: per datagram)',
    ),
});

/** Conditions of a server-wide limit rule; all given conditions must hold. */
export const limitMatchSchema = z.strictObject({
  ext: z.array(z.string().regex(/^[A-Za-z0-9]+$/, 'extensions are written without a dot, e.g. mp4')).optional(),
  content_type: z.array(z.string()).optional().describe('prefixes, e.g. video/ or application/zip'),
  min_size: size().optional().describe('responses at least this large (known length)'),
  client: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]))
    .describe('client CIDR(s), e.g. 127.0.0.2/32'),
  path: z.string().startsWith('/').optional().describe('path prefix'),
});

export const limitRuleSchema = limitSchema.extend({ match: limitMatchSchema });

export const limitsSchema = z.strictObject({
  default: limitSchema.optional(),
  rules: z.array(limitRuleSchema).default([]),
});

// ---------------------------------------------------------------- faults

/** Toxiproxy-style faults; they compose with each other and with limits. */
export const faultsSchema = z.strictObject({
  latency: duration().optional().describe('delay before the response starts'),
  jitter: duration().optional().describe('± random extra latency'),
  stall_after: size()
    .optional()
    .describe('stop sending after N bytes (the connection stays open; UDP: replies stop, the session stays)'),
  reset_after: size()
    .optional()
    .describe('reset the connection after N bytes (UDP: the session ends; the next datagram starts a new one)'),
  slice: z
    .strictObject({ size: size({ min: 1 }), delay: duration().default(0) })
    .optional()
    .describe('split writes into small pieces (not for UDP: datagrams stay whole)'),
  status: z
    .strictObject({
      code: z.number().int().min(100).max(599),
      probability: probability.default(1),
      body: z.string().optional(),
    })
    .optional(),
  drop_connection: probability
    .optional()
    .describe(
      'probability of closing the connection without a response (UDP: a new session is dropped, its datagrams discarded)',
    ),
});

// ---------------------------------------------------------------- route kinds

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
  upstream: name,
  buffering: onOff().default(false),
  connect_timeout: duration({ min: 1 }).default(5000),
  read_timeout: duration({ min: 1 }).default(60_000).describe('between two reads from the upstream'),
  send_timeout: duration({ min: 1 }).default(60_000),
  host: z.string().optional().describe("Host header sent upstream; default: the client's"),
  headers: headers.default({}).describe('extra request headers'),
  next_upstream_tries: z.number().int().min(0).default(0).describe('0 = every server once'),
});

export const ROUTE_KINDS = ['static', 'chunked', 'stream', 'upload', 'respond', 'sse', 'proxy'] as const;
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
    limit: limitSchema.optional(),
    faults: faultsSchema.optional(),
    cors: z
      .union([z.string(), z.literal(false)])
      .optional()
      .describe('Access-Control-Allow-Origin; default * on mock routes'),
    headers: headers.default({}).describe('extra response headers'),
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

// ---------------------------------------------------------------- servers and upstreams

export const gzipSchema = z.strictObject({
  types: z.array(z.string()).default(['text/', 'application/json', 'application/javascript', 'image/svg+xml']),
  min_length: size().default(1024),
});

export const httpServerSchema = z.strictObject({
  name: name,
  listen: address(),
  routes: z.array(routeSchema).default([]),
  gzip: z
    .union([z.boolean(), gzipSchema])
    .optional()
    .transform((v) => (v === true ? gzipSchema.parse({}) : v || undefined)),
  header_timeout: duration({ min: 1 }).default(10_000).describe('time to receive the request headers'),
  keepalive_timeout: duration({ min: 0 }).default(5_000),
  max_header_size: size({ min: 1024 }).default(16 * 1024),
});

export const upstreamServerSchema = z.strictObject({
  address: address(),
  weight: z.number().int().min(1).max(1000).default(1),
  max_fails: z.number().int().min(0).default(1).describe('0 disables passive failure accounting'),
  fail_timeout: duration().default(10_000),
  backup: z.boolean().default(false),
  down: z.boolean().default(false),
  max_conns: z.number().int().min(0).default(0).describe('0 = unlimited'),
});

export const BALANCE_KINDS = ['round_robin', 'least_conn', 'ip_hash', 'random'] as const;

export const httpHealthCheckSchema = z.strictObject({
  interval: duration({ min: 10 }).default(5000),
  timeout: duration({ min: 1 }).default(3000),
  path: z.string().startsWith('/').default('/'),
  status: z.array(z.number().int()).optional().describe('expected statuses; default any 2xx or 3xx'),
  fails: z.number().int().min(1).default(3),
  passes: z.number().int().min(1).default(2),
});

export const httpUpstreamSchema = z.strictObject({
  name: name,
  balance: z.enum(BALANCE_KINDS).default('round_robin'),
  servers: z.array(upstreamServerSchema).min(1, 'an upstream needs at least one server'),
  health_check: httpHealthCheckSchema.optional(),
  keepalive: z.number().int().min(0).default(32).describe('idle keep-alive connections kept per server'),
});

export const streamHealthCheckSchema = z.strictObject({
  interval: duration({ min: 10 }).default(5000),
  timeout: duration({ min: 1 }).default(3000),
  fails: z.number().int().min(1).default(3),
  passes: z.number().int().min(1).default(2),
  send: z.string().optional().describe('bytes to send after connecting (or as the UDP probe)'),
  expect: z.string().optional().describe('the reply must contain this'),
});

export const streamUpstreamSchema = z.strictObject({
  name: name,
  balance: z.enum(BALANCE_KINDS).default('round_robin'),
  servers: z.array(upstreamServerSchema).min(1, 'an upstream needs at least one server'),
  health_check: streamHealthCheckSchema.optional(),
});

/** Transport of a stream server. */
export const STREAM_PROTOCOLS = ['tcp', 'udp'] as const;

export const streamServerSchema = z.strictObject({
  name: name,
  listen: address(),
  protocol: z.enum(STREAM_PROTOCOLS).default('tcp'),
  upstream: name,
  proxy_timeout: duration({ min: 1 }).default(600_000).describe('idle timeout'),
  connect_timeout: duration({ min: 1 }).default(5000),
  next_upstream_tries: z.number().int().min(0).default(0).describe('0 = every server once'),
  proxy_responses: z.number().int().min(0).optional().describe('UDP: replies expected per datagram'),
  max_connections: z.number().int().min(0).default(0).describe('0 = unlimited'),
  max_datagram: size({ min: 1, max: 65535 }).default(65507),
  limit: limitSchema.optional(),
  faults: faultsSchema.optional(),
});

// ---------------------------------------------------------------- document

export const adminSchema = z.strictObject({
  listen: address().default('127.0.0.1:9900'),
  token: z.string().min(16, 'admin.token must be at least 16 characters').optional(),
  traffic_log: z.number().int().min(0).default(1000).describe('exchanges kept for /api/traffic'),
});

export const httpSchema = z.strictObject({
  servers: z.array(httpServerSchema).default([]),
  upstreams: z.array(httpUpstreamSchema).default([]),
  limits: limitsSchema.optional(),
});

export const streamSectionSchema = z.strictObject({
  upstreams: z.array(streamUpstreamSchema).default([]),
  servers: z.array(streamServerSchema).default([]),
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1, { error: 'version must be 1' }).default(1),
  admin: adminSchema.optional(),
  http: httpSchema.default({ servers: [], upstreams: [] }),
  stream: streamSectionSchema.default({ upstreams: [], servers: [] }),
});

/** The validated, normalised config the engine runs (bytes, ms, host:port). */
export type SluiceConfig = z.output<typeof configSchema>;
/** The config as a user writes it. */
export type SluiceConfigInput = z.input<typeof configSchema>;
export type HttpServerConfig = SluiceConfig['http']['servers'][number];
export type RouteConfig = HttpServerConfig['routes'][number];
export type LimitConfig = z.output<typeof limitSchema>;
export type LimitRuleConfig = z.output<typeof limitRuleSchema>;
export type LimitsConfig = z.output<typeof limitsSchema>;
export type FaultsConfig = z.output<typeof faultsSchema>;
export type StaticConfig = z.output<typeof staticSchema>;
export type ChunkedConfig = z.output<typeof chunkedSchema>;
export type StreamRouteConfig = z.output<typeof streamSchema>;
export type UploadConfig = z.output<typeof uploadSchema>;
export type RespondConfig = z.output<typeof respondSchema>;
export type SseConfig = z.output<typeof sseSchema>;
export type SseStep = z.output<typeof sseStepSchema>;
export type SseScenario = z.output<typeof sseScenarioSchema>;
export type ProxyConfig = z.output<typeof proxySchema>;
export type UpstreamServerConfig = z.output<typeof upstreamServerSchema>;
export type HttpUpstreamConfig = z.output<typeof httpUpstreamSchema>;
export type HttpHealthCheckConfig = z.output<typeof httpHealthCheckSchema>;
export type StreamUpstreamConfig = z.output<typeof streamUpstreamSchema>;
export type StreamHealthCheckConfig = z.output<typeof streamHealthCheckSchema>;
export type StreamServerConfig = z.output<typeof streamServerSchema>;
export type AdminConfig = z.output<typeof adminSchema>;
export type BalanceKind = (typeof BALANCE_KINDS)[number];

/** The kind of a validated route (exactly one is set). */
export function routeKind(route: RouteConfig): RouteKind {
  for (const k of ROUTE_KINDS) if (route[k] !== undefined) return k;
  throw new Error(`route ${route.path} has no kind`);
}
