/**
 * The Sluice config document: one zod schema for the whole file. The engine,
 * the CLI and the UI editor all use it — types are inferred from it, the JSON
 * Schema for editors is generated from it, and defaults live only here.
 *
 * Input types (`SluiceConfigInput`) are what a user writes; output types
 * (`SluiceConfig`) have sizes in bytes, durations in ms, addresses normalised.
 */
import { z } from 'zod';
import { address } from './fields.js';
import {
  ROUTE_KINDS,
  RouteKind,
  chunkedSchema,
  proxySchema,
  respondSchema,
  sseScenarioSchema,
  sseSchema,
  sseStepSchema,
  staticSchema,
  streamSchema,
  uploadSchema,
} from './schema-routes.js';
import {
  BALANCE_KINDS,
  accessLogSchema,
  httpHealthCheckSchema,
  httpServerSchema,
  httpUpstreamSchema,
  serverTlsSchema,
  streamHealthCheckSchema,
  streamServerSchema,
  streamUpstreamSchema,
  upstreamServerSchema,
  upstreamTlsSchema,
} from './schema-servers.js';
import { faultsSchema, limitRuleSchema, limitSchema, limitsSchema } from './schema-shaping.js';
import { isIpLiteral, parseUpstreamUrl } from './upstream-url.js';

export * from './schema-routes.js';
export * from './schema-servers.js';
export * from './schema-shaping.js';
export { llmSchema, rechunkSchema } from './llm-schema.js';

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
