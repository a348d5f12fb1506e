/**
 * The app menu as data: File (New, Open…, Save, Save As…, Recent), Engine
 * (Start, Stop, Apply), View (the views). Actions are injected, so the
 * template is testable without Electron.
 */
import type { MenuItemConstructorOptions } from 'electron';
import { APP_VIEWS, type AppView } from '../core/api/desktop.js';

/** What the menu items do (wired by main.ts). */
export interface MenuActions {
  newConfig(): void;
  open(): void;
  openRecent(file: string): void;
  save(): void;
  saveAs(): void;
  start(): void;
  stop(): void;
  apply(): void;
  view(name: AppView): void;
}

/** The views, in menu order (CmdOrCtrl+1…), as `[view, label]`. */
export const MENU_VIEWS: [AppView, string][] = APP_VIEWS.map((v) => [v.id, v.title]);

/** Builds the menu template. */
export function buildMenuTemplate(
  actions: MenuActions,
  recent: string[],
  platform: NodeJS.Platform = process.platform,
): MenuItemConstructorOptions[] {
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'New', accelerator: 'CmdOrCtrl+N', click: () => actions.newConfig() },
      { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => actions.open() },
      {
        label: 'Recent',
        submenu: recent.length
          ? recent.map((f) => ({ label: f, click: () => actions.openRecent(f) }))
          : [{ label: 'No recent files', enabled: false }],
      },
      { type: 'separator' },
      { label: 'Save', accelerator: 'CmdOrCtrl+S', click: () => actions.save() },
      { label: 'Save As…', accelerator: 'CmdOrCtrl+Shift+S', click: () => actions.saveAs() },
      { type: 'separator' },
      platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const engine: MenuItemConstructorOptions = {
    label: 'Engine',
    submenu: [
      { label: 'Start', click: () => actions.start() },
      { label: 'Stop', click: () => actions.stop() },
      { label: 'Apply…', accelerator: 'CmdOrCtrl+Enter', click: () => actions.apply() },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...MENU_VIEWS.map(([name, label], i): MenuItemConstructorOptions => ({
        label,
        accelerator: `CmdOrCtrl+${i + 1}`,
        click: () => actions.view(name),
      })),
      { type: 'separator' },
      { role: 'reload' },
      { role: 'toggleDevTools' },
      { role: 'togglefullscreen' },
    ],
  };
  const edit: MenuItemConstructorOptions = { role: 'editMenu' };
  return platform === 'darwin' ? [{ role: 'appMenu' }, file, edit, engine, view] : [file, edit, engine, view];
}
