/**
 * `sluice` with no command (`npm start`): the desktop app when an Electron
 * binary and a display exist, otherwise browser mode, saying why.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ELECTRON_JS_FLAGS } from '../../bin/engine-flags.mjs';
import { consoleOut, type Out } from './run.js';
import { ROOT, uiCommand } from './ui.js';

/** Why the desktop app cannot start here, or the Electron binary to run. */
export function desktopAvailability(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  root = ROOT,
): { ok: true; electron: string } | { ok: false; reason: string } {
  const pathTxt = resolve(root, 'node_modules/electron/path.txt');
  if (!existsSync(pathTxt))
    return { ok: false, reason: 'no Electron binary is installed (node_modules/electron/path.txt is missing)' };
  const electron = resolve(root, 'node_modules/electron/dist', readFileSync(pathTxt, 'utf8').trim());
  if (!existsSync(electron)) return { ok: false, reason: `the Electron binary ${electron} is missing` };
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY)
    return { ok: false, reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  return { ok: true, electron };
}

/** True when the app's bundles are built; otherwise says how to build them and returns false. */
function desktopBuilt(out: Out): boolean {
  const missing = ['dist/electron/main.cjs', 'dist/renderer/index.html']
    .map((f) => resolve(ROOT, f))
    .find((f) => !existsSync(f));
  if (missing) out.error(`sluice: the desktop app is not built (${missing} is missing); run \`npm run build\``);
  return !missing;
}

/** The default action: desktop window or browser mode. */
export async function desktopCommand(file: string | undefined, out: Out = consoleOut): Promise<void> {
  const where = desktopAvailability();
  if (!where.ok) {
    out.log(`Starting browser mode: ${where.reason}.`);
    await uiCommand(file, { open: true }, out);
    return;
  }
  if (!desktopBuilt(out)) {
    process.exitCode = 1;
    return;
  }
  // The engine lives in Electron's main process: it gets the engine's V8 flags there.
  const child = spawn(
    where.electron,
    [ELECTRON_JS_FLAGS, resolve(ROOT, 'dist/electron/main.cjs'), ...(file ? [resolve(file)] : [])],
    { stdio: 'inherit' },
  );
  child.on('exit', (code) => process.exit(code ?? 0));
}

/** Makes the desktop app the program's default action (`sluice [CONFIG]`). */
export function installDesktop(program: Command): void {
  program
    .argument('[config]', 'config file to open in the desktop app')
    .action((file: string | undefined) => desktopCommand(file));
}
