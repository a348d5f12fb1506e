/** The app frame: navigation, engine status and controls, notices, and the current view. */
import { useEffect, useSyncExternalStore } from 'react';
import { api, connection, desktop } from './api.js';
import { Client } from './views/Client.js';
import { ConfigView } from './views/config/ConfigView.js';
import { Channels } from './views/Channels.js';
import { Dashboard } from './views/dashboard/Dashboard.js';
import { Traffic } from './views/traffic/Traffic.js';
import { Tuner } from './views/Tuner.js';
import { Upstreams } from './views/Upstreams.js';
import { newConfig, openText, previewApply, save, saveAs } from './views/config-actions.js';
import { APP_VIEWS, isAppView } from '../../core/api/index.js';
import { configDoc, ui, useConfigDoc, useUi, type View } from './state.js';

/** The component of each view; the list, order and titles come from APP_VIEWS (shared with the app menu). */
const VIEW_COMPONENTS: Record<View, () => React.JSX.Element> = {
  dashboard: Dashboard,
  client: Client,
  config: ConfigView,
  traffic: Traffic,
  channels: Channels,
  upstreams: Upstreams,
  tuner: Tuner,
};
const TITLES = Object.fromEntries(APP_VIEWS.map((v) => [v.id, v.title])) as Record<View, string>;

/** Start/Stop; the shown state follows the engine's own `state` events. */
function EngineControls() {
  const running = useUi((s) => s.running);
  const start = async () => {
    const r = await api.startEngine();
    ui.getState().notify(r.ok ? 'ok' : 'error', r.ok ? 'engine started' : `start failed: ${r.message}`);
  };
  const stop = async () => {
    await api.stopEngine();
    ui.getState().notify('ok', 'engine stopped');
  };
  return (
    <div className="engine">
      <span className={`dot ${running ? 'on' : 'off'}`} data-testid="engine-state">
        {running ? 'running' : 'stopped'}
      </span>
      {running ? (
        <button onClick={() => void stop()}>Stop</button>
      ) : (
        <button className="primary" onClick={() => void start()}>
          Start
        </button>
      )}
    </div>
  );
}

function Notice() {
  const notice = useUi((s) => s.notice);
  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => ui.setState({ notice: undefined }), notice.kind === 'error' ? 8000 : 4000);
    return () => clearTimeout(t);
  }, [notice]);
  return notice ? (
    <div className={`notice ${notice.kind}`} data-testid="notice" onClick={() => ui.setState({ notice: undefined })}>
      {notice.text}
    </div>
  ) : null;
}

/** Menu commands from the Electron shell. */
function useDesktopMenu() {
  useEffect(
    () =>
      desktop?.onMenu((cmd) => {
        if (cmd.type === 'new') newConfig();
        else if (cmd.type === 'open') openText(cmd.text, cmd.file);
        else if (cmd.type === 'save') void save();
        else if (cmd.type === 'saveAs') void saveAs();
        else if (cmd.type === 'apply') {
          ui.getState().setView('config');
          void previewApply();
        } else if (cmd.type === 'view' && isAppView(cmd.view)) ui.getState().setView(cmd.view);
      }),
    [],
  );
}

export function App() {
  const view = useUi((s) => s.view);
  const conn = useSyncExternalStore(connection.subscribe, connection.get);
  const file = useConfigDoc((s) => s.file);
  const dirty = useConfigDoc((s) => s.text !== s.savedText);
  useDesktopMenu();
  useEffect(() => {
    desktop?.setTitle(`${file ?? 'untitled'}${dirty ? ' •' : ''} — Sluice`);
    const guard = (e: BeforeUnloadEvent) => {
      if (configDoc.getState().dirty()) e.preventDefault();
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, [file, dirty]);
  const Current = VIEW_COMPONENTS[view];
  return (
    <div className="app">
      <aside className="nav">
        <div className="brand">Sluice</div>
        {APP_VIEWS.map(({ id, title }) => (
          <button
            key={id}
            data-testid={`nav-${id}`}
            className={id === view ? 'on' : ''}
            onClick={() => ui.getState().setView(id)}
          >
            {title}
          </button>
        ))}
        <div className="nav-foot">
          {conn !== 'open' && <div className="conn bad">{conn === 'connecting' ? 'connecting…' : 'disconnected'}</div>}
        </div>
      </aside>
      <main>
        <header>
          <h1>{TITLES[view]}</h1>
          <span className="spacer" />
          <EngineControls />
        </header>
        <Notice />
        <Current />
      </main>
    </div>
  );
}
