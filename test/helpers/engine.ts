/**
 * Test helpers: start an engine (through the composition root, as the app
 * does) from YAML text with port-0 listeners and get real URLs back.
 * Everything binds to 127.0.0.1.
 */
import { formatConfigError, loadConfig, type SluiceConfig } from '../../core/config/index.js';
import type { Engine } from '../../core/engine/engine.js';
import type { ApiHost } from '../../core/host/api-host.js';
import { createEngine, type RuntimeOptions } from '../../core/runtime/create-engine.js';
import type { EngineModules } from '../../core/runtime/modules.js';

/** A running engine plus helpers to reach its listeners. */
export interface TestEngine {
  engine: Engine;
  /** The engine's modules (SSE hub, upstreams, limits). */
  modules: EngineModules;
  /** The engine's API host. */
  host: ApiHost;
  config: SluiceConfig;
  /** `http://127.0.0.1:PORT` of an HTTP listener (or admin); `https://` when the server has tls. */
  url(listener: string): string;
  /** `127.0.0.1:PORT` of any listener. */
  addr(listener: string): string;
  stop(): Promise<void>;
}

/** Parses YAML (throws with every positioned error if invalid). */
export function parseConfig(yaml: string): SluiceConfig {
  const r = loadConfig(yaml, 'test.yaml');
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

/** Starts an engine from YAML text; listeners should use port 0 (`listen: 0`). */
export async function startEngine(yaml: string, opts: RuntimeOptions = {}): Promise<TestEngine> {
  const config = parseConfig(yaml);
  const rt = createEngine({ drainMs: 500, ...opts });
  const r = await rt.engine.start(config);
  if (!r.ok) {
    await rt.close(0);
    throw new Error(r.message);
  }
  const addr = (name: string) => {
    const a = rt.engine.address(name);
    if (!a) throw new Error(`no listener named ${name}`);
    return a;
  };
  return {
    engine: rt.engine,
    modules: rt.modules,
    host: rt.host,
    config,
    addr,
    url: (name) => `${config.http.servers.some((s) => s.name === name && s.tls) ? 'https' : 'http'}://${addr(name)}`,
    stop: () => rt.close(500),
  };
}
