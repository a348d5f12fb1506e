/**
 * THE seam between the UI and Sluice: `window.sluice` from the
 * Electron preload when present, otherwise the same API over a WebSocket
 * (browser mode). Nothing else in the renderer knows about transports.
 */
import type { DesktopBridge, SluiceApi } from '../../core/api/index.js';
import { createWsApi, type ConnState } from './ws-client.js';

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
