/**
 * `sluice ui [CONFIG] [--port N] [--no-open]`: browser mode. The engine and
 * the API host run here; the built renderer and the API (over a WebSocket)
 * are served on 127.0.0.1 behind a random token in the printed URL. An
 * invalid config is reported and loaded into the editor, not run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { formatConfigError, loadConfig } from '../config/index.js';
import type { Engine } from '../engine/engine.js';
import type { ApiHost } from '../host/api-host.js';
import { startUiServer, type UiServer } from '../host/ws-server.js';
import { createEngine } from '../runtime/create-engine.js';
import type { EngineModules } from '../runtime/modules.js';
import { consoleOut, type Out } from './run.js';

/** The package root (package.json and dist/ live there): two folders up, from core/cli/ and from its bundle in dist/cli/ alike. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the built renderer lives. */
export const RENDERER_DIR = resolve(ROOT, 'dist/renderer');

/** True when the built renderer is there; otherwise says how to build it and returns false. */
export function ensureRenderer(out: Out = consoleOut): boolean {
  const index = resolve(RENDERER_DIR, 'index.html');
  if (existsSync(index)) return true;
  out.error(`sluice: the UI is not built (${index} is missing); run \`npm run build\``);
  return false;
}

/** Options of browser mode. */
export interface UiOptions {
  file?: string;
  port?: number;
  token?: string;
  out?: Out;
}

/** A running browser mode: engine, host and server. */
export interface UiSession {
  url: string;
  engine: Engine;
  host: ApiHost;
  /** The engine's modules (SSE hub, upstreams, limits). */
  modules: EngineModules;
  server: UiServer;
  close(): Promise<void>;
}

/** Starts engine + host + server; the config (if any) is started when valid, else only loaded into the editor. */
export async function startUi(opts: UiOptions = {}): Promise<UiSession> {
  const out = opts.out ?? consoleOut;
  const file = opts.file ? resolve(opts.file) : undefined;
  let text: string | undefined;
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      out.error(
        `sluice: cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}; starting with an empty config`,
      );
    }
  }
  const rt = createEngine({ baseDir: file ? dirname(file) : process.cwd(), file, text: text ?? '' });
  const { engine, host } = rt;
  engine.events.on('listening', (l) => out.log(`${l.kind} ${l.name} listening on ${l.url ?? l.address}`));
  engine.events.on('log', (e) => (e.level === 'info' ? out.log(e.message) : out.error(`${e.level}: ${e.message}`)));
  if (text !== undefined) {
    const loaded = loadConfig(text, opts.file);
    if (!loaded.ok) {
      for (const e of loaded.errors) out.error(formatConfigError(e));
      out.error('the config is not valid: it is loaded in the UI for fixing, nothing runs yet');
    } else {
      const r = await engine.start(loaded.config);
      if (!r.ok) out.error(`sluice: ${r.message} (fix the config in the UI and apply)`);
    }
  }
  let server: UiServer;
  try {
    server = await startUiServer({ host, staticDir: RENDERER_DIR, port: opts.port, token: opts.token });
  } catch (err) {
    // No UI, no engine: a config's listeners must not outlive the failed start.
    host.close();
    await engine.stop(500);
    throw err;
  }
  return {
    url: server.url,
    engine,
    host,
    modules: rt.modules,
    server,
    close: async () => {
      await server.close();
      await rt.close(500);
    },
  };
}

/** Opens a URL in the system browser (not with BROWSER=none); failures are ignored (the URL is printed anyway). */
export function openBrowser(url: string): void {
  if (process.env.BROWSER === 'none') return;
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no browser opener on this machine; the printed URL is enough
  }
}

/** Runs browser mode until SIGINT/SIGTERM. */
export async function uiCommand(
  file: string | undefined,
  opts: { port?: string; open?: boolean },
  out: Out = consoleOut,
): Promise<void> {
  const port = opts.port === undefined ? 0 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    out.error(`sluice: --port must be a port number (0–65535), got ${JSON.stringify(opts.port)}`);
    process.exitCode = 1;
    return;
  }
  if (!ensureRenderer(out)) {
    process.exitCode = 1;
    return;
  }
  let session: UiSession;
  try {
    session = await startUi({ file, port, out });
  } catch (err) {
    out.error(`sluice: cannot start the UI server: ${(err as Error).message}`);
    process.exitCode = 1;
    return;
  }
  // Signal handlers first: whoever reads the URL may stop us right away.
  let stopping = false;
  const stop = async () => {
    if (stopping) return; // Ctrl-C reaches both the launcher and us: one stop
    stopping = true;
    await session.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  out.log(`Sluice UI: ${session.url}`);
  if (opts.open !== false) openBrowser(session.url);
}

/** Registers `sluice ui`. */
export function installUi(program: Command): void {
  program
    .command('ui')
    .description('browser mode: the engine plus the UI on 127.0.0.1; prints the URL (with its access token)')
    .argument('[config]', 'config file (YAML or JSON)')
    .option('--port <n>', 'port for the UI server (default: a free one)')
    .option('--no-open', 'do not open a browser')
    .action((file: string | undefined, opts: { port?: string; open?: boolean }) => uiCommand(file, opts));
}
