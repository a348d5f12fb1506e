/**
 * The one Sluice API. The Electron preload exposes it as `window.sluice`, the
 * browser mode carries it over a WebSocket, the admin HTTP listener serves the
 * same calls as JSON. The channel table below drives all three, so they cannot
 * drift.
 */
import type { ClientBatch, ClientRequest, ClientSessionView } from './client.js';
import type {
  ApplyResponse,
  CaInfoResult,
  ChannelInfo,
  ConfigState,
  ExchangeDetail,
  ExchangeSummary,
  LogLine,
  PublishRequest,
  Stats,
  TelemetryTick,
  TrafficQuery,
  TrustedBrowserResult,
  UpstreamServerState,
  ValidateResult,
} from './types.js';

/** Calls (request → response). Errors come back as values (`{ ok: false, … }`) or a rejected promise with a message. */
export interface SluiceApiCalls {
  health(): Promise<{ ok: true; version: string }>;
  getConfig(): Promise<ConfigState>;
  /** Validates source text (YAML or JSON); nothing is applied. */
  validateConfig(text: string): Promise<ValidateResult>;
  /** Validates and applies source text; the running engine keeps its last good config on failure. */
  applyConfig(text: string): Promise<ApplyResponse>;
  /** Saves source text to the current file (or `file`), atomically, keeping comments. */
  saveConfig(text: string, file?: string): Promise<{ ok: true; file: string } | { ok: false; message: string }>;
  startEngine(): Promise<ApplyResponse>;
  stopEngine(): Promise<{ ok: true }>;
  publish(channel: string, event: PublishRequest): Promise<{ id: string }>;
  getChannels(): Promise<ChannelInfo[]>;
  getStats(): Promise<Stats>;
  getUpstreams(): Promise<UpstreamServerState[]>;
  getTraffic(query: TrafficQuery): Promise<ExchangeSummary[]>;
  getExchange(id: number): Promise<ExchangeDetail | null>;
  /** Turns a recorded SSE/chunked exchange into a script route; returns the route as YAML text. */
  recordAsMock(
    id: number,
    options?: { speed?: number; path?: string },
  ): Promise<{ ok: true; yaml: string } | { ok: false; message: string }>;
  /** Starts a stream client session in the engine; its events arrive as `client` batches. */
  startClient(request: ClientRequest): Promise<{ ok: true; id: number } | { ok: false; message: string }>;
  stopClient(id: number): Promise<{ ok: true }>;
  /** A session with its newest events, reconnects and connections (for a view opened later). */
  getClientSession(id: number): Promise<ClientSessionView | null>;
  /** Turns a session into a route that plays it back with its timing; returns the route as YAML text. */
  clientAsMock(
    id: number,
    options?: { speed?: number; path?: string },
  ): Promise<{ ok: true; yaml: string; note?: string } | { ok: false; message: string }>;
  /** The local CA behind `tls: {}` listeners (created on first use): its certificate's path and SPKI hash. */
  getCaInfo(): Promise<CaInfoResult>;
  /**
   * Starts Chromium or Chrome on the machine running Sluice with a throwaway
   * profile that trusts the local CA (by its SPKI hash), opening `url`.
   */
  openTrustedBrowser(url?: string): Promise<TrustedBrowserResult>;
}

/** Pushed events: one telemetry tick per 250 ms, new/changed traffic rows in batches, log lines. */
export interface SluiceApiEvents {
  telemetry: TelemetryTick;
  traffic: ExchangeSummary[];
  log: LogLine;
  state: { running: boolean };
  /** Client sessions that changed, once per telemetry tick. */
  client: ClientBatch[];
}

/** The API surface a renderer sees: the calls plus removable listeners. */
export interface SluiceApi extends SluiceApiCalls {
  on<K extends keyof SluiceApiEvents>(event: K, listener: (payload: SluiceApiEvents[K]) => void): () => void;
}

/** Every call name, in one table: preload, IPC handlers, WebSocket and allowlists are built from it. */
export const API_CALLS = [
  'health',
  'getConfig',
  'validateConfig',
  'applyConfig',
  'saveConfig',
  'startEngine',
  'stopEngine',
  'publish',
  'getChannels',
  'getStats',
  'getUpstreams',
  'getTraffic',
  'getExchange',
  'recordAsMock',
  'startClient',
  'stopClient',
  'getClientSession',
  'clientAsMock',
  'getCaInfo',
  'openTrustedBrowser',
] as const satisfies readonly (keyof SluiceApiCalls)[];

/** Every pushed event name. */
export const API_EVENTS = [
  'telemetry',
  'traffic',
  'log',
  'state',
  'client',
] as const satisfies readonly (keyof SluiceApiEvents)[];

export type ApiCallName = (typeof API_CALLS)[number];
export type ApiEventName = (typeof API_EVENTS)[number];

/** IPC channel of a call / event (`sluice:getStats`, `sluice:event:telemetry`). */
export const callChannel = (name: ApiCallName) => `sluice:${name}`;
export const eventChannel = (name: ApiEventName) => `sluice:event:${name}`;
