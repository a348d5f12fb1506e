/**
 * The merged view of an LLM stream in the traffic detail: the reassembled
 * reply and tool-call arguments beside the raw events (each marked with what
 * it carried), with time to first token and tokens/s. Renders nothing for a
 * stream in no known LLM format.
 */
import { useMemo } from 'react';
import type { ExchangeDetail } from '../../../core/api/index.js';
import { reassemble, type EventRole } from '../../../core/llm/reassemble.js';
import { fmtMs } from '../format.js';

/** Pretty JSON when the text parses, the text as is otherwise (arguments cut short by a failure). */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

const ROLE_LABEL: Record<EventRole, string> = { text: 'text', tool: 'tool', meta: '', error: 'error', end: 'end' };

/** The LLM stream panel of one exchange. */
export function LlmStreamView({ d }: { d: ExchangeDetail }) {
  const r = useMemo(() => reassemble(d.sseEvents, { url: d.url }), [d.sseEvents, d.url]);
  if (!r) return null;
  const state = r.error
    ? `error: ${r.error}`
    : r.ended
      ? `ended (${r.finish ?? 'done'})`
      : d.outcome === 'open'
        ? 'streaming…'
        : 'no end marker';
  return (
    <div className="llm-view" data-testid="llm-stream">
      <h4>
        LLM stream · {r.format}
        {r.model ? ` · ${r.model}` : ''}
      </h4>
      <p className="llm-stats">
        <span>
          first token <b data-testid="llm-ttft">{fmtMs(r.ttftMs)}</b>
        </span>
        <span>
          <b data-testid="llm-rate">{r.tokensPerSecond ? r.tokensPerSecond.toFixed(1) : '—'}</b> tokens/s
        </span>
        <span>
          <b>{r.tokens}</b> tokens
        </span>
        {r.usage && (
          <span>
            usage in {r.usage.input ?? '—'} / out {r.usage.output ?? '—'}
          </span>
        )}
        <span className={r.error ? 'bad' : r.ended ? 'good' : 'warn'} data-testid="llm-state">
          {state}
        </span>
      </p>
      <div className="llm-merged">
        <div className="llm-text">
          <pre data-testid="llm-text">{r.text || <span className="muted">(no text)</span>}</pre>
          {r.toolCalls.map((c, i) => (
            <div key={i} className="llm-call" data-testid="llm-call">
              <b>{c.name}</b>
              {c.id ? <span className="muted"> {c.id}</span> : null}
              <pre>{pretty(c.arguments)}</pre>
            </div>
          ))}
        </div>
        <div className="llm-events">
          <table className="events">
            <thead>
              <tr>
                <th>+ms</th>
                <th>carries</th>
                <th>event</th>
                <th>data</th>
              </tr>
            </thead>
            <tbody>
              {d.sseEvents.slice(-300).map((e, i, shown) => {
                const role = r.roles[d.sseEvents.length - shown.length + i] ?? 'meta';
                return (
                  <tr key={i} className={`role-${role}`}>
                    <td className="num">{Math.round(e.t)}</td>
                    <td>{ROLE_LABEL[role]}</td>
                    <td>{e.event ?? ''}</td>
                    <td className="data" title={e.data}>
                      {e.data}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}
