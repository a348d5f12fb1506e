/**
 * The detail pane of one exchange, pulled on demand (and every 500 ms while
 * it is open): status line, timing waterfall, chunk timeline, decoded SSE
 * events, headers, and "record as mock".
 */
import { useEffect, useState } from 'react';
import { parse } from 'yaml';
import type { ExchangeDetail as Detail } from '../../../../core/api/index.js';
import { api } from '../../api.js';
import { LlmStreamView } from '../../components/LlmStreamView.js';
import { StreamNotes } from '../../components/StreamFindings.js';
import { fmtBytes, fmtClockMs, fmtMs } from '../../format.js';
import type { Plain } from '../../model/forms.js';
import { rowType } from '../../model/traffic.js';
import { configDoc, traffic, ui } from '../../state.js';
import { ConnectionTls } from '../TrafficTls.js';
import { outcomeLabel } from './TrafficRow.js';

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

function Waterfall({ d }: { d: Detail }) {
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

function ChunkTimeline({ d }: { d: Detail }) {
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

/** Loads exchange `id`, again every 500 ms while it is open (a live list of events). */
function useExchange(id: number): Detail | null | undefined {
  const [d, setD] = useState<Detail | null>();
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout>;
    const load = async () => {
      const x = await api.getExchange(id).catch(() => null);
      if (!alive) return;
      setD(x);
      if (x && x.outcome === 'open') timer = setTimeout(() => void load(), 500);
    };
    void load();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [id]);
  return d;
}

/** The pane; `group` says how many listed requests the selected one stands for. */
export function ExchangeDetail({ id, group }: { id: number; group?: number }) {
  const d = useExchange(id);
  const [mock, setMock] = useState<string>();
  useEffect(() => setMock(undefined), [id]);
  if (d === undefined)
    return (
      <div className="detail">
        <p className="muted">Loading exchange {id}…</p>
      </div>
    );
  if (d === null)
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
        <button title="close (Esc)" onClick={() => traffic.getState().select(undefined)}>
          ✕
        </button>
      </div>
      {group !== undefined && <p className="muted">The newest of {group} requests like it in the table.</p>}
      <p>
        <b className={`st s${Math.floor((d.status ?? 0) / 100)}`}>{d.status ?? '…'}</b> · {rowType(d)} ·{' '}
        {fmtBytes(d.bytesOut)} out · {fmtBytes(d.bytesIn)} in · {fmtMs(d.durationMs)} ·{' '}
        <span className={`outcome ${d.outcome}`}>{outcomeLabel(d)}</span>
        {d.upstream && <> · upstream {d.upstream}</>}
        <br />
        <span className="muted">
          started {fmtClockMs(d.startedAt)} · {d.listener} · from {d.client}
        </span>
      </p>
      <StreamNotes d={d} />
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
      <LlmStreamView d={d} />
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
