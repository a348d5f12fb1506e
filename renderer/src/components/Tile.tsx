/** A number tile for dashboard totals. */
export function Tile({
  label,
  value,
  sub,
  tone,
  testId,
}: {
  label: string;
  value: string;
  sub?: string;
  tone?: 'error' | 'ok';
  testId?: string;
}) {
  return (
    <div className={`tile${tone ? ` ${tone}` : ''}`} data-testid={testId}>
      <div className="tile-label">{label}</div>
      <div className="tile-value">{value}</div>
      {sub && <div className="tile-sub">{sub}</div>}
    </div>
  );
}
