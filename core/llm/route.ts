/**
 * The `llm` route kind: one script, answered in the wire format the request
 * asks for.
 *
 *   POST body ─▶ endpoint (path, else body shape) ─▶ parse (provider 400 when refused)
 *             ─▶ case (last user message) ─▶ plan ─▶ stream: player writes frames on time
 *                                                 └▶ stream: false: wait the whole reply, send the JSON
 */
import type { LlmConfig, RouteConfig } from '../config/index.js';
import type { Exchange, HandlerFactory, RouteHandler } from '../kernel/index.js';
import { refuseMethod } from '../kernel/index.js';
import { drainedOrClosed, sleep } from '../util/wait.js';
import { resolveReply } from './cases.js';
import { httpError, requestError, type InBandKind } from './errors.js';
import { DEFAULT_MODELS, RENDERERS } from './formats/index.js';
import { buildPlan, planDuration, type LlmPlan } from './plan.js';
import { PlanPlayer, type PlaySink } from './player.js';
import { endpointOf, formatOfBody, parseRequest, type Endpoint, type LlmRequest } from './request.js';
import { jsonArrayFramer, sseFramer, type WireRenderer } from './wire.js';

/** Request bodies larger than this are refused (413) — a chat request is text, not a place for bulk data. */
const MAX_BODY = 8 * 1024 * 1024;

const ENDPOINTS =
  "POST /v1/chat/completions, /v1/responses, /v1/messages, /v1beta/models/{model}:streamGenerateContent or :generateContent, or a chat UI's messages with parts";

/** Sends a JSON answer unless headers already went out. */
function sendJson(
  ex: Exchange,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  text?: string,
): void {
  const { res } = ex;
  if (res.headersSent || res.destroyed) return;
  const buf = Buffer.from(text ?? JSON.stringify(body));
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': buf.length });
  res.end(buf);
}

/** Reads the request body, up to MAX_BODY; undefined when it was larger. */
async function readBody(ex: Exchange): Promise<string | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  let over = false;
  await ex.pipeBody((chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) over = true;
    else parts.push(chunk);
  });
  return over ? undefined : Buffer.concat(parts).toString('utf8');
}

/** The endpoint the route answers for this request: the configured format, or what the path (then the body) names. */
function endpointFor(cfg: LlmConfig, ex: Exchange, text: string): Endpoint | undefined {
  const byPath = endpointOf(ex.pathname);
  if (cfg.format !== 'auto') return byPath?.format === cfg.format ? byPath : { format: cfg.format };
  if (byPath) return byPath;
  try {
    const format = formatOfBody(JSON.parse(text));
    return format ? { format } : undefined;
  } catch {
    return undefined;
  }
}

/** A sink over the exchange's outlet: the synchronous fast path when no stage sits on it, drain waits otherwise. */
function outletSink(ex: Exchange): PlaySink {
  const { outlet, res } = ex;
  const direct = outlet.direct;
  return {
    write(text) {
      if (outlet.closed) return undefined;
      const buf = Buffer.from(text);
      if (!direct) return outlet.write(buf);
      return outlet.writeDirect(buf) ? undefined : drainedOrClosed(res);
    },
    end: () => void outlet.end(),
    cut() {
      ex.record.outcome = 'aborted';
      // The tokens already written must reach the client first: the response corks the socket until the next tick,
      // and an empty write's callback fires once everything before it is flushed.
      setImmediate(() => {
        const socket = res.socket;
        if (!socket || socket.destroyed) return void res.destroy();
        socket.write(Buffer.alloc(0), () => res.destroy());
      });
    },
    get gone() {
      return outlet.closed;
    },
  };
}

/** Streams the plan; notes in the traffic record how a failure ended it. */
async function stream(ex: Exchange, plan: LlmPlan, renderer: WireRenderer, req: LlmRequest): Promise<void> {
  const arrayFraming = req.format === 'gemini' && !req.sse;
  const headers = arrayFraming
    ? { ...renderer.headers, 'content-type': 'application/json; charset=utf-8' }
    : renderer.headers;
  ex.res.writeHead(200, headers);
  ex.res.flushHeaders();
  ex.record.status = 200;
  ex.record.ttfbMs ??= ex.services.clock.now() - ex.record.startedAt;
  const framer = arrayFraming ? jsonArrayFramer() : sseFramer(req.format === 'gemini' ? '\r\n' : '\n');
  const player = new PlanPlayer(plan, renderer, framer, ex.services.clock, outletSink(ex));
  const onAbort = () => player.stop();
  ex.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const end = await player.play();
    if (plan.fail && end !== 'gone') ex.record.error = `llm: ${plan.fail.kind} after ${player.sent} tokens`;
  } finally {
    ex.signal.removeEventListener('abort', onAbort);
  }
}

/** Waits as long as the whole reply takes to generate, then answers with the provider's JSON (or its failure). */
async function answer(
  ex: Exchange,
  plan: LlmPlan,
  renderer: WireRenderer,
  format: LlmRequest['format'],
  firstToken: number,
): Promise<void> {
  if (!(await sleep(ex.services.clock, planDuration(plan, { firstToken }), ex.signal))) return;
  const fail = plan.fail?.kind;
  const reqId = `req_${plan.id}`;
  if (fail === 'overloaded' || fail === 'rate_limit' || fail === 'server_error') {
    const e = httpError(format, fail as InBandKind, reqId);
    ex.record.error = `llm: ${fail}`;
    return sendJson(ex, e.status, e.body, fail === 'rate_limit' || fail === 'overloaded' ? { 'retry-after': '1' } : {});
  }
  if (fail === 'cut') {
    ex.record.outcome = 'aborted';
    ex.record.error = 'llm: cut';
    ex.res.destroy();
    return;
  }
  const text = JSON.stringify(renderer.json());
  sendJson(
    ex,
    200,
    undefined,
    { 'x-request-id': reqId, 'request-id': reqId },
    fail === 'malformed_json' ? text.slice(0, Math.floor(text.length / 2)) : text,
  );
}

/** Serves one request on an `llm` route. */
async function serve(cfg: LlmConfig, ex: Exchange): Promise<void> {
  if (refuseMethod(ex, ['POST'], 'an LLM route')) return;
  const text = await readBody(ex);
  const guess = endpointOf(ex.pathname)?.format ?? (cfg.format === 'auto' ? 'openai-chat' : cfg.format);
  if (text === undefined) {
    const e = requestError(guess, `request body is larger than ${MAX_BODY} bytes`, { status: 413 });
    return sendJson(ex, e.status, e.body);
  }
  const endpoint = endpointFor(cfg, ex, text);
  if (!endpoint)
    return sendJson(ex, 404, {
      error: {
        message: `no LLM endpoint at ${ex.pathname}; this route answers ${ENDPOINTS}`,
        type: 'invalid_request_error',
      },
    });
  const parsed = parseRequest(endpoint, text, ex.query);
  if (!parsed.ok) {
    ex.record.error = 'llm: request refused';
    return sendJson(ex, parsed.error.status, parsed.error.body);
  }
  const req = parsed.request;
  const model = req.model ?? cfg.model ?? DEFAULT_MODELS[req.format];
  const { spec } = resolveReply(cfg, req.lastUserMessage, {
    seq: 1,
    query: ex.query,
    headers: ex.req.headers,
    vars: { last_user_message: req.lastUserMessage, model },
  });
  const plan = buildPlan(spec, { model, promptText: req.promptText, rng: Math.random, now: Date.now() });
  const renderer = RENDERERS[req.format](plan, req);
  if (!req.stream) return answer(ex, plan, renderer, req.format, spec.firstToken);
  return stream(ex, plan, renderer, req);
}

/** One sentence on what an `llm` route does. */
export function explainLlm(cfg: LlmConfig): string {
  const where = cfg.format === 'auto' ? "each provider's endpoint by path" : `${cfg.format} requests`;
  const cases = cfg.cases.length ? `, ${cfg.cases.length} scripted case${cfg.cases.length > 1 ? 's' : ''}` : '';
  const tools = cfg.tool_calls.length
    ? `, ${cfg.tool_calls.length} tool call${cfg.tool_calls.length > 1 ? 's' : ''}`
    : '';
  const fail = cfg.fail
    ? `, then fails: ${cfg.fail.kind}${cfg.fail.after_tokens !== undefined ? ` after ${cfg.fail.after_tokens} tokens` : ''}`
    : '';
  return `mocks an LLM API on ${where}: first token after ${cfg.first_token} ms, ${cfg.tokens_per_second} tokens/s${tools}${cases}${fail}`;
}

/** Builds the handler of an `llm` route. */
export const llmRoute: HandlerFactory = (route: RouteConfig): RouteHandler => {
  const cfg = route.llm!;
  return { handle: (ex) => serve(cfg, ex), explain: () => explainLlm(cfg) };
};
