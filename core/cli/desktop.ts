/**
 * `sluice` with no command (`npm start`): the desktop app when an Electron
 * binary and a display exist, otherwise browser mode, saying why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
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

/** Builds dist/electron + dist/renderer when missing. */
function ensureDesktopBuild(out: Out): boolean {
  if (existsSync(resolve(ROOT, 'dist/electron/main.cjs')) && existsSync(resolve(ROOT, 'dist/renderer/index.html')))
    return true;
  out.log('building the app (dist/ is missing)…');
  const r = spawnSync(process.execPath, [resolve(ROOT, 'build/build.mjs')], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return r.status === 0;
}

/** The default action: desktop window or browser mode. */
export async function desktopCommand(file: string | undefined, out: Out = consoleOut): Promise<void> {
  const where = desktopAvailability();
  if (!where.ok) {
    out.log(`Starting browser mode: ${where.reason}.`);
    await uiCommand(file, { open: true }, out);
    return;
  }
  if (!ensureDesktopBuild(out)) {
    out.error('sluice: the build failed; starting browser mode instead');
    await uiCommand(file, { open: true }, out);
    return;
  }
  // The engine lives in Electron's main process: same V8 flags as bin/sluice.mjs (see there why).
  const child = spawn(
    where.electron,
    [
      '--js-flags=--no-memory-reducer --max-semi-space-size=4',
      resolve(ROOT, 'dist/electron/main.cjs'),
      ...(file ? [resolve(file)] : []),
    ],
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
