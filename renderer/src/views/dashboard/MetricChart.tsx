/** One dashboard chart: a metric per listener as stacked areas, the total as a line, in the shared range, pause and legend state. */
import { useCallback, useMemo } from 'react';
import { LiveChart } from '../../components/chart/LiveChart.js';
import { seriesGroups, stackedChart } from '../../model/chart-data.js';
import type { Metric } from '../../model/history.js';
import { useChartView, useTelemetry } from '../../state.js';

/** Props of a metric chart. */
export interface MetricChartProps {
  metric: Metric;
  title: string;
  unit: string;
  format(n: number): string;
  bytes?: boolean;
  testId: string;
}

/** Re-renders once per tick while live, not at all while paused. */
export function MetricChart({ metric, title, unit, format, bytes, testId }: MetricChartProps) {
  const pausedAt = useChartView((s) => s.pausedAt);
  const rangeMs = useChartView((s) => s.rangeMs);
  const hidden = useChartView((s) => s.hidden);
  const history = useTelemetry((s) => s.history);
  const listeners = useTelemetry((s) => s.listeners);
  // The tick count is the data's version: the history ring is written in place.
  const version = useTelemetry((s) => (pausedAt === undefined ? s.version : -1));
  const groups = useMemo(() => seriesGroups(listeners), [listeners]);
  const build = useCallback(
    (maxPoints: number) => stackedChart(history, { metric, groups, hidden, rangeMs, end: pausedAt, maxPoints }),
    [history, metric, groups, hidden, rangeMs, pausedAt, version], // eslint-disable-line react-hooks/exhaustive-deps
  );
  return <LiveChart testId={testId} title={title} unit={unit} build={build} format={format} bytes={bytes} />;
}
