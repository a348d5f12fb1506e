/** The engine's recent log lines (apply results, upstreams going down, dropped clients). */
import { fmtClock } from '../../format.js';
import { useUi } from '../../state.js';

/** The last 40 lines, newest first. */
export function EngineLog() {
  const logs = useUi((s) => s.logs);
  if (logs.length === 0) return null;
  return (
    <div className="card log" data-testid="engine-log">
      <h4>Engine log</h4>
      <ul>
        {logs
          .slice(-40)
          .reverse()
          .map((l, i) => (
            <li key={i} className={l.level}>
              <span className="muted">{fmtClock(l.at)}</span> {l.message}
            </li>
          ))}
      </ul>
    </div>
  );
}
