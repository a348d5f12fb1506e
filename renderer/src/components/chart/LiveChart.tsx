/**
 * A live chart in two layers:
 *
 *   recharts (grid, axes with units, reference line) ── re-rendered only when the axes change
 *   canvas overlay (stacked areas, lines, cursor) ───── redrawn once per tick
 *
 * Both share recharts' plot area (reported by PlotAreaProbe), so the overlay's
 * pixels line up with the axes. The model is built for the chart's measured
 * width: no series has more points than about a third of its pixels.
 */
import { useMemo, useRef, useState } from 'react';
import { CartesianGrid, LineChart, ReferenceLine, ResponsiveContainer, usePlotArea, XAxis, YAxis } from 'recharts';
import type { ChartModel } from '../../model/chart-data.js';
import { niceCeil, timeTickLabel, timeTicks, valueTicks } from '../../model/chart-axis.js';
import { ChartTooltip, hoveredIndex, useHover } from './ChartHover.js';
import { SeriesCanvas, type PlotArea } from './SeriesCanvas.js';
import { useWidth } from './use-width.js';
import './chart.css';

/** Props of a live chart. */
export interface LiveChartProps {
  title: string;
  /** The value axis' unit (`req/s`, `connections`, `bytes/s`). */
  unit: string;
  /** Builds the model for at most `maxPoints` points per series; a new function means new data. */
  build(maxPoints: number): ChartModel;
  format(n: number): string;
  height?: number;
  /** A dashed horizontal line (the tuner's target rate). */
  reference?: { value: number; label: string };
  testId?: string;
  /** Byte quantities: ticks at 1024-based round numbers. */
  bytes?: boolean;
  /** Shown at the right of the title (a legend, a state). */
  aside?: React.ReactNode;
}

const MARGIN = { top: 8, right: 14, bottom: 0, left: 4 };
const NO_DATA: never[] = [];

/** Inside the recharts chart: reports its plot area when it changes. */
function PlotAreaProbe({ onArea }: { onArea(a: PlotArea): void }) {
  const a = usePlotArea();
  const last = useRef<string>('');
  const key = a ? `${a.x},${a.y},${a.width},${a.height}` : '';
  if (a && key !== last.current) {
    last.current = key;
    queueMicrotask(() => onArea({ x: a.x, y: a.y, width: a.width, height: a.height }));
  }
  return null;
}

/** The recharts layer, memoised on what it shows: ticks with unchanged axes skip it entirely. */
function useFrame(p: {
  top: number;
  rangeMs: number;
  unit: string;
  height: number;
  format(n: number): string;
  reference?: { value: number; label: string };
  onArea(a: PlotArea): void;
}) {
  const { top, rangeMs, unit, height, format, onArea } = p;
  const refValue = p.reference?.value;
  const refLabel = p.reference?.label;
  return useMemo(
    () => (
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={NO_DATA} margin={MARGIN}>
          <CartesianGrid stroke="var(--grid)" strokeDasharray="2 4" />
          <XAxis
            type="number"
            dataKey="x"
            domain={[-rangeMs, 0]}
            ticks={timeTicks(rangeMs)}
            tickFormatter={(t: number) => timeTickLabel(t, rangeMs)}
            stroke="var(--muted)"
            fontSize={10}
            allowDataOverflow
          />
          <YAxis
            type="number"
            domain={[0, top]}
            ticks={valueTicks(top)}
            tickFormatter={(v: number) => format(v)}
            stroke="var(--muted)"
            fontSize={10}
            width={74}
            allowDataOverflow
            label={{
              value: unit,
              angle: -90,
              position: 'insideLeft',
              offset: 8,
              fill: 'var(--muted)',
              fontSize: 10,
              style: { textAnchor: 'middle' },
            }}
          />
          {refValue !== undefined && (
            <ReferenceLine
              y={refValue}
              stroke="var(--warn)"
              strokeDasharray="6 3"
              label={{ value: refLabel, fill: 'var(--warn)', fontSize: 10, position: 'insideTopLeft' }}
            />
          )}
          <PlotAreaProbe onArea={onArea} />
        </LineChart>
      </ResponsiveContainer>
    ),
    [top, rangeMs, unit, height, format, refValue, refLabel, onArea],
  );
}

/** One titled live chart. */
export function LiveChart({
  title,
  unit,
  build,
  format,
  height = 170,
  reference,
  testId,
  bytes,
  aside,
}: LiveChartProps) {
  const body = useRef<HTMLDivElement>(null);
  const width = useWidth(body);
  const [area, setArea] = useState<PlotArea>();
  const maxPoints = Math.max(60, Math.round((area?.width ?? width - 100) / 3));
  const model = useMemo(() => build(maxPoints), [build, maxPoints]);
  const top = niceCeil(Math.max(model.max, reference ? reference.value * 1.2 : 0) * 1.05, bytes);
  const frame = useFrame({ top, rangeMs: model.rangeMs, unit, height, format, reference, onArea: setArea });
  const { hover, handlers } = useHover(area);
  const index = hoveredIndex(model, hover);
  return (
    <div className="chart" data-testid={testId}>
      <div className="chart-title">
        <span>{title}</span>
        {aside}
      </div>
      <div className="chart-body" ref={body} {...handlers}>
        {frame}
        {area && <SeriesCanvas model={model} top={top} area={area} height={height} cursor={index} />}
        {hover && <ChartTooltip model={model} index={index} hover={hover} format={format} />}
      </div>
    </div>
  );
}
