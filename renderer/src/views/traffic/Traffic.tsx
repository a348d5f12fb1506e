/**
 * Traffic: a live, virtualised table of exchanges (newest first) that keeps
 * what matters under load — live streams are never pushed out by short
 * requests, repeated short requests can be grouped, "open only" lists just
 * the live streams — with filter, pause, keyboard navigation, HAR export and
 * a detail pane pulled on demand.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { fmtNum } from '../../format.js';
import { tableItems } from '../../model/traffic-table.js';
import { refreshTraffic, traffic, ui, useTraffic, watchTraffic } from '../../state.js';
import { ExchangeDetail } from './ExchangeDetail.js';
import { buildHar, download, exportIds, harFileName, HAR_MAX } from './har-export.js';
import { TrafficTable } from './TrafficTable.js';
import { useShownRows } from './use-shown-rows.js';
import './traffic.css';

/** Export the listed exchanges as a HAR file. */
function ExportHar({ ids }: { ids: () => number[] }) {
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      const list = ids();
      const har = await buildHar(list);
      download(harFileName(), har.text);
      const more = har.missing ? ` (${har.missing} no longer in the engine's log)` : '';
      ui.getState().notify(
        'ok',
        `exported ${har.exported} exchange${har.exported === 1 ? '' : 's'} as HAR${more}${list.length >= HAR_MAX ? ` — the newest ${HAR_MAX}` : ''}`,
      );
    } catch (e) {
      ui.getState().notify('error', `HAR export failed: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      data-testid="export-har"
      disabled={busy}
      onClick={() => void run()}
      title="the listed exchanges as HTTP Archive (devtools, HTTP Toolkit)"
    >
      {busy ? 'Exporting…' : 'Export HAR'}
    </button>
  );
}

/** The toolbar: filter, open-only, grouping, counts, export, pause, clear. */
function Toolbar({ shown, ids }: { shown: number; ids: () => number[] }) {
  const { filter, paused, missed, openOnly, grouped } = useTraffic((s) => s);
  const total = useTraffic((s) => s.rows.length);
  const open = useTraffic((s) => s.rows.reduce((n, r) => n + (r.outcome === 'open' ? 1 : 0), 0));
  const t = traffic.getState();
  return (
    <div className="toolbar">
      <input
        className="search"
        data-testid="traffic-filter"
        placeholder="filter: method, path, status, type, client…"
        value={filter}
        onChange={(e) => t.setFilter(e.target.value)}
      />
      <button
        className={openOnly ? 'on' : ''}
        aria-pressed={openOnly}
        data-testid="open-only"
        onClick={() => t.setOpenOnly(!openOnly)}
      >
        Open streams only ({fmtNum(open)})
      </button>
      <label className="check">
        <input
          type="checkbox"
          data-testid="group-repeats"
          checked={grouped}
          onChange={(e) => t.setGrouped(e.target.checked)}
        />{' '}
        Group repeats
      </label>
      <span className="muted" data-testid="traffic-count">
        {fmtNum(shown)} of {fmtNum(total)}
      </span>
      <span className="spacer" />
      <ExportHar ids={ids} />
      <button
        data-testid="pause"
        onClick={() => {
          const p = !paused;
          t.setPaused(p);
          if (!p) void refreshTraffic();
        }}
      >
        {paused ? `Resume${missed ? ` (${missed} new)` : ''}` : 'Pause'}
      </button>
      <button onClick={() => t.clear()}>Clear</button>
    </div>
  );
}

/** The Traffic view. */
export function Traffic() {
  const rows = useTraffic((s) => s.rows);
  const filter = useTraffic((s) => s.filter);
  const openOnly = useTraffic((s) => s.openOnly);
  const grouped = useTraffic((s) => s.grouped);
  const selected = useTraffic((s) => s.selected);
  useEffect(() => watchTraffic(), []);
  const scroller = useRef<HTMLDivElement>(null);
  const [atTop, setAtTop] = useState(true);
  const { shown, waiting } = useShownRows(rows, !atTop);
  const items = useMemo(() => tableItems(shown, { filter, openOnly, grouped }), [shown, filter, openOnly, grouped]);
  const group =
    selected === undefined ? undefined : items.find((it) => it.kind === 'group' && it.latest.id === selected);
  const empty =
    rows.length === 0
      ? "No exchanges yet. Requests to Sluice's listeners appear here as they happen."
      : 'Nothing matches: change the filter or switch "open streams only" off.';
  return (
    <div className={`view traffic${selected !== undefined ? ' with-detail' : ''}`}>
      <Toolbar shown={items.length} ids={() => exportIds(items)} />
      <div className="traffic-body">
        <div className="table-wrap">
          {waiting > 0 && (
            <button className="held" data-testid="traffic-held" onClick={() => scroller.current?.scrollTo({ top: 0 })}>
              ↑ {fmtNum(waiting)} new — the list holds still while you look further down
            </button>
          )}
          <TrafficTable items={items} selected={selected} empty={empty} scroller={scroller} onAtTop={setAtTop} />
        </div>
        {selected !== undefined && (
          <ExchangeDetail id={selected} group={group?.kind === 'group' ? group.count : undefined} />
        )}
      </div>
    </div>
  );
}
