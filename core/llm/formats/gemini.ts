/**
 * Gemini generateContent: each chunk is a whole GenerateContentResponse
 * (`candidates[0].content.parts`), `data: …\r\n\r\n` with `alt=sse` or an
 * element of a streamed JSON array without it. Function calls are never
 * fragmented — a `functionCall` part arrives whole once its arguments are
 * complete. The last chunk has `finishReason: "STOP"` and `usageMetadata`;
 * the stream then simply closes. Errors are a `{"error": {code, status}}` chunk.
 */
import { geminiError } from '../errors.js';
import type { LlmPlan } from '../plan.js';
import type { LlmRequest } from '../request.js';
import { json, STREAM_HEADERS, type Frame, type WireRenderer } from '../wire.js';
import { parseArgs } from './anthropic.js';

/** The Gemini renderer. */
export function gemini(plan: LlmPlan, _req: LlmRequest): WireRenderer {
  const usage = () => ({
    promptTokenCount: plan.usage.input,
    candidatesTokenCount: plan.usage.output,
    totalTokenCount: plan.usage.input + plan.usage.output,
  });
  const call = (k: number) => {
    const c = plan.toolCalls[k]!;
    return { functionCall: { ...(c.given ? { id: c.id } : {}), name: c.name, args: parseArgs(c.arguments) } };
  };
  const response = (parts: unknown[], finish?: string, withUsage = false) => ({
    candidates: [{ content: { parts, role: 'model' }, ...(finish ? { finishReason: finish } : {}), index: 0 }],
    ...(withUsage ? { usageMetadata: usage() } : {}),
    modelVersion: plan.model,
    responseId: plan.id,
  });
  return {
    headers: { ...STREAM_HEADERS },
    head: () => [],
    step(i) {
      const s = plan.steps[i]!;
      if (s.kind === 'text') return [{ data: json(response([{ text: s.delta }])) }];
      return s.last ? [{ data: json(response([call(s.call)])) }] : [];
    },
    end: (dropDone): Frame[] => (dropDone ? [] : [{ data: json(response([{ text: '' }], 'STOP', plan.reportUsage)) }]),
    error: (kind) => [{ data: json({ error: geminiError(kind) }) }],
    json() {
      const parts: unknown[] = [];
      if (plan.text) parts.push({ text: plan.text });
      plan.toolCalls.forEach((_, k) => parts.push(call(k)));
      return response(parts, 'STOP', true);
    },
  };
}
