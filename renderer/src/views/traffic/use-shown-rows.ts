/**
 * The rows the table shows, which lag the store on purpose: while the user
 * is at the top they follow it at most twice a second (a flood of rows is
 * unreadable at 4 Hz, and laying rows out is most of the view's cost); while
 * the user has scrolled down they hold still — newest-first rows would
 * otherwise slide away under the pointer — and count what arrived meanwhile.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ExchangeSummary } from '../../../../core/api/index.js';

/** How often the shown rows follow the store, at most. */
export const TABLE_REFRESH_MS = 500;

/** `shown`: the rows to list; `waiting`: rows newer than them while held. */
export function useShownRows(
  rows: ExchangeSummary[],
  hold: boolean,
  intervalMs = TABLE_REFRESH_MS,
): { shown: ExchangeSummary[]; waiting: number } {
  const [shown, setShown] = useState(rows);
  const last = useRef(0);
  useEffect(() => {
    if (hold || rows === shown) return;
    const due = last.current + intervalMs - performance.now();
    const show = () => {
      last.current = performance.now();
      setShown(rows);
    };
    if (due <= 0) return show();
    const timer = setTimeout(show, due);
    return () => clearTimeout(timer);
  }, [rows, hold, intervalMs, shown]);
  const waiting = useMemo(() => {
    if (!hold) return 0;
    const newest = shown[0]?.id ?? 0;
    let n = 0;
    for (const r of rows) if (r.id > newest) n++;
    return n;
  }, [rows, shown, hold]);
  return { shown, waiting };
}
