/**
 * The Vercel AI SDK UI message stream (v5+, header
 * `x-vercel-ai-ui-message-stream: v1`): `data: {"type":…}` parts — `start`,
 * `start-step`, `text-start`/`text-delta`/`text-end`, per tool call
 * `tool-input-start`/`tool-input-delta`/`tool-input-available`,
 * `finish-step`, `finish`, then `data: [DONE]`. Errors are
 * `{"type":"error","errorText":…}` before the `[DONE]`.
 */
import { openaiError } from '../errors.js';
import { callId, type LlmPlan } from '../plan.js';
import type { LlmRequest } from '../request.js';
import { json, STREAM_HEADERS, type Frame, type WireRenderer } from '../wire.js';
import { parseArgs } from './anthropic.js';

/** The AI SDK UI message stream renderer. */
export function aiSdk(plan: LlmPlan, _req: LlmRequest): WireRenderer {
  const part = (body: object): Frame => ({ data: json(body) });
  const textId = `txt_${plan.id}`;
  const finishReason = plan.finish === 'tool_calls' ? 'tool-calls' : 'stop';
  return {
    headers: { ...STREAM_HEADERS, 'x-vercel-ai-ui-message-stream': 'v1' },
    head: () => [part({ type: 'start', messageId: `msg_${plan.id}` }), part({ type: 'start-step' })],
    step(i) {
      const s = plan.steps[i]!;
      const frames: Frame[] = [];
      if (s.kind === 'text') {
        if (i === 0) frames.push(part({ type: 'text-start', id: textId }));
        frames.push(part({ type: 'text-delta', id: textId, delta: s.delta }));
        if (plan.steps[i + 1]?.kind !== 'text') frames.push(part({ type: 'text-end', id: textId }));
        return frames;
      }
      const c = plan.toolCalls[s.call]!;
      const toolCallId = callId(c, 'call_');
      if (s.first) frames.push(part({ type: 'tool-input-start', toolCallId, toolName: c.name }));
      if (s.delta) frames.push(part({ type: 'tool-input-delta', toolCallId, inputTextDelta: s.delta }));
      if (s.last)
        frames.push(
          part({ type: 'tool-input-available', toolCallId, toolName: c.name, input: parseArgs(c.arguments) }),
        );
      return frames;
    },
    end(dropDone) {
      const { input, output } = plan.usage;
      const metadata = plan.reportUsage
        ? {
            messageMetadata: {
              model: plan.model,
              usage: { inputTokens: input, outputTokens: output, totalTokens: input + output },
            },
          }
        : {};
      const frames = [part({ type: 'finish-step' }), part({ type: 'finish', finishReason, ...metadata })];
      if (!dropDone) frames.push({ data: '[DONE]' });
      return frames;
    },
    error: (kind) => [part({ type: 'error', errorText: openaiError(kind).message }), { data: '[DONE]' }],
    json: () => ({
      id: `msg_${plan.id}`,
      role: 'assistant',
      parts: [
        ...(plan.text ? [{ type: 'text', text: plan.text }] : []),
        ...plan.toolCalls.map((c) => ({
          type: 'dynamic-tool',
          toolName: c.name,
          toolCallId: callId(c, 'call_'),
          state: 'input-available',
          input: parseArgs(c.arguments),
        })),
      ],
    }),
  };
}
