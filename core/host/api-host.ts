/**
 * The Node side of the one Sluice API: every call of `API_CALLS` and the
 * pushed events, over one Engine. Plain data in, plain data out, so the same
 * host can sit behind Electron IPC, the browser-mode WebSocket, the admin
 * HTTP listener — or move into a utilityProcess later.
 *
 *   renderer / admin HTTP / CLI ──call──▶ ApiHost ──▶ Engine (+ sse hub, upstreams, traffic log)
 *                               ◀─events── sampler (fixed tick) / engine log + state
 */
import { API_CALLS, type ApiCallName, type ApiEventName, type SluiceApi, type SluiceApiEvents } from '../api/index.js';
import type { ApplyResponse, ConfigState, ExchangeDetail, ExchangeSummary, PublishRequest, Stats, TrafficQuery, ValidateResult } from '../api/types.js';
import { describePlan, loadConfig, planApply, toConfigText, type ConfigError, type SluiceConfig } from '../config/index.js';
import type { Engine } from '../engine/engine.js';
import { writeFileAtomic } from '../engine/config-file.js';
import { sampleOf } from '../telemetry/scope-samples.js';
import { TelemetrySampler } from '../telemetry/sampler.js';
import { readChannels, readUpstreams, sseHub } from '../telemetry/sources.js';
import { toDetail, toSummary } from '../telemetry/exchange-view.js';
import { SluiceError } from '../util/errors.js';
import { VERSION } from './version.js';
import { recordAsMock } from './record.js';

/** Options of a host. */
export interface ApiHostOptions {
  engine: Engine;
  /** The config file the text came from (saveConfig's default target). */
  file?: string;
  /** The source text of the running config (comments kept); default: a rendering of engine.config. */
  text?: string;
  /** Telemetry tick interval, ms (default 250). */
  tickMs?: number;
}

/** The API over one engine, plus lifecycle. */
export interface ApiHost extends SluiceApi {
  readonly engine: Engine;
  /** The telemetry sampler behind the `telemetry` and `traffic` events. */
  readonly sampler: TelemetrySampler;
  /** Calls a method by name with plain arguments (for IPC/WebSocket/HTTP dispatch); unknown names reject. */
  invoke(name: string, args: unknown[]): Promise<unknown>;
  /** Drops every subscriber and stops the sampler. */
  close(): void;
}

const hosts = new WeakMap<Engine, ApiHost>();

/** The host created for an engine, if any (the admin listener shares it with the UI). */
export function apiHostOf(engine: Engine): ApiHost | undefined {
  return hosts.get(engine);
}

/** One message for a list of config errors. */
function errorsMessage(errors: ConfigError[]): string {
  return errors.length === 1 ? `the config has an error: ${errors[0]!.message}` : `the config has ${errors.length} errors`;
}

/** Creates the host of `opts.engine` (and registers it so `apiHostOf(engine)` finds it). */
export function createApiHost(opts: ApiHostOptions): ApiHost {
  const { engine } = opts;
  const services = engine.services;
  let file = opts.file;
  let text = opts.text;
  const sourceName = () => file ?? 'config.yaml';
  const epochOffset = Date.now() - services.clock.now();
  const sampler = new TelemetrySampler({ services, intervalMs: opts.tickMs, epochOffset });
  /** Held while someone listens to `traffic`: chunk timelines and SSE decoding run only then. */
  let releaseObserve: (() => void) | undefined;
  const unsubscribers = new Set<() => void>();

  /** The config object `text` describes; when the engine runs another one (SIGHUP reload), the text is stale. */
  let textConfig: SluiceConfig | undefined = text !== undefined ? engine.config : undefined;
  const currentText = (): string => {
    const running = engine.config;
    if (text !== undefined && (!running || !textConfig || running === textConfig)) return text;
    return running ? toConfigText(running) : text ?? '';
  };

  const validate = (source: string): ValidateResult & { config?: SluiceConfig } => {
    if (typeof source !== 'string') return { ok: false, errors: [{ file: sourceName(), line: 0, col: 0, path: '', message: 'config text must be a string' }] };
    const r = loadConfig(source, sourceName());
    if (!r.ok) return { ok: false, errors: r.errors };
    const plan = planApply(engine.config, r.config);
    return { ok: true, errors: [], plan, changes: describePlan(plan), config: r.config };
  };

  const applyText = async (source: string): Promise<ApplyResponse> => {
    const v = validate(source);
    if (!v.ok || !v.config) return { ok: false, message: errorsMessage(v.errors), errors: v.errors };
    const r = await engine.apply(v.config);
    if (r.ok) {
      text = source;
      textConfig = v.config;
    }
    return r;
  };

  const calls = {
    async health() {
      return { ok: true as const, version: VERSION };
    },
    async getConfig(): Promise<ConfigState> {
      return { text: currentText(), file, running: engine.running };
    },
    async validateConfig(source: string): Promise<ValidateResult> {
      const { config: _config, ...result } = validate(source);
      return result;
    },
    applyConfig: applyText,
    async saveConfig(source: string, target?: string) {
      const path = target ?? file;
      if (!path) return { ok: false as const, message: 'no file to save to: choose a file name' };
      const v = validate(source);
      if (!v.ok) return { ok: false as const, message: `not saved: ${errorsMessage(v.errors)}` };
      try {
        await writeFileAtomic(path, source);
      } catch (err) {
        return { ok: false as const, message: `could not save ${path}: ${(err as Error).message}` };
      }
      file = path;
      return { ok: true as const, file: path };
    },
    async startEngine(): Promise<ApplyResponse> {
      const source = currentText();
      if (source.trim() === '') return { ok: false, message: 'no config to start: open or write one first', errors: [] };
      return applyText(source);
    },
    async stopEngine() {
      await engine.stop();
      return { ok: true as const };
    },
    async publish(channel: string, event: PublishRequest): Promise<{ id: string }> {
      return publishOn(engine, channel, event);
    },
    async getChannels() {
      return readChannels(services);
    },
    async getStats(): Promise<Stats> {
      return statsOf(engine);
    },
    async getUpstreams() {
      return readUpstreams(services);
    },
    async getTraffic(query: TrafficQuery = {}): Promise<ExchangeSummary[]> {
      return trafficOf(engine, query ?? {}, epochOffset);
    },
    async getExchange(id: number): Promise<ExchangeDetail | null> {
      const rec = services.traffic.get(Number(id));
      return rec ? toDetail(rec, epochOffset) : null;
    },
    async recordAsMock(id: number, options?: { speed?: number; path?: string }) {
      const rec = services.traffic.get(Number(id));
      if (!rec) return { ok: false as const, message: `no exchange #${id} in the traffic log` };
      return recordAsMock(rec, options ?? {});
    },
  } satisfies Record<ApiCallName, (...args: never[]) => Promise<unknown>>;

  function on<K extends ApiEventName>(event: K, listener: (payload: SluiceApiEvents[K]) => void): () => void {
    let off: () => void;
    if (event === 'telemetry') off = sampler.onTick(listener as (p: SluiceApiEvents['telemetry']) => void);
    else if (event === 'traffic') off = watchTraffic(listener as (p: SluiceApiEvents['traffic']) => void);
    else if (event === 'log') off = engine.events.on('log', listener as (p: SluiceApiEvents['log']) => void);
    else if (event === 'state') off = engine.events.on('state', listener as (p: SluiceApiEvents['state']) => void);
    else throw new SluiceError('E_BAD_REQUEST', `unknown event "${String(event)}"`);
    let done = false;
    const remove = () => {
      if (done) return;
      done = true;
      unsubscribers.delete(remove);
      off();
    };
    unsubscribers.add(remove);
    return remove;
  }

  let trafficWatchers = 0;
  function watchTraffic(fn: (rows: ExchangeSummary[]) => void): () => void {
    if (trafficWatchers++ === 0) releaseObserve = services.traffic.observe();
    const off = sampler.onTraffic(fn);
    return () => {
      off();
      if (--trafficWatchers === 0) {
        releaseObserve?.();
        releaseObserve = undefined;
      }
    };
  }

  const host: ApiHost = {
    ...calls,
    engine,
    sampler,
    on,
    async invoke(name: string, args: unknown[]) {
      if (!(API_CALLS as readonly string[]).includes(name)) throw new SluiceError('E_BAD_REQUEST', `unknown call "${name}"`);
      const fn = calls[name as ApiCallName] as (...a: unknown[]) => Promise<unknown>;
      return fn(...(Array.isArray(args) ? args : []));
    },
    close() {
      for (const off of [...unsubscribers]) off();
      sampler.close();
      if (hosts.get(engine) === host) hosts.delete(engine);
    },
  };
  hosts.set(engine, host);
  return host;
}

/** Publishes on a channel through the SSE hub; rejects with a clear SluiceError. */
export async function publishOn(engine: Engine, channel: string, event: PublishRequest): Promise<{ id: string }> {
  const hub = sseHub(engine.services);
  if (!hub) throw new SluiceError('E_UNKNOWN_CHANNEL', 'SSE channels are not available in this build');
  if (typeof channel !== 'string' || channel === '') throw new SluiceError('E_BAD_REQUEST', 'a channel name is required');
  if (!event || typeof event !== 'object' || typeof event.data !== 'string') {
    throw new SluiceError('E_BAD_REQUEST', 'an event needs "data" (a string); "event" and "id" are optional strings');
  }
  for (const k of ['event', 'id'] as const) {
    if (event[k] !== undefined && typeof event[k] !== 'string') throw new SluiceError('E_BAD_REQUEST', `"${k}" must be a string`);
  }
  const known = hub.channels().map((c) => c.name);
  if (!known.includes(channel)) {
    throw new SluiceError('E_UNKNOWN_CHANNEL', `unknown channel "${channel}"${known.length ? ` (channels: ${known.join(', ')})` : ' (no channel routes are configured)'}`);
  }
  const id = await hub.publish(channel, { data: event.data, event: event.event, id: event.id });
  return { id: String(id) };
}

/** Counters per listener, route, channel and upstream server. */
export function statsOf(engine: Engine): Stats {
  const services = engine.services;
  const info = new Map(engine.listenerInfo().map((l) => [l.name, l]));
  const channels = new Map(readChannels(services).map((c) => [c.name, c]));
  const scopes = services.counters.all();
  return {
    version: VERSION,
    uptimeMs: Math.round(process.uptime() * 1000),
    running: engine.running,
    listeners: scopes.filter((s) => s.kind === 'listener').map((s) => ({
      ...sampleOf(s), listen: info.get(s.name)?.listen ?? s.labels.listen ?? '', address: info.get(s.name)?.address ?? '',
    })),
    routes: scopes.filter((s) => s.kind === 'route').map((s) => sampleOf(s)),
    channels: scopes.filter((s) => s.kind === 'channel').map((s) => ({ ...sampleOf(s), clients: channels.get(s.name)?.clients ?? s.counters.active })),
    upstreams: readUpstreams(services),
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
    if (needle && !`${rec.method} ${rec.url} ${rec.status ?? ''} ${rec.listener} ${rec.client}`.toLowerCase().includes(needle)) continue;
    out.push(toSummary(rec, epochOffset));
    if (out.length >= limit) break;
  }
  return out;
}
