/**
 * What the traffic table lists, from the kept rows: the filter and the
 * "open only" switch applied, and — when grouping is on — repeated short
 * requests (same listener, method, route and status) collapsed into one item
 * with a count. Open exchanges are never grouped: each live stream keeps its
 * own row.
 */
import type { ExchangeSummary } from '../../../core/api/index.js';
import { matchesFilter } from './traffic.js';

/** One exchange. */
export interface RowItem {
  kind: 'row';
  row: ExchangeSummary;
}

/** Repeated short requests: the newest of them, how many are listed, and their share of their route's listed requests. */
export interface GroupItem {
  kind: 'group';
  key: string;
  latest: ExchangeSummary;
  count: number;
  /** Ids of the members, newest first (export, selection). */
  ids: number[];
  /** Start of the oldest member (epoch ms). */
  firstAt: number;
  bytesOut: number;
  /** Mean duration of the members, ms. */
  meanMs: number;
  /** count / every listed ended request of the same listener and route: splits the route's rate by status. */
  routeShare: number;
}

/** One line of the table. */
export type TableItem = RowItem | GroupItem;

/** How the table is viewed. */
export interface TableView {
  filter: string;
  openOnly: boolean;
  grouped: boolean;
}

/** The path a group is keyed on: the route (its prefix) when matched, else the URL without its query. */
export const routeOf = (r: ExchangeSummary) => r.route ?? r.url.split('?')[0]!;

/** Listener, method, route and status: what makes short requests "the same". */
export const groupKey = (r: ExchangeSummary) => `${r.listener} ${r.method} ${routeOf(r)} ${r.status ?? ''}`;

/** The id an item is selected and exported by (a group: its newest member). */
export const itemId = (it: TableItem) => (it.kind === 'row' ? it.row.id : it.latest.id);

/** The rows that pass the filter and the open switch, newest first. */
export function visibleRows(
  rows: readonly ExchangeSummary[],
  v: Pick<TableView, 'filter' | 'openOnly'>,
): ExchangeSummary[] {
  if (!v.filter.trim() && !v.openOnly) return rows as ExchangeSummary[];
  return rows.filter((r) => (!v.openOnly || r.outcome === 'open') && matchesFilter(r, v.filter));
}

/** Collapses ended rows with the same key into groups (placed at their newest member); singles stay rows. */
export function groupRows(rows: readonly ExchangeSummary[]): TableItem[] {
  const members = new Map<string, ExchangeSummary[]>();
  const perRoute = new Map<string, number>();
  for (const r of rows) {
    if (r.outcome === 'open') continue;
    const k = groupKey(r);
    const list = members.get(k);
    if (list) list.push(r);
    else members.set(k, [r]);
    const rk = `${r.listener} ${routeOf(r)}`;
    perRoute.set(rk, (perRoute.get(rk) ?? 0) + 1);
  }
  const out: TableItem[] = [];
  for (const r of rows) {
    const list = r.outcome === 'open' ? undefined : members.get(groupKey(r));
    if (!list || list.length === 1) {
      out.push(rowItem(r));
      continue;
    }
    if (list[0] !== r) continue; // a group is listed once, where its newest member is
    let bytes = 0;
    let ms = 0;
    for (const m of list) {
      bytes += m.bytesOut;
      ms += m.durationMs ?? 0;
    }
    out.push({
      kind: 'group',
      key: groupKey(r),
      latest: r,
      count: list.length,
      ids: list.map((m) => m.id),
      firstAt: list[list.length - 1]!.startedAt,
      bytesOut: bytes,
      meanMs: ms / list.length,
      routeShare: list.length / perRoute.get(`${r.listener} ${routeOf(r)}`)!,
    });
  }
  return out;
}

/** One item per row object, reused: an unchanged row keeps its item, so its table line is not rendered again. */
const ROW_ITEMS = new WeakMap<ExchangeSummary, RowItem>();
function rowItem(row: ExchangeSummary): RowItem {
  let it = ROW_ITEMS.get(row);
  if (!it) ROW_ITEMS.set(row, (it = { kind: 'row', row }));
  return it;
}

/** The table's items for a view. */
export function tableItems(rows: readonly ExchangeSummary[], v: TableView): TableItem[] {
  const shown = visibleRows(rows, v);
  return v.grouped ? groupRows(shown) : shown.map(rowItem);
}

/**
 * Requests per second of a group: the route's rate from telemetry split by the
 * group's share of its listed requests (the table lists a sample under load,
 * telemetry counts every request); without telemetry, members over their span.
 */
export function groupRate(g: GroupItem, routeRate: number | undefined): number {
  if (routeRate !== undefined) return routeRate * g.routeShare;
  const span = (g.latest.startedAt - g.firstAt) / 1000;
  return span > 0 ? (g.count - 1) / span : 0;
}

/** The index a key moves the selection to (↑/↓, Page Up/Down by `page`, Home/End), or undefined for other keys. */
export function nextIndex(key: string, current: number, count: number, page: number): number | undefined {
  if (count === 0) return undefined;
  const clamp = (i: number) => Math.max(0, Math.min(count - 1, i));
  switch (key) {
    case 'ArrowDown':
      return clamp(current < 0 ? 0 : current + 1);
    case 'ArrowUp':
      return clamp(current < 0 ? 0 : current - 1);
    case 'PageDown':
      return clamp(current + page);
    case 'PageUp':
      return clamp(current - page);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
}
