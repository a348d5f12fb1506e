/**
 * The composition root: the one place that knows every feature. It builds an
 * engine's modules, puts the route kinds, listener kinds and hooks together,
 * and gives the admin listener the API host directly.
 *
 *   createEngine() ─▶ Engine(listener kinds, modules, hooks) ─▶ ApiHost(engine, SSE hub, module views)
 *                      http ─▶ route kinds: respond static chunked stream upload sse proxy
 *                      tcp/udp ─▶ stream upstreams + link hooks (faults, limits)
 *                      admin ─▶ the ApiHost
 *
 * The CLI, the Electron main process and the tests all start engines here.
 */
import { AdminListener } from '../admin/listener.js';
import type { Rng } from '../balance/index.js';
import { Engine, type EngineOptions } from '../engine/engine.js';
import { createFaultsHook, createLinkFaultsHook } from '../faults/index.js';
import { createApiHost, type ApiHost } from '../host/api-host.js';
import { HttpListener } from '../http/listener.js';
import { chunkedRoute } from '../http/routes/chunked.js';
import { respondRoute } from '../http/routes/respond.js';
import { staticRoute } from '../http/routes/static.js';
import { streamRoute } from '../http/routes/stream.js';
import { uploadRoute } from '../http/routes/upload.js';
import type { RouteKinds } from '../kernel/index.js';
import { llmRoute } from '../llm/route.js';
import { proxyRoute } from '../proxy/route.js';
import { sseRoute } from '../sse/route.js';
import { TcpListener } from '../stream/tcp-listener.js';
import { LocalCa, sharedCa, type CaSource } from '../tls/index.js';
import { UdpListener } from '../stream/udp-listener.js';
import { createModules, moduleOrder, sourcesOf, type EngineModules } from './modules.js';

/** Options of one engine and its API host. */
export interface RuntimeOptions extends EngineOptions {
  /** The config file the text came from (the API's save target). */
  file?: string;
  /** The source text of the config (comments kept) the API shows and edits. */
  text?: string;
  /** Telemetry tick interval, ms (default 250). */
  tickMs?: number;
  /** Randomness for faults and balancers (tests pass a seeded one). */
  rng?: Rng;
  /** The local CA behind `tls: {}` listeners (default: the install's, opened on first use). */
  ca?: CaSource;
}

/** An engine with its modules and API host. */
export interface Runtime {
  readonly engine: Engine;
  readonly host: ApiHost;
  readonly modules: EngineModules;
  /** Stops the engine (open connections get until the deadline) and closes the host. */
  close(deadlineMs?: number): Promise<void>;
}

/** Route kind → handler factory over the engine's modules. */
export function routeKinds(m: EngineModules): RouteKinds {
  return {
    respond: respondRoute,
    static: staticRoute,
    chunked: chunkedRoute,
    stream: streamRoute,
    upload: uploadRoute,
    sse: sseRoute(m.sse),
    proxy: proxyRoute(m.upstreams),
    llm: llmRoute,
  };
}

/** Builds an engine with every feature wired, and its API host. */
export function createEngine(opts: RuntimeOptions = {}): Runtime {
  let modules: EngineModules | undefined;
  const ca = opts.ca ?? sharedCa(() => LocalCa.open());
  // The host is made after the engine it serves; admin listeners start on apply, once it exists.
  const late: { host?: ApiHost } = {};
  const engine = new Engine((services) => {
    const m = (modules = createModules(services, opts.rng));
    const routes = routeKinds(m);
    // Faults first, then limits: a sliced response (or link) is shaped too.
    const hooks = [createFaultsHook(opts.rng), m.shaping.hook];
    const stream = { upstreams: m.streamUpstreams, hooks: [createLinkFaultsHook(opts.rng), m.shaping.linkHook] };
    return {
      listenerKinds: {
        http: (def, s) => new HttpListener(def, s, routes, hooks, ca),
        tcp: (def, s) => new TcpListener(def, s, stream),
        udp: (def, s) => new UdpListener(def, s, stream),
        admin: (def, s) => new AdminListener(def, s, late.host!),
      },
      modules: moduleOrder(m),
    };
  }, opts);
  const built = modules!;
  const apiHost = createApiHost({
    engine,
    hub: built.sse,
    sources: sourcesOf(built),
    file: opts.file,
    text: opts.text,
    tickMs: opts.tickMs,
    ca,
  });
  late.host = apiHost;
  return {
    engine,
    host: apiHost,
    modules: built,
    async close(deadlineMs) {
      await engine.stop(deadlineMs);
      apiHost.close();
    },
  };
}
