/**
 * Anthropic Messages: named events — `message_start` (with usage),
 * `content_block_start` for the text block, a `ping`, `text_delta`s, the
 * block's stop; each `tool_use` block opens with an empty input and streams
 * `input_json_delta` fragments; `message_delta` carries the stop reason and
 * output tokens, `message_stop` ends. Errors are `event: error` with
 * `{"type":"error","error":{"type":"overloaded_error",…}}`.
 */
import { anthropicError } from '../errors.js';
import { callId, type LlmPlan } from '../plan.js';
import type { LlmRequest } from '../request.js';
import { json, STREAM_HEADERS, type Frame, type WireRenderer } from '../wire.js';

/** The Anthropic Messages renderer. */
export function anthropic(plan: LlmPlan, _req: LlmRequest): WireRenderer {
  const ev = (type: string, body: object = {}): Frame => ({ event: type, data: json({ type, ...body }) });
  const blockOf = (k: number) => (plan.text ? 1 : 0) + k;
  const stopReason = plan.finish === 'tool_calls' ? 'tool_use' : 'end_turn';
  const usage = (output: number) => ({
    input_tokens: plan.usage.input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: output,
  });
  const message = (content: unknown[], stop: string | null, output: number) => ({
    id: `msg_${plan.id}`,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: usage(output),
  });
  return {
    headers: { ...STREAM_HEADERS, 'request-id': `req_${plan.id}` },
    head() {
      const frames = [ev('message_start', { message: message([], null, 1) })];
      if (plan.text) frames.push(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
      frames.push(ev('ping'));
      return frames;
    },
    step(i) {
      const s = plan.steps[i]!;
      if (s.kind === 'text') {
        const frames = [ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: s.delta } })];
        if (plan.steps[i + 1]?.kind !== 'text') frames.push(ev('content_block_stop', { index: 0 }));
        return frames;
      }
      const call = plan.toolCalls[s.call]!;
      const index = blockOf(s.call);
      const frames: Frame[] = [];
      if (s.first)
        frames.push(
          ev('content_block_start', {
            index,
            content_block: { type: 'tool_use', id: callId(call, 'toolu_'), name: call.name, input: {} },
          }),
        );
      if (s.delta)
        frames.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: s.delta } }));
      if (s.last) frames.push(ev('content_block_stop', { index }));
      return frames;
    },
    end(dropDone) {
      const frames = [
        ev('message_delta', {
          delta: { stop_reason: stopReason, stop_sequence: null },
          usage: { output_tokens: plan.usage.output },
        }),
      ];
      if (!dropDone) frames.push(ev('message_stop'));
      return frames;
    },
    error: (kind) => [ev('error', { error: anthropicError(kind) })],
    json() {
      const content: unknown[] = [];
      if (plan.text) content.push({ type: 'text', text: plan.text });
      for (const c of plan.toolCalls)
        content.push({ type: 'tool_use', id: callId(c, 'toolu_'), name: c.name, input: parseArgs(c.arguments) });
      return message(content, stopReason, plan.usage.output);
    },
  };
}

/** Tool input as an object (arguments written as text that is not JSON become `{}`). */
export function parseArgs(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return {};
  }
}
