/** Above the dashboard's charts: the time range, pause/resume, and the legend whose entries hide or show a series everywhere. */
import { useMemo } from 'react';
import { RANGES } from '../../model/chart-view.js';
import { seriesGroups, TOTAL_GROUP } from '../../model/chart-data.js';
import { chartView, telemetry, useChartView, useTelemetry } from '../../state.js';
import { fmtClockMs } from '../../format.js';

/** One legend entry per series; a click toggles it in every chart. */
function Legend() {
  const listeners = useTelemetry((s) => s.listeners);
  const hidden = useChartView((s) => s.hidden);
  const entries = useMemo(() => [TOTAL_GROUP, ...seriesGroups(listeners)], [listeners]);
  return (
    <div className="legend" data-testid="chart-legend">
      {entries.map((g) => {
        const off = hidden.has(g.key);
        return (
          <button
            key={g.key}
            className={off ? 'off' : ''}
            aria-pressed={!off}
            data-testid={`legend-${g.key}`}
            title={`${off ? 'show' : 'hide'} ${g.label}${g.members.length > 1 && g.key !== TOTAL_GROUP.key ? `: ${g.members.join(', ')}` : ''}`}
            onClick={() => chartView.getState().toggle(g.key)}
          >
            <i style={{ background: g.colour }} />
            {g.label}
          </button>
        );
      })}
    </div>
  );
}

/** Range switch, pause, legend. */
export function ChartToolbar() {
  const rangeMs = useChartView((s) => s.rangeMs);
  const pausedAt = useChartView((s) => s.pausedAt);
  return (
    <div className="chart-toolbar">
      <div className="tabs" role="group" aria-label="time range">
        {RANGES.map((r) => (
          <button
            key={r.id}
            className={r.ms === rangeMs ? 'on' : ''}
            data-testid={`range-${r.id}`}
            onClick={() => chartView.getState().setRange(r.ms)}
          >
            {r.label}
          </button>
        ))}
      </div>
      <button
        data-testid="chart-pause"
        onClick={() => chartView.getState().togglePause(telemetry.getState().history.lastTime)}
      >
        {pausedAt === undefined ? 'Pause' : `Resume (paused at ${fmtClockMs(pausedAt)})`}
      </button>
      <Legend />
    </div>
  );
}
