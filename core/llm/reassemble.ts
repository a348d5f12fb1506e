/**
 * Reading an LLM stream back: decoded SSE events (as the traffic log keeps
 * them, each with its arrival time) → the reply text, the tool calls with
 * their arguments, time to first token, tokens per second, how it ended.
 * One parser per wire format; the format is named by the request path or
 * recognised from the events. Isomorphic: the UI's stream view and the
 * recorder both use it.
 */
import type { LlmWireFormat } from '../config/index.js';
import { endpointOf } from './request.js';

/** A decoded SSE event: arrival time (ms since the exchange started), name and data. */
export interface StreamEvent {
  t: number;
  event?: string;
  data: string;
}

/** What an event carried, for a merged view beside the raw events. */
export type EventRole = 'text' | 'tool' | 'meta' | 'error' | 'end';

/** A reassembled tool call. */
export interface ReassembledCall {
  id?: string;
  name: string;
  arguments: string;
}

/** An LLM stream read back. */
export interface Reassembled {
  format: LlmWireFormat;
  model?: string;
  text: string;
  toolCalls: ReassembledCall[];
  /** Events that carried text or tool arguments. */
  tokens: number;
  /** Arrival of the first of them (ms since the exchange started). */
  ttftMs?: number;
  /** Their rate from first to last. */
  tokensPerSecond?: number;
  finish?: string;
  usage?: { input?: number; output?: number };
  /** The provider's in-band error message, when the stream carried one. */
  error?: string;
  /** True when the format's end marker arrived (`[DONE]`, `message_stop`, `response.completed`, a finishReason). */
  ended: boolean;
  /** What each event carried, by index. */
  roles: EventRole[];
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function parse(data: string): Obj | undefined {
  try {
    const v: unknown = JSON.parse(data);
    return typeof v === 'object' && v !== null ? (v as Obj) : undefined;
  } catch {
    return undefined;
  }
}

/** The wire format of a stream: from the request path, else from the events' shape. */
export function detectFormat(events: readonly StreamEvent[], url?: string): LlmWireFormat | undefined {
  const byPath = url ? endpointOf(url.split('?')[0]!)?.format : undefined;
  if (byPath) return byPath;
  for (const e of events.slice(0, 5)) {
    if (e.event === 'message_start') return 'anthropic';
    if (e.event?.startsWith('response.')) return 'openai-responses';
    const d = parse(e.data);
    if (!d) continue;
    if (d.object === 'chat.completion.chunk') return 'openai-chat';
    if (Array.isArray(d.candidates)) return 'gemini';
    if (typeof d.type === 'string' && ['start', 'start-step', 'text-start', 'text-delta'].includes(d.type))
      return 'ai-sdk';
    if (typeof d.type === 'string' && d.type.startsWith('response.')) return 'openai-responses';
  }
  return undefined;
}

/** Accumulates one stream; each format's reader feeds it. */
class Acc {
  text = '';
  calls: ReassembledCall[] = [];
  times: number[] = [];
  roles: EventRole[] = [];
  out: Partial<Reassembled> = { ended: false };

  content(t: number, kind: 'text' | 'tool'): EventRole {
    this.times.push(t);
    return kind;
  }
  call(key: number, init: Partial<ReassembledCall>): ReassembledCall {
    const c = (this.calls[key] ??= { name: '', arguments: '' });
    if (init.id !== undefined) c.id = init.id;
    if (init.name) c.name = init.name;
    return c;
  }
}

type Reader = (e: StreamEvent, d: Obj | undefined, a: Acc) => EventRole;

const openaiChat: Reader = (e, d, a) => {
  if (e.data.trim() === '[DONE]') return ((a.out.ended = true), 'end');
  if (!d) return 'meta';
  if (d.error) return ((a.out.error = String(d.error.message ?? 'error')), 'error');
  a.out.model ??= d.model;
  if (d.usage) a.out.usage = { input: d.usage.prompt_tokens, output: d.usage.completion_tokens };
  const choice = d.choices?.[0];
  if (!choice) return 'meta';
  if (choice.finish_reason) a.out.finish = choice.finish_reason;
  let role: EventRole = 'meta';
  if (typeof choice.delta?.content === 'string' && choice.delta.content) {
    a.text += choice.delta.content;
    role = a.content(e.t, 'text');
  }
  for (const tc of choice.delta?.tool_calls ?? []) {
    const c = a.call(tc.index ?? 0, { id: tc.id, name: tc.function?.name });
    if (tc.function?.arguments) {
      c.arguments += tc.function.arguments;
      role = a.content(e.t, 'tool');
    }
  }
  return role;
};

const openaiResponses: Reader = (e, d, a) => {
  if (!d) return 'meta';
  const type = d.type ?? e.event;
  switch (type) {
    case 'response.created':
      a.out.model = d.response?.model;
      return 'meta';
    case 'response.output_text.delta':
      a.text += d.delta ?? '';
      return a.content(e.t, 'text');
    case 'response.output_item.added':
      if (d.item?.type === 'function_call') a.call(d.output_index, { id: d.item.call_id, name: d.item.name });
      return 'meta';
    case 'response.function_call_arguments.delta':
      a.call(d.output_index, {}).arguments += d.delta ?? '';
      return a.content(e.t, 'tool');
    case 'response.completed': {
      a.out.ended = true;
      a.out.finish = 'completed';
      const u = d.response?.usage;
      if (u) a.out.usage = { input: u.input_tokens, output: u.output_tokens };
      return 'end';
    }
    case 'error':
      a.out.error = String(d.error?.message ?? d.message ?? 'error');
      return 'error';
    case 'response.failed':
      a.out.error ??= String(d.response?.error?.message ?? 'failed');
      return 'error';
    default:
      return 'meta';
  }
};

const anthropic: Reader = (e, d, a) => {
  if (!d) return 'meta';
  switch (d.type ?? e.event) {
    case 'message_start':
      a.out.model = d.message?.model;
      a.out.usage = { input: d.message?.usage?.input_tokens };
      return 'meta';
    case 'content_block_start':
      if (d.content_block?.type === 'tool_use') a.call(d.index, { id: d.content_block.id, name: d.content_block.name });
      return 'meta';
    case 'content_block_delta':
      if (d.delta?.type === 'text_delta') {
        a.text += d.delta.text ?? '';
        return a.content(e.t, 'text');
      }
      if (d.delta?.type === 'input_json_delta') {
        a.call(d.index, {}).arguments += d.delta.partial_json ?? '';
        return a.content(e.t, 'tool');
      }
      return 'meta';
    case 'message_delta':
      a.out.finish = d.delta?.stop_reason ?? a.out.finish;
      a.out.usage = { ...a.out.usage, output: d.usage?.output_tokens };
      return 'meta';
    case 'message_stop':
      a.out.ended = true;
      return 'end';
    case 'error':
      a.out.error = String(d.error?.message ?? 'error');
      return 'error';
    default:
      return 'meta';
  }
};

const gemini: Reader = (e, d, a) => {
  if (!d) return 'meta';
  if (d.error) return ((a.out.error = String(d.error.message ?? 'error')), 'error');
  a.out.model ??= d.modelVersion;
  if (d.usageMetadata)
    a.out.usage = { input: d.usageMetadata.promptTokenCount, output: d.usageMetadata.candidatesTokenCount };
  const cand = d.candidates?.[0];
  let role: EventRole = 'meta';
  for (const p of cand?.content?.parts ?? []) {
    if (typeof p.text === 'string' && p.text) {
      a.text += p.text;
      role = a.content(e.t, 'text');
    } else if (p.functionCall) {
      a.calls.push({
        id: p.functionCall.id,
        name: p.functionCall.name ?? '',
        arguments: JSON.stringify(p.functionCall.args ?? {}),
      });
      role = a.content(e.t, 'tool');
    }
  }
  if (cand?.finishReason) {
    a.out.finish = cand.finishReason;
    a.out.ended = true;
    if (role === 'meta') role = 'end';
  }
  return role;
};

const aiSdk: Reader = (e, d, a) => {
  if (e.data.trim() === '[DONE]') return ((a.out.ended = true), 'end');
  if (!d) return 'meta';
  const ids = ((a as Acc & { ids?: Map<string, number> }).ids ??= new Map());
  const callOf = (id: string) => {
    if (!ids.has(id)) ids.set(id, ids.size);
    return ids.get(id)!;
  };
  switch (d.type) {
    case 'text-delta':
      a.text += d.delta ?? '';
      return a.content(e.t, 'text');
    case 'tool-input-start':
      a.call(callOf(d.toolCallId), { id: d.toolCallId, name: d.toolName });
      return 'meta';
    case 'tool-input-delta':
      a.call(callOf(d.toolCallId), {}).arguments += d.inputTextDelta ?? '';
      return a.content(e.t, 'tool');
    case 'tool-input-available': {
      const c = a.call(callOf(d.toolCallId), { id: d.toolCallId, name: d.toolName });
      if (!c.arguments) c.arguments = JSON.stringify(d.input ?? {});
      return 'meta';
    }
    case 'finish':
      a.out.finish = d.finishReason;
      return 'meta';
    case 'error':
      a.out.error = String(d.errorText ?? 'error');
      return 'error';
    default:
      return 'meta';
  }
};

const READERS: Record<LlmWireFormat, Reader> = {
  'openai-chat': openaiChat,
  'openai-responses': openaiResponses,
  anthropic,
  gemini,
  'ai-sdk': aiSdk,
};

/** Reads a stream back; undefined when its format is not one Sluice knows. */
export function reassemble(
  events: readonly StreamEvent[],
  opts: { format?: LlmWireFormat; url?: string } = {},
): Reassembled | undefined {
  const format = opts.format ?? detectFormat(events, opts.url);
  if (!format) return undefined;
  const a = new Acc();
  const read = READERS[format];
  for (const e of events) a.roles.push(read(e, parse(e.data), a));
  const n = a.times.length;
  const span = n > 1 ? a.times[n - 1]! - a.times[0]! : 0;
  return {
    ...a.out,
    format,
    text: a.text,
    toolCalls: a.calls.filter(Boolean),
    tokens: n,
    ttftMs: n > 0 ? a.times[0] : undefined,
    tokensPerSecond: span > 0 ? ((n - 1) * 1000) / span : undefined,
    ended: a.out.ended ?? false,
    roles: a.roles,
  };
}
