/**
 * `npm run bench -- ui`: what the UI costs a user during a load test.
 * `sluice ui` runs in its own process with N listeners (10, then 30), 100
 * open SSE streams at 20 events/s each and wrk on one listener; Chromium
 * (playwright-core, /usr/bin/chromium) opens each view and, after a settle
 * time, measures for a few seconds:
 *
 * - long tasks (main-thread tasks over 50 ms) and the longest one;
 * - main thread busy: Chrome's own TaskDuration over wall time (CDP Performance);
 * - frames/s: requestAnimationFrame callbacks per second;
 * - messages/s: WebSocket messages the page received (telemetry, traffic…).
 *
 * UI_BENCH_SECONDS (default 8) sets the measuring time per view;
 * UI_BENCH_LISTENERS (default "10,30") the listener counts; every view is
 * measured with the first count, Dashboard and Traffic with the others;
 * UI_BENCH_VIEWS (e.g. "dashboard") measures only those views.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { ensureFreshRenderer } from '../e2e/ui-harness.js';
import { ENGINE_FLAGS } from '../../bin/engine-flags.mjs';
import { freePort, stopProc, waitForPort, type BenchSuite, type BenchTable } from './harness.js';
import { loadConfig, openStreams, startWrk } from './ui-load.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECONDS = Number(process.env.UI_BENCH_SECONDS) || 8;
const SETTLE_MS = 2500;
const STREAMS = 100;

/** Counters the page keeps for the bench: long tasks and animation frames. */
const PAGE_PROBE = `
  globalThis.__bench = { long: [], frames: 0 };
  new PerformanceObserver((l) => { for (const e of l.getEntries()) globalThis.__bench.long.push(e.duration); }).observe({ type: 'longtask' });
  const frame = () => { globalThis.__bench.frames++; requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
`;

/** One view's figures. */
interface ViewFigures {
  view: string;
  longTasks: number;
  longestMs: number;
  busy: number;
  fps: number;
  messages: number;
}

/** Starts `sluice ui CONFIG` in its own process (engine flags as `npm start`); resolves with the UI URL and each listener's address. */
async function startSluiceUi(
  config: string,
  listeners: number,
): Promise<{ proc: ChildProcess; url: string; bases: string[] }> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [...ENGINE_FLAGS, join(ROOT, 'bin/sluice.mjs'), 'ui', config, '--port', String(port), '--no-open'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BROWSER: 'none' },
    },
  );
  const bases = new Map<string, string>();
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sluice ui printed no URL in 30 s:\n${out}`)), 30_000);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      for (const m of out.matchAll(/^http (\S+) listening on (http:\/\/\S+)$/gm)) bases.set(m[1]!, m[2]!);
      const m = /Sluice UI: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.on('exit', (code) => reject(new Error(`sluice ui exited (${code}):\n${out}`)));
  });
  proc.stdout!.resume();
  if (bases.size !== listeners) throw new Error(`sluice ui started ${bases.size} of ${listeners} listeners`);
  await waitForPort(port);
  return { proc, url, bases: [...bases].sort(([a], [b]) => a.localeCompare(b)).map(([, base]) => base) };
}

/** Opens `view` by its nav button, lets it settle, then measures it for SECONDS. */
async function measureView(
  page: Page,
  cdp: { send(m: string): Promise<unknown> },
  messages: () => number,
  view: string,
): Promise<ViewFigures> {
  await page.click(`[data-testid=nav-${view}]`);
  await page.waitForTimeout(SETTLE_MS);
  const metric = async () => {
    const r = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    return r.metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
  };
  await page.evaluate(() => {
    const b = (globalThis as unknown as { __bench: { long: number[]; frames: number } }).__bench;
    b.long = [];
    b.frames = 0;
  });
  const busy0 = await metric();
  const msg0 = messages();
  const t0 = Date.now();
  await page.waitForTimeout(SECONDS * 1000);
  const probe = await page.evaluate(
    () => (globalThis as unknown as { __bench: { long: number[]; frames: number } }).__bench,
  );
  const busy1 = await metric();
  const secs = (Date.now() - t0) / 1000;
  return {
    view,
    longTasks: probe.long.length,
    longestMs: Math.round(Math.max(0, ...probe.long)),
    busy: (busy1 - busy0) / secs,
    fps: probe.frames / secs,
    messages: (messages() - msg0) / secs,
  };
}

/** One run: Sluice under load with `listeners` listeners, `views` measured in turn. */
async function runWith(
  listeners: number,
  views: string[] | 'all',
): Promise<{ figures: ViewFigures[]; rps: number; eventsPerSec: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-ui-'));
  writeFileSync(join(dir, 'sluice.yaml'), loadConfig(listeners));
  const { proc, url, bases } = await startSluiceUi(join(dir, 'sluice.yaml'), listeners);
  const browser = await launchChromium();
  let wrk: ReturnType<typeof startWrk> | undefined;
  let streams: Awaited<ReturnType<typeof openStreams>> | undefined;
  try {
    streams = await openStreams(bases, STREAMS);
    wrk = startWrk(`${bases[0]}/health`);
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.addInitScript({ content: PAGE_PROBE });
    let messages = 0;
    page.on('websocket', (ws) =>
      ws.on('framereceived', () => {
        messages++;
      }),
    );
    await page.goto(url);
    await page.waitForSelector('[data-testid=nav-dashboard]');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const names =
      views === 'all'
        ? await page
            .locator('[data-testid^=nav-]')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.slice(4)))
        : views;
    const figures: ViewFigures[] = [];
    const ev0 = streams.events();
    const t0 = Date.now();
    for (const v of names) figures.push(await measureView(page, cdp, () => messages, v));
    const eventsPerSec = ((streams.events() - ev0) * 1000) / (Date.now() - t0);
    return { figures, rps: await wrk.stop(), eventsPerSec };
  } finally {
    await wrk?.stop();
    streams?.close();
    await browser.close().catch(() => undefined);
    await stopProc(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  name: 'ui',
  async run(): Promise<BenchTable[]> {
    await ensureFreshRenderer();
    const counts = (process.env.UI_BENCH_LISTENERS ?? '10,30')
      .split(',')
      .map(Number)
      .filter((n) => n > 0);
    const tables: BenchTable[] = [];
    for (const [i, n] of counts.entries()) {
      const only = process.env.UI_BENCH_VIEWS?.split(',').filter(Boolean);
      const r = await runWith(n, only?.length ? only : i === 0 ? 'all' : ['dashboard', 'traffic']);
      tables.push({
        title: `UI under load: ${n} listeners, ${STREAMS} SSE streams at 20 ev/s, wrk on one listener (${SECONDS} s per view)`,
        columns: ['view', 'long tasks', 'longest', 'main thread busy', 'frames/s', 'messages/s'],
        rows: r.figures.map((f) => [
          f.view,
          f.longTasks,
          `${f.longestMs} ms`,
          `${Math.round(f.busy * 100)}%`,
          Math.round(f.fps),
          f.messages.toFixed(1),
        ]),
        notes: [`wrk ${Math.round(r.rps)} req/s on svc01; SSE clients received ${Math.round(r.eventsPerSec)} events/s`],
      });
    }
    return tables;
  },
};
