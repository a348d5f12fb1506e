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
import { isIpLiteral, parseUpstreamUrl, upstreamRef } from './upstream-url.js';
import { llmSchema, rechunkSchema } from './llm-schema.js';

// ---------------------------------------------------------------- limits

/** One bandwidth limit: a token bucket (`rate`, `burst`) after `after` free bytes. */
export const limitSchema = z.strictObject({
  rate: rate(),
  burst: size({ min: 1 })
    .optional()
    .describe('bucket size; default: one write granularity (16k) or rate/10, whichever is larger'),
  after: size().default(0).describe('the first N bytes of each response pass unlimited (nginx limit_rate_after)'),
  per: z.enum(['connection', 'client', 'route']).default('connection').describe('who shares one bucket'),
  direction: z
    .enum(['out', 'in', 'both'])
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
  rechunk: rechunkSchema
    .optional()
    .describe(
      'write the same bytes split where stream parsers break: utf8-split, crlf-split, one-byte, random (not for UDP)',
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

export const streamSchema = z.strictObject({
  format: z.enum(['ndjson', 'text', 'binary']).default('ndjson'),
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
  fault: z.enum(['close', 'stall', 'reset']).optional(),
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
  type: z.enum(['openai', 'anthropic', 'progress', 'ticker', 'log']),
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

// ---------------------------------------------------------------- servers and upstreams

export const gzipSchema = z.strictObject({
  types: z.array(z.string()).default(['text/', 'application/json', 'application/javascript', 'image/svg+xml']),
  min_length: size().default(1024),
});

/** A server's TLS: a certificate issued by Sluice's local CA (`{}`), or the user's PEM files. */
export const serverTlsSchema = z
  .strictObject({
    cert: z
      .string()
      .min(1)
      .optional()
      .describe(
        "PEM certificate file (leaf first, then intermediates); reloaded on apply. Default: a certificate from Sluice's local CA for the listen host, localhost, 127.0.0.1 and ::1",
      ),
    key: z.string().min(1).optional().describe('PEM private key file of cert'),
  })
  .superRefine((t, ctx) => {
    if (t.cert !== undefined && t.key === undefined)
      ctx.addIssue({ code: 'custom', message: 'cert needs key (the private key file of the certificate)' });
    if (t.key !== undefined && t.cert === undefined)
      ctx.addIssue({
        code: 'custom',
        message: "key needs cert (the certificate file); or write tls: {} for a certificate from Sluice's local CA",
      });
  });

/** Largest HTTP/2 stream limit accepted per connection. */
export const MAX_CONCURRENT_STREAMS = 1_000_000;

/** Where and how a server logs its requests. */
export const accessLogSchema = z.strictObject({
  path: z.string().min(1).describe('file, relative to the config file'),
  format: z
    .enum(['combined', 'json'])
    .default('combined')
    .describe("combined: nginx's default line; json: one JSON object per line"),
});

export const httpServerSchema = z.strictObject({
  name: name,
  listen: address(),
  tls: serverTlsSchema
    .optional()
    .describe("serve HTTPS: {} for a certificate from Sluice's local CA, or { cert, key } files"),
  http2: onOff()
    .optional()
    .describe('HTTP/2 through ALPN (h2 and http/1.1 on one port); default on with tls, needs tls'),
  max_concurrent_streams: z
    .number()
    .int()
    .min(1)
    .max(MAX_CONCURRENT_STREAMS)
    .default(1000)
    .describe(
      'HTTP/2 streams one connection may have open at once (browsers multiplex EventSources on one connection)',
    ),
  routes: z.array(routeSchema).default([]),
  gzip: z
    .union([z.boolean(), gzipSchema])
    .optional()
    .transform((v) => (v === true ? gzipSchema.parse({}) : v || undefined)),
  header_timeout: duration({ min: 1 }).default(10_000).describe('time to receive the request headers'),
  keepalive_timeout: duration({ min: 0 }).default(5_000),
  max_header_size: size({ min: 1024 }).default(16 * 1024),
  max_connections: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('open connections accepted at once; past it a request gets 503 with a reason (0 = unlimited)'),
  access_log: z
    .union([z.string().min(1), accessLogSchema])
    .optional()
    .transform((v) => (typeof v === 'string' ? accessLogSchema.parse({ path: v }) : v))
    .describe('a file getting one line per request, nginx combined or JSON lines; off by default'),
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

/** How the proxy speaks TLS to an upstream's servers. */
export const upstreamTlsSchema = z.strictObject({
  server_name: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, 'server_name is a host name such as api.openai.com')
    .refine(
      (v) => !isIpLiteral(v),
      "server_name is sent as SNI, which cannot be an IP address; leave it out to check the certificate against the server's IP",
    )
    .optional()
    .describe("SNI, the name the certificate must match, and the default Host; default the server address's host name"),
  verify: onOff().default(true).describe('verify the certificate chain, dates and name (off accepts any certificate)'),
  ca: z.string().min(1).optional().describe('PEM file of CA certificates trusted in addition to the system/Node roots'),
});

export const httpUpstreamSchema = z.strictObject({
  name: name,
  balance: z.enum(BALANCE_KINDS).default('round_robin'),
  servers: z.array(upstreamServerSchema).min(1, 'an upstream needs at least one server'),
  tls: upstreamTlsSchema.optional().describe('reach the servers over HTTPS'),
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

export const streamServerSchema = z.strictObject({
  name: name,
  listen: address(),
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
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

/** The group a `proxy.upstream` URL stands for: one server; TLS with the URL's host as SNI for https. */
function implicitUpstream(url: string): z.output<typeof httpUpstreamSchema> | undefined {
  const u = parseUpstreamUrl(url);
  if (typeof u === 'string') return undefined;
  const tls = u.tls ? (isIpLiteral(u.host) ? {} : { server_name: u.host }) : undefined;
  const group = httpUpstreamSchema.parse({ name: 'implicit', servers: [{ address: u.address }], tls });
  return { ...group, name: u.name };
}

export const httpSchema = z
  .strictObject({
    servers: z.array(httpServerSchema).default([]),
    upstreams: z.array(httpUpstreamSchema).default([]),
    limits: limitsSchema.optional(),
  })
  .transform((http) => {
    // URL shorthands become groups of their own here, so everything after parsing sees ordinary groups.
    const names = new Set(http.upstreams.map((u) => u.name));
    const upstreams = [...http.upstreams];
    for (const server of http.servers) {
      for (const route of server.routes) {
        const ref = route.proxy?.upstream;
        if (ref === undefined || names.has(ref)) continue;
        const group = implicitUpstream(ref);
        if (!group) continue;
        names.add(ref);
        upstreams.push(group);
      }
    }
    return upstreams.length === http.upstreams.length ? http : { ...http, upstreams };
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
export type {
  LlmConfig,
  LlmCase,
  LlmToolCall,
  LlmFail,
  LlmFailKind,
  LlmWireFormat,
  RechunkConfig,
  RechunkMode,
} from './llm-schema.js';
export type UpstreamServerConfig = z.output<typeof upstreamServerSchema>;
export type HttpUpstreamConfig = z.output<typeof httpUpstreamSchema>;
export type HttpHealthCheckConfig = z.output<typeof httpHealthCheckSchema>;
export type UpstreamTlsConfig = z.output<typeof upstreamTlsSchema>;
export type ServerTlsConfig = z.output<typeof serverTlsSchema>;
export type StreamUpstreamConfig = z.output<typeof streamUpstreamSchema>;
export type StreamHealthCheckConfig = z.output<typeof streamHealthCheckSchema>;
export type StreamServerConfig = z.output<typeof streamServerSchema>;
export type AdminConfig = z.output<typeof adminSchema>;
export type AccessLogConfig = z.output<typeof accessLogSchema>;
export type BalanceKind = (typeof BALANCE_KINDS)[number];

/** True when a server speaks HTTP/2 (ALPN h2): on by default with tls, never without. */
export function http2Enabled(server: HttpServerConfig): boolean {
  return server.tls !== undefined && server.http2 !== false;
}

/** The kind of a validated route (exactly one is set). */
export function routeKind(route: RouteConfig): RouteKind {
  for (const k of ROUTE_KINDS) if (route[k] !== undefined) return k;
  throw new Error(`route ${route.path} has no kind`);
}
