/**
 * Dashboard: totals, then one chart per metric — listeners stacked, the total
 * as a line over them — with a shared time range, pause and legend, and the
 * engine log. Charts re-render once per telemetry tick and draw at most about
 * half their width in points, whatever the traffic.
 */
import { fmtNum, fmtRate } from '../../format.js';
import { useTelemetry } from '../../state.js';
import { ChartToolbar } from './ChartToolbar.js';
import { EmptyState } from './EmptyState.js';
import { EngineLog } from './EngineLog.js';
import { MetricChart } from './MetricChart.js';
import { Tiles } from './Tiles.js';

/** The Dashboard view. */
export function Dashboard() {
  const noListeners = useTelemetry((s) => s.listeners.length === 0);
  return (
    <div className="view dashboard">
      <Tiles />
      {noListeners && <EmptyState />}
      <ChartToolbar />
      <div className="chart-grid">
        <MetricChart
          testId="chart-active"
          metric="active"
          title="Active connections"
          unit="connections"
          format={fmtNum}
        />
        <MetricChart testId="chart-requests" metric="requests" title="Requests/s" unit="requests/s" format={fmtNum} />
        <MetricChart testId="chart-out" metric="bytesOut" title="Bytes/s out" unit="bytes/s" format={fmtRate} bytes />
        <MetricChart testId="chart-in" metric="bytesIn" title="Bytes/s in" unit="bytes/s" format={fmtRate} bytes />
        <MetricChart testId="chart-events" metric="events" title="SSE events/s" unit="events/s" format={fmtNum} />
        <EngineLog />
      </div>
    </div>
  );
}
