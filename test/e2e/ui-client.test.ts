/**
 * The Client view in Chromium: subscribe to a Sluice channel, see each event
 * arrive live, see the reconnect (the route cuts the connection after three
 * events) marked in the table and on the timeline with its Last-Event-ID,
 * save the session as a mock route and add it to the config; the Traffic
 * detail of the second connection reports the resume. A flood of
 * lines keeps the page responsive and the table bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { openUi, shoot, until } from './ui-harness.js';

/** `retry: 300\n\n` then three `id: K\ndata: {"tick":K}\n\n` events (24 bytes each). */
const CUT_AFTER = 12 + 3 * 24;

const CONFIG = `version: 1
http:
  servers:
    - name: mock
      listen: 127.0.0.1:0
      routes:
        - path: /events
          sse: { channel: news, retry: 300ms, heartbeat: 1h, replay: 100 }
          faults: { reset_after: ${CUT_AFTER} }
        - path: /flood
          stream: { format: ndjson, line: '{"n": {{seq}}}', every: 1ms, count: 0 }
`;

test(
  'Client view: subscribe, events arrive live, a reconnect is marked, save as mock',
  { timeout: 120_000 },
  async () => {
    const ui = await openUi(CONFIG);
    const { page } = ui;
    try {
      const hub = ui.session.modules.sse;
      const channel = hub.channel('news')!;
      const rows = page.locator('[data-testid=client-event-row]');
      await page.click('[data-testid=nav-client]');
      await page.fill('[data-testid=client-url]', `${ui.listenerUrl('mock')}/events`);
      await page.click('[data-testid=client-start]');
      await until(() => channel.clientCount === 1, 'the engine-side session to subscribe');
      await until(
        async () => /open/.test((await page.textContent('[data-testid=client-state]')) ?? ''),
        'the state tile to say open',
      );

      // Live: each event shows before the next is published.
      for (let n = 1; n <= 3; n++) {
        hub.publish('news', { data: `{"tick":${n}}` });
        await until(async () => (await rows.count()) === n, `event ${n} in the table`);
      }
      assert.match((await rows.nth(0).textContent()) ?? '', /^1.*message1\{"tick":1\}/);

      // The route cut the connection after event 3: the session waits retry (300 ms) and comes back with Last-Event-ID 3.
      const reconnect = page.locator('[data-testid=client-reconnect-row]');
      await reconnect.waitFor({ timeout: 10_000 });
      assert.match((await reconnect.textContent()) ?? '', /Last-Event-ID: 3 · connection 2/);
      await until(() => channel.clientCount === 1, 'the second connection to subscribe');
      // Two more (a third would reach the cut again on this connection).
      for (let n = 4; n <= 5; n++) {
        hub.publish('news', { data: `{"tick":${n}}` });
        await until(async () => (await rows.count()) === n, `event ${n} in the table`);
      }
      assert.equal(
        await page.locator('[data-testid=timeline-reconnect]').count(),
        1,
        'the timeline marks the reconnect',
      );
      assert.equal(
        (await page.textContent('[data-testid=client-ids]'))?.includes('none'),
        true,
        'no id gaps or duplicates across the reconnect',
      );
      assert.match((await page.textContent('[data-testid=client-reconnects]')) ?? '', /^Reconnects1/);
      // The order on screen: events 1–3, the reconnect, events 4–6.
      const order = await page
        .locator('.cbody .crow')
        .evaluateAll((els) =>
          els.map((e) =>
            e.classList.contains('reconnect') ? 'R' : (e.querySelector('span:nth-child(5)')?.textContent ?? ''),
          ),
        );
      assert.deepEqual(order, ['1', '2', '3', 'R', '4', '5']);
      await page.fill('[data-testid=client-headers]', 'Authorization: Bearer demo-token');
      await shoot(page, 'client.png');

      // Save as mock: an SSE script route with the events and their timing.
      await page.click('[data-testid=client-save-mock]');
      const yaml = (await page.locator('[data-testid=client-mock-yaml]').textContent()) ?? '';
      const route = parse(yaml) as {
        path: string;
        sse: { retry: string; script: { data: string; id: string; delay?: string }[] };
      };
      assert.equal(route.path, '/mock');
      assert.equal(route.sse.retry, '300ms');
      assert.deepEqual(
        route.sse.script.map((s) => s.id),
        ['1', '2', '3', '4', '5'],
      );
      assert.ok(
        route.sse.script.slice(1).every((s) => s.delay !== undefined),
        'each event keeps its gap',
      );
      await page.click('[data-testid=client-add-mock]');
      await until(
        async () => /mock route added/.test((await page.textContent('[data-testid=notice]').catch(() => '')) ?? ''),
        'the added notice',
      );
      await page.click('[data-testid=tab-yaml]');
      assert.match(await page.inputValue('[data-testid=yaml]'), /path: \/mock[\s\S]*tick.*5/);
      await page.click('[data-testid=tab-visual]');

      // Stop ends the session.
      await page.click('[data-testid=nav-client]');
      await page.click('[data-testid=client-stop]');
      await until(
        async () => /stopped/.test((await page.textContent('[data-testid=client-state]')) ?? ''),
        'the stopped state',
      );
      await until(() => channel.clientCount === 0, 'the engine-side session to leave');

      // Traffic: the second connection's detail says what the channel replayed for it.
      await page.click('[data-testid=nav-traffic]');
      await page.fill('[data-testid=traffic-filter]', '/events');
      const row = page.locator('[data-testid=traffic-row]').first();
      await row.waitFor();
      await row.click();
      const notes = page.locator('[data-testid=stream-notes]');
      await notes.waitFor();
      assert.match(
        (await notes.textContent()) ?? '',
        /resumed from id 3: replayed 0, missed 0 \(outside the replay buffer\)/,
      );
    } finally {
      await ui.close();
    }
  },
);

/** How long switching to the Dashboard and back to the Client view takes, as a user clicks it. */
async function viewSwitchMs(page: import('playwright-core').Page): Promise<number> {
  const t0 = Date.now();
  await page.click('[data-testid=nav-dashboard]');
  await page.waitForSelector('[data-testid=nav-dashboard].on');
  await page.click('[data-testid=nav-client]');
  await page.waitForSelector('[data-testid=client-form], [data-testid=client-table]');
  return Date.now() - t0;
}

test(
  'Client view under a flood of lines: the page stays about as quick as when idle, and the table stays bounded',
  { timeout: 120_000 },
  async () => {
    const ui = await openUi(CONFIG);
    const { page } = ui;
    try {
      await page.click('[data-testid=nav-client]');
      // The machine may be busy with other work: compare with the same clicks while nothing streams.
      const idle = Math.max(await viewSwitchMs(page), await viewSwitchMs(page));
      await page.fill('[data-testid=client-url]', `${ui.listenerUrl('mock')}/flood`);
      await page.click('[data-testid=client-start]');
      const count = async () => Number((await page.textContent('[data-testid=client-events] .tile-value')) ?? 0);
      await until(async () => (await count()) > 2000, 'thousands of lines', 30_000);
      const busy = Math.min(await viewSwitchMs(page), await viewSwitchMs(page));
      assert.ok(busy <= Math.max(4 * idle, idle + 2500), `view switch ${busy} ms while flooded, ${idle} ms idle`);
      const before = await count();
      await until(async () => (await count()) > before, 'the figures to keep updating');
      const rendered = await page.locator('[data-testid=client-event-row]').count();
      assert.ok(rendered < 200, `the table renders only what is visible (${rendered} rows)`);
      await page.click('[data-testid=client-stop]');
      await until(
        async () => /stopped/.test((await page.textContent('[data-testid=client-state]')) ?? ''),
        'the stopped state',
      );
      assert.equal(await page.textContent('[data-testid=client-state] .tile-sub'), 'stopped');
    } finally {
      await ui.close();
    }
  },
);
