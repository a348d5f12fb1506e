/**
 * Reading an LLM request the way each provider's API does: which format the
 * path (or body) names, the model, whether to stream, the last user message
 * (what cases match and `{{last_user_message}}` shows), the prompt text (for
 * usage) and the tools offered. A request the real API would refuse gets
 * that provider's 400.
 */
import type { LlmWireFormat } from '../config/index.js';
import { requestError, type RequestError } from './errors.js';

/** What an LLM route needs from a request. */
export interface LlmRequest {
  format: LlmWireFormat;
  model: string | undefined;
  stream: boolean;
  lastUserMessage: string;
  /** Every text of the input, joined (for prompt token counts). */
  promptText: string;
  /** OpenAI chat: `stream_options.include_usage`. */
  includeUsage: boolean;
  /** Gemini streaming: `alt=sse` (an SSE stream) rather than a streamed JSON array. */
  sse: boolean;
  /** Names of the tools the request offers. */
  tools: string[];
}

/** A parsed request, or the provider's refusal. */
export type ParsedRequest = { ok: true; request: LlmRequest } | { ok: false; error: RequestError };

/** The endpoint a path names: format, plus Gemini's model and streaming method. */
export interface Endpoint {
  format: LlmWireFormat;
  model?: string;
  stream?: boolean;
}

/** The format a path names (`…/chat/completions`, `…/models/m:streamGenerateContent`), or undefined. */
export function endpointOf(pathname: string): Endpoint | undefined {
  const path = safeDecode(pathname).replace(/\/+$/, '');
  if (path.endsWith('/chat/completions')) return { format: 'openai-chat' };
  if (path.endsWith('/responses')) return { format: 'openai-responses' };
  if (path.endsWith('/messages')) return { format: 'anthropic' };
  const g = /\/models\/([^/:]+):(streamGenerateContent|generateContent)$/.exec(path);
  if (g) return { format: 'gemini', model: g[1], stream: g[2] === 'streamGenerateContent' };
  return undefined;
}

/** The format a body's shape suggests when the path says nothing (a chat UI posting to `/api/chat`). */
export function formatOfBody(body: unknown): LlmWireFormat | undefined {
  if (!isObject(body)) return undefined;
  const messages = body.messages;
  if (Array.isArray(messages) && messages.some((m) => isObject(m) && Array.isArray(m.parts))) return 'ai-sdk';
  if (Array.isArray(body.contents)) return 'gemini';
  if (body.input !== undefined) return 'openai-responses';
  if (Array.isArray(messages))
    return typeof body.max_tokens === 'number' && typeof body.system === 'string' ? 'anthropic' : 'openai-chat';
  return undefined;
}

/** Parses the JSON body of a request in `endpoint`'s format. */
export function parseRequest(endpoint: Endpoint, text: string, query: URLSearchParams): ParsedRequest {
  const { format } = endpoint;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: requestError(format, badJsonMessage(format)) };
  }
  if (!isObject(body)) return { ok: false, error: requestError(format, badJsonMessage(format)) };
  switch (format) {
    case 'openai-chat':
      return openaiChat(body);
    case 'openai-responses':
      return openaiResponses(body);
    case 'anthropic':
      return anthropic(body);
    case 'gemini':
      return gemini(body, endpoint, query);
    case 'ai-sdk':
      return aiSdk(body);
  }
}

function badJsonMessage(format: LlmWireFormat): string {
  switch (format) {
    case 'openai-chat':
    case 'openai-responses':
      return "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)";
    case 'anthropic':
      return 'There was an issue with your request body: the body is not valid JSON';
    case 'gemini':
      return 'Invalid JSON payload received. Unexpected token.';
    case 'ai-sdk':
      return 'the request body is not valid JSON';
  }
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Text of one content part: `text`/`input_text`, a tool result's content, or a Gemini function response as JSON. */
function partText(p: unknown): string {
  if (typeof p === 'string') return p;
  if (!isObject(p)) return '';
  if (typeof p.text === 'string') return p.text;
  if (p.type === 'tool_result') return textOf(p.content);
  if (isObject(p.functionResponse)) return JSON.stringify(p.functionResponse.response ?? {});
  return '';
}

/** Text of a content value: a string, or the text of an array's parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map(partText).filter(Boolean).join('\n');
}

/** Roles whose message is the user's side of a turn: the user, and tool results sent back (OpenAI `tool`). */
const USER_SIDE = new Set(['user', 'tool', 'function']);

/**
 * The last user-side message (a tool result counts: a scripted conversation
 * answers it with the next case) and all text, from `{role, <field>}` items.
 */
function conversation(items: unknown[], field: string): { last: string; all: string } {
  let last = '';
  const all: string[] = [];
  for (const m of items) {
    if (!isObject(m)) continue;
    const text = m.type === 'function_call_output' ? String(m.output ?? '') : textOf(m[field]);
    if (text) all.push(text);
    if (USER_SIDE.has(String(m.role ?? 'user'))) last = text;
  }
  return { last, all: all.join('\n') };
}

function toolNames(tools: unknown, pick: (t: Obj) => unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((t) => (isObject(t) && typeof pick(t) === 'string' ? [pick(t) as string] : []));
}

function openaiChat(body: Obj): ParsedRequest {
  const fail = (message: string, param: string) => ({
    ok: false as const,
    error: requestError('openai-chat', message, { param }),
  });
  if (typeof body.model !== 'string') return fail("Missing required parameter: 'model'.", 'model');
  if (!Array.isArray(body.messages)) return fail("Missing required parameter: 'messages'.", 'messages');
  if (body.messages.length === 0)
    return fail(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
    );
  const conv = conversation(body.messages, 'content');
  const opts = isObject(body.stream_options) ? body.stream_options : {};
  return {
    ok: true,
    request: {
      format: 'openai-chat',
      model: body.model,
      stream: body.stream === true,
      lastUserMessage: conv.last,
      promptText: conv.all,
      includeUsage: opts.include_usage === true,
      sse: true,
      tools: toolNames(body.tools, (t) => (isObject(t.function) ? t.function.name : undefined)),
    },
  };
}

function openaiResponses(body: Obj): ParsedRequest {
  if (typeof body.model !== 'string')
    return {
      ok: false,
      error: requestError('openai-responses', "Missing required parameter: 'model'.", { param: 'model' }),
    };
  let last = '';
  let all = '';
  if (typeof body.input === 'string') last = all = body.input;
  else if (Array.isArray(body.input))
    ({ last, all } = conversation(
      body.input.filter(
        (i) => isObject(i) && (i.type === undefined || i.type === 'message' || i.type === 'function_call_output'),
      ),
      'content',
    ));
  const instructions = str(body.instructions);
  return {
    ok: true,
    request: {
      format: 'openai-responses',
      model: body.model,
      stream: body.stream === true,
      lastUserMessage: last,
      promptText: [instructions, all].filter(Boolean).join('\n'),
      includeUsage: true,
      sse: true,
      tools: toolNames(body.tools, (t) => t.name),
    },
  };
}

function anthropic(body: Obj): ParsedRequest {
  const fail = (message: string) => ({ ok: false as const, error: requestError('anthropic', message) });
  if (typeof body.model !== 'string') return fail('model: Field required');
  if (!Array.isArray(body.messages)) return fail('messages: Field required');
  if (typeof body.max_tokens !== 'number') return fail('max_tokens: Field required');
  const conv = conversation(body.messages, 'content');
  const system = typeof body.system === 'string' ? body.system : textOf(body.system);
  return {
    ok: true,
    request: {
      format: 'anthropic',
      model: body.model,
      stream: body.stream === true,
      lastUserMessage: conv.last,
      promptText: [system, conv.all].filter(Boolean).join('\n'),
      includeUsage: true,
      sse: true,
      tools: toolNames(body.tools, (t) => t.name),
    },
  };
}

function gemini(body: Obj, endpoint: Endpoint, query: URLSearchParams): ParsedRequest {
  if (!Array.isArray(body.contents) || body.contents.length === 0) {
    return {
      ok: false,
      error: requestError('gemini', '* GenerateContentRequest.contents: contents is not specified\n'),
    };
  }
  const conv = conversation(body.contents, 'parts');
  const system = isObject(body.systemInstruction) ? textOf(body.systemInstruction.parts) : '';
  const tools = Array.isArray(body.tools)
    ? body.tools.flatMap((t) => (isObject(t) ? toolNames(t.functionDeclarations, (d) => d.name) : []))
    : [];
  return {
    ok: true,
    request: {
      format: 'gemini',
      model: endpoint.model,
      stream: endpoint.stream !== false,
      lastUserMessage: conv.last,
      promptText: [system, conv.all].filter(Boolean).join('\n'),
      includeUsage: true,
      sse: query.get('alt') === 'sse',
      tools,
    },
  };
}

function aiSdk(body: Obj): ParsedRequest {
  if (!Array.isArray(body.messages))
    return { ok: false, error: requestError('ai-sdk', 'messages: expected an array of UI messages') };
  const conv = conversation(body.messages, 'parts');
  return {
    ok: true,
    request: {
      format: 'ai-sdk',
      model: str(body.model),
      stream: true,
      lastUserMessage: conv.last,
      promptText: conv.all,
      includeUsage: true,
      sse: true,
      tools: [],
    },
  };
}
