/**
 * Traffic: a virtualised table of exchanges (newest first), filter, pause, and
 * a detail pane pulled on demand (headers, timing waterfall, chunk timeline,
 * decoded SSE events as a live list). A clean close is shown as closed.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ExchangeDetail, ExchangeSummary } from '../../../core/api/index.js';
import { api } from '../api.js';
import { fmtBytes, fmtClock, fmtMs } from '../format.js';
import { matchesFilter, rowType } from '../model/traffic.js';
import { parse } from 'yaml';
import type { Plain } from '../model/forms.js';
import { configDoc, refreshTraffic, traffic, ui, useTraffic } from '../state.js';
import { ConnectionTls, ProtocolCell } from './TrafficTls.js';

/** Adds a recorded route (YAML of one route) to the first HTTP server of the edited config. */
function addRecordedRoute(yaml: string): void {
  let route: unknown;
  try {
    route = parse(yaml);
  } catch {
    ui.getState().notify('error', 'the recorded route is not valid YAML');
    return;
  }
  configDoc.getState().edit((d) => {
    const http = (d.http ??= {}) as Plain;
    const servers = (http.servers ??= []) as Plain[];
    if (servers.length === 0) servers.push({ name: 'mock', listen: '127.0.0.1:8080', routes: [] });
    ((servers[0]!.routes ??= []) as unknown[]).push(route);
  });
  ui.getState().notify('ok', 'recorded route added to the config — review it, then Apply');
  ui.getState().setView('config');
}

const COLS = ['Time', 'Method', 'Path', 'Status', 'Type', 'Proto', 'Bytes', 'Duration', 'Client', 'State'];

function outcomeLabel(r: ExchangeSummary): string {
  if (r.outcome === 'open') return r.events > 0 ? `open · ${r.events} ev` : 'open';
  if (r.outcome === 'error') return `error${r.error ? `: ${r.error}` : ''}`;
  return r.events > 0 ? `${r.outcome} · ${r.events} ev` : r.outcome;
}

function Row({ r, selected, style }: { r: ExchangeSummary; selected: boolean; style: React.CSSProperties }) {
  const status = r.status ?? 0;
  return (
    <div
      className={`trow${selected ? ' sel' : ''} o-${r.outcome}`}
      style={style}
      data-testid="traffic-row"
      onClick={() => traffic.getState().select(r.id)}
    >
      <span>{fmtClock(r.startedAt)}</span>
      <span className="method">{r.method}</span>
      <span className="path" title={r.url}>
        {r.url}
      </span>
      <span className={`st s${Math.floor(status / 100)}`}>{r.status ?? '…'}</span>
      <span>{rowType(r)}</span>
      <ProtocolCell r={r} />
      <span className="num">{fmtBytes(r.bytesOut)}</span>
      <span className="num">{fmtMs(r.durationMs)}</span>
      <span>{r.client}</span>
      <span className={`outcome ${r.outcome}`}>{outcomeLabel(r)}</span>
    </div>
  );
}

function Waterfall({ d }: { d: ExchangeDetail }) {
  const total = Math.max(d.durationMs ?? Date.now() - d.startedAt, 1);
  const bar = (label: string, from: number, to: number | undefined, cls: string) =>
    to === undefined ? null : (
      <div className="wf-row" key={label}>
        <span>{label}</span>
        <div className="wf-track">
          <div
            className={`wf-bar ${cls}`}
            style={{ left: `${(from / total) * 100}%`, width: `${Math.max(((to - from) / total) * 100, 0.5)}%` }}
          />
        </div>
        <span className="num">{fmtMs(to - from)}</span>
      </div>
    );
  return (
    <div className="waterfall">
      {bar('connect', 0, d.connectMs, 'c')}
      {bar('waiting (TTFB)', d.connectMs ?? 0, d.ttfbMs, 'w')}
      {bar('receiving', d.ttfbMs ?? 0, d.durationMs ?? total, 'r')}
    </div>
  );
}

function ChunkTimeline({ d }: { d: ExchangeDetail }) {
  if (d.chunks.length === 0)
    return <p className="muted">No chunks captured (capture runs while the Traffic view is open).</p>;
  const end = Math.max(...d.chunks.map((c) => c.t), 1);
  const max = Math.max(...d.chunks.map((c) => c.bytes), 1);
  return (
    <svg className="chunks" viewBox="0 0 400 60" preserveAspectRatio="none" data-testid="chunk-timeline">
      {d.chunks.map((c, i) => (
        <rect key={i} x={(c.t / end) * 396} y={60 - (c.bytes / max) * 56} width={3} height={(c.bytes / max) * 56} />
      ))}
    </svg>
  );
}

function Headers({ h }: { h: Record<string, unknown> | undefined }) {
  if (!h) return <p className="muted">—</p>;
  return (
    <table className="kv">
      <tbody>
        {Object.entries(h).map(([k, v]) => (
          <tr key={k}>
            <td>{k}</td>
            <td>{Array.isArray(v) ? v.join(', ') : String(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Detail({ id }: { id: number }) {
  const [d, setD] = useState<ExchangeDetail | null>(null);
  const [mock, setMock] = useState<string>();
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout>;
    setMock(undefined);
    const load = async () => {
      const x = await api.getExchange(id).catch(() => null);
      if (!alive) return;
      setD(x);
      if (x && x.outcome === 'open') timer = setTimeout(() => void load(), 500); // live list while the stream is open
    };
    void load();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [id]);
  if (!d)
    return (
      <div className="detail">
        <p className="muted">Exchange {id} is no longer in the log.</p>
      </div>
    );
  const record = async () => {
    const r = await api.recordAsMock(id);
    if (r.ok) setMock(r.yaml);
    else ui.getState().notify('error', `record as mock: ${r.message}`);
  };
  return (
    <div className="detail" data-testid="traffic-detail">
      <div className="form-head">
        <h3>
          <span className="method">{d.method}</span> {d.url}
        </h3>
        <button onClick={() => traffic.getState().select(undefined)}>✕</button>
      </div>
      <p>
        <b className={`st s${Math.floor((d.status ?? 0) / 100)}`}>{d.status ?? '…'}</b> · {rowType(d)} ·{' '}
        {fmtBytes(d.bytesOut)} out · {fmtBytes(d.bytesIn)} in · {fmtMs(d.durationMs)} ·{' '}
        <span className={`outcome ${d.outcome}`}>{outcomeLabel(d)}</span>
        {d.upstream && <> · upstream {d.upstream}</>}
      </p>
      {(d.kind === 'proxy' || d.sseEvents.length > 0 || d.chunks.length > 1) && (
        <button data-testid="record-mock" onClick={() => void record()}>
          Record as mock
        </button>
      )}
      {mock && (
        <>
          <pre className="mock" data-testid="mock-yaml">
            {mock}
          </pre>
          <button data-testid="add-mock" onClick={() => addRecordedRoute(mock)}>
            Add to config
          </button>
        </>
      )}
      <ConnectionTls d={d} />
      <h4>Timing</h4>
      <Waterfall d={d} />
      <h4>Chunks ({d.chunks.length})</h4>
      <ChunkTimeline d={d} />
      {d.sseEvents.length > 0 && (
        <>
          <h4>SSE events ({d.sseEvents.length})</h4>
          <table className="events" data-testid="sse-events">
            <thead>
              <tr>
                <th>+ms</th>
                <th>event</th>
                <th>id</th>
                <th>data</th>
              </tr>
            </thead>
            <tbody>
              {d.sseEvents.slice(-300).map((e, i) => (
                <tr key={i}>
                  <td className="num">{Math.round(e.t)}</td>
                  <td>{e.event ?? 'message'}</td>
                  <td>{e.id ?? ''}</td>
                  <td className="data">{e.data}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h4>Request headers</h4>
      <Headers h={d.requestHeaders} />
      <h4>Response headers</h4>
      <Headers h={d.responseHeaders} />
    </div>
  );
}

/** The Traffic view. */
export function Traffic() {
  const rows = useTraffic((s) => s.rows);
  const filter = useTraffic((s) => s.filter);
  const paused = useTraffic((s) => s.paused);
  const missed = useTraffic((s) => s.missed);
  const selected = useTraffic((s) => s.selected);
  const shown = useMemo(() => rows.filter((r) => matchesFilter(r, filter)), [rows, filter]);
  const scroller = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 24,
    overscan: 12,
  });
  return (
    <div className={`view traffic${selected !== undefined ? ' with-detail' : ''}`}>
      <div className="toolbar">
        <input
          className="search"
          data-testid="traffic-filter"
          placeholder="filter: method, path, status, type, client…"
          value={filter}
          onChange={(e) => traffic.getState().setFilter(e.target.value)}
        />
        <span className="muted">
          {shown.length} of {rows.length}
        </span>
        <span className="spacer" />
        <button
          data-testid="pause"
          onClick={() => {
            const p = !paused;
            traffic.getState().setPaused(p);
            if (!p) void refreshTraffic();
          }}
        >
          {paused ? `Resume${missed ? ` (${missed} new)` : ''}` : 'Pause'}
        </button>
        <button onClick={() => traffic.getState().clear()}>Clear</button>
      </div>
      <div className="traffic-body">
        <div className="table">
          <div className="thead">
            {COLS.map((c) => (
              <span key={c}>{c}</span>
            ))}
          </div>
          <div className="tbody" ref={scroller}>
            {shown.length === 0 && (
              <p className="muted pad">No exchanges yet. Requests to Sluice's listeners appear here as they happen.</p>
            )}
            <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
              {virt.getVirtualItems().map((v) => {
                const r = shown[v.index]!;
                return (
                  <Row
                    key={r.id}
                    r={r}
                    selected={r.id === selected}
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
        {selected !== undefined && <Detail id={selected} />}
      </div>
    </div>
  );
}
