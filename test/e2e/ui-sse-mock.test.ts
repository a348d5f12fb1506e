/**
 * Job 1 — mock an SSE backend: create an SSE script route in the Config view,
 * apply it, open its URL from a second page with EventSource and see the
 * events arrive; see the exchange and its decoded events in Traffic; publish
 * on a channel from the Channels view; the dashboard charts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartInk, openUi, shoot, until } from './ui-harness.js';

const CONFIG = `version: 1
http:
  servers:
    - name: mock
      listen: 127.0.0.1:0
      routes:
        - path: /health
          respond: { status: 200, body: ok }
        - path: /notifications
          sse: { channel: notifications, replay: 50 }
`;

test(
  'create an SSE script route, apply, receive its events in a browser, inspect them in Traffic',
  { timeout: 90_000 },
  async () => {
    const ui = await openUi(CONFIG);
    const { page } = ui;
    try {
      // Config view: add a route (an SSE script by default), set its path and first event.
      await page.click('[data-testid=nav-config]');
      await page.click('[data-testid=add-route-0]');
      await page.waitForSelector('[data-testid=route-form]');
      assert.equal(await page.inputValue('[data-testid=route-kind]'), 'sse');
      await page.fill('[data-testid=route-path]', '/ticker');
      await page.fill('[data-testid=step-0-event]', 'tick');
      await page.fill('[data-testid=step-0-data]', '{"n": {{seq}}}');
      await page.fill('[data-testid=step-0-every]', '150ms');
      await page.fill('[data-testid=step-0-repeat]', '40');
      await page.click('[data-testid=add-step]');
      await page.fill('[data-testid=step-2-event]', 'bye');
      await page.fill('[data-testid=step-2-data]', 'the end');
      // Inline validation uses the CLI's messages: a bad duration shows on its field, Apply is disabled.
      await page.fill('[data-testid=step-0-every]', 'soon');
      await page.waitForSelector('[data-testid=config-errors]');
      assert.match(
        (await page.textContent('[data-testid=config-errors]')) ?? '',
        /sluice\.yaml:\d+:\d+: http\.servers\[0\]\.routes\[2\]\.sse\.script\[0\]\.every: .*duration/,
      );
      assert.equal(await page.isDisabled('[data-testid=apply]'), true);
      await page.fill('[data-testid=step-0-every]', '150ms');
      await until(async () => (await page.textContent('[data-testid=config-status]')) === 'valid', 'a valid config');
      // The YAML tab shows the same document, comments and all.
      await page.click('[data-testid=tab-yaml]');
      const yaml = await page.inputValue('[data-testid=yaml]');
      assert.match(yaml, /path: \/ticker/);
      assert.match(yaml, /every: 150ms/);
      await page.click('[data-testid=tab-visual]');
      await page.click('[data-testid=tree-route-0-2]');
      await shoot(page, 'config.png');

      // Apply shows the plan first, then applies.
      await page.click('[data-testid=apply]');
      await page.waitForSelector('[data-testid=apply-plan]');
      assert.match(
        (await page.textContent('[data-testid=apply-plan]')) ?? '',
        /change\s*http mock 127\.0\.0\.1:0: routes\[2\]/,
      );
      await page.click('[data-testid=confirm-apply]');
      await until(
        async () => /applied/.test((await page.textContent('[data-testid=notice]').catch(() => '')) ?? ''),
        'the applied notice',
      );

      // A second page subscribes with EventSource and sees the scripted events.
      const base = ui.listenerUrl('mock');
      const client = await ui.context.newPage();
      await client.goto(`${base}/health`);
      const events = await client.evaluate(
        () =>
          new Promise<{ type: string; data: string }[]>((resolve, reject) => {
            const got: { type: string; data: string }[] = [];
            const es = new EventSource('/ticker');
            const done = () => {
              es.close();
              resolve(got);
            };
            es.addEventListener('tick', (e) => {
              got.push({ type: 'tick', data: (e as MessageEvent).data });
              if (got.length === 8) done();
            });
            es.onerror = () => {
              if (got.length === 0) reject(new Error('EventSource failed'));
            };
            setTimeout(done, 15_000);
          }),
      );
      assert.equal(events.length, 8);
      assert.deepEqual(
        events.slice(0, 3).map((e) => JSON.parse(e.data)),
        [{ n: 1 }, { n: 2 }, { n: 3 }],
      );

      // Keep one stream open for the traffic detail and the dashboard.
      await client.evaluate(() => {
        (globalThis as unknown as { es: EventSource }).es = new EventSource('/ticker');
      });
      const sub = await ui.context.newPage();
      await sub.goto(`${base}/health`);
      await sub.evaluate(() => {
        const w = globalThis as unknown as { got: string[] };
        w.got = [];
        new EventSource('/notifications').onmessage = (e) => w.got.push(e.data);
      });

      // Traffic: the /ticker rows are there, typed sse; the detail pane lists decoded events live.
      await page.click('[data-testid=nav-traffic]');
      await page.fill('[data-testid=traffic-filter]', 'ticker');
      const row = page.locator('[data-testid=traffic-row]').first();
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /GET\s*\/ticker\s*200\s*sse/);
      await row.click();
      await page.waitForSelector('[data-testid=sse-events]');
      await until(
        async () => (await page.locator('[data-testid=sse-events] tbody tr').count()) >= 5,
        '5 decoded events in the detail pane',
        15_000,
      );
      const first = await page.locator('[data-testid=sse-events] tbody tr').first().textContent();
      assert.match(first ?? '', /tick.*\{"n": 1\}/);
      await page.fill('[data-testid=traffic-filter]', '');
      await until(
        async () => (await page.locator('[data-testid=traffic-row]').count()) >= 4,
        'every exchange listed without the filter',
      );
      await shoot(page, 'traffic-sse.png');

      // Channels: one client on notifications; publish from the form, the client receives it.
      await page.click('[data-testid=nav-channels]');
      await until(
        async () => (await page.textContent('[data-testid=channel-clients]').catch(() => '')) === '1 client',
        'one client on the channel',
      );
      for (const msg of ['build started', 'tests passed', 'deployed']) {
        await page.fill('[data-testid=publish-event]', 'status');
        await page.fill('[data-testid=publish-data]', msg);
        await page.click('[data-testid=publish]');
        await until(
          async () => (await page.textContent('[data-testid=channel-card]'))?.includes(msg),
          `"${msg}" in recent events`,
        );
      }
      await shoot(page, 'channels.png');
      // The subscriber listens to unnamed messages; `status` events arrive as named events, so publish one plain message too.
      await page.fill('[data-testid=publish-event]', '');
      await page.fill('[data-testid=publish-data]', 'hello subscribers');
      await page.click('[data-testid=publish]');
      await until(
        () => sub.evaluate(() => (globalThis as unknown as { got: string[] }).got.includes('hello subscribers')),
        'the subscriber to receive the published message',
      );

      // Dashboard: tiles count events; the SSE events/s and connections charts have lines.
      await page.click('[data-testid=nav-dashboard]');
      await until(
        async () => Number((await page.textContent('[data-testid=tile-events] .tile-value'))?.replace(/,/g, '')) >= 8,
        'SSE events counted',
      );
      await until(async () => (await chartInk(page, 'chart-events', 0.3)) > 100, 'a line in the SSE events chart');
      await until(async () => (await chartInk(page, 'chart-active', 0.3)) > 100, 'a line in the connections chart');
      assert.ok(Number(await page.textContent('[data-testid=tile-active] .tile-value')) >= 1, 'open connections shown');
      await page.waitForTimeout(1500);
      await shoot(page, 'dashboard.png');
      // The theme follows the system: the same view in dark.
      await page.emulateMedia({ colorScheme: 'dark' });
      assert.equal(
        await page
          .locator('body')
          .evaluate(
            (b) =>
              (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(
                b,
              ).backgroundColor,
          ),
        'rgb(20, 22, 26)',
      );
      await shoot(page, 'dashboard-dark.png');
    } finally {
      await ui.close();
    }
  },
);
