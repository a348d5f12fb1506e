/**
 * `sluice run CONFIG`: the headless engine. One log line per listener;
 * SIGINT/SIGTERM drain and exit 0; SIGHUP reloads the file and logs what
 * changed (an invalid file is reported and the running config kept).
 */
import { dirname, resolve } from 'node:path';
import { formatConfigError } from '../config/index.js';
import { loadConfigFile } from '../engine/config-file.js';
import { createEngine, type Runtime } from '../runtime/create-engine.js';

/** Where CLI output goes (tests capture it). */
export interface Out {
  log(line: string): void;
  error(line: string): void;
}

export const consoleOut: Out = { log: (l) => console.log(l), error: (l) => console.error(l) };

/** Starts the engine from a file; resolves once every listener is up, or undefined after printing why not. */
export async function runFromFile(file: string, out: Out = consoleOut): Promise<Runtime | undefined> {
  const path = resolve(file);
  const loaded = await loadConfigFile(path);
  if (!loaded.ok) {
    for (const e of loaded.errors) out.error(formatConfigError({ ...e, file }));
    return undefined;
  }
  // The host serves the admin API (and a UI) with the file's own text, comments kept.
  const rt = createEngine({ baseDir: dirname(path), file: path, text: loaded.text });
  const { engine } = rt;
  engine.events.on('listening', (l) => out.log(`${l.kind} ${l.name} listening on ${l.url ?? l.address}`));
  engine.events.on('log', (e) => (e.level === 'info' ? out.log(e.message) : out.error(`${e.level}: ${e.message}`)));
  const result = await engine.start(loaded.config);
  if (!result.ok) {
    out.error(`sluice: ${result.message}`);
    await rt.close(0);
    return undefined;
  }
  return rt;
}

/** Reloads the file into a running engine (SIGHUP). */
export async function reload(rt: Runtime, file: string, out: Out = consoleOut): Promise<boolean> {
  const loaded = await loadConfigFile(resolve(file));
  if (!loaded.ok) {
    out.error(`reload refused, still running the last good config:`);
    for (const e of loaded.errors) out.error(formatConfigError({ ...e, file }));
    return false;
  }
  const result =
    loaded.text !== undefined ? await rt.host.applyConfig(loaded.text) : await rt.engine.apply(loaded.config);
  if (!result.ok) {
    out.error(`reload failed, still running the last good config: ${result.message}`);
    return false;
  }
  out.log(result.changes.length ? `reloaded: ${result.changes.join('; ')}` : 'reloaded: no changes');
  return true;
}

/**
 * The `run` command: start, then wait for signals. The handlers are in place
 * before the engine starts: a SIGTERM that arrives as the first listener
 * says it is listening drains too (once the start is done) instead of
 * killing the engine outright.
 */
export async function runCommand(file: string): Promise<void> {
  const started = runFromFile(file);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: draining…`);
    await (await started)?.close();
    console.log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void started.then((rt) => rt && reload(rt, file)));
  if (!(await started)) process.exitCode = 1;
}
