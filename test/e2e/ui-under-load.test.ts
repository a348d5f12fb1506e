/**
 * The UI during a load test: 10 listeners, 100 open SSE streams at 20
 * events/s and a flood of short requests. The Dashboard draws each listener in
 * its own colour, hides a series from its legend, shows values on hover,
 * switches its time range and pauses; Traffic keeps the 100 live streams
 * listed through 5,000 short requests, lists exactly them with "open streams
 * only", groups the repeats, moves with the keyboard and exports a HAR whose
 * stream entries carry their SSE events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { HarDocument } from '../../core/api/index.js';
import { burst, listenerName, loadConfig, openStreams } from '../bench/ui-load.js';
import { chartInk, drawnSeries, inkByColour, openUi, shoot, until, type UiHarness } from './ui-harness.js';

const LISTENERS = 10;
const STREAMS = 100;

/** Starts the UI on a 10-listener config and opens the streams; `stop` ends them. */
async function underLoad(): Promise<{ ui: UiHarness; bases: string[]; stop(): Promise<void> }> {
  const ui = await openUi(loadConfig(LISTENERS));
  const bases = Array.from({ length: LISTENERS }, (_, i) => ui.listenerUrl(listenerName(i)));
  const streams = await openStreams(bases, STREAMS);
  return {
    ui,
    bases,
    stop: async () => {
      streams.close();
      await ui.close();
    },
  };
}

/** Keeps short requests going on `url` until the returned function is called. */
function keepRequesting(url: string): () => Promise<void> {
  let on = true;
  const loop = (async () => {
    while (on) await burst(url, 200, 8);
  })();
  return async () => {
    on = false;
    await loop;
  };
}

/** The legend's swatch colours (`rgb(…)`) of series `keys`. */
const swatches = (page: Page, keys: string[]) =>
  Promise.all(
    keys.map((k) =>
      page
        .locator(`[data-testid="legend-${k}"] i`)
        .evaluate(
          (el) =>
            (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(
              el,
            ).backgroundColor,
        ),
    ),
  );

const xTicks = (page: Page, chart: string) =>
  page
    .locator(`[data-testid=${chart}] .recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value`)
    .allTextContents();

test(
  'dashboard under load: a colour per listener, legend toggles, tooltip values, time range, pause',
  { timeout: 120_000 },
  async () => {
    const { ui, bases, stop } = await underLoad();
    const stopRequests = keepRequesting(`${bases[0]}/health`);
    const { page } = ui;
    try {
      await page.waitForSelector(`[data-testid="legend-${listenerName(LISTENERS - 1)}"]`);
      // Every listener serves 10 streams: each has its own band in the events chart, in its own colour.
      const keys = ['(total)', ...Array.from({ length: LISTENERS }, (_, i) => listenerName(i))];
      const colours = await swatches(page, keys);
      assert.equal(new Set(colours).size, keys.length, `distinct colours: ${colours.join(' ')}`);
      await until(async () => (await drawnSeries(page, 'chart-events')).length === keys.length, 'every series drawn');
      await until(
        async () => (await inkByColour(page, 'chart-events', colours)).every((n) => n > 20),
        'ink of every colour in the events chart',
        15_000,
      );
      await page.waitForTimeout(1000);
      await shoot(page, 'dashboard-load.png');

      // Hiding svc03 in the legend takes its band out of every chart; showing it brings it back.
      const svc03 = keys.indexOf('svc03');
      await page.click('[data-testid=legend-svc03]');
      assert.equal(await page.getAttribute('[data-testid=legend-svc03]', 'aria-pressed'), 'false');
      await until(
        async () =>
          !(await drawnSeries(page, 'chart-events')).includes('svc03') &&
          !(await drawnSeries(page, 'chart-active')).includes('svc03'),
        'svc03 gone',
      );
      const hidden = await inkByColour(page, 'chart-events', colours);
      assert.equal(hidden[svc03], 0, 'no svc03 ink');
      assert.ok(
        hidden.filter((_, i) => i !== svc03).every((n) => n > 20),
        `the others are still drawn: ${hidden.join(' ')}`,
      );
      await page.click('[data-testid=legend-svc03]');
      await until(async () => (await inkByColour(page, 'chart-events', colours))[svc03]! > 20, 'svc03 back');

      // Hovering the requests chart shows the time (to the millisecond) and each series' value there.
      const box = (await page.locator('[data-testid=chart-requests] canvas.series').boundingBox())!;
      // Near the right edge: the last seconds, when the load runs (the window starts empty).
      await page.mouse.move(box.x + box.width * 0.96, box.y + box.height / 2);
      const tip = page.locator('[data-testid=chart-requests] [data-testid=chart-tooltip]');
      await tip.waitFor();
      const text = (await tip.textContent()) ?? '';
      assert.match(text, /\d\d:\d\d:\d\d\.\d{3}/);
      assert.ok(Number(/Total\s*([\d,]+)/.exec(text)?.[1]?.replace(/,/g, '')) > 0, `requests in the tooltip: ${text}`);
      assert.match(text, /svc01\s*[\d,]+/);
      assert.match(text, /svc10\s*[\d,]+/);
      await shoot(page, 'dashboard-load-tooltip.png');
      await page.mouse.move(5, 5);
      await tip.waitFor({ state: 'detached' });

      // The time range switch changes the axis (units on it), and the data stays drawn.
      assert.deepEqual(await xTicks(page, 'chart-requests'), [
        '−60 s',
        '−50 s',
        '−40 s',
        '−30 s',
        '−20 s',
        '−10 s',
        'now',
      ]);
      await page.click('[data-testid=range-5m]');
      await until(async () => (await xTicks(page, 'chart-requests'))[0] === '−5 min', 'the 5-minute axis');
      await page.click('[data-testid=range-15m]');
      await until(
        async () => (await xTicks(page, 'chart-events')).join(' ') === '−15 min −12 min −9 min −6 min −3 min now',
        'the 15-minute axis',
      );
      assert.equal(
        (await drawnSeries(page, 'chart-events')).length,
        keys.length,
        'every series still drawn (a few pixels wide: the load is seconds old)',
      );
      await page.click('[data-testid=range-1m]');
      await until(async () => (await chartInk(page, 'chart-events', 0.3)) > 100, 'the 1-minute window drawn again');

      // Pause freezes the picture while ticks keep coming; resume follows them again.
      const picture = () =>
        page
          .locator('[data-testid=chart-events] canvas.series')
          .evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());
      await page.click('[data-testid=chart-pause]');
      assert.match(
        (await page.textContent('[data-testid=chart-pause]')) ?? '',
        /Resume \(paused at \d\d:\d\d:\d\d\.\d{3}\)/,
      );
      const frozen = await picture();
      await page.waitForTimeout(1200);
      assert.equal(await picture(), frozen, 'paused: the chart does not move');
      await page.click('[data-testid=chart-pause]');
      await until(async () => (await picture()) !== frozen, 'live again');

      // Dark mode keeps the colours apart and readable.
      await page.evaluate(() =>
        (
          globalThis as unknown as { document: { activeElement: { blur?(): void } | null } }
        ).document.activeElement?.blur?.(),
      );
      await page.mouse.move(5, 5);
      await page.emulateMedia({ colorScheme: 'dark' });
      const dark = await swatches(page, keys);
      assert.equal(new Set(dark).size, keys.length);
      await until(
        async () => (await inkByColour(page, 'chart-events', dark)).every((n) => n > 20),
        'every colour drawn in dark mode',
        15_000,
      );
      await shoot(page, 'dashboard-load-dark.png');
    } finally {
      await stopRequests();
      await stop();
    }
  },
);

test(
  'traffic under load: live streams stay listed through 5,000 short requests; open-only, grouping, keyboard, HAR export',
  { timeout: 120_000 },
  async () => {
    const { ui, bases, stop } = await underLoad();
    const { page } = ui;
    try {
      await page.click('[data-testid=nav-traffic]');
      const openCount = async () =>
        Number(/\((\d+)\)/.exec((await page.textContent('[data-testid=open-only]')) ?? '')?.[1]);
      await until(async () => (await openCount()) === STREAMS, '100 open streams listed');

      // 5,000 short requests: the streams are never pushed out of the table.
      const seen: number[] = [];
      let done = false;
      const flood = burst(`${bases[0]}/health`, 5000, 16).then(() => {
        done = true;
      });
      while (!done) {
        seen.push(await openCount());
        await page.waitForTimeout(150);
      }
      await flood;
      await page.waitForTimeout(600);
      seen.push(await openCount());
      assert.ok(
        seen.length >= 3 && seen.every((n) => n === STREAMS),
        `open streams listed during the flood: ${seen.join(',')}`,
      );
      assert.ok(
        Number((await page.textContent('[data-testid=traffic-count]'))?.split(' of ')[1]?.replace(/,/g, '')) >= 2000,
        'the flood is listed too',
      );

      // "Open streams only" lists exactly the streams.
      await page.click('[data-testid=open-only]');
      await until(
        async () => /^100 of /.test((await page.textContent('[data-testid=traffic-count]')) ?? ''),
        'exactly 100 rows',
      );
      const shown = await page.locator('[data-testid=traffic-row]').allTextContents();
      assert.ok(shown.length >= 10 && shown.every((t) => /GET\s*\/events\s*200\s*sse.*open/.test(t)), shown[0]);

      // Keyboard: ↓ selects the first stream and opens its detail, ↓ moves on, Esc closes it.
      await page.focus('[data-testid=traffic-table]');
      await page.keyboard.press('ArrowDown');
      await page.waitForSelector('[data-testid=traffic-detail]');
      const first = await page.getAttribute('.trow.sel', 'data-id');
      await page.keyboard.press('ArrowDown');
      await until(
        async () => (await page.getAttribute('.trow.sel', 'data-id')) !== first,
        'the selection to move down',
      );
      await page.waitForSelector('[data-testid=sse-events]');
      await shoot(page, 'traffic-load.png');
      await page.keyboard.press('Escape');
      await page.waitForSelector('[data-testid=traffic-detail]', { state: 'detached' });

      // Export HAR: JSON, one entry per listed stream, each with its SSE events.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-har]')]);
      assert.match(download.suggestedFilename(), /^sluice-.*\.har$/);
      const har = JSON.parse(readFileSync((await download.path())!, 'utf8')) as HarDocument;
      assert.equal(har.log.version, '1.2');
      assert.equal(har.log.creator.name, 'Sluice');
      assert.equal(har.log.entries.length, STREAMS);
      const entry = har.log.entries[0]!;
      assert.match(entry.request.url, /^http:\/\/127\.0\.0\.1:\d+\/events$/);
      assert.match(entry.response.content.mimeType, /^text\/event-stream/);
      assert.ok(
        entry.response.headers.some((h) => h.name === 'cache-control' && /^no-cache\b/.test(String(h.value))),
        "the stream's headers",
      );
      assert.ok(
        har.log.entries.every((e) => (e._eventSourceMessages?.length ?? 0) > 0),
        'every stream carries its events',
      );
      assert.equal(entry._eventSourceMessages![0]!.eventName, 'tick');
      assert.match(entry._eventSourceMessages![0]!.data, /^\{"n": \d+, "at": "/);

      // Grouping collapses the flood into one line with its count and rate; the streams keep their own.
      const stopRequests = keepRequesting(`${bases[0]}/health`);
      await page.click('[data-testid=open-only]');
      await page.check('[data-testid=group-repeats]');
      const group = page.locator('[data-testid=traffic-group]').first();
      await group.waitFor();
      assert.match((await group.textContent()) ?? '', /GET\s*\/health\s*200.*×[\d,]+ · [\d,.]+\/s/);
      assert.match(
        (await page.textContent('[data-testid=traffic-count]')) ?? '',
        /^10[0-9] of /,
        'the streams plus a group or two',
      );
      await until(
        async () => /· [1-9][\d,.]*\/s/.test((await group.textContent()) ?? ''),
        'the rate of the running requests',
      );
      await shoot(page, 'traffic-load-grouped.png');
      await stopRequests();
    } finally {
      await stop();
    }
  },
);
