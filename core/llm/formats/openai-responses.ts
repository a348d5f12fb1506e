/**
 * OpenAI Responses: named events with a `sequence_number` —
 * `response.created`, `response.in_progress`, then per output item
 * (`message` with one `output_text` part, then each `function_call`)
 * `output_item.added` → deltas → `….done` → `output_item.done`, and
 * `response.completed` with the whole output and usage as the end. A
 * failure is an `error` event (`{"error": {type, code, message}}`) followed
 * by `response.failed`.
 */
import { openaiError } from '../errors.js';
import { callId, type LlmPlan } from '../plan.js';
import type { LlmRequest } from '../request.js';
import { json, STREAM_HEADERS, type Frame, type WireRenderer } from '../wire.js';

type Item = Record<string, unknown>;

/** The output items after `n` steps (complete ones marked completed). */
function outputsAfter(plan: LlmPlan, n: number, done: boolean): Item[] {
  const items: Item[] = [];
  let text = '';
  const args = plan.toolCalls.map(() => '');
  let calls = 0;
  for (let i = 0; i < n; i++) {
    const s = plan.steps[i]!;
    if (s.kind === 'text') text += s.delta;
    else {
      args[s.call] += s.delta;
      calls = Math.max(calls, s.call + 1);
    }
  }
  if (plan.text && n > 0) items.push(messageItem(plan, text, done || n >= textSteps(plan)));
  for (let k = 0; k < calls; k++)
    items.push(callItem(plan, k, args[k]!, done || args[k] === plan.toolCalls[k]!.arguments));
  return items;
}

const textSteps = (plan: LlmPlan) => plan.steps.filter((s) => s.kind === 'text').length;

function messageItem(plan: LlmPlan, text: string, completed: boolean): Item {
  return {
    id: `msg_${plan.id}`,
    type: 'message',
    status: completed ? 'completed' : 'in_progress',
    role: 'assistant',
    content: completed || text ? [{ type: 'output_text', text, annotations: [], logprobs: [] }] : [],
  };
}

function callItem(plan: LlmPlan, k: number, args: string, completed: boolean): Item {
  const c = plan.toolCalls[k]!;
  return {
    id: `fc_${plan.id}_${k}`,
    type: 'function_call',
    status: completed ? 'completed' : 'in_progress',
    arguments: args,
    call_id: callId(c, 'call_'),
    name: c.name,
  };
}

function usageOf(plan: LlmPlan) {
  const { input, output } = plan.usage;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

/** The Response object in a given state. */
function responseObject(plan: LlmPlan, status: string, output: Item[], extra: Item = {}): Item {
  return {
    id: `resp_${plan.id}`,
    object: 'response',
    created_at: plan.created,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: plan.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: null,
    user: null,
    metadata: {},
    ...extra,
  };
}

/** The OpenAI Responses renderer. */
export function openaiResponses(plan: LlmPlan, _req: LlmRequest): WireRenderer {
  let seq = 0;
  const ev = (type: string, body: Item): Frame => ({
    event: type,
    data: json({ type, sequence_number: seq++, ...body }),
  });
  const msgIndex = 0;
  const callIndex = (k: number) => (plan.text ? 1 : 0) + k;
  const msgId = `msg_${plan.id}`;
  const part = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });

  /** Closes the message item (its text part and the item). */
  const closeMessage = (): Frame[] => [
    ev('response.output_text.done', {
      item_id: msgId,
      output_index: msgIndex,
      content_index: 0,
      text: plan.text,
      logprobs: [],
    }),
    ev('response.content_part.done', {
      item_id: msgId,
      output_index: msgIndex,
      content_index: 0,
      part: part(plan.text),
    }),
    ev('response.output_item.done', { output_index: msgIndex, item: messageItem(plan, plan.text, true) }),
  ];
  const isLastText = (i: number) => plan.steps[i]!.kind === 'text' && plan.steps[i + 1]?.kind !== 'text';

  return {
    headers: { ...STREAM_HEADERS, 'x-request-id': `req_${plan.id}` },
    head: () => [
      ev('response.created', { response: responseObject(plan, 'in_progress', []) }),
      ev('response.in_progress', { response: responseObject(plan, 'in_progress', []) }),
    ],
    step(i) {
      const s = plan.steps[i]!;
      const frames: Frame[] = [];
      if (s.kind === 'text') {
        if (i === 0) {
          frames.push(ev('response.output_item.added', { output_index: msgIndex, item: messageItem(plan, '', false) }));
          frames.push(
            ev('response.content_part.added', {
              item_id: msgId,
              output_index: msgIndex,
              content_index: 0,
              part: part(''),
            }),
          );
        }
        frames.push(
          ev('response.output_text.delta', {
            item_id: msgId,
            output_index: msgIndex,
            content_index: 0,
            delta: s.delta,
            logprobs: [],
          }),
        );
        if (isLastText(i)) frames.push(...closeMessage());
        return frames;
      }
      const itemId = `fc_${plan.id}_${s.call}`;
      const out = callIndex(s.call);
      if (s.first)
        frames.push(ev('response.output_item.added', { output_index: out, item: callItem(plan, s.call, '', false) }));
      if (s.delta)
        frames.push(
          ev('response.function_call_arguments.delta', { item_id: itemId, output_index: out, delta: s.delta }),
        );
      if (s.last) {
        const args = plan.toolCalls[s.call]!.arguments;
        frames.push(
          ev('response.function_call_arguments.done', { item_id: itemId, output_index: out, arguments: args }),
        );
        frames.push(ev('response.output_item.done', { output_index: out, item: callItem(plan, s.call, args, true) }));
      }
      return frames;
    },
    end(dropDone) {
      if (dropDone) return [];
      const usage = plan.reportUsage ? usageOf(plan) : null;
      return [
        ev('response.completed', {
          response: responseObject(plan, 'completed', outputsAfter(plan, plan.steps.length, true), { usage }),
        }),
      ];
    },
    error(kind, sent) {
      const e = openaiError(kind);
      return [
        // The nested form the API sends in practice; the SDK raises it as an APIError.
        ev('error', { error: { type: e.type, code: e.code, message: e.message, param: null } }),
        ev('response.failed', {
          response: responseObject(plan, 'failed', outputsAfter(plan, sent, false), {
            error: { code: e.code, message: e.message },
          }),
        }),
      ];
    },
    json: () => ({
      ...responseObject(plan, 'completed', outputsAfter(plan, plan.steps.length, true), { usage: usageOf(plan) }),
    }),
  };
}
