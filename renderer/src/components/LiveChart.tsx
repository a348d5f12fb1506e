/** A live line chart over the telemetry window: animation off, bounded points, one line per series. */
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { fmtAgo } from '../format.js';

/** Series colours (readable on dark and light backgrounds). */
export const PALETTE = ['#4f9dff', '#f5a623', '#3ccf91', '#e0588c', '#a57cff', '#40c4d8', '#d4d440'];

/** Props of a live chart: rows `{ t, <series>… }`, the series to draw and a value formatter. */
export interface LiveChartProps {
  title: string;
  data: Record<string, number>[];
  series: string[];
  format: (n: number) => string;
  height?: number;
  /** A dashed horizontal line (the tuner's target rate). */
  reference?: { value: number; label: string };
  testId?: string;
  /** Byte quantities: ticks at 1024-based round numbers. */
  bytes?: boolean;
}

/** A round axis maximum ≥ v: 1, 2, 2.5, 5 × 10ⁿ (scaled by 1024ᵏ for bytes), so ticks read cleanly. */
export function niceCeil(v: number, bytes = false): number {
  if (!(v > 0)) return bytes ? 1024 : 4;
  let scale = 1;
  if (bytes) while (v / scale >= 1024) scale *= 1024;
  const x = v / scale;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  const step = [1, 2, 2.5, 4, 5, 8, 10].find((m) => m * p >= x) ?? 10;
  const out = step * p * scale;
  return bytes ? out : Math.max(out, 4);
}

/** One titled line chart over the last 60 s with a legend. */
export function LiveChart({ title, data, series, format, height = 170, reference, testId, bytes }: LiveChartProps) {
  const now = data.length > 0 ? data[data.length - 1]!.t! : Date.now();
  let max = reference ? reference.value * 1.2 : 0;
  for (const row of data) for (const s of series) max = Math.max(max, row[s] ?? 0);
  const top = niceCeil(max * 1.05, bytes);
  const ticks = [0, top / 4, top / 2, (top * 3) / 4, top];
  // Total first (solid), listeners on top dashed: a single listener equal to the total stays visible.
  const order = [...series.filter((s) => s === 'total'), ...series.filter((s) => s !== 'total')];
  const dashed = (s: string) => s !== 'total' && series.includes('total');
  return (
    <div className="chart" data-testid={testId}>
      <div className="chart-title">
        <span>{title}</span>
        <span className="chart-legend">
          {series.map((s, i) => (
            <span key={s}>
              <i style={{ background: PALETTE[i % PALETTE.length] }} />
              {s}
            </span>
          ))}
        </span>
      </div>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--grid)" strokeDasharray="2 4" />
          <XAxis
            dataKey="t"
            type="number"
            domain={[now - 60_000, now]}
            tickFormatter={(t: number) => fmtAgo(t, now)}
            stroke="var(--muted)"
            fontSize={10}
            tickCount={7}
            allowDataOverflow
          />
          <YAxis
            stroke="var(--muted)"
            fontSize={10}
            width={68}
            tickFormatter={(v: number) => format(v)}
            domain={[0, top]}
            ticks={ticks}
            allowDataOverflow
          />
          <Tooltip
            isAnimationActive={false}
            formatter={(v) => format(Number(v))}
            labelFormatter={(t) => fmtAgo(Number(t), now)}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 11 }}
          />
          {reference && (
            <ReferenceLine
              y={reference.value}
              stroke="var(--warn)"
              strokeDasharray="6 3"
              label={{ value: reference.label, fill: 'var(--warn)', fontSize: 10, position: 'insideTopLeft' }}
            />
          )}
          {order.map((s) => (
            <Line
              key={s}
              dataKey={s}
              name={s}
              type="linear"
              dot={false}
              isAnimationActive={false}
              stroke={PALETTE[series.indexOf(s) % PALETTE.length]}
              strokeWidth={dashed(s) ? 1.4 : 2.2}
              strokeDasharray={dashed(s) ? '5 3' : undefined}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
