/**
 * Debian's Chromium, driven by playwright-core (Playwright's own browser
 * download does not work on these machines), with the switches that keep a
 * headless run quiet: no sandbox (tests run as root), no GPU, no QUIC, no
 * first-run, sync or update traffic.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium with the quiet switches and `extraArgs` (e.g. a trusted certificate SPKI). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}
