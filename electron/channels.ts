/** Desktop-only IPC channels and the call result envelope, shared by main and preload (no other imports: keeps the preload tiny). */

/** The answer of every handled call: a value, never a thrown error (messages stay readable in the renderer). */
export type IpcResult = { ok: true; result: unknown } | { ok: false; error: string };

/** Desktop-only channels (menus and native dialogs); not part of the SluiceApi. */
export const DESKTOP_CHANNELS = {
  openFile: 'sluice:desktop:openFile',
  chooseSavePath: 'sluice:desktop:chooseSavePath',
  setTitle: 'sluice:desktop:setTitle',
  menu: 'sluice:desktop:menu',
} as const;
