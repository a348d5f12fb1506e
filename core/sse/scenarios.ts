/**
 * Built-in SSE scenarios, one line of config each
 * (`sse: { scenario: openai }` or `{ scenario: { type: openai, text, tokens_per_second } }`).
 * Each is a generator of script steps, so the script player plays them like
 * any script and endless ones (ticker, log) never exist as a list.
 */
import type { SseScenario } from '../config/index.js';
import type { PlayStep } from './script-player.js';

/** What a scenario may vary per connection. */
export interface ScenarioContext {
  rng: () => number;
  /** Wall-clock epoch ms. */
  now: () => number;
  /** Renders a template (`text: "You said {{query.q}}"`) against the request; identity when absent. */
  render?: (template: string) => string;
}

/** The text a chat scenario streams for this connection. */
function textOf(s: SseScenario, ctx: ScenarioContext): string {
  const text = s.text ?? DEFAULT_TEXT;
  return ctx.render ? ctx.render(text) : text;
}

/** The text the chat scenarios stream when the config gives none. */
export const DEFAULT_TEXT =
  'Sluice is a workbench for streaming servers. This reply is streamed token by token, ' +
  'the way a chat completion API sends it, so you can build and test a client without a model behind it.';

/** Splits text into word-ish tokens that keep their leading whitespace (" world"). */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

function randomId(rng: () => number, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rng() * alphabet.length)];
  return out;
}

const json = (v: unknown) => JSON.stringify(v);

/** OpenAI chat completion chunks: role, one chunk per token, finish_reason "stop", then `[DONE]`. */
export function* openaiSteps(s: SseScenario, ctx: ScenarioContext): Generator<PlayStep> {
  const id = `chatcmpl-${randomId(ctx.rng)}`;
  const created = Math.floor(ctx.now() / 1000);
  const model = s.model ?? 'gpt-4o-mini';
  const gap = 1000 / s.tokens_per_second;
  const chunk = (delta: object, finish: string | null) =>
    json({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'fp_sluice',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  yield { raw: true, data: chunk({ role: 'assistant', content: '' }, null) };
  for (const tok of tokenize(textOf(s, ctx))) yield { raw: true, delay: gap, data: chunk({ content: tok }, null) };
  yield { raw: true, delay: gap, data: chunk({}, 'stop') };
  yield { raw: true, data: '[DONE]' };
}

/** Anthropic messages stream: named events from message_start to message_stop, with a ping. */
export function* anthropicSteps(s: SseScenario, ctx: ScenarioContext): Generator<PlayStep> {
  const model = s.model ?? 'claude-sonnet-4-5';
  const gap = 1000 / s.tokens_per_second;
  const tokens = tokenize(textOf(s, ctx));
  const ev = (event: string, data: object, delay?: number): PlayStep => ({
    raw: true,
    event,
    data: json({ type: event, ...data }),
    delay,
  });
  yield ev('message_start', {
    message: {
      id: `msg_${randomId(ctx.rng)}`,
      type: 'message',
      role: 'assistant',
      content: [],
      model,
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 1 },
    },
  });
  yield ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  yield ev('ping', {});
  for (const tok of tokens)
    yield ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: tok } }, gap);
  yield ev('content_block_stop', { index: 0 });
  yield ev(
    'message_delta',
    { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: tokens.length } },
    gap,
  );
  yield ev('message_stop', {});
}

/** A progress feed: `progress` events from 0 to 100 percent, then `complete`. */
export function* progressSteps(s: SseScenario): Generator<PlayStep> {
  const steps = s.count && s.count > 0 ? s.count : 20;
  const every = s.every ?? 500;
  for (let i = 0; i <= steps; i++) {
    const percent = Math.round((i * 100) / steps);
    yield {
      raw: true,
      event: 'progress',
      id: String(i + 1),
      data: json({ percent, step: i, of: steps }),
      delay: i === 0 ? 0 : every,
    };
  }
  yield { raw: true, event: 'complete', id: String(steps + 2), data: json({ percent: 100, status: 'done' }) };
}

const SYMBOLS = ['ACME', 'GLOBX', 'INITECH', 'UMBRL', 'HOOLI'];

/** A price ticker: `tick` events with a random walk per symbol; `count` 0 = forever. */
export function* tickerSteps(s: SseScenario, ctx: ScenarioContext): Generator<PlayStep> {
  const prices = SYMBOLS.map(() => 50 + Math.floor(ctx.rng() * 150));
  const every = s.every ?? 1000;
  for (let n = 1; !s.count || n <= s.count; n++) {
    const i = Math.floor(ctx.rng() * SYMBOLS.length);
    const change = Math.round((ctx.rng() - 0.5) * 200) / 100;
    prices[i] = Math.max(1, Math.round((prices[i]! + change) * 100) / 100);
    const data = json({
      seq: n,
      symbol: SYMBOLS[i],
      price: prices[i],
      change,
      time: new Date(ctx.now()).toISOString(),
    });
    yield { raw: true, event: 'tick', id: String(n), data, delay: n === 1 ? 0 : every };
  }
}

const LEVELS = ['INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const PATHS = [
  '/api/users',
  '/api/orders',
  '/api/orders/42',
  '/health',
  '/api/search?q=shoes',
  '/static/app.js',
  '/login',
];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const MESSAGES = [
  'cache miss for session',
  'connection pool at 80%',
  'retrying upstream request',
  'slow query (320ms) on orders',
  'token refreshed',
  'worker started',
];

function logLine(ctx: ScenarioContext): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(ctx.rng() * xs.length)]!;
  const level = pick(LEVELS);
  const time = new Date(ctx.now()).toISOString();
  if (ctx.rng() < 0.7) {
    const status = level === 'ERROR' ? 500 : level === 'WARN' ? 429 : pick([200, 200, 200, 201, 204, 304, 404]);
    const ms = 1 + Math.floor(ctx.rng() * (level === 'ERROR' ? 2000 : 120));
    return `${time} ${level.padEnd(5)} [http] ${pick(METHODS)} ${pick(PATHS)} ${status} ${ms}ms`;
  }
  return `${time} ${level.padEnd(5)} [app] ${pick(MESSAGES)}`;
}

/** A log tail: plausible log lines as `log` events; `count` 0 = forever. */
export function* logSteps(s: SseScenario, ctx: ScenarioContext): Generator<PlayStep> {
  const every = s.every ?? 300;
  for (let n = 1; !s.count || n <= s.count; n++) {
    yield { raw: true, event: 'log', id: String(n), data: logLine(ctx), delay: n === 1 ? 0 : every };
  }
}

/** The steps of a built-in scenario. */
export function scenarioSteps(s: SseScenario, ctx: ScenarioContext): Iterable<PlayStep> {
  switch (s.type) {
    case 'openai':
      return openaiSteps(s, ctx);
    case 'anthropic':
      return anthropicSteps(s, ctx);
    case 'progress':
      return progressSteps(s);
    case 'ticker':
      return tickerSteps(s, ctx);
    case 'log':
      return logSteps(s, ctx);
  }
}

/** One sentence on what a scenario streams (for explain()). */
export function describeScenario(s: SseScenario): string {
  switch (s.type) {
    case 'openai':
      return `streams an OpenAI chat completion at ${s.tokens_per_second} tokens/s, then [DONE]`;
    case 'anthropic':
      return `streams an Anthropic messages response at ${s.tokens_per_second} tokens/s`;
    case 'progress':
      return 'streams progress from 0 to 100 percent, then complete';
    case 'ticker':
      return `streams price ticks every ${s.every ?? 1000} ms`;
    case 'log':
      return `streams log lines every ${s.every ?? 300} ms`;
  }
}
