/**
 * OpenAI Chat Completions: `data: {chat.completion.chunk}` events — the role
 * first, one content delta per token, tool calls as an opening chunk (id,
 * name, empty arguments) then argument fragments by `index`, a chunk with
 * `finish_reason`, the usage chunk (`choices: []`) when the request asked
 * `stream_options.include_usage`, then `data: [DONE]`. In-band errors are a
 * `{"error": {…}}` chunk, which the SDK raises as an APIError.
 */
import { openaiError } from '../errors.js';
import { callId, type LlmPlan } from '../plan.js';
import type { LlmRequest } from '../request.js';
import { json, STREAM_HEADERS, type Frame, type WireRenderer } from '../wire.js';

function usageOf(plan: LlmPlan) {
  const { input, output } = plan.usage;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** The OpenAI Chat Completions renderer. */
export function openaiChat(plan: LlmPlan, req: LlmRequest): WireRenderer {
  const id = `chatcmpl-${plan.id}`;
  const withUsage = req.includeUsage && plan.reportUsage;
  // Every chunk shares all but its delta: the text around it is built once per response, not per token.
  const head = json({
    id,
    object: 'chat.completion.chunk',
    created: plan.created,
    model: plan.model,
    service_tier: 'default',
    system_fingerprint: 'fp_sluice',
  }).slice(0, -1);
  const tail = (finish: string | null) =>
    `,"logprobs":null,"finish_reason":${json(finish)}}]${withUsage ? ',"usage":null' : ''}}`;
  const open = `${head},"choices":[{"index":0,"delta":`;
  const close = tail(null);
  const chunk = (delta: object, finish: string | null = null): Frame => ({
    data: `${open}${json(delta)}${finish === null ? close : tail(finish)}`,
  });
  return {
    headers: { ...STREAM_HEADERS, 'x-request-id': `req_${plan.id}` },
    head: () => [chunk({ role: 'assistant', content: plan.text ? '' : null, refusal: null })],
    step(i) {
      const s = plan.steps[i]!;
      if (s.kind === 'text') return [chunk({ content: s.delta })];
      const call = plan.toolCalls[s.call]!;
      const frames: Frame[] = [];
      if (s.first)
        frames.push(
          chunk({
            tool_calls: [
              {
                index: s.call,
                id: callId(call, 'call_'),
                type: 'function',
                function: { name: call.name, arguments: '' },
              },
            ],
          }),
        );
      if (s.delta) frames.push(chunk({ tool_calls: [{ index: s.call, function: { arguments: s.delta } }] }));
      return frames;
    },
    end(dropDone) {
      const frames = [chunk({}, plan.finish)];
      if (withUsage) {
        frames.push({
          data: json({
            id,
            object: 'chat.completion.chunk',
            created: plan.created,
            model: plan.model,
            service_tier: 'default',
            system_fingerprint: 'fp_sluice',
            choices: [],
            usage: usageOf(plan),
          }),
        });
      }
      if (!dropDone) frames.push({ data: '[DONE]' });
      return frames;
    },
    error: (kind) => [{ data: json({ error: openaiError(kind) }) }],
    json: () => ({
      id,
      object: 'chat.completion',
      created: plan.created,
      model: plan.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: plan.text || null,
            refusal: null,
            annotations: [],
            ...(plan.toolCalls.length > 0
              ? {
                  tool_calls: plan.toolCalls.map((c) => ({
                    id: callId(c, 'call_'),
                    type: 'function',
                    function: { name: c.name, arguments: c.arguments },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: plan.finish,
        },
      ],
      usage: usageOf(plan),
      service_tier: 'default',
      system_fingerprint: 'fp_sluice',
    }),
  };
}
