/**
 * The preload (sandboxed, CommonJS after bundling): exposes `window.sluice`
 * (the SluiceApi) and `window.sluiceDesktop` (menus, dialogs) through the
 * contextBridge. Nothing else crosses.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { buildDesktopBridge, buildSluiceBridge } from './bridge.js';

contextBridge.exposeInMainWorld('sluice', buildSluiceBridge(ipcRenderer));
contextBridge.exposeInMainWorld('sluiceDesktop', buildDesktopBridge(ipcRenderer));
