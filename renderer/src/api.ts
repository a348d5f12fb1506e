/**
 * THE seam between the UI and Sluice (STYLE 13): `window.sluice` from the
 * Electron preload when present, otherwise the same API over a WebSocket
 * (browser mode). Nothing else in the renderer knows about transports.
 */
import type { SluiceApi } from '../../core/api/index.js';
import { createWsApi, type ConnState } from './ws-client.js';

/** Desktop-only extras from the preload (menus and native dialogs). */
export interface DesktopBridge {
  onMenu(cb: (cmd: MenuCommand) => void): () => void;
  openFile(): Promise<{ file: string; text: string } | null>;
  chooseSavePath(current?: string): Promise<string | null>;
  setTitle(title: string): void;
}

/** Commands the Electron app menu sends to the UI. */
export type MenuCommand =
  | { type: 'new' }
  | { type: 'open'; file: string; text: string }
  | { type: 'save' }
  | { type: 'saveAs' }
  | { type: 'apply' }
  | { type: 'view'; view: string };

declare global {
  interface Window {
    sluice?: SluiceApi;
    sluiceDesktop?: DesktopBridge;
  }
}

let conn: ConnState = window.sluice ? 'open' : 'connecting';
const connListeners = new Set<(s: ConnState) => void>();

/** The one API instance. */
export const api: SluiceApi =
  window.sluice ??
  createWsApi((s) => {
    conn = s;
    for (const l of connListeners) l(s);
  });

/** Desktop bridge, or undefined in browser mode. */
export const desktop: DesktopBridge | undefined = window.sluiceDesktop;

/** Current transport state and a subscription to changes. */
export const connection = {
  get: () => conn,
  subscribe: (l: (s: ConnState) => void) => {
    connListeners.add(l);
    return () => connListeners.delete(l);
  },
};
