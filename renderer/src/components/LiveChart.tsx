/** A live line chart over the telemetry window: animation off, bounded points, one line per series. */
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { fmtAgo } from '../format.js';

/** Series colours (readable on dark and light backgrounds). */
export const PALETTE = ['#4f9dff', '#f5a623', '#3ccf91', '#e0588c', '#a57cff', '#40c4d8', '#d4d440'];

export interface LiveChartProps {
  title: string;
  data: Record<string, number>[];
  series: string[];
  format: (n: number) => string;
  height?: number;
  /** A dashed horizontal line (the tuner's target rate). */
  reference?: { value: number; label: string };
  testId?: string;
}

export function LiveChart({ title, data, series, format, height = 170, reference, testId }: LiveChartProps) {
  const now = data.length > 0 ? data[data.length - 1]!.t! : Date.now();
  return (
    <div className="chart" data-testid={testId}>
      <div className="chart-title">
        <span>{title}</span>
        <span className="chart-legend">
          {series.map((s, i) => (
            <span key={s}><i style={{ background: PALETTE[i % PALETTE.length] }} />{s}</span>
          ))}
        </span>
      </div>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--grid)" strokeDasharray="2 4" />
          <XAxis dataKey="t" type="number" domain={[now - 60_000, now]} tickFormatter={(t: number) => fmtAgo(t, now)} stroke="var(--muted)" fontSize={10} tickCount={7} allowDataOverflow />
          <YAxis stroke="var(--muted)" fontSize={10} width={64} tickFormatter={(v: number) => format(v)} domain={[0, (max: number) => Math.max(max * 1.1, reference ? reference.value * 1.25 : 1)]} />
          <Tooltip isAnimationActive={false} formatter={(v) => format(Number(v))} labelFormatter={(t) => fmtAgo(Number(t), now)} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 11 }} />
          {reference && <ReferenceLine y={reference.value} stroke="var(--warn)" strokeDasharray="6 3" label={{ value: reference.label, fill: 'var(--warn)', fontSize: 10, position: 'insideTopRight' }} />}
          {series.map((s, i) => (
            <Line key={s} dataKey={s} name={s} type="monotone" dot={false} isAnimationActive={false} stroke={PALETTE[i % PALETTE.length]} strokeWidth={s === 'total' ? 2 : 1.3} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
