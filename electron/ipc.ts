/**
 * IPC between the main process and the one window, driven by the API channel
 * table: one `ipcMain.handle` per entry of API_CALLS, each checking
 * the sender frame and validating arguments; results and errors travel as
 * values (`{ ok, result | error }`). Electron's modules are passed in, so this
 * is testable with stubs.
 */
import {
  API_CALLS,
  API_EVENTS,
  callChannel,
  eventChannel,
  type DesktopBridge,
  type SluiceApi,
  type SluiceApiCalls,
} from '../core/api/index.js';
import { invokeCall } from '../core/host/call-args.js';
import { DESKTOP_CHANNELS, type IpcResult } from './channels.js';

export { DESKTOP_CHANNELS, type IpcResult };

/** What a handler learns about the caller (the subset of IpcMainInvokeEvent we use). */
export interface InvokeEventLike {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

/** The subset of ipcMain we use. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => void): unknown;
  removeAllListeners(channel: string): unknown;
}

/**
 * True when the call comes from our window's main frame showing our page:
 * same webContents, a top-level frame, and a URL under `appUrl` (file:// of the
 * renderer, or the dev server origin).
 */
export function isTrustedSender(event: InvokeEventLike, windowId: number | undefined, appUrl: string): boolean {
  const frame = event.senderFrame;
  if (windowId === undefined || event.sender.id !== windowId || !frame) return false;
  if (frame.parent !== null && frame.parent !== undefined) return false;
  return frame.url === appUrl || frame.url.startsWith(appUrl.replace(/[^/]*$/, ''));
}

async function answer(fn: () => Promise<unknown>): Promise<IpcResult> {
  try {
    return { ok: true, result: (await fn()) ?? null };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Registers one handler per API call; returns the function that removes them all. */
export function registerApiHandlers(
  ipcMain: IpcMainLike,
  host: SluiceApiCalls,
  trusted: (e: InvokeEventLike) => boolean,
): () => void {
  for (const name of API_CALLS) {
    ipcMain.handle(callChannel(name), (event, ...args) => {
      if (!trusted(event))
        return { ok: false, error: `${name}: refused (not from the Sluice window)` } satisfies IpcResult;
      return answer(() => invokeCall(host, name, args));
    });
  }
  return () => {
    for (const name of API_CALLS) ipcMain.removeHandler(callChannel(name));
  };
}

/** Native dialogs and window chrome the preload's desktop bridge reaches (the bridge's calls, answered in main). */
export type DesktopHandlers = Pick<DesktopBridge, 'openFile' | 'chooseSavePath' | 'setTitle'>;

/** Registers the desktop-only handlers (same sender checks, validated arguments). */
export function registerDesktopHandlers(
  ipcMain: IpcMainLike,
  handlers: DesktopHandlers,
  trusted: (e: InvokeEventLike) => boolean,
): () => void {
  ipcMain.handle(DESKTOP_CHANNELS.openFile, (event) =>
    trusted(event) ? answer(() => handlers.openFile()) : { ok: false, error: 'refused' },
  );
  ipcMain.handle(DESKTOP_CHANNELS.chooseSavePath, (event, current) => {
    if (!trusted(event)) return { ok: false, error: 'refused' };
    if (current !== undefined && current !== null && typeof current !== 'string')
      return { ok: false, error: 'chooseSavePath: the current path must be a string' };
    return answer(() => handlers.chooseSavePath(current ?? undefined));
  });
  ipcMain.on(DESKTOP_CHANNELS.setTitle, (event, title) => {
    if (trusted(event) && typeof title === 'string') handlers.setTitle(title.slice(0, 300));
  });
  return () => {
    ipcMain.removeHandler(DESKTOP_CHANNELS.openFile);
    ipcMain.removeHandler(DESKTOP_CHANNELS.chooseSavePath);
    ipcMain.removeAllListeners(DESKTOP_CHANNELS.setTitle);
  };
}

/** Forwards every API event from the host to the window; returns the remover. */
export function forwardEvents(
  host: Pick<SluiceApi, 'on'>,
  send: (channel: string, payload: unknown) => void,
): () => void {
  const offs = API_EVENTS.map((name) => host.on(name, (payload: unknown) => send(eventChannel(name), payload)));
  return () => {
    for (const off of offs) off();
  };
}
