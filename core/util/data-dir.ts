/**
 * Where Sluice keeps what belongs to this install rather than to a config
 * (the local CA, issued certificates): the platform's per-user data
 * directory, or `SLUICE_HOME` when set (tests point it at a temp dir).
 */
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

/** What the data directory depends on (injected by tests). */
export interface DataDirEnv {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

/**
 * `SLUICE_HOME`, else `%LOCALAPPDATA%\Sluice` (Windows),
 * `~/Library/Application Support/Sluice` (macOS),
 * `$XDG_DATA_HOME/sluice` or `~/.local/share/sluice` (elsewhere).
 */
export function dataDir(opts: DataDirEnv = {}): string {
  const env = opts.env ?? process.env;
  if (env.SLUICE_HOME) return env.SLUICE_HOME;
  const platform = opts.platform ?? process.platform;
  const home = opts.home ?? homedir();
  const join = platform === 'win32' ? win32.join : posix.join;
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'Sluice');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Sluice');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'sluice');
}
