/**
 * The provider-neutral plan of one response: what is said (text tokens, then
 * each tool call's argument fragments), when (a schedule from the first-token
 * delay, the rate and jitter), how it ends (finish reason, usage, or a
 * failure after N tokens). Renderers turn its steps into each provider's
 * wire format; the player writes them on time.
 *
 *   reply text ──tokenize──▶ text steps ─┐
 *   tool args  ──tokenize──▶ tool steps ─┴─▶ steps + at[] (ms after start) + fail?
 */
import type { LlmFailKind, LlmToolCall } from '../config/index.js';
import { countTokens, tokenize } from './tokenize.js';

/** A tool call as planned: id (from the config, or a random base each provider prefixes), name and the full argument JSON text. */
export interface PlanToolCall {
  id: string;
  given: boolean;
  name: string;
  arguments: string;
}

/** The id a provider shows for a call: the configured one, or `prefix` + the random base (`call_…`, `toolu_…`). */
export function callId(call: PlanToolCall, prefix: string): string {
  return call.given ? call.id : `${prefix}${call.id}`;
}

/** One token-sized step: a piece of reply text, or a fragment of a tool call's arguments. */
export type PlanStep =
  { kind: 'text'; delta: string } | { kind: 'tool'; call: number; delta: string; first: boolean; last: boolean };

/** Everything one response says and when. */
export interface LlmPlan {
  /** Random base for ids (`chatcmpl-…`, `msg_…`, `resp_…`), fixed per response. */
  id: string;
  model: string;
  /** Wall-clock seconds at the start (`created`). */
  created: number;
  text: string;
  toolCalls: PlanToolCall[];
  steps: PlanStep[];
  /** When each step is due, in ms after the response started. */
  at: number[];
  usage: { input: number; output: number };
  finish: 'stop' | 'tool_calls';
  /** The stream fails after `afterStep` steps were sent. */
  fail?: { kind: LlmFailKind; afterStep: number };
  /** Report usage where the provider makes it optional. */
  reportUsage: boolean;
}

/** The reply as resolved for one request (route defaults with the matched case on top, templates rendered). */
export interface ReplySpec {
  text: string;
  toolCalls: readonly LlmToolCall[];
  firstToken: number;
  tokensPerSecond: number;
  jitter: number;
  usage: boolean;
  fail?: { kind: LlmFailKind; after_tokens?: number };
}

/** Inputs of a plan besides the reply. */
export interface PlanContext {
  model: string;
  promptText: string;
  rng: () => number;
  /** Wall-clock epoch ms. */
  now: number;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random id of `length` letters and digits. */
export function randomId(rng: () => number, length = 24): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(rng() * ALPHABET.length)];
  return out;
}

/** The argument JSON text of a configured tool call. */
export function argumentsText(call: LlmToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

/** The steps of a reply: its text tokens, then each tool call's argument fragments. */
function stepsOf(text: string, calls: PlanToolCall[]): PlanStep[] {
  const steps: PlanStep[] = tokenize(text).map((delta) => ({ kind: 'text', delta }));
  calls.forEach((c, call) => {
    const pieces = tokenize(c.arguments);
    if (pieces.length === 0) pieces.push('');
    pieces.forEach((delta, i) =>
      steps.push({ kind: 'tool', call, delta, first: i === 0, last: i === pieces.length - 1 }),
    );
  });
  return steps;
}

/** Due times: the first step after `firstToken`, then one gap (± jitter) apart, drift-free. */
export function schedule(
  count: number,
  firstToken: number,
  tokensPerSecond: number,
  jitter: number,
  rng: () => number,
): number[] {
  const gap = 1000 / tokensPerSecond;
  const at: number[] = [];
  let t = firstToken;
  for (let i = 0; i < count; i++) {
    if (i > 0) t += jitter > 0 ? gap * (1 + jitter * (rng() * 2 - 1)) : gap;
    at.push(t);
  }
  return at;
}

/** Builds the plan of one response. */
export function buildPlan(spec: ReplySpec, ctx: PlanContext): LlmPlan {
  const toolCalls = spec.toolCalls.map((c) => ({
    id: c.id ?? randomId(ctx.rng),
    given: c.id !== undefined,
    name: c.name,
    arguments: argumentsText(c),
  }));
  const steps = stepsOf(spec.text, toolCalls);
  const plan: LlmPlan = {
    id: randomId(ctx.rng),
    model: ctx.model,
    created: Math.floor(ctx.now / 1000),
    text: spec.text,
    toolCalls,
    steps,
    at: schedule(steps.length, spec.firstToken, spec.tokensPerSecond, spec.jitter, ctx.rng),
    usage: { input: Math.max(1, countTokens(ctx.promptText)), output: steps.length },
    finish: toolCalls.length > 0 ? 'tool_calls' : 'stop',
    reportUsage: spec.usage,
  };
  if (spec.fail)
    plan.fail = { kind: spec.fail.kind, afterStep: Math.min(spec.fail.after_tokens ?? steps.length, steps.length) };
  return plan;
}

/** Time the whole reply takes (a non-streaming answer is sent then). */
export function planDuration(plan: LlmPlan, spec: Pick<ReplySpec, 'firstToken'>): number {
  return plan.at.length > 0 ? plan.at[plan.at.length - 1]! : spec.firstToken;
}
