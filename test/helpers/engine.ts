/**
 * Test helpers: start an Engine from YAML text with port-0 listeners and get
 * real URLs back. Everything binds to 127.0.0.1.
 */
import { loadConfig, formatConfigError, type SluiceConfig } from '../../core/config/index.js';
import { Engine } from '../../core/engine/engine.js';

/** A running engine plus helpers to reach its listeners. */
export interface TestEngine {
  engine: Engine;
  config: SluiceConfig;
  /** `http://127.0.0.1:PORT` of an HTTP listener (or admin). */
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
export async function startEngine(yaml: string, opts: { baseDir?: string } = {}): Promise<TestEngine> {
  const config = parseConfig(yaml);
  const engine = new Engine({ baseDir: opts.baseDir, drainMs: 500 });
  const r = await engine.start(config);
  if (!r.ok) throw new Error(r.message);
  const addr = (name: string) => {
    const a = engine.address(name);
    if (!a) throw new Error(`no listener named ${name}`);
    return a;
  };
  return { engine, config, addr, url: (name) => `http://${addr(name)}`, stop: () => engine.stop(500) };
}
