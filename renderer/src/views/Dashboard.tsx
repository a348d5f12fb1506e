/** Dashboard: live charts of the last 60 s (total + per listener), totals tiles, and an empty state for new users. */
import { useDeferredValue, useMemo } from 'react';
import { LiveChart } from '../components/LiveChart.js';
import { Tile } from '../components/Tile.js';
import { fmtBytes, fmtClock, fmtNum, fmtRate } from '../format.js';
import { seriesOf } from '../model/telemetry.js';
import { desktop } from '../api.js';
import { EXAMPLE_CONFIG } from '../model/config-doc.js';
import { configDoc, ui, useConfigDoc, useTelemetry, useUi } from '../state.js';

function EmptyState() {
  const running = useUi((s) => s.running);
  const hasServers = useConfigDoc(
    (s) => (s.config?.http.servers.length ?? 0) + (s.config?.stream.servers.length ?? 0) > 0,
  );
  return (
    <div className="empty" data-testid="dashboard-empty">
      <h2>Nothing is running yet</h2>
      {!hasServers ? (
        <>
          <p>
            Open a config ({desktop ? 'File → Open' : 'Config → Open…'}) or go to{' '}
            <a onClick={() => ui.getState().setView('config')}>Config</a> and add an HTTP server with a route — an SSE
            script, a chunked response, a static folder or a proxy — then press <b>Apply</b>.
          </p>
          <p>
            <button
              className="primary"
              data-testid="load-example"
              onClick={() => {
                configDoc.getState().setText(EXAMPLE_CONFIG);
                ui.getState().setView('config');
              }}
            >
              Start from an example
            </button>{' '}
            <span className="muted">
              an SSE ticker, a channel, a chunked response and a rate-limited feed on 127.0.0.1:8080
            </span>
          </p>
        </>
      ) : !running ? (
        <p>
          Your config has servers but the engine is stopped. Press <b>Start</b> in the toolbar.
        </p>
      ) : (
        <p>
          The engine is running; send a request to one of its listeners (for example with curl) and the charts fill in.
        </p>
      )}
    </div>
  );
}

/** The engine's recent log lines (apply results, upstreams going down, dropped clients). */
function Log() {
  const logs = useUi((s) => s.logs);
  if (logs.length === 0) return null;
  return (
    <div className="card log" data-testid="engine-log">
      <h4>Engine log</h4>
      <ul>
        {logs
          .slice(-40)
          .reverse()
          .map((l, i) => (
            <li key={i} className={l.level}>
              <span className="muted">{fmtClock(l.at)}</span> {l.message}
            </li>
          ))}
      </ul>
    </div>
  );
}

/** The Dashboard view. */
export function Dashboard() {
  // Charts render at low priority: under load React skips intermediate ticks instead of blocking the page.
  const points = useDeferredValue(useTelemetry((s) => s.points));
  const listeners = useTelemetry((s) => s.listeners);
  const last = useTelemetry((s) => s.last);
  const series = useMemo(() => ['total', ...listeners], [listeners]);
  const charts = useMemo(
    () => ({
      active: seriesOf(points, 'active', listeners),
      bytesIn: seriesOf(points, 'bytesIn', listeners),
      bytesOut: seriesOf(points, 'bytesOut', listeners),
      requests: seriesOf(points, 'requests', listeners),
      events: seriesOf(points, 'events', listeners),
    }),
    [points, listeners],
  );
  const t = last?.total;
  return (
    <div className="view dashboard">
      <div className="tiles">
        <Tile testId="tile-active" label="Open connections" value={fmtNum(t?.active ?? 0)} />
        <Tile
          testId="tile-requests"
          label="Requests"
          value={fmtNum(t?.totals.requests ?? 0)}
          sub={`${fmtNum(t?.requestsPerSec ?? 0)}/s`}
        />
        <Tile
          testId="tile-out"
          label="Bytes out"
          value={fmtBytes(t?.totals.bytesOut ?? 0)}
          sub={fmtRate(t?.bytesOutPerSec ?? 0)}
        />
        <Tile
          testId="tile-in"
          label="Bytes in"
          value={fmtBytes(t?.totals.bytesIn ?? 0)}
          sub={fmtRate(t?.bytesInPerSec ?? 0)}
        />
        <Tile
          testId="tile-events"
          label="SSE events"
          value={fmtNum(t?.totals.events ?? 0)}
          sub={`${fmtNum(t?.eventsPerSec ?? 0)}/s`}
        />
        <Tile
          testId="tile-errors"
          label="Errors"
          value={fmtNum(t?.totals.errors ?? 0)}
          sub={`${fmtNum(t?.totals.drops ?? 0)} dropped`}
          tone={(t?.totals.errors ?? 0) > 0 ? 'error' : undefined}
        />
      </div>
      {listeners.length === 0 && <EmptyState />}
      <div className="chart-grid">
        <LiveChart
          testId="chart-active"
          title="Active connections"
          data={charts.active}
          series={series}
          format={fmtNum}
        />
        <LiveChart testId="chart-requests" title="Requests/s" data={charts.requests} series={series} format={fmtNum} />
        <LiveChart
          testId="chart-out"
          title="Bytes/s out"
          data={charts.bytesOut}
          series={series}
          format={fmtRate}
          bytes
        />
        <LiveChart testId="chart-in" title="Bytes/s in" data={charts.bytesIn} series={series} format={fmtRate} bytes />
        <LiveChart testId="chart-events" title="SSE events/s" data={charts.events} series={series} format={fmtNum} />
        <Log />
      </div>
    </div>
  );
}
