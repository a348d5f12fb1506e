/**
 * Reading a chart's values: the pointer's position over the plot (a fraction
 * of its width, so the cursor stays at the same "seconds ago" while ticks
 * arrive), a cursor line at the nearest point, and a tooltip with the time and
 * every drawn series' value there (the cursor line itself is drawn by SeriesCanvas).
 */
import { useCallback, useState } from 'react';
import { fmtClockMs } from '../../format.js';
import { nearestIndex, type ChartModel } from '../../model/chart-data.js';
import type { PlotArea } from './SeriesCanvas.js';

/** Where the pointer is: a fraction of the plot's width, its x in the chart body and the body's width (px). */
export interface Hover {
  f: number;
  left: number;
  width: number;
}

/** Pointer tracking for a chart body over its plot `area`: handlers to spread on the body and the current hover. */
export function useHover(area: PlotArea | undefined) {
  const [hover, setHover] = useState<Hover | undefined>();
  const onPointerMove = useCallback(
    (e: React.PointerEvent<HTMLElement>) => {
      const body = e.currentTarget.getBoundingClientRect();
      const x = e.clientX - body.left;
      if (!area || area.width === 0 || x < area.x || x > area.x + area.width) return setHover(undefined);
      const f = (x - area.x) / area.width;
      // Sub-2-pixel moves keep the same hover: no re-render for jitter.
      setHover((h) => (h && Math.abs(h.f - f) * area.width < 2 ? h : { f, left: x, width: body.width }));
    },
    [area],
  );
  const onPointerLeave = useCallback(() => setHover(undefined), []);
  return { hover, handlers: { onPointerMove, onPointerLeave } };
}

/** The point index under the pointer (−1 when none). */
export const hoveredIndex = (model: ChartModel, hover: Hover | undefined) =>
  hover ? nearestIndex(model, -model.rangeMs + hover.f * model.rangeMs) : -1;

/** The tooltip: time of the point, then each series drawn (top of the stack first) with its value. */
export function ChartTooltip({
  model,
  index,
  hover,
  format,
}: {
  model: ChartModel;
  index: number;
  hover: Hover;
  format(n: number): string;
}) {
  if (index < 0) return null;
  // Beside the pointer, on the side with more room.
  const place = hover.left < hover.width / 2 ? { left: hover.left + 14 } : { right: hover.width - hover.left + 14 };
  const rows = [...model.lines, ...[...model.stacks].reverse()];
  const at = model.end + model.x[index]!;
  return (
    <div className="chart-tip" data-testid="chart-tooltip" style={place}>
      <div className="tip-time">
        {fmtClockMs(at)} <span className="muted">{((model.end - at) / 1000).toFixed(1)} s ago</span>
      </div>
      {rows.map((s) => (
        <div className="tip-row" key={s.key}>
          <i style={{ background: s.colour }} />
          <span className="tip-label">{s.label}</span>
          <span className="num">{format(s.values[index] ?? 0)}</span>
        </div>
      ))}
    </div>
  );
}
