/**
 * Record as mock, for LLM streams: a captured provider stream (a proxied
 * exchange the traffic log decoded) becomes an `llm` route with the same
 * reply text, tool calls, measured first-token delay and token rate — and
 * its failure, when it ended with one. The route uses `format: auto`, so
 * every SDK can replay it, not only the recorded provider's.
 */
import type { ExchangeRecord } from '../telemetry/exchange-record.js';
import { reassemble, type Reassembled } from './reassemble.js';

/** A route value (a `routes:` item) and what the replay cannot reproduce. */
export interface RecordedLlmRoute {
  value: Record<string, unknown>;
  note?: string;
}

/** Milliseconds as a duration string the schema reads back. */
const ms = (n: number) => `${Math.max(0, Math.round(n))}ms`;

/** The in-band error kind a provider's message suggests. */
function failKind(message: string): 'overloaded' | 'rate_limit' | 'server_error' {
  if (/overload|unavailable|capacity/i.test(message)) return 'overloaded';
  if (/rate.?limit|quota|exhausted|too many/i.test(message)) return 'rate_limit';
  return 'server_error';
}

/** Tool arguments as the config writes them: an object when the text is a JSON object, else the text. */
function argumentsOf(text: string): unknown {
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {
    // sent as written
  }
  return text;
}

function failOf(r: Reassembled, outcome: ExchangeRecord['outcome']): Record<string, unknown> | undefined {
  if (r.error) return { kind: failKind(r.error), after_tokens: r.tokens };
  if (r.ended) return undefined;
  return { kind: outcome === 'aborted' || outcome === 'error' ? 'cut' : 'drop_done', after_tokens: r.tokens };
}

/** The `llm` route replaying a recorded LLM stream, or undefined when the stream is not a known LLM format. */
export function llmRouteFromRecord(
  record: ExchangeRecord,
  opts: { speed: number; path: string },
): RecordedLlmRoute | undefined {
  if (record.events.length === 0) return undefined;
  const r = reassemble(record.events, { url: record.url });
  if (!r || (r.tokens === 0 && !r.error)) return undefined;
  const llm: Record<string, unknown> = { format: 'auto', reply: r.text };
  if (r.model) llm.model = r.model;
  if (r.toolCalls.length)
    llm.tool_calls = r.toolCalls.map((c) => ({
      name: c.name || 'tool',
      arguments: argumentsOf(c.arguments),
      ...(c.id ? { id: c.id } : {}),
    }));
  llm.first_token = ms((r.ttftMs ?? 0) / opts.speed);
  if (r.tokensPerSecond) llm.tokens_per_second = Math.min(10_000, Math.round(r.tokensPerSecond * opts.speed * 10) / 10);
  const fail = failOf(r, record.outcome);
  if (fail) llm.fail = fail;
  const notes = [`recorded from a ${r.format} stream: ${r.tokens} tokens, first after ${Math.round(r.ttftMs ?? 0)} ms`];
  if (r.text.includes('{{')) notes.push('reply text with {{…}} is read as a template on replay');
  notes.push('the replay re-tokenises the text, so token boundaries differ from the original');
  return { value: { path: opts.path, llm }, note: notes.join('; ') };
}
