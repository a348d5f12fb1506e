/** What the dashboard says before there is anything to chart: how to get a config running. */
import { desktop } from '../../api.js';
import { EXAMPLE_CONFIG } from '../../model/config-doc.js';
import { configDoc, ui, useConfigDoc, useUi } from '../../state.js';

/** The first steps, depending on whether a config is loaded and the engine runs. */
export function EmptyState() {
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
