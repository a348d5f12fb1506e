/**
 * The `llm` route kind and the `rechunk` fault, as a user writes them. One
 * provider-neutral script (reply text, tool calls, timing, a failure) that
 * the route renders as whichever provider's wire format the request asks for.
 */
import { z } from 'zod';
import { duration } from './fields.js';

/** Wire formats an `llm` route speaks; `auto` picks one from the request path (then the body's shape). */
export const LLM_FORMATS = ['auto', 'openai-chat', 'openai-responses', 'anthropic', 'gemini', 'ai-sdk'] as const;
/** A wire format, `auto` excluded. */
export type LlmWireFormat = Exclude<(typeof LLM_FORMATS)[number], 'auto'>;

/** How a stream can fail after its 200: the provider's in-band error, or a transport fault. */
export const LLM_FAIL_KINDS = [
  'overloaded',
  'rate_limit',
  'server_error',
  'cut',
  'drop_done',
  'malformed_json',
] as const;
export type LlmFailKind = (typeof LLM_FAIL_KINDS)[number];

/** A fraction written as `20%` or `0.2`, between 0 and 1. */
function fraction() {
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null;
      const n = typeof v === 'number' ? v : m ? Number(m[1]) / 100 : NaN;
      if (!(n >= 0 && n <= 1)) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid fraction ${JSON.stringify(v)}: expected a percentage such as 20% (or 0.2)`,
        });
        return z.NEVER;
      }
      return n;
    })
    .meta({ description: 'a percentage such as 20%, or a fraction between 0 and 1' });
}

/** One tool call the reply makes; its arguments are streamed as JSON fragments. */
export const llmToolCallSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a tool name has 1–64 letters, digits, "_", "." or "-"'),
  arguments: z
    .union([z.record(z.string(), z.unknown()), z.string()])
    .default({})
    .describe('an object, or JSON text sent as written'),
  id: z.string().min(1).optional().describe('the call id; default: generated per response'),
});

/** A failure after the response started (status 200 already sent). */
export const llmFailSchema = z.strictObject({
  kind: z
    .enum(LLM_FAIL_KINDS)
    .describe(
      "overloaded, rate_limit, server_error: the provider's in-band error; cut: connection dropped; drop_done: no end marker; malformed_json: one event's JSON broken",
    ),
  after_tokens: z.number().int().min(0).optional().describe('fail after this many tokens; default: after the last one'),
});

/** What a case or the route says about the reply; a case overrides only what it sets. */
const replyFields = {
  reply: z.string().optional().describe('reply text; {{last_user_message}} and {{model}} are filled from the request'),
  tool_calls: z.array(llmToolCallSchema).optional(),
  first_token: duration().optional().describe('time to first token'),
  tokens_per_second: z.number().positive().max(10_000).optional(),
  jitter: fraction().optional().describe('± variation of each gap between tokens'),
  fail: llmFailSchema.optional(),
};

/** A turn of a scripted conversation, chosen by the last user message. */
export const llmCaseSchema = z
  .strictObject({
    contains: z.string().min(1).optional().describe('matches when the last user message contains this text (any case)'),
    regex: z
      .string()
      .min(1)
      .optional()
      .describe('matches when the last user message matches this pattern (`/pattern/flags` or a bare pattern)'),
    ...replyFields,
  })
  .superRefine((c, ctx) => {
    if ((c.contains === undefined) === (c.regex === undefined))
      ctx.addIssue({ code: 'custom', message: 'a case needs exactly one of contains or regex' });
    if (c.regex !== undefined) {
      const problem = regexProblem(c.regex);
      if (problem)
        ctx.addIssue({
          code: 'custom',
          message: `invalid regex ${JSON.stringify(c.regex)}: ${problem}`,
          path: ['regex'],
        });
    }
  });

/** `/pattern/flags` or a bare pattern, as a RegExp source and flags. */
export function regexParts(text: string): { source: string; flags: string } {
  const m = /^\/(.*)\/([dgimsuvy]*)$/s.exec(text);
  return m ? { source: m[1]!, flags: m[2]!.replace(/[gy]/g, '') } : { source: text, flags: '' };
}

function regexProblem(text: string): string | undefined {
  try {
    const { source, flags } = regexParts(text);
    new RegExp(source, flags);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** An LLM mock: one script, every provider's wire format. */
export const llmSchema = z.strictObject({
  format: z.enum(LLM_FORMATS).default('auto').describe("auto answers each provider's endpoint by path"),
  model: z.string().min(1).optional().describe('model reported when the request names none'),
  reply: z
    .string()
    .default('You said: {{last_user_message}}')
    .describe('reply text; {{last_user_message}} and {{model}} are filled from the request'),
  tool_calls: z.array(llmToolCallSchema).default([]),
  first_token: duration().default(300).describe('time to first token'),
  tokens_per_second: z.number().positive().max(10_000).default(40),
  jitter: fraction().default(0).describe('± variation of each gap between tokens, e.g. 20%'),
  usage: z
    .union([z.boolean(), z.enum(['on', 'off'])])
    .default(true)
    .transform((v) => v === true || v === 'on')
    .describe("report token usage the provider's way"),
  fail: llmFailSchema.optional(),
  cases: z
    .array(llmCaseSchema)
    .default([])
    .describe('first case matching the last user message wins; the fields above are the default'),
});

/** Re-chunking modes of the `rechunk` fault. */
export const RECHUNK_MODES = ['utf8-split', 'crlf-split', 'one-byte', 'random'] as const;
export type RechunkMode = (typeof RECHUNK_MODES)[number];

const rechunkObject = z.strictObject({
  mode: z
    .enum(RECHUNK_MODES)
    .default('random')
    .describe(
      'utf8-split: inside multi-byte characters; crlf-split: between CR and LF, between the newlines of a blank line and inside field names; one-byte; random: seeded piece sizes',
    ),
  seed: z.number().int().default(1).describe('seed of the random mode'),
  gap: duration().default(0).describe('pause between pieces (0: each piece is still its own write)'),
});

/** The same bytes, split at the places stream parsers get wrong. */
export const rechunkSchema = z
  .union([z.enum(RECHUNK_MODES), rechunkObject])
  .transform((v) => (typeof v === 'string' ? rechunkObject.parse({ mode: v }) : v));

export type LlmConfig = z.output<typeof llmSchema>;
export type LlmCase = z.output<typeof llmCaseSchema>;
export type LlmToolCall = z.output<typeof llmToolCallSchema>;
export type LlmFail = z.output<typeof llmFailSchema>;
export type RechunkConfig = z.output<typeof rechunkSchema>;
