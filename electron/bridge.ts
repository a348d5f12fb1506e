/**
 * What the preload exposes, built from the API channel table: one function per
 * call and `on(event, cb)` returning a remover — never a channel parameter, never
 * the raw ipcRenderer. Kept apart from preload.ts so tests can build
 * it with a stub ipcRenderer.
 */
import {
  API_CALLS,
  API_EVENTS,
  callChannel,
  eventChannel,
  type ApiEventName,
  type DesktopBridge,
  type MenuCommand,
  type SluiceApi,
} from '../core/api/index.js';
import { DESKTOP_CHANNELS, type IpcResult } from './channels.js';

/** The subset of ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

async function unwrap(p: Promise<unknown>): Promise<unknown> {
  const r = (await p) as IpcResult;
  if (r && typeof r === 'object' && r.ok === true) return r.result;
  throw new Error(r && typeof r === 'object' && r.ok === false ? r.error : 'no answer from Sluice');
}

function subscribe(ipc: IpcRendererLike, channel: string, cb: (payload: unknown) => void): () => void {
  // The renderer gets the payload only, never the IPC event (it carries `sender`).
  const listener = (_event: unknown, payload: unknown) => cb(payload);
  ipc.on(channel, listener);
  return () => void ipc.removeListener(channel, listener);
}

/** `window.sluice`: the SluiceApi over IPC. */
export function buildSluiceBridge(ipc: IpcRendererLike): SluiceApi {
  const api: Record<string, unknown> = {};
  for (const name of API_CALLS) api[name] = (...args: unknown[]) => unwrap(ipc.invoke(callChannel(name), ...args));
  api.on = (event: ApiEventName, cb: (payload: unknown) => void) => {
    if (!(API_EVENTS as readonly string[]).includes(event)) throw new Error(`unknown event ${String(event)}`);
    if (typeof cb !== 'function') throw new Error('on(event, callback): callback must be a function');
    return subscribe(ipc, eventChannel(event), cb);
  };
  return Object.freeze(api) as unknown as SluiceApi;
}

/** `window.sluiceDesktop`: menus and native dialogs. */
export function buildDesktopBridge(ipc: IpcRendererLike): DesktopBridge {
  return Object.freeze({
    onMenu: (cb: (cmd: MenuCommand) => void) => subscribe(ipc, DESKTOP_CHANNELS.menu, (cmd) => cb(cmd as MenuCommand)),
    openFile: () => unwrap(ipc.invoke(DESKTOP_CHANNELS.openFile)) as ReturnType<DesktopBridge['openFile']>,
    chooseSavePath: (current?: string) =>
      unwrap(ipc.invoke(DESKTOP_CHANNELS.chooseSavePath, current)) as ReturnType<DesktopBridge['chooseSavePath']>,
    setTitle: (title: string) => ipc.send(DESKTOP_CHANNELS.setTitle, String(title)),
  });
}
