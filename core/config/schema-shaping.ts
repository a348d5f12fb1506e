/** Config schema: bandwidth limits (a route's, server-wide rules) and faults, shared by HTTP routes and stream servers. */
import { z } from 'zod';
import { duration, probability, rate, size } from './fields.js';
import { rechunkSchema } from './llm-schema.js';

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
  rechunk: rechunkSchema
    .optional()
    .describe(
      'write the same bytes split where stream parsers break: utf8-split, crlf-split, one-byte, random (not for UDP)',
    ),
});
