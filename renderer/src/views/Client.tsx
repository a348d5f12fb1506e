/**
 * Client: subscribe to any stream — GET or POST, any headers and body — and
 * watch it arrive: a live table of events with their time and gap, reconnects
 * marked where they happen, a timeline, the session's figures, why it may not
 * stream, and "Save as mock" (the session as an SSE script route with its
 * timing). The session runs in the engine; batches arrive once per tick.
 */
import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { useVirtualizer } from '@tanstack/react-virtual';
import { parse } from 'yaml';
import { api } from '../api.js';
import { fmtBytes, fmtMs } from '../format.js';
import { createClientStore, requestOf, type ClientRow } from '../model/client-session.js';
import type { Plain } from '../model/forms.js';
import { configDoc, ui } from '../state.js';
import { Tile } from '../components/Tile.js';
import { Findings } from '../components/StreamFindings.js';
import { ClientTimeline } from '../components/ClientTimeline.js';
import './client.css';

/** The view's store, fed by the engine's `client` batches from the first time the view opens. */
export const clientSession = createClientStore();
let subscribed = false;
function subscribe(): void {
  if (subscribed) return;
  subscribed = true;
  api.on('client', (batches) => clientSession.getState().apply(batches));
}

const useClient = <T,>(sel: (s: ReturnType<typeof clientSession.getState>) => T) => useStore(clientSession, sel);
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Adds a saved mock route (YAML of one route) to the first HTTP server of the edited config. */
function addMockRoute(yaml: string): void {
  const route = parse(yaml) as unknown;
  configDoc.getState().edit((d) => {
    const http = (d.http ??= {}) as Plain;
    const servers = (http.servers ??= []) as Plain[];
    if (servers.length === 0) servers.push({ name: 'mock', listen: '127.0.0.1:8080', routes: [] });
    ((servers[0]!.routes ??= []) as unknown[]).push(route);
  });
  ui.getState().notify('ok', 'mock route added to the config — review it, then Apply');
  ui.getState().setView('config');
}

function RequestForm({ running }: { running: boolean }) {
  const form = useClient((s) => s.form);
  const id = useClient((s) => s.id);
  const set = clientSession.getState().setForm;
  const start = async () => {
    const r = requestOf(form);
    if (!r.ok) return ui.getState().notify('error', r.message);
    const started = await api.startClient(r.request);
    if (!started.ok) return ui.getState().notify('error', started.message);
    clientSession.getState().begin(started.id);
  };
  return (
    <form
      className="client-form"
      data-testid="client-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!running) void start();
      }}
    >
      <div className="client-line">
        <select value={form.method} onChange={(e) => set({ method: e.target.value })} data-testid="client-method">
          {METHODS.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
        <input
          className="client-url"
          placeholder="http://127.0.0.1:8080/events"
          value={form.url}
          spellCheck={false}
          onChange={(e) => set({ url: e.target.value })}
          data-testid="client-url"
        />
        {running ? (
          <button type="button" className="danger" onClick={() => void api.stopClient(id!)} data-testid="client-stop">
            Stop
          </button>
        ) : (
          <button type="submit" className="primary" data-testid="client-start">
            Subscribe
          </button>
        )}
      </div>
      <div className="client-options">
        <label>
          Headers
          <textarea
            rows={2}
            placeholder="Authorization: Bearer …"
            value={form.headers}
            onChange={(e) => set({ headers: e.target.value })}
            data-testid="client-headers"
          />
        </label>
        {form.method !== 'GET' && (
          <label>
            Body
            <textarea
              rows={2}
              placeholder='{"stream": true}'
              value={form.body}
              onChange={(e) => set({ body: e.target.value })}
              data-testid="client-body"
            />
          </label>
        )}
        <label>
          Reconnects
          <input
            placeholder={form.method === 'GET' ? 'as EventSource' : 'none'}
            value={form.reconnect}
            onChange={(e) => set({ reconnect: e.target.value })}
            data-testid="client-reconnect"
          />
        </label>
        <label>
          Max events
          <input
            placeholder="no limit"
            value={form.maxEvents}
            onChange={(e) => set({ maxEvents: e.target.value })}
            data-testid="client-max-events"
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={form.insecure} onChange={(e) => set({ insecure: e.target.checked })} />
          any TLS certificate
        </label>
      </div>
    </form>
  );
}

function Figures() {
  const s = useClient((x) => x.summary);
  const conn = useClient((x) => x.connections.at(-1));
  if (!s) return null;
  const ids =
    s.ids.missing + s.ids.duplicateCount + s.ids.behind === 0
      ? 'none'
      : [
          s.ids.missing && `${s.ids.missing} missing`,
          s.ids.duplicateCount && `${s.ids.duplicateCount} dup`,
          s.ids.behind && `${s.ids.behind} late`,
        ]
          .filter(Boolean)
          .join(' · ');
  return (
    <div className="tiles client-tiles">
      <Tile
        label="State"
        value={s.state}
        sub={s.error ?? s.endReason ?? (conn?.status ? `${conn.status} ${conn.contentType ?? ''}` : undefined)}
        tone={s.state === 'failed' ? 'error' : undefined}
        testId="client-state"
      />
      <Tile label="Events" value={String(s.events)} sub={fmtBytes(s.bytes)} testId="client-events" />
      <Tile label="First byte" value={fmtMs(s.ttfbMs)} sub="request → headers" />
      <Tile label="First event" value={fmtMs(s.firstEventMs)} sub="request → event" />
      <Tile
        label="Reconnects"
        value={String(s.reconnects)}
        sub={`${s.connections} connection${s.connections === 1 ? '' : 's'}`}
        testId="client-reconnects"
      />
      <Tile label="Id gaps / duplicates" value={ids} tone={ids === 'none' ? undefined : 'error'} testId="client-ids" />
      <Tile label="Duration" value={fmtMs(s.durationMs)} />
    </div>
  );
}

function Row({ row, style }: { row: ClientRow; style: React.CSSProperties }) {
  if (row.kind === 'reconnect') {
    const r = row.r;
    return (
      <div className="crow reconnect" style={style} data-testid="client-reconnect-row">
        ↻ reconnect at {fmtMs(r.t)}, {fmtMs(r.afterMs)} after the connection ended ({r.reason}) ·{' '}
        {r.lastEventId !== undefined ? `Last-Event-ID: ${r.lastEventId}` : 'no Last-Event-ID'} · connection {r.conn}
      </div>
    );
  }
  const e = row.e;
  return (
    <div
      className={`crow${e.idNote ? ` id-${e.idNote}` : ''}`}
      style={style}
      data-testid="client-event-row"
      title={e.idNote ? `id ${e.idNote}` : undefined}
    >
      <span className="num">{e.n}</span>
      <span className="num">{fmtMs(e.t)}</span>
      <span className="num">+{e.gap}</span>
      <span>{e.event ?? ''}</span>
      <span>{e.id ?? ''}</span>
      <span className="data">
        {e.data}
        {e.truncated ? ` … (${fmtBytes(e.size)})` : ''}
      </span>
    </div>
  );
}

function EventTable() {
  const rows = useClient((s) => s.rows);
  const skipped = useClient((s) => s.skipped);
  const dropped = useClient((s) => s.dropped);
  const scroller = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const virt = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 22,
    overscan: 16,
  });
  useEffect(() => {
    if (follow.current && rows.length > 0) virt.scrollToIndex(rows.length - 1, { align: 'end' });
  }, [rows.length, virt]);
  const onScroll = () => {
    const el = scroller.current;
    if (el) follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };
  return (
    <div className="client-table" data-testid="client-table">
      <div className="chead">
        <span>#</span>
        <span>time</span>
        <span>gap ms</span>
        <span>event</span>
        <span>id</span>
        <span>data</span>
      </div>
      {(skipped > 0 || dropped > 0) && (
        <p className="muted pad-s">
          {dropped > 0 ? `${dropped} older rows let go; ` : ''}
          {skipped > 0 ? `${skipped} events too fast to list (counted above)` : ''}
        </p>
      )}
      <div className="cbody" ref={scroller} onScroll={onScroll}>
        {rows.length === 0 && <p className="muted pad">Events appear here as they arrive.</p>}
        <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
          {virt.getVirtualItems().map((v) => (
            <Row
              key={v.key}
              row={rows[v.index]!}
              style={{
                position: 'absolute',
                top: 0,
                left: 0,
                right: 0,
                height: v.size,
                transform: `translateY(${v.start}px)`,
              }}
            />
          ))}
        </div>
      </div>
    </div>
  );
}

function MockPanel({ id }: { id: number }) {
  const [mock, setMock] = useState<{ yaml: string; note?: string }>();
  useEffect(() => setMock(undefined), [id]);
  const save = async () => {
    const r = await api.clientAsMock(id, { path: '/mock' });
    if (r.ok) setMock({ yaml: r.yaml, note: r.note });
    else ui.getState().notify('error', `save as mock: ${r.message}`);
  };
  return (
    <div className="client-mock">
      <button onClick={() => void save()} data-testid="client-save-mock">
        Save as mock
      </button>
      {mock && (
        <>
          {mock.note && <p className="muted">{mock.note}</p>}
          <pre className="mock" data-testid="client-mock-yaml">
            {mock.yaml}
          </pre>
          <button className="primary" onClick={() => addMockRoute(mock.yaml)} data-testid="client-add-mock">
            Add to config
          </button>
        </>
      )}
    </div>
  );
}

/** The Client view. */
export function Client() {
  const id = useClient((s) => s.id);
  const summary = useClient((s) => s.summary);
  const rows = useClient((s) => s.rows);
  const connections = useClient((s) => s.connections);
  const running = summary ? ['connecting', 'open', 'waiting'].includes(summary.state) : id !== undefined;
  // Subscribed on first open and for good: the store keeps the session while other views show.
  useEffect(subscribe, []);
  return (
    <div className="view client">
      <RequestForm running={running && id !== undefined} />
      {id === undefined && (
        <div className="empty">
          <h2>Subscribe to any stream</h2>
          <p>
            Server-Sent Events, NDJSON or chunked text, by GET or POST (as <code>fetch</code> starts every LLM stream).
            Each event shows as it arrives, with its time and the gap before it; a GET event stream reconnects as a
            browser's EventSource would, with <code>Last-Event-ID</code>.
          </p>
          <p>
            The same from a terminal: <code>sluice client URL [-X POST -d BODY] [--json]</code>.
          </p>
        </div>
      )}
      {id !== undefined && (
        <>
          <Figures />
          {summary && (
            <Findings
              items={summary.diagnostics}
              empty={
                summary.events > 0
                  ? 'Nothing holds this stream back: no buffering, compression or caching problems seen.'
                  : undefined
              }
            />
          )}
          <ClientTimeline rows={rows} connections={connections} durationMs={summary?.durationMs ?? 0} />
          <EventTable />
          {summary && summary.events > 0 && <MockPanel id={id} />}
        </>
      )}
    </div>
  );
}
