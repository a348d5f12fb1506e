/**
 * Export as HAR: the details of the listed exchanges (a group stands for all
 * its members), fetched through the API a few at a time, converted by the
 * isomorphic HAR module and saved as a file.
 */
import { toHar, type ExchangeDetail } from '../../../../core/api/index.js';
import { api } from '../../api.js';
import type { TableItem } from '../../model/traffic-table.js';

/** Most exchanges one export carries (the newest listed). */
export const HAR_MAX = 1000;
const PARALLEL = 6;

/** Ids to export, newest first, at most HAR_MAX. */
export function exportIds(items: readonly TableItem[]): number[] {
  const ids: number[] = [];
  for (const it of items) {
    if (it.kind === 'row') ids.push(it.row.id);
    else ids.push(...it.ids);
    if (ids.length >= HAR_MAX) break;
  }
  return ids.slice(0, HAR_MAX);
}

/** Fetches the details (those no longer in the engine's log are skipped) and returns the HAR text and counts. */
export async function buildHar(ids: number[]): Promise<{ text: string; exported: number; missing: number }> {
  const details: ExchangeDetail[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const d = await api.getExchange(ids[next++]!).catch(() => null);
      if (d) details.push(d);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  const version = await api
    .health()
    .then((h) => h.version)
    .catch(() => '');
  const doc = toHar(details, { name: 'Sluice', version }, { now: Date.now() });
  return { text: JSON.stringify(doc, null, 2), exported: details.length, missing: ids.length - details.length };
}

/** Saves text as a download named `name`. */
export function download(name: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `sluice-2025-01-02T03-04-05.har` for now. */
export const harFileName = (now = new Date()) => `sluice-${now.toISOString().slice(0, 19).replace(/:/g, '-')}.har`;
