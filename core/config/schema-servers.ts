/** Config schema: HTTP servers, upstream groups (HTTP and stream) and stream servers. */
import { z } from 'zod';
import { address, duration, name, onOff, size } from './fields.js';
import { routeSchema } from './schema-routes.js';
import { faultsSchema, limitSchema } from './schema-shaping.js';
import { isIpLiteral } from './upstream-url.js';

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
