/**
 * The Electron main process: one window, the app menu, native file dialogs,
 * and the engine with its API host (the narrow boundary that could move to a
 * utilityProcess later). The window is locked down: contextIsolation,
 * sandbox, no nodeIntegration, no navigation or new windows, a CSP.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, session, type WebContents } from 'electron';
import { readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatConfigError, loadConfig } from '../core/config/index.js';
import type { MenuCommand } from '../core/api/index.js';
import type { ApiHost } from '../core/host/api-host.js';
import { createEngine, type Runtime } from '../core/runtime/create-engine.js';
import {
  DESKTOP_CHANNELS,
  forwardEvents,
  isTrustedSender,
  registerApiHandlers,
  registerDesktopHandlers,
  type IpcMainLike,
} from './ipc.js';
import { buildMenuTemplate } from './menu.js';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'";
const RENDERER_INDEX = join(__dirname, '../renderer/index.html');
const APP_URL = pathToFileURL(RENDERER_INDEX).href;
const RECENT_MAX = 8;

let win: BrowserWindow | undefined;
let runtime: Runtime | undefined;
let recent: string[] = [];

const recentFile = () => join(app.getPath('userData'), 'recent.json');

async function loadRecent(): Promise<void> {
  try {
    const v: unknown = JSON.parse(await readFile(recentFile(), 'utf8'));
    recent = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, RECENT_MAX) : [];
  } catch {
    recent = [];
  }
}

async function remember(file: string): Promise<void> {
  recent = [file, ...recent.filter((f) => f !== file)].slice(0, RECENT_MAX);
  await writeFile(recentFile(), JSON.stringify(recent)).catch(() => undefined);
  installMenu();
  app.addRecentDocument(file);
}

function sendMenu(cmd: MenuCommand): void {
  win?.webContents.send(DESKTOP_CHANNELS.menu, cmd);
}

async function openPath(file: string): Promise<void> {
  try {
    sendMenu({ type: 'open', file, text: await readFile(file, 'utf8') });
    await remember(file);
  } catch (err) {
    dialog.showErrorBox('Cannot open file', `${file}: ${(err as Error).message}`);
  }
}

const FILTERS = [{ name: 'Sluice config', extensions: ['yaml', 'yml', 'json'] }];

async function chooseOpen(): Promise<{ file: string; text: string } | null> {
  if (!win) return null;
  const r = await dialog.showOpenDialog(win, { properties: ['openFile'], filters: FILTERS });
  const file = r.filePaths[0];
  if (r.canceled || !file) return null;
  await remember(file);
  return { file, text: await readFile(file, 'utf8') };
}

async function chooseSave(current?: string): Promise<string | null> {
  if (!win) return null;
  const r = await dialog.showSaveDialog(win, { defaultPath: current ?? 'sluice.yaml', filters: FILTERS });
  if (r.canceled || !r.filePath) return null;
  await remember(r.filePath);
  return r.filePath;
}

function installMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate(
        {
          newConfig: () => sendMenu({ type: 'new' }),
          open: () => void chooseOpen().then((r) => r && sendMenu({ type: 'open', ...r })),
          openRecent: (f) => void openPath(f),
          save: () => sendMenu({ type: 'save' }),
          saveAs: () => sendMenu({ type: 'saveAs' }),
          start: () =>
            void runtime?.host.startEngine().then((r) => {
              if (!r.ok) dialog.showErrorBox('Start failed', r.message);
            }),
          stop: () => void runtime?.host.stopEngine(),
          apply: () => sendMenu({ type: 'apply' }),
          view: (view) => sendMenu({ type: 'view', view }),
        },
        recent,
      ),
    ),
  );
}

/** Locks a webContents down: no navigation away, no new windows, no permission prompts. */
function harden(contents: WebContents): void {
  contents.on('will-navigate', (e, url) => {
    if (url !== APP_URL) e.preventDefault();
  });
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Sluice',
    show: false,
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  harden(w.webContents);
  w.once('ready-to-show', () => w.show());
  // The renderer's beforeunload guard (unsaved edits) ends up here: ask before closing.
  w.webContents.on('will-prevent-unload', (e) => {
    const choice = dialog.showMessageBoxSync(w, {
      type: 'question',
      buttons: ['Discard changes', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'The config has unsaved changes.',
      detail: 'Close anyway and lose them?',
    });
    if (choice === 0) e.preventDefault();
  });
  void w.loadFile(RENDERER_INDEX);
  return w;
}

/** Engine + host from the file given on the command line (if any). */
async function startEngine(file: string | undefined): Promise<Runtime> {
  let text = '';
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      console.error(`sluice: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const rt = createEngine({ baseDir: file ? dirname(file) : process.cwd(), file, text });
  if (text) {
    const loaded = loadConfig(text, file);
    if (loaded.ok) await rt.engine.start(loaded.config);
    else for (const e of loaded.errors) console.error(formatConfigError(e));
  }
  if (file && text) await remember(file);
  return rt;
}

async function main(): Promise<void> {
  await app.whenReady();
  await loadRecent();
  const file = process.argv.slice(1).find((a) => /\.(ya?ml|json)$/i.test(a));
  runtime = await startEngine(file ? resolve(file) : undefined);
  const host: ApiHost = runtime.host;
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
  );
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  app.on('web-contents-created', (_e, contents) => harden(contents));
  installMenu();
  win = createWindow();
  const trusted = (e: Parameters<typeof isTrustedSender>[0]) => isTrustedSender(e, win?.webContents.id, APP_URL);
  const ipc = ipcMain as unknown as IpcMainLike;
  registerApiHandlers(ipc, host, trusted);
  registerDesktopHandlers(
    ipc,
    { openFile: chooseOpen, chooseSavePath: chooseSave, setTitle: (t) => win?.setTitle(t) },
    trusted,
  );
  const stopForwarding = forwardEvents(host, (channel, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send(channel, payload);
  });
  win.on('closed', () => {
    win = undefined;
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    stopForwarding();
    void runtime?.close(500);
  });
}

main().catch((err: unknown) => {
  dialog.showErrorBox('Sluice failed to start', err instanceof Error ? (err.stack ?? err.message) : String(err));
  app.exit(1);
});
