/**
 * Job 3 — inspect traffic: Sluice proxies to a real upstream (a Node SSE
 * server); events published upstream reach a browser through the proxy and
 * are decoded, live, in the Traffic detail pane; "record as mock" turns the
 * stream into a script route; the Upstreams view shows health, weights,
 * backups and the share of traffic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { openUi, shoot, until } from './ui-harness.js';
import { freePort } from '../helpers/free-port.js';

/** A real upstream: `/stream` is an SSE stream fed by `publish`, everything else answers with its own name. */
async function upstream(name: string) {
  const streams = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/api/stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': hello\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`${name} ${req.url}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    clients: () => streams.size,
    publish: (event: string, id: string, data: string) => {
      for (const s of streams) s.write(`event: ${event}\nid: ${id}\ndata: ${data}\n\n`);
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of streams) s.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test(
  'proxy a real SSE upstream: events decoded live in the detail pane, record as mock, upstream health and share',
  { timeout: 90_000 },
  async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const dead = await freePort(); // a down server: nothing listens there
    const ui = await openUi(`version: 1
http:
  upstreams:
    - name: backend
      balance: round_robin
      servers:
        - { address: 127.0.0.1:${a.port}, weight: 3 }
        - { address: 127.0.0.1:${b.port}, weight: 1 }
        - { address: 127.0.0.1:${dead}, backup: true }
      health_check: { interval: 500ms, timeout: 3s, path: /health, fails: 2, passes: 1 }
  servers:
    - name: edge
      listen: 127.0.0.1:0
      routes:
        - path: /api
          proxy: { upstream: backend, read_timeout: 1h }
`);
    const { page } = ui;
    try {
      const edge = ui.listenerUrl('edge');
      // Plain requests spread 3:1 over the two primaries.
      const answers: string[] = [];
      for (let i = 0; i < 8; i++) answers.push(await (await fetch(`${edge}/api/hello?i=${i}`)).text());
      assert.equal(answers.filter((t) => t.startsWith('a ')).length, 6);
      assert.equal(answers.filter((t) => t.startsWith('b ')).length, 2);

      // A browser subscribes through the proxy; the stream lands on one of the upstreams.
      const client = await ui.context.newPage();
      await client.goto(`${edge}/api/hello`);
      await client.evaluate(() => {
        const w = globalThis as unknown as { got: string[] };
        w.got = [];
        new EventSource('/api/stream').addEventListener('price', (e) => w.got.push((e as MessageEvent).data));
      });
      await until(() => a.clients() + b.clients() === 1, 'the stream to reach an upstream');
      await page.click('[data-testid=nav-traffic]');
      await page.fill('[data-testid=traffic-filter]', 'stream');
      const row = page.locator('[data-testid=traffic-row]').first();
      await row.waitFor();
      // (The status of an open proxied exchange is recorded only when it ends: "…" until then.)
      assert.match((await row.textContent()) ?? '', /GET\s*\/api\/stream\s*(200|…)\s*proxy/);
      await row.click();
      await page.waitForSelector('[data-testid=traffic-detail]');

      // Events published upstream arrive at the browser and show up decoded, live.
      for (let n = 1; n <= 6; n++) {
        a.publish('price', String(n), JSON.stringify({ sym: 'ACME', px: 100 + n }));
        b.publish('price', String(n), JSON.stringify({ sym: 'ACME', px: 100 + n }));
        await new Promise((r) => setTimeout(r, 150));
      }
      await until(
        () => client.evaluate(() => (globalThis as unknown as { got: string[] }).got.length === 6),
        'six events at the browser',
      );
      await until(
        async () => (await page.locator('[data-testid=sse-events] tbody tr').count()) === 6,
        'six decoded events in the detail pane',
      );
      const rows = await page.locator('[data-testid=sse-events] tbody tr').allTextContents();
      assert.match(rows[0]!, /price\s*1\s*\{"sym":"ACME","px":101\}/);
      assert.match(rows[5]!, /price\s*6\s*\{"sym":"ACME","px":106\}/);
      assert.match((await page.textContent('[data-testid=traffic-detail]')) ?? '', /upstream 127\.0\.0\.1:\d+/);

      // Record as mock: the stream becomes an SSE script route.
      await page.click('[data-testid=record-mock]');
      const mock = await (await page.waitForSelector('[data-testid=mock-yaml]')).textContent();
      assert.match(mock ?? '', /sse:/);
      assert.match(mock ?? '', /price/);
      assert.match(mock ?? '', /px/);
      await page.fill('[data-testid=traffic-filter]', '');
      await until(
        async () => (await page.locator('[data-testid=traffic-row]').count()) >= 10,
        'every exchange listed without the filter',
      );
      await page.locator('[data-testid=traffic-detail] h4', { hasText: 'SSE events' }).scrollIntoViewIfNeeded();
      await shoot(page, 'traffic.png');

      // The recording becomes a route of the edited config, valid as it stands.
      await page.click('[data-testid=add-mock]');
      await page.waitForSelector('[data-testid=tree-route-0-1]');
      assert.match((await page.textContent('[data-testid=tree-route-0-1]')) ?? '', /sse/);
      await until(
        async () => (await page.textContent('[data-testid=config-status]')) === 'valid',
        'the config with the recorded route to be valid',
      );

      // Upstreams: the group with three servers, the backup marked, the dead one down, traffic shares.
      await page.click('[data-testid=nav-upstreams]');
      await page.waitForSelector('[data-testid=upstream-group]');
      const servers = page.locator('[data-testid=upstream-server]');
      assert.equal(await servers.count(), 3);
      await until(
        async () => /down/.test((await servers.nth(2).textContent()) ?? ''),
        'the dead backup to be down',
        10_000,
      );
      const first = (await servers.nth(0).textContent()) ?? '';
      assert.match(first, new RegExp(`127\\.0\\.0\\.1:${a.port}\\s*up\\s*3`));
      assert.match((await servers.nth(2).textContent()) ?? '', /backup/);
      const shares = await servers.evaluateAll((els) => els.map((e) => e.lastElementChild?.textContent ?? ''));
      assert.ok(/^[6-8]\d%$/.test(shares[0]!), `server a carries most of the traffic: ${shares.join(' ')}`);
      await page.waitForTimeout(500);
      await shoot(page, 'upstreams.png');
    } finally {
      await ui.close();
      await a.close();
      await b.close();
    }
  },
);
