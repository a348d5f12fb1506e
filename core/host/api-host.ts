/**
 * The Node side of the one Sluice API: every call of `API_CALLS` and the
 * pushed events, over one Engine. Plain data in, plain data out, so the same
 * host can sit behind Electron IPC, the browser-mode WebSocket, the admin
 * HTTP listener — or move into a utilityProcess later.
 *
 *   renderer / admin HTTP / CLI ──call──▶ ApiHost ──▶ Engine (+ SSE hub, module views, traffic log)
 *                               ◀─events── sampler (fixed tick) / engine log + state
 */
import { API_CALLS, type ApiCallName, type ApiEventName, type SluiceApi, type SluiceApiEvents } from '../api/index.js';
import type {
  ApplyResponse,
  CaInfoResult,
  ChannelInfo,
  ConfigState,
  ExchangeDetail,
  ExchangeSummary,
  PublishRequest,
  Stats,
  TrafficQuery,
  TrustedBrowserResult,
  UpstreamServerState,
  ValidateResult,
} from '../api/types.js';
import type { Engine } from '../engine/engine.js';
import type { SseHub } from '../sse/hub.js';
import { toDetail, toSummary } from '../telemetry/exchange-view.js';
import { TelemetrySampler } from '../telemetry/sampler.js';
import { sampleOf } from '../telemetry/scope-samples.js';
import type { TelemetrySources } from '../telemetry/sources.js';
import type { CaSource } from '../tls/index.js';
import { SluiceError } from '../util/errors.js';
import type { ClientRequest } from '../api/client.js';
import { ClientSessions } from './client-sessions.js';
import { ConfigDocument } from './config-document.js';
import { recordAsMock, type RecordResult } from './record.js';
import { launchTrustedBrowser } from './trusted-browser.js';
import { VERSION } from './version.js';

/** Options of a host. */
export interface ApiHostOptions {
  engine: Engine;
  /** The engine's SSE channels (publish goes here). */
  hub: SseHub;
  /** Views of the engine's modules for ticks, stats and /metrics. */
  sources: TelemetrySources;
  /** The config file the text came from (saveConfig's default target). */
  file?: string;
  /** The source text of the running config (comments kept); default: a rendering of engine.config. */
  text?: string;
  /** Telemetry tick interval, ms (default 250). */
  tickMs?: number;
  /** The local CA behind `tls: {}` listeners (the HTTPS helpers show and trust it). */
  ca?: CaSource;
}

/** The API over one engine, plus lifecycle. */
export interface ApiHost extends SluiceApi {
  readonly engine: Engine;
  /** Views of the engine's modules (channels, upstreams, limits). */
  readonly sources: TelemetrySources;
  /** The telemetry sampler behind the `telemetry` and `traffic` events. */
  readonly sampler: TelemetrySampler;
  /** Calls a method by name with plain arguments (for IPC/WebSocket/HTTP dispatch); unknown names reject. */
  invoke(name: string, args: unknown[]): Promise<unknown>;
  /** Drops every subscriber and stops the sampler. */
  close(): void;
}

/** Creates the API host of one engine (the composition root does, once per engine). */
export function createApiHost(opts: ApiHostOptions): ApiHost {
  return new EngineApiHost(opts);
}

/** SluiceApi over one engine. Methods are plain async functions of plain data. */
class EngineApiHost implements ApiHost {
  readonly engine: Engine;
  readonly sources: TelemetrySources;
  readonly sampler: TelemetrySampler;
  private readonly hub: SseHub;
  private readonly doc: ConfigDocument;
  private readonly ca: CaSource | undefined;
  /** Epoch ms − engine clock ms: traffic times go out as wall-clock times. */
  private readonly epochOffset: number;
  private readonly unsubscribers = new Set<() => void>();
  private trafficWatchers = 0;
  /** Held while someone listens to `traffic`: chunk timelines and SSE decoding run only then. */
  private releaseObserve: (() => void) | undefined;
  /** Stream client sessions, batched at the telemetry tick. */
  private readonly clients = new ClientSessions((fn) => this.sampler.onTick(fn));

  constructor(opts: ApiHostOptions) {
    this.engine = opts.engine;
    this.sources = opts.sources;
    this.hub = opts.hub;
    this.ca = opts.ca;
    this.doc = new ConfigDocument(opts.engine, opts.file, opts.text);
    const { counters, traffic, clock } = opts.engine.services;
    this.epochOffset = Date.now() - clock.now();
    this.sampler = new TelemetrySampler({
      inputs: { counters, traffic, clock, sources: opts.sources },
      intervalMs: opts.tickMs,
      epochOffset: this.epochOffset,
    });
  }

  private get services() {
    return this.engine.services;
  }

  async health(): Promise<{ ok: true; version: string }> {
    return { ok: true, version: VERSION };
  }

  async getConfig(): Promise<ConfigState> {
    return { text: this.doc.current(), file: this.doc.file, running: this.engine.running };
  }

  async validateConfig(source: string): Promise<ValidateResult> {
    const { config: _config, ...result } = this.doc.validate(source);
    return result;
  }

  applyConfig(source: string): Promise<ApplyResponse> {
    return this.doc.apply(source);
  }

  saveConfig(source: string, file?: string): Promise<{ ok: true; file: string } | { ok: false; message: string }> {
    return this.doc.save(source, file);
  }

  async startEngine(): Promise<ApplyResponse> {
    const source = this.doc.current();
    if (source.trim() === '') return { ok: false, message: 'no config to start: open or write one first', errors: [] };
    return this.doc.apply(source);
  }

  async stopEngine(): Promise<{ ok: true }> {
    await this.engine.stop();
    return { ok: true };
  }

  publish(channel: string, event: PublishRequest): Promise<{ id: string }> {
    return publishOn(this.hub, channel, event);
  }

  async getChannels(): Promise<ChannelInfo[]> {
    return this.sources.channels();
  }

  async getStats(): Promise<Stats> {
    return statsOf(this.engine, this.sources);
  }

  async getUpstreams(): Promise<UpstreamServerState[]> {
    return this.sources.upstreams();
  }

  async getTraffic(query: TrafficQuery = {}): Promise<ExchangeSummary[]> {
    return trafficOf(this.engine, query ?? {}, this.epochOffset);
  }

  async getExchange(id: number): Promise<ExchangeDetail | null> {
    const rec = this.services.traffic.get(Number(id));
    return rec ? toDetail(rec, this.epochOffset, this.services.clock.now()) : null;
  }

  async recordAsMock(id: number, options?: { speed?: number; path?: string }): Promise<RecordResult> {
    const rec = this.services.traffic.get(Number(id));
    if (!rec) return { ok: false, message: `no exchange #${id} in the traffic log` };
    return recordAsMock(rec, options ?? {});
  }

  startClient(r: ClientRequest) {
    return this.clients.startClient(r);
  }
  stopClient(id: number) {
    return this.clients.stopClient(id);
  }
  getClientSession(id: number) {
    return this.clients.getClientSession(id);
  }
  clientAsMock(id: number, o?: { speed?: number; path?: string }) {
    return this.clients.clientAsMock(id, o);
  }

  async getCaInfo(): Promise<CaInfoResult> {
    if (!this.ca) return { ok: false, message: 'this Sluice has no local CA' };
    try {
      const ca = await this.ca();
      return { ok: true, ca: { certPath: ca.certPath, spki: ca.spki() } };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  async openTrustedBrowser(url?: string): Promise<TrustedBrowserResult> {
    if (url !== undefined && (typeof url !== 'string' || !/^https?:\/\//.test(url)))
      return { ok: false, message: 'the address to open must start with http:// or https://' };
    const ca = await this.getCaInfo();
    if (!ca.ok) return ca;
    try {
      const b = await launchTrustedBrowser(ca.ca.spki, url ?? this.firstHttpsUrl() ?? 'about:blank');
      return { ok: true, ...b };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  /** The address of the first HTTPS listener, what the trusting browser opens by default. */
  private firstHttpsUrl(): string | undefined {
    const server = this.engine.config?.http.servers.find((s) => s.tls);
    const address = server && this.engine.address(server.name);
    return address ? `https://${address}/` : undefined;
  }

  on<K extends ApiEventName>(event: K, listener: (payload: SluiceApiEvents[K]) => void): () => void {
    let off: () => void;
    if (event === 'telemetry') off = this.sampler.onTick(listener as (p: SluiceApiEvents['telemetry']) => void);
    else if (event === 'traffic') off = this.watchTraffic(listener as (p: SluiceApiEvents['traffic']) => void);
    else if (event === 'log') off = this.engine.events.on('log', listener as (p: SluiceApiEvents['log']) => void);
    else if (event === 'state') off = this.engine.events.on('state', listener as (p: SluiceApiEvents['state']) => void);
    else if (event === 'client') off = this.clients.on(listener as (p: SluiceApiEvents['client']) => void);
    else throw new SluiceError('E_BAD_REQUEST', `unknown event "${String(event)}"`);
    let done = false;
    const remove = () => {
      if (done) return;
      done = true;
      this.unsubscribers.delete(remove);
      off();
    };
    this.unsubscribers.add(remove);
    return remove;
  }

  private watchTraffic(fn: (rows: ExchangeSummary[]) => void): () => void {
    if (this.trafficWatchers++ === 0) this.releaseObserve = this.services.traffic.observe();
    const off = this.sampler.onTraffic(fn);
    return () => {
      off();
      if (--this.trafficWatchers === 0) {
        this.releaseObserve?.();
        this.releaseObserve = undefined;
      }
    };
  }

  async invoke(name: string, args: unknown[]): Promise<unknown> {
    if (!(API_CALLS as readonly string[]).includes(name))
      throw new SluiceError('E_BAD_REQUEST', `unknown call "${name}"`);
    const fn = this[name as ApiCallName] as (...a: unknown[]) => Promise<unknown>;
    return fn.apply(this, Array.isArray(args) ? args : []);
  }

  close(): void {
    this.clients.close();
    for (const off of [...this.unsubscribers]) off();
    this.sampler.close();
  }
}

/** Publishes on a channel through the SSE hub; rejects with a clear SluiceError. */
export async function publishOn(hub: SseHub, channel: string, event: PublishRequest): Promise<{ id: string }> {
  if (typeof channel !== 'string' || channel === '')
    throw new SluiceError('E_BAD_REQUEST', 'a channel name is required');
  if (!event || typeof event !== 'object' || typeof event.data !== 'string') {
    throw new SluiceError('E_BAD_REQUEST', 'an event needs "data" (a string); "event" and "id" are optional strings');
  }
  for (const k of ['event', 'id'] as const) {
    if (event[k] !== undefined && typeof event[k] !== 'string')
      throw new SluiceError('E_BAD_REQUEST', `"${k}" must be a string`);
  }
  const known = hub.channels().map((c) => c.name);
  if (!known.includes(channel)) {
    throw new SluiceError(
      'E_UNKNOWN_CHANNEL',
      `unknown channel "${channel}"${known.length ? ` (channels: ${known.join(', ')})` : ' (no channel routes are configured)'}`,
    );
  }
  const id = hub.publish(channel, { data: event.data, event: event.event, id: event.id });
  return { id: String(id) };
}

/** Counters per listener, route, channel and upstream server. */
export function statsOf(engine: Engine, sources: TelemetrySources): Stats {
  const services = engine.services;
  const info = new Map(engine.listenerInfo().map((l) => [l.name, l]));
  const channels = new Map(sources.channels().map((c) => [c.name, c]));
  const scopes = services.counters.all();
  return {
    version: VERSION,
    uptimeMs: Math.round(process.uptime() * 1000),
    running: engine.running,
    listeners: scopes
      .filter((s) => s.kind === 'listener')
      .map((s) => ({
        ...sampleOf(s),
        listen: info.get(s.name)?.listen ?? s.labels.listen ?? '',
        address: info.get(s.name)?.address ?? '',
      })),
    routes: scopes.filter((s) => s.kind === 'route').map((s) => sampleOf(s)),
    channels: scopes
      .filter((s) => s.kind === 'channel')
      .map((s) => ({ ...sampleOf(s), clients: channels.get(s.name)?.clients ?? s.counters.active })),
    upstreams: sources.upstreams(),
  };
}

/** Traffic rows, most recent first, filtered by `after` and a case-insensitive search. */
export function trafficOf(engine: Engine, query: TrafficQuery, epochOffset = 0): ExchangeSummary[] {
  const limit = Math.max(1, Math.min(Number(query.limit) || 100, 10_000));
  const after = Number(query.after) || 0;
  const needle = typeof query.search === 'string' ? query.search.toLowerCase() : '';
  const out: ExchangeSummary[] = [];
  for (const rec of engine.services.traffic.recent(Number.MAX_SAFE_INTEGER)) {
    if (rec.id <= after) break;
    if (
      needle &&
      !`${rec.method} ${rec.url} ${rec.status ?? ''} ${rec.listener} ${rec.client}`.toLowerCase().includes(needle)
    )
      continue;
    out.push(toSummary(rec, epochOffset));
    if (out.length >= limit) break;
  }
  return out;
}
