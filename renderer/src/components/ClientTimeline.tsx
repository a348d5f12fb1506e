/**
 * A client session on one time axis: events per time slice as bars (a burst
 * shows as one tall bar after a long flat line), reconnects as marked lines,
 * and each connection as a span underneath.
 */
import type { ClientConnection } from '../../../core/api/index.js';
import type { ClientRow } from '../model/client-session.js';
import { fmtMs } from '../format.js';

const W = 1000;
const H = 74;
const SLICES = 200;

/** Events counted per slice of the session's time. */
function slices(rows: readonly ClientRow[], end: number): number[] {
  const out = new Array<number>(SLICES).fill(0);
  for (const row of rows) {
    if (row.kind !== 'event') continue;
    out[Math.min(SLICES - 1, Math.floor((row.e.t / end) * SLICES))]!++;
  }
  return out;
}

/** The timeline of a session. */
export function ClientTimeline({
  rows,
  connections,
  durationMs,
}: {
  rows: readonly ClientRow[];
  connections: readonly ClientConnection[];
  durationMs: number;
}) {
  const last = rows.length > 0 ? rows[rows.length - 1]! : undefined;
  const end = Math.max(durationMs, last ? (last.kind === 'event' ? last.e.t : last.r.t) : 0, 1);
  const x = (t: number) => (t / end) * W;
  const counts = slices(rows, end);
  const max = Math.max(...counts, 1);
  const reconnects = rows.filter((r): r is Extract<ClientRow, { kind: 'reconnect' }> => r.kind === 'reconnect');
  const barW = W / SLICES;
  return (
    <div className="client-timeline">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" data-testid="client-timeline">
        {counts.map((n, i) =>
          n === 0 ? null : (
            <rect
              key={i}
              className="ev"
              x={i * barW}
              width={Math.max(barW - 0.5, 1)}
              y={50 - (Math.log1p(n) / Math.log1p(max)) * 44}
              height={(Math.log1p(n) / Math.log1p(max)) * 44}
            />
          ),
        )}
        {reconnects.map(({ r }) => (
          <line
            key={`r${r.conn}`}
            className="rc"
            x1={x(r.t)}
            x2={x(r.t)}
            y1={2}
            y2={54}
            data-testid="timeline-reconnect"
          />
        ))}
        {connections.map((c, i) => {
          const next = connections[i + 1];
          const to = next ? next.t : end;
          return (
            <rect
              key={`c${c.conn}`}
              className={`conn c${i % 2}`}
              x={x(c.t)}
              width={Math.max(x(to) - x(c.t) - 1, 1)}
              y={60}
              height={8}
            />
          );
        })}
      </svg>
      <div className="axis">
        <span>0</span>
        <span>
          {connections.length} connection{connections.length === 1 ? '' : 's'}
        </span>
        <span>{fmtMs(end)}</span>
      </div>
    </div>
  );
}
