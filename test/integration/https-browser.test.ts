/**
 * Why HTTP/2 matters to an SSE mock: Chromium (through playwright-core),
 * trusting Sluice's local CA by its SPKI hash, opens 10 EventSources from
 * one page to one HTTPS origin. Over HTTP/2 all 10 share one connection and
 * all receive events; over HTTP/1.1 (the same listener with `http2: off`)
 * the browser's six connections per host leave the 7th and later waiting.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { testCa, type TestCa } from '../helpers/local-ca.js';
import { sleep, waitFor } from '../helpers/wait.js';

const routes = `
      routes:
        - path: /page
          respond: { body: "<!doctype html><title>many streams</title>", content_type: text/html }
        - path: /events
          sse: { script: [ { data: 'n{{seq}}', every: 200ms, repeat: forever } ] }`;

let ca: TestCa;
let t: TestEngine;
let browser: Browser;

before(async () => {
  ca = await testCa();
  t = await startEngine(
    `version: 1
http:
  servers:
    - name: h2
      listen: 0
      tls: {}${routes}
    - name: h1
      listen: 0
      tls: {}
      http2: off${routes}
`,
    { ca: ca.source },
  );
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${ca.ca.spki()}`]);
});

after(async () => {
  await browser?.close();
  await t?.stop();
});

/**
 * Opens `n` EventSources from one page of `origin`; waits (up to 15 s) until
 * `expect` of them got at least two events, then `settleMs` more, and says
 * how many did.
 */
async function streamsWithEvents(
  origin: string,
  n: number,
  expect: number,
  settleMs: number,
): Promise<{ live: number; counts: number[] }> {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/page`);
    await page.evaluate((n) => {
      const w = globalThis as unknown as { counts: number[] };
      w.counts = Array.from({ length: n }, () => 0);
      for (let i = 0; i < n; i++) new EventSource(`/events?i=${i}`).onmessage = () => w.counts[i]!++;
    }, n);
    const read = () => page.evaluate(() => (globalThis as unknown as { counts: number[] }).counts);
    const live = (counts: number[]) => counts.filter((c) => c >= 2).length;
    const deadline = Date.now() + 15_000;
    let counts = await read();
    while (Date.now() < deadline && live(counts) < expect) {
      await sleep(100);
      counts = await read();
    }
    await sleep(settleMs);
    counts = await read();
    return { live: live(counts), counts };
  } finally {
    await page.close();
  }
}

test('HTTP/2: one page, 10 EventSources to one HTTPS origin, all 10 receive events', async () => {
  const r = await streamsWithEvents(t.url('h2'), 10, 10, 0);
  assert.equal(r.live, 10, `events per stream: ${r.counts.join(' ')}`);
  const rows = await t.host.getTraffic({ limit: 100 });
  const streams = rows.filter((x) => x.listener === 'h2' && x.url.startsWith('/events'));
  assert.equal(streams.length, 10);
  assert.ok(
    streams.every((x) => x.protocol === 'h2' && x.tlsVersion === 'TLSv1.3'),
    JSON.stringify(streams[0]),
  );
  // Every stream came on one connection.
  await waitFor(() => t.engine.services.counters.get('listener', 'h2').active <= 1, 'the page to go');
});

test('the same page over HTTP/1.1 (http2: off): six streams flow, the rest wait for a connection', async () => {
  // Once six flow, the others would have had ten events' time to start: they get none.
  const r = await streamsWithEvents(t.url('h1'), 10, 6, 2000);
  assert.equal(r.live, 6, `events per stream: ${r.counts.join(' ')}`);
  assert.equal(r.counts.filter((c) => c === 0).length, 4, `events per stream: ${r.counts.join(' ')}`);
});
