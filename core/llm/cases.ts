/**
 * Choosing the reply for a request: the first case whose `contains` (any
 * case) or `regex` matches the last user message, else the route's own
 * fields; a case overrides only what it sets. Templates and patterns are
 * compiled once per route config.
 */
import { regexParts, type LlmCase, type LlmConfig, type LlmToolCall } from '../config/index.js';
import { compileTemplate, type Template, type TemplateContext } from '../util/template.js';
import type { ReplySpec } from './plan.js';

/** A case or the route's defaults, compiled. */
interface Compiled {
  test?: (message: string) => boolean;
  reply?: Template;
  src: Partial<LlmCase>;
}

const cache = new WeakMap<LlmConfig, { cases: Compiled[]; base: Compiled }>();

function compileCase(c: LlmCase): Compiled {
  let test: (m: string) => boolean;
  if (c.regex !== undefined) {
    const { source, flags } = regexParts(c.regex);
    const re = new RegExp(source, flags);
    test = (m) => re.test(m);
  } else {
    const needle = c.contains!.toLowerCase();
    test = (m) => m.toLowerCase().includes(needle);
  }
  return { test, reply: c.reply !== undefined ? compileTemplate(c.reply) : undefined, src: c };
}

function compiled(cfg: LlmConfig): { cases: Compiled[]; base: Compiled } {
  let c = cache.get(cfg);
  if (!c) {
    c = { cases: cfg.cases.map(compileCase), base: { reply: compileTemplate(cfg.reply), src: cfg } };
    cache.set(cfg, c);
  }
  return c;
}

/** Which case answered (index), or -1 for the route's defaults. */
export function matchCase(cfg: LlmConfig, message: string): number {
  return compiled(cfg).cases.findIndex((c) => c.test!(message));
}

/** Renders string leaves of tool arguments as templates (objects only: JSON text is sent as written). */
function renderArgs(call: LlmToolCall, ctx: TemplateContext): LlmToolCall {
  if (typeof call.arguments === 'string') return call;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.includes('{{') ? compileTemplate(v).render(ctx) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { ...call, arguments: walk(call.arguments) as Record<string, unknown> };
}

/** The reply for a request: the matched case over the route's defaults, templates rendered with `ctx`. */
export function resolveReply(
  cfg: LlmConfig,
  message: string,
  ctx: TemplateContext,
): { spec: ReplySpec; caseIndex: number } {
  const { cases, base } = compiled(cfg);
  const caseIndex = cases.findIndex((c) => c.test!(message));
  const hit = caseIndex >= 0 ? cases[caseIndex]! : undefined;
  const pick = <K extends keyof LlmCase>(k: K) =>
    hit?.src[k] !== undefined ? hit.src[k] : (cfg as Partial<LlmCase>)[k];
  const reply = hit?.reply ?? base.reply!;
  const spec: ReplySpec = {
    text: reply.render(ctx),
    toolCalls: (pick('tool_calls') ?? []).map((c) => renderArgs(c, ctx)),
    firstToken: pick('first_token') ?? cfg.first_token,
    tokensPerSecond: pick('tokens_per_second') ?? cfg.tokens_per_second,
    jitter: pick('jitter') ?? cfg.jitter,
    usage: cfg.usage,
    fail: pick('fail'),
  };
  return { spec, caseIndex };
}
