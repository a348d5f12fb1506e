/**
 * "Open a browser that trusts Sluice": Chromium or Chrome started with a
 * throwaway profile and `--ignore-certificate-errors-spki-list` naming the
 * local CA's key, so every `tls: {}` listener opens without a warning and
 * without touching the system's trust store. Chromium honours the SPKI list
 * only with its own `--user-data-dir`, which also keeps the user's profile
 * out of it. It runs on the machine running Sluice (in browser mode, that
 * may not be the machine showing the UI).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, win32 } from 'node:path';

/** Where to look, per platform (first found wins); `SLUICE_BROWSER` or `CHROME_PATH` take precedence. */
export function browserCandidates(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const own = [env.SLUICE_BROWSER, env.CHROME_PATH].filter((p): p is string => !!p);
  if (platform === 'darwin') {
    const apps = ['Google Chrome', 'Chromium', 'Microsoft Edge', 'Brave Browser'].map(
      (n) => `/Applications/${n}.app/Contents/MacOS/${n}`,
    );
    const home = env.HOME ? apps.map((a) => `${env.HOME}${a}`) : [];
    return [...own, ...apps, ...home];
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((r): r is string => !!r);
    const exes = [
      ['Google', 'Chrome', 'Application', 'chrome.exe'],
      ['Chromium', 'Application', 'chrome.exe'],
      ['Microsoft', 'Edge', 'Application', 'msedge.exe'],
    ];
    return [...own, ...roots.flatMap((r) => exes.map((e) => win32.join(r, ...e)))];
  }
  const names = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge', 'brave'];
  return [...own, ...names.map((n) => `/usr/bin/${n}`), '/snap/bin/chromium'];
}

/** The first candidate that exists and may be run, or undefined. */
export function findBrowser(candidates: readonly string[] = browserCandidates()): string | undefined {
  return candidates.find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The arguments a trusting browser starts with. */
export function trustedBrowserArgs(spki: string, profile: string, url: string): string[] {
  const args = [
    `--user-data-dir=${profile}`,
    `--ignore-certificate-errors-spki-list=${spki}`,
    '--no-first-run',
    '--no-default-browser-check',
  ];
  // Chromium refuses to start as root with its sandbox on (containers, CI machines).
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return [...args, url];
}

/** How long a browser that fails at once (no display, a broken install) has to say so. */
const EARLY_EXIT_MS = 1500;

/** A launched browser. */
export interface LaunchedBrowser {
  browser: string;
  profile: string;
  pid: number;
}

/**
 * Starts the browser detached (it outlives Sluice) and resolves once it is
 * running; rejects with its own words when it exits at once.
 */
export function launchTrustedBrowser(spki: string, url: string, browser = findBrowser()): Promise<LaunchedBrowser> {
  if (!browser)
    return Promise.reject(
      new Error(
        'no Chromium, Chrome or Edge found on the machine running Sluice; set SLUICE_BROWSER to its path, or trust the CA file instead',
      ),
    );
  const profile = mkdtempSync(join(tmpdir(), 'sluice-browser-'));
  return new Promise((resolve, reject) => {
    const child = spawn(browser, trustedBrowserArgs(spki, profile, url), {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let said = '';
    const take = (b: Buffer) => {
      said = (said + b.toString()).slice(-2000);
    };
    child.stderr!.on('data', take);
    const settle = () => {
      child.stderr!.off('data', take);
      child.stderr!.destroy();
      child.unref();
    };
    const timer = setTimeout(() => {
      settle();
      resolve({ browser, profile, pid: child.pid! });
    }, EARLY_EXIT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${browser}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = said.trim().split('\n').filter(Boolean).at(-1) ?? '';
      reject(new Error(`${browser} exited at once (${signal ?? `code ${code}`})${last ? `: ${last}` : ''}`));
    });
  });
}
