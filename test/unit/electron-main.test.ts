/**
 * The bundled main process (dist/electron/main.cjs, built into a temp dir)
 * loaded with a stub `electron` module: the window is created locked down,
 * navigation and new windows are denied, a CSP header is added, permission
 * requests are refused, every API call has an IPC handler, the menu is set,
 * and calls through the handlers reach a real engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { API_CALLS, callChannel } from '../../core/api/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type Fn = (...a: unknown[]) => unknown;

/** Records what main does with Electron. */
function stubElectron(userData: string) {
  const rec = {
    windows: [] as { opts: Record<string, unknown>; loaded?: string; contentsOn: Map<string, Fn>; openHandler?: Fn }[],
    handlers: new Map<string, Fn>(),
    appOn: new Map<string, Fn>(),
    menu: undefined as unknown,
    headersHook: undefined as Fn | undefined,
    permissionHook: undefined as Fn | undefined,
  };
  class BrowserWindow {
    static getAllWindows = () => [];
    webContents: Record<string, unknown>;
    private readonly entry: (typeof rec.windows)[number];
    constructor(opts: Record<string, unknown>) {
      this.entry = { opts, contentsOn: new Map() };
      rec.windows.push(this.entry);
      const entry = this.entry;
      this.webContents = {
        id: 1,
        on: (ev: string, fn: Fn) => entry.contentsOn.set(ev, fn),
        setWindowOpenHandler: (fn: Fn) => {
          entry.openHandler = fn;
        },
        send: () => undefined,
      };
    }
    once() {
      return this;
    }
    on() {
      return this;
    }
    isDestroyed() {
      return false;
    }
    setTitle() {
      return undefined;
    }
    async loadFile(p: string) {
      this.entry.loaded = p;
    }
  }
  const electron = {
    app: {
      whenReady: async () => undefined,
      getPath: () => userData,
      on: (ev: string, fn: Fn) => {
        rec.appOn.set(ev, fn);
      },
      addRecentDocument: () => undefined,
      quit: () => undefined,
      exit: () => undefined,
    },
    BrowserWindow,
    ipcMain: {
      handle: (ch: string, fn: Fn) => rec.handlers.set(ch, fn),
      removeHandler: (ch: string) => rec.handlers.delete(ch),
      on: (ch: string, fn: Fn) => rec.handlers.set(ch, fn),
      removeAllListeners: () => undefined,
    },
    Menu: {
      buildFromTemplate: (t: unknown) => t,
      setApplicationMenu: (m: unknown) => {
        rec.menu = m;
      },
    },
    dialog: {
      showErrorBox: (title: string, body: string) => {
        throw new Error(`${title}: ${body}`);
      },
      showMessageBoxSync: () => 1,
    },
    session: {
      defaultSession: {
        webRequest: {
          onHeadersReceived: (fn: Fn) => {
            rec.headersHook = fn;
          },
        },
        setPermissionRequestHandler: (fn: Fn) => {
          rec.permissionHook = fn;
        },
      },
    },
  };
  return { electron, rec };
}

test(
  'main.cjs with Electron stubbed: a locked-down window, IPC from the table, a working engine behind it',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-main-'));
    const built = spawnSync(process.execPath, [resolve(ROOT, 'build/build.mjs'), '--electron', '--electron-out', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, built.stderr);
    const { electron, rec } = stubElectron(dir);
    const M = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
    const load = M._load;
    M._load = function (req: string, ...rest: unknown[]) {
      return req === 'electron' ? electron : load.call(this, req, ...rest);
    };
    const argv = process.argv;
    process.argv = [argv[0]!, join(dir, 'main.cjs'), resolve(ROOT, 'test/e2e/does-not-exist.yaml')];
    try {
      createRequire(import.meta.url)(join(dir, 'main.cjs'));
      for (let i = 0; i < 100 && rec.windows.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      M._load = load;
      process.argv = argv;
    }
    try {
      assert.equal(rec.windows.length, 1, 'one window');
      const w = rec.windows[0]!;
      const prefs = w.opts.webPreferences as Record<string, unknown>;
      assert.equal(prefs.contextIsolation, true);
      assert.equal(prefs.sandbox, true);
      assert.equal(prefs.nodeIntegration, false);
      assert.equal(prefs.preload, join(dir, 'preload.cjs'));
      assert.equal(w.loaded, resolve(dir, '../renderer/index.html'));
      // Navigation away and new windows are denied.
      assert.deepEqual(w.openHandler!({ url: 'https://evil.example/' }), { action: 'deny' });
      let prevented = false;
      w.contentsOn.get('will-navigate')!(
        {
          preventDefault: () => {
            prevented = true;
          },
        },
        'https://evil.example/',
      );
      assert.ok(prevented, 'navigation prevented');
      // A CSP header on every response; permissions refused.
      let headers: Record<string, string[]> = {};
      rec.headersHook!({ responseHeaders: {} }, (r: { responseHeaders: Record<string, string[]> }) => {
        headers = r.responseHeaders;
      });
      assert.match(headers['Content-Security-Policy']![0]!, /default-src 'self'/);
      let granted: boolean | undefined;
      rec.permissionHook!({}, 'geolocation', (ok: boolean) => {
        granted = ok;
      });
      assert.equal(granted, false);
      // Handlers for every API call, checking the sender.
      for (const name of API_CALLS) assert.ok(rec.handlers.has(callChannel(name)), `${name} handled`);
      const own = {
        sender: { id: 1 },
        senderFrame: { url: pathToFileURL(resolve(dir, '../renderer/index.html')).href, parent: null },
      };
      const foreign = { sender: { id: 2 }, senderFrame: { url: 'https://evil.example/', parent: null } };
      assert.deepEqual(await rec.handlers.get('sluice:health')!(foreign), {
        ok: false,
        error: 'health: refused (not from the Sluice window)',
      });
      const health = (await rec.handlers.get('sluice:health')!(own)) as { ok: boolean; result: { ok: boolean } };
      assert.equal(health.ok, true);
      assert.equal(health.result.ok, true);
      // The missing file on the command line leaves an empty, stopped engine; applying a config starts it.
      const applied = (await rec.handlers.get('sluice:applyConfig')!(
        own,
        'version: 1\nhttp:\n  servers:\n    - { name: m, listen: 0, routes: [ { path: /, respond: { body: hi } } ] }\n',
      )) as { ok: boolean; result: { ok: boolean } };
      assert.equal(applied.ok, true);
      assert.equal(applied.result.ok, true);
      const menu = rec.menu as { label?: string }[];
      assert.deepEqual(menu.map((m) => m.label).filter(Boolean), ['File', 'Engine', 'View']);
    } finally {
      rec.appOn.get('before-quit')?.();
      await new Promise((r) => setTimeout(r, 600));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
