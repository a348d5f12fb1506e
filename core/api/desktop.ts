/**
 * The desktop shell's extras, declared once for both sides: the Electron
 * preload implements `DesktopBridge` (menus, native dialogs, window title) and
 * the renderer consumes it as `window.sluiceDesktop`; the app menu sends
 * `MenuCommand`s. Isomorphic: no Node built-ins, no Electron.
 */

/** The app's views, in menu and navigation order, with their titles. */
export const APP_VIEWS = [
  { id: 'dashboard', title: 'Dashboard' },
  { id: 'client', title: 'Client' },
  { id: 'config', title: 'Config' },
  { id: 'traffic', title: 'Traffic' },
  { id: 'channels', title: 'Channels' },
  { id: 'upstreams', title: 'Upstreams' },
  { id: 'tuner', title: 'Rate tuner' },
] as const;

/** One of the app's views. */
export type AppView = (typeof APP_VIEWS)[number]['id'];

/** True when `v` names a view (menu commands arrive as plain data). */
export function isAppView(v: unknown): v is AppView {
  return APP_VIEWS.some((x) => x.id === v);
}

/** Commands the app menu sends to the UI. */
export type MenuCommand =
  | { type: 'new' }
  | { type: 'open'; file: string; text: string }
  | { type: 'save' }
  | { type: 'saveAs' }
  | { type: 'apply' }
  | { type: 'view'; view: AppView };

/** Desktop-only extras of the preload: menu commands and native dialogs. */
export interface DesktopBridge {
  onMenu(cb: (cmd: MenuCommand) => void): () => void;
  openFile(): Promise<{ file: string; text: string } | null>;
  chooseSavePath(current?: string): Promise<string | null>;
  setTitle(title: string): void;
}
