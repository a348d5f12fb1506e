/** One line of the traffic table: an exchange, or a group of repeated short requests with its count and rate. */
import { memo } from 'react';
import type { ExchangeSummary } from '../../../../core/api/index.js';
import { fmtBytes, fmtClockMs, fmtMs, fmtNum } from '../../format.js';
import { rowType } from '../../model/traffic.js';
import { routeOf, type TableItem } from '../../model/traffic-table.js';
import { ProtocolCell } from '../TrafficTls.js';

/** The column titles, in the order rows fill them. */
export const COLS = ['Time', 'Method', 'Path', 'Status', 'Type', 'Proto', 'Bytes', 'Duration', 'Client', 'State'];

/** `open · 12 ev`, `error: reason`, `closed`. */
export function outcomeLabel(r: ExchangeSummary): string {
  if (r.outcome === 'open') return r.events > 0 ? `open · ${r.events} ev` : 'open';
  if (r.outcome === 'error') return `error${r.error ? `: ${r.error}` : ''}`;
  return r.events > 0 ? `${r.outcome} · ${r.events} ev` : r.outcome;
}

/** Props of a table line. */
export interface TrafficRowProps {
  item: TableItem;
  selected: boolean;
  /** Requests/s of a group (computed by the table from telemetry). */
  rate?: number;
  style: React.CSSProperties;
  onSelect(id: number): void;
}

/** A line; memoised so a batch re-renders only the lines that changed. */
export const TrafficRow = memo(function TrafficRow({ item, selected, rate, style, onSelect }: TrafficRowProps) {
  const r = item.kind === 'row' ? item.row : item.latest;
  const status = r.status ?? 0;
  const group = item.kind === 'group' ? item : undefined;
  return (
    <div
      className={`trow${selected ? ' sel' : ''} o-${r.outcome}${group ? ' group' : ''}`}
      style={style}
      role="row"
      aria-selected={selected}
      data-testid={group ? 'traffic-group' : 'traffic-row'}
      data-id={r.id}
      onClick={() => onSelect(r.id)}
    >
      <span className="mono">{fmtClockMs(r.startedAt)}</span>
      <span className="method">{r.method}</span>
      <span className="path" title={r.url}>
        {group ? routeOf(r) : r.url}
      </span>
      <span className={`st s${Math.floor(status / 100)}`}>{r.status ?? '…'}</span>
      <span>{rowType(r)}</span>
      <ProtocolCell r={r} />
      <span className="num">{fmtBytes(group ? group.bytesOut : r.bytesOut)}</span>
      <span className="num">{fmtMs(group ? group.meanMs : r.durationMs)}</span>
      <span>{r.client}</span>
      {group ? (
        <span className="outcome grouped" title="listed requests like this · their rate">
          ×{fmtNum(group.count)}
          {rate !== undefined && ` · ${fmtNum(rate)}/s`}
        </span>
      ) : (
        <span className={`outcome ${r.outcome}`}>{outcomeLabel(r)}</span>
      )}
    </div>
  );
});
