/**
 * End-to-end harness: browser mode started in-process on port 0 with a temp
 * config, and Debian Chromium driven by playwright-core. The renderer is built
 * once (under a lock, since spec files run in parallel) when dist/renderer is
 * missing or older than its sources.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { ROOT, startUi, type UiSession } from '../../core/cli/ui.js';

export const DOCS = resolve(ROOT, 'docs');

/**
 * Builds dist/renderer when missing or older than its sources (`build.mjs
 * --renderer --if-stale`, a no-op under `npm test`, which builds first);
 * parallel callers wait on a lock directory.
 */
export async function ensureFreshRenderer(): Promise<void> {
  const lock = resolve(ROOT, '.tmp/renderer-build.lock');
  mkdirSync(resolve(ROOT, '.tmp'), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else builds; a lock older than 2 minutes is a leftover of a killed run.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 120_000)
        rmSync(lock, { recursive: true, force: true });
      if (i >= 240) throw new Error(`the renderer build lock ${lock} stayed taken for 2 minutes`);
      await sleep(500);
    }
  }
  try {
    const r = spawnSync(process.execPath, [resolve(ROOT, 'build/build.mjs'), '--renderer', '--if-stale'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`renderer build failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A started browser-mode session plus a Chromium page on it. */
export interface UiHarness {
  session: UiSession;
  browser: Browser;
  /** Pages for extra clients: `context.newPage()` (functions passed to evaluate work there). */
  context: BrowserContext;
  page: Page;
  dir: string;
  /** `http://127.0.0.1:PORT` of an engine listener. */
  listenerUrl(name: string): string;
  close(): Promise<void>;
}

/** Writes `yaml` to a temp config, starts browser mode with it, opens the printed URL. */
export async function openUi(
  yaml: string,
  opts: { files?: Record<string, string | Buffer>; viewport?: { width: number; height: number } } = {},
): Promise<UiHarness> {
  await ensureFreshRenderer();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-'));
  for (const [name, body] of Object.entries(opts.files ?? {})) {
    mkdirSync(resolve(dir, name, '..'), { recursive: true });
    writeFileSync(resolve(dir, name), body);
  }
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, yaml);
  const logs: string[] = [];
  const session = await startUi({ file, out: { log: (l) => logs.push(l), error: (l) => logs.push(l) } });
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 860 } });
  // tsx compiles test functions with esbuild's keepNames; page.evaluate ships them as source, so give pages its helper.
  await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
  const page = await context.newPage();
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(session.url);
  await page.waitForSelector('[data-testid=nav-dashboard]');
  return {
    session,
    browser,
    context,
    page,
    dir,
    listenerUrl: (name) => {
      const a = session.engine.address(name);
      if (!a) throw new Error(`no listener ${name}; logs:\n${logs.join('\n')}`);
      return `http://${a}`;
    },
    close: async () => {
      await browser.close().catch(() => undefined);
      await session.close();
      rmSync(dir, { recursive: true, force: true });
      const errors = logs.filter((l) => l.startsWith('pageerror'));
      if (errors.length) throw new Error(`the page threw:\n${errors.join('\n')}`);
    },
  };
}

/** Saves a screenshot into docs/ (the README shows them). */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(DOCS, { recursive: true });
  await page.screenshot({ path: join(DOCS, name), timeout: 60_000, animations: 'disabled' });
}

/** The series a chart draws, by key (its canvas' `data-series`: listener names, `(total)`, `(others)`). */
export async function drawnSeries(page: Page, testId: string): Promise<string[]> {
  const keys = await page.locator(`[data-testid=${testId}] canvas.series`).getAttribute('data-series');
  return (keys ?? '').split(' ').filter(Boolean);
}

/**
 * Ink on a chart's canvas: pixels drawn (lines, edges and translucent bands).
 * `above`: only pixels higher than that fraction of the canvas from its
 * bottom — a flat line at zero does not count.
 */
export async function chartInk(page: Page, testId: string, above = 0): Promise<number> {
  return page.locator(`[data-testid=${testId}] canvas.series`).evaluate((c, frac) => {
    const canvas = c as unknown as {
      width: number;
      height: number;
      getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    };
    const rows = Math.floor(canvas.height * (1 - frac));
    if (rows <= 0 || canvas.width === 0) return 0;
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, rows).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i]! >= 50) n++;
    return n;
  }, above);
}

/** Canvas pixels of each colour (`rgb(r, g, b)` strings; a translucent band counts by its own colour), one count per colour. */
export async function inkByColour(page: Page, testId: string, colours: string[]): Promise<number[]> {
  return page.locator(`[data-testid=${testId}] canvas.series`).evaluate((c, list) => {
    const canvas = c as unknown as {
      width: number;
      height: number;
      getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    };
    const want = list.map((s) => (/(\d+)\D+(\d+)\D+(\d+)/.exec(s) ?? []).slice(1).map(Number));
    const counts = want.map(() => 0);
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3]! < 50) continue;
      for (let k = 0; k < want.length; k++) {
        const [r, g, b] = want[k]!;
        if (Math.abs(px[i]! - r!) + Math.abs(px[i + 1]! - g!) + Math.abs(px[i + 2]! - b!) <= 12) counts[k]!++;
      }
    }
    return counts;
  }, colours);
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function until<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}
