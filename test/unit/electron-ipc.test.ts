/** Electron shell with Electron's modules stubbed at the boundary: IPC registration from the table, sender checks, argument validation, preload surface, menu. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  API_CALLS,
  API_EVENTS,
  callChannel,
  eventChannel,
  type SluiceApi,
  type SluiceApiEvents,
} from '../../core/api/index.js';
import {
  DESKTOP_CHANNELS,
  forwardEvents,
  isTrustedSender,
  registerApiHandlers,
  registerDesktopHandlers,
  type InvokeEventLike,
  type IpcMainLike,
} from '../../electron/ipc.js';
import { buildDesktopBridge, buildSluiceBridge, type IpcRendererLike } from '../../electron/bridge.js';
import { buildMenuTemplate, MENU_VIEWS } from '../../electron/menu.js';

const APP_URL = 'file:///opt/sluice/resources/app.asar/dist/renderer/index.html';

/** A stub ipcMain that records handlers and lets tests invoke them. */
function stubIpcMain() {
  const handlers = new Map<string, (e: InvokeEventLike, ...a: unknown[]) => unknown>();
  const listeners = new Map<string, (e: InvokeEventLike, ...a: unknown[]) => void>();
  const ipc: IpcMainLike = {
    handle: (ch, fn) => {
      assert.ok(!handlers.has(ch), `duplicate handler ${ch}`);
      handlers.set(ch, fn);
    },
    removeHandler: (ch) => {
      handlers.delete(ch);
    },
    on: (ch, fn) => listeners.set(ch, fn),
    removeAllListeners: (ch) => listeners.delete(ch),
  };
  return { ipc, handlers, listeners };
}

const fromWindow = (url = APP_URL): InvokeEventLike => ({ sender: { id: 7 }, senderFrame: { url, parent: null } });

/** A fake host recording calls. */
function fakeHost() {
  const calls: [string, unknown[]][] = [];
  const subs = new Map<string, (p: unknown) => void>();
  const host: Record<string, unknown> = {
    on: (ev: string, cb: (p: unknown) => void) => {
      subs.set(ev, cb);
      return () => subs.delete(ev);
    },
  };
  for (const name of API_CALLS)
    host[name] = async (...args: unknown[]) => {
      calls.push([name, args]);
      if (name === 'getExchange') throw new Error('boom');
      return { called: name };
    };
  return { host: host as unknown as SluiceApi, calls, subs };
}

test('one handler per API call, registered from the channel table, removable', () => {
  const { ipc, handlers } = stubIpcMain();
  const remove = registerApiHandlers(ipc, fakeHost().host, () => true);
  assert.deepEqual([...handlers.keys()].sort(), API_CALLS.map(callChannel).sort());
  remove();
  assert.equal(handlers.size, 0);
});

test('calls from our window pass with validated arguments; results and errors come back as values', async () => {
  const { ipc, handlers } = stubIpcMain();
  const { host, calls } = fakeHost();
  registerApiHandlers(ipc, host, (e) => isTrustedSender(e, 7, APP_URL));
  assert.deepEqual(await handlers.get('sluice:getStats')!(fromWindow()), { ok: true, result: { called: 'getStats' } });
  assert.deepEqual(await handlers.get('sluice:publish')!(fromWindow(), 'news', { data: 'hi', event: 'e' }), {
    ok: true,
    result: { called: 'publish' },
  });
  assert.deepEqual(calls.at(-1), ['publish', ['news', { data: 'hi', event: 'e' }]]);
  assert.deepEqual(await handlers.get('sluice:getExchange')!(fromWindow(), 3), { ok: false, error: 'boom' });
  const bad = (await handlers.get('sluice:publish')!(fromWindow(), 'news', { data: 42 })) as {
    ok: boolean;
    error: string;
  };
  assert.equal(bad.ok, false);
  assert.match(bad.error, /publish: invalid arguments/);
  const extra = (await handlers.get('sluice:applyConfig')!(fromWindow(), 'a', 'b', 'c')) as { ok: boolean };
  assert.equal(extra.ok, false);
  const wrongType = (await handlers.get('sluice:getExchange')!(fromWindow(), '1; rm -rf')) as { ok: boolean };
  assert.equal(wrongType.ok, false);
  assert.equal(calls.filter(([n]) => n === 'applyConfig').length, 0, 'invalid calls never reach the host');
});

test('sender checks: other webContents, subframes and foreign URLs are refused', async () => {
  assert.ok(isTrustedSender(fromWindow(), 7, APP_URL));
  assert.ok(isTrustedSender(fromWindow(`${APP_URL}#x`), 7, APP_URL));
  assert.ok(!isTrustedSender({ ...fromWindow(), sender: { id: 8 } }, 7, APP_URL), 'another window');
  assert.ok(
    !isTrustedSender({ sender: { id: 7 }, senderFrame: { url: APP_URL, parent: {} } }, 7, APP_URL),
    'an iframe',
  );
  assert.ok(!isTrustedSender(fromWindow('https://evil.example/'), 7, APP_URL), 'navigated away');
  assert.ok(!isTrustedSender(fromWindow('file:///tmp/evil.html'), 7, APP_URL), 'another local file');
  assert.ok(!isTrustedSender({ sender: { id: 7 }, senderFrame: null }, 7, APP_URL), 'frame gone');
  assert.ok(!isTrustedSender(fromWindow(), undefined, APP_URL), 'no window');
  const { ipc, handlers } = stubIpcMain();
  const { host, calls } = fakeHost();
  registerApiHandlers(ipc, host, (e) => isTrustedSender(e, 7, APP_URL));
  const r = (await handlers.get('sluice:stopEngine')!(fromWindow('https://evil.example/'))) as {
    ok: boolean;
    error: string;
  };
  assert.equal(r.ok, false);
  assert.match(r.error, /refused/);
  assert.equal(calls.length, 0);
});

test('desktop handlers: dialogs behind the same checks, title set only from strings', async () => {
  const { ipc, handlers, listeners } = stubIpcMain();
  const titles: string[] = [];
  registerDesktopHandlers(
    ipc,
    {
      openFile: async () => ({ file: '/a.yaml', text: 'version: 1' }),
      chooseSavePath: async (cur) => `${cur ?? 'none'}.saved`,
      setTitle: (t) => titles.push(t),
    },
    (e) => isTrustedSender(e, 7, APP_URL),
  );
  assert.deepEqual(await handlers.get(DESKTOP_CHANNELS.openFile)!(fromWindow()), {
    ok: true,
    result: { file: '/a.yaml', text: 'version: 1' },
  });
  assert.deepEqual(await handlers.get(DESKTOP_CHANNELS.chooseSavePath)!(fromWindow(), '/b'), {
    ok: true,
    result: '/b.saved',
  });
  assert.equal(
    ((await handlers.get(DESKTOP_CHANNELS.chooseSavePath)!(fromWindow(), { x: 1 })) as { ok: boolean }).ok,
    false,
  );
  assert.equal(
    ((await handlers.get(DESKTOP_CHANNELS.openFile)!(fromWindow('https://evil.example/'))) as { ok: boolean }).ok,
    false,
  );
  listeners.get(DESKTOP_CHANNELS.setTitle)!(fromWindow(), 'x.yaml — Sluice');
  listeners.get(DESKTOP_CHANNELS.setTitle)!(fromWindow(), { evil: true });
  listeners.get(DESKTOP_CHANNELS.setTitle)!(fromWindow('https://evil.example/'), 'pwned');
  assert.deepEqual(titles, ['x.yaml — Sluice']);
});

test('events are forwarded from the host to the window on their own channels, and unsubscribed', () => {
  const { host, subs } = fakeHost();
  const sent: [string, unknown][] = [];
  const off = forwardEvents(host, (ch, p) => sent.push([ch, p]));
  assert.deepEqual([...subs.keys()].sort(), [...API_EVENTS].sort());
  subs.get('state')!({ running: true });
  assert.deepEqual(sent, [[eventChannel('state'), { running: true }]]);
  off();
  assert.equal(subs.size, 0);
});

/** A stub ipcRenderer wired to a stub ipcMain, like the real pair. */
function stubIpcRenderer(handlers: Map<string, (e: InvokeEventLike, ...a: unknown[]) => unknown>) {
  const on = new Map<string, Set<(e: unknown, ...a: unknown[]) => void>>();
  const ipc: IpcRendererLike = {
    invoke: async (ch, ...args) => handlers.get(ch)!(fromWindow(), ...args),
    send: () => undefined,
    on: (ch, fn) => {
      if (!on.has(ch)) on.set(ch, new Set());
      on.get(ch)!.add(fn);
    },
    removeListener: (ch, fn) => on.get(ch)?.delete(fn),
  };
  const emit = (ch: string, payload: unknown) => {
    for (const fn of on.get(ch) ?? []) fn({ sender: 'ipc-event-with-internals' }, payload);
  };
  return { ipc, emit, on };
}

test('preload surface: exactly one function per API call plus on(); no channel parameter; errors reject with the message', async () => {
  const { ipc: main, handlers } = stubIpcMain();
  registerApiHandlers(main, fakeHost().host, () => true);
  const { ipc, emit, on } = stubIpcRenderer(handlers);
  const api = buildSluiceBridge(ipc);
  assert.deepEqual(Object.keys(api).sort(), [...API_CALLS, 'on'].sort());
  for (const k of Object.keys(api)) assert.equal(typeof (api as unknown as Record<string, unknown>)[k], 'function');
  assert.ok(Object.isFrozen(api));
  assert.deepEqual(await api.getStats(), { called: 'getStats' });
  await assert.rejects(api.getExchange(1), /boom/);
  await assert.rejects(api.publish('c', { data: 1 as unknown as string }), /invalid arguments/);
  const got: SluiceApiEvents['state'][] = [];
  const off = api.on('state', (p) => got.push(p));
  emit(eventChannel('state'), { running: false });
  assert.deepEqual(got, [{ running: false }], 'the listener gets the payload only, never the IPC event');
  off();
  assert.equal(on.get(eventChannel('state'))!.size, 0, 'the remover detaches the IPC listener');
  assert.throws(() => api.on('sluice:desktop:menu' as never, () => undefined), /unknown event/);
  const desktop = buildDesktopBridge(ipc);
  assert.deepEqual(Object.keys(desktop).sort(), ['chooseSavePath', 'onMenu', 'openFile', 'setTitle']);
});

test('the app menu has File (New, Open…, Recent, Save, Save As…), Engine (Start, Stop, Apply…) and every view', () => {
  const done: string[] = [];
  const actions = {
    newConfig: () => done.push('new'),
    open: () => done.push('open'),
    openRecent: (f: string) => done.push(`recent ${f}`),
    save: () => done.push('save'),
    saveAs: () => done.push('saveAs'),
    start: () => done.push('start'),
    stop: () => done.push('stop'),
    apply: () => done.push('apply'),
    view: (v: string) => done.push(`view ${v}`),
  };
  const menu = buildMenuTemplate(actions, ['/x/a.yaml'], 'linux');
  const sub = (label: string) =>
    menu.find((m) => m.label === label)!.submenu as { label?: string; click?: () => void; submenu?: unknown }[];
  const labels = (label: string) =>
    sub(label)
      .map((i) => i.label)
      .filter(Boolean);
  assert.deepEqual(labels('File'), ['New', 'Open…', 'Recent', 'Save', 'Save As…']);
  assert.deepEqual(labels('Engine'), ['Start', 'Stop', 'Apply…']);
  assert.deepEqual(
    labels('View'),
    MENU_VIEWS.map(([, l]) => l),
  );
  for (const m of ['File', 'Engine', 'View']) for (const i of sub(m)) i.click?.();
  (sub('File').find((i) => i.label === 'Recent')!.submenu as { click(): void }[])[0]!.click();
  assert.deepEqual(done, [
    'new',
    'open',
    'save',
    'saveAs',
    'start',
    'stop',
    'apply',
    ...MENU_VIEWS.map(([v]) => `view ${v}`),
    'recent /x/a.yaml',
  ]);
});
