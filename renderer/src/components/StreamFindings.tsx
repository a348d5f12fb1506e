/**
 * "Why isn't it streaming?" in the UI: the diagnostics of a stream as a list
 * (code, then what to change), and the traffic detail's stream notes — when
 * capture began mid-stream, what a channel reconnect replayed and missed.
 */
import type { Diagnostic, ExchangeDetail } from '../../../core/api/index.js';
import { fmtBytes, fmtMs } from '../format.js';
import './stream-findings.css';

/** Backticked parts of a message (`proxy_buffering off;`) shown as code. */
function withCode(text: string) {
  return text.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : <span key={i}>{part}</span>));
}

/** The findings of one stream; a quiet line when there are none. */
export function Findings({ items, empty }: { items: readonly Diagnostic[]; empty?: string }) {
  if (items.length === 0)
    return empty ? (
      <p className="muted" data-testid="no-findings">
        {empty}
      </p>
    ) : null;
  return (
    <ul className="findings" data-testid="findings">
      {items.map((d) => (
        <li key={d.code} data-testid={`finding-${d.code}`}>
          <b>{d.code}</b> {withCode(d.message)}
        </li>
      ))}
    </ul>
  );
}

/** What the traffic detail adds about a stream: findings, resume report, capture start. */
export function StreamNotes({ d }: { d: ExchangeDetail }) {
  const notes: string[] = [];
  if (d.resume) {
    const missed =
      d.resume.missed === null
        ? 'an unknown number missed (the id is not in the replay buffer)'
        : `missed ${d.resume.missed} (outside the replay buffer)`;
    notes.push(`resumed from id ${d.resume.from}: replayed ${d.resume.replayed}, ${missed}`);
  }
  if (d.captureFrom)
    notes.push(
      `capture began mid-stream, ${fmtMs(d.captureFrom.t)} in, after ${fmtBytes(d.captureFrom.bytes)}: earlier events are not listed`,
    );
  if (notes.length === 0 && (d.diagnostics ?? []).length === 0) return null;
  return (
    <div className="stream-notes" data-testid="stream-notes">
      {notes.map((n) => (
        <p key={n} className="note">
          {n}
        </p>
      ))}
      {(d.diagnostics ?? []).length > 0 && (
        <>
          <h4>Why it may not stream</h4>
          <Findings items={d.diagnostics} />
        </>
      )}
    </div>
  );
}
