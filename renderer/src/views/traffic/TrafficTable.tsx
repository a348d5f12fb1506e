/**
 * The traffic table: virtualised lines (only the visible ones are in the DOM),
 * selection by click or keyboard — ↑/↓, Page Up/Down, Home/End move it and
 * scroll it into view, Esc clears it.
 */
import { memo, useCallback, useEffect, useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { groupRate, itemId, nextIndex, routeOf, type TableItem } from '../../model/traffic-table.js';
import { traffic, useTelemetry } from '../../state.js';
import { COLS, TrafficRow } from './TrafficRow.js';

const ROW_HEIGHT = 24;

/** Requests/s per route from the latest tick, for group rates. */
function useRouteRates(): Map<string, number> {
  const routes = useTelemetry((s) => s.last?.routes);
  return useMemo(() => new Map((routes ?? []).map((r) => [r.name, r.requestsPerSec])), [routes]);
}

/** Props of the table. */
export interface TrafficTableProps {
  items: TableItem[];
  selected?: number;
  empty: string;
  /** The scrolling body (the view scrolls it back to the top). */
  scroller: React.RefObject<HTMLDivElement | null>;
  /** Whether the body is scrolled to the top, on every change. */
  onAtTop(atTop: boolean): void;
}

/** The table with its header, body and keyboard handling; re-rendered only when its items or selection change. */
export const TrafficTable = memo(function TrafficTable({
  items,
  selected,
  empty,
  scroller,
  onAtTop,
}: TrafficTableProps) {
  const virt = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const index = useMemo(
    () => (selected === undefined ? -1 : items.findIndex((it) => itemId(it) === selected)),
    [items, selected],
  );
  const rates = useRouteRates();
  const onSelect = useCallback(
    (id: number) => {
      traffic.getState().select(id);
      scroller.current?.focus();
    },
    [scroller],
  );
  const moved = useRef(false);
  useEffect(() => {
    if (moved.current && index >= 0) virt.scrollToIndex(index, { align: 'auto' });
    moved.current = false;
  }, [index, virt]);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      traffic.getState().select(undefined);
      return;
    }
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 240) / ROW_HEIGHT) - 1);
    const next = nextIndex(e.key, index, items.length, page);
    if (next === undefined) return;
    e.preventDefault();
    moved.current = true;
    traffic.getState().select(itemId(items[next]!));
  };
  return (
    <div className="table" role="grid" aria-rowcount={items.length}>
      <div className="thead" role="row">
        {COLS.map((c) => (
          <span key={c} role="columnheader">
            {c}
          </span>
        ))}
      </div>
      <div
        className="tbody"
        ref={scroller}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onScroll={(e) => onAtTop(e.currentTarget.scrollTop < 4)}
        data-testid="traffic-table"
      >
        {items.length === 0 && <p className="muted pad">{empty}</p>}
        <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
          {virt.getVirtualItems().map((v) => {
            const it = items[v.index]!;
            const id = itemId(it);
            const rate =
              it.kind === 'group' ? groupRate(it, rates.get(`${it.latest.listener} ${routeOf(it.latest)}`)) : undefined;
            return (
              <TrafficRow
                key={it.kind === 'group' ? it.key : id}
                item={it}
                selected={id === selected}
                rate={rate}
                onSelect={onSelect}
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: v.size,
                  transform: `translateY(${v.start}px)`,
                }}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
});
