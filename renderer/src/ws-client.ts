/**
 * The SluiceApi over a WebSocket (browser mode): calls are `{id, call, args}`
 * answered by `{id, ok, result|error}`; events arrive as `{event, payload}`.
 * The access token comes from the page URL (kept in sessionStorage so a reload
 * without it still works). Reconnects with backoff; calls made while
 * disconnected wait for the socket. The page tells the server which events it
 * listens to (`{events}`), again after each reconnect.
 */
import { API_CALLS, API_EVENTS, type ApiCallName, type SluiceApi, type SluiceApiEvents } from '../../core/api/index.js';

type Pending = { resolve(v: unknown): void; reject(e: Error): void };
type Handler = (payload: never) => void;

/** The access token: from `?token=` (then remembered) or from sessionStorage. */
export function pageToken(): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    sessionStorage.setItem('sluice-token', fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem('sluice-token') ?? '';
}

/** Connection state changes, for the status bar. */
export type ConnState = 'connecting' | 'open' | 'closed';

/** Creates the WebSocket-backed API. */
export function createWsApi(onState: (s: ConnState) => void = () => undefined): SluiceApi {
  const token = pageToken();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`;
  const pending = new Map<number, Pending>();
  const handlers = new Map<string, Set<Handler>>();
  const queue: string[] = [];
  let nextId = 1;
  let ws: WebSocket | undefined;
  /** The last `{events}` message: sent again on every (re)connect. */
  let told = '';
  let backoff = 250;

  const connect = () => {
    onState('connecting');
    ws = new WebSocket(url);
    ws.onopen = () => {
      backoff = 250;
      onState('open');
      if (told) ws!.send(told);
      for (const m of queue.splice(0)) ws!.send(m);
    };
    ws.onmessage = (e) => {
      const msg = JSON.parse(String(e.data)) as {
        id?: number;
        ok?: boolean;
        result?: unknown;
        error?: string;
        event?: string;
        payload?: unknown;
      };
      if (msg.event !== undefined) {
        for (const h of handlers.get(msg.event) ?? []) h(msg.payload as never);
        return;
      }
      const p = pending.get(msg.id ?? -1);
      if (!p) return;
      pending.delete(msg.id!);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(msg.error ?? 'call failed'));
    };
    ws.onclose = () => {
      onState('closed');
      for (const p of pending.values()) p.reject(new Error('connection to Sluice lost'));
      pending.clear();
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 5000);
    };
  };
  connect();

  const call = (name: ApiCallName, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      const frame = JSON.stringify({ id, call: name, args });
      if (ws?.readyState === WebSocket.OPEN) ws.send(frame);
      else queue.push(frame);
    });

  // The server pushes only the events this page has listeners for (rows of traffic only while the Traffic view shows).
  const tellEvents = () => {
    told = JSON.stringify({ events: API_EVENTS.filter((e) => (handlers.get(e)?.size ?? 0) > 0) });
    if (ws?.readyState === WebSocket.OPEN) ws.send(told);
  };
  const api: Record<string, unknown> = {
    on: <K extends keyof SluiceApiEvents>(event: K, cb: (p: SluiceApiEvents[K]) => void) => {
      if (!(API_EVENTS as readonly string[]).includes(event)) throw new Error(`unknown event ${event}`);
      let set = handlers.get(event);
      if (!set) handlers.set(event, (set = new Set()));
      set.add(cb as Handler);
      if (set.size === 1) tellEvents();
      return () => {
        if (set!.delete(cb as Handler) && set!.size === 0) tellEvents();
      };
    },
  };
  for (const name of API_CALLS) api[name] = (...args: unknown[]) => call(name, args);
  return api as unknown as SluiceApi;
}
