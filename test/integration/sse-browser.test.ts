/**
 * Chromium's own EventSource (through playwright-core) against channel and
 * script routes: named events, a reconnect with Last-Event-ID after the
 * stream ends, and `retry` respected.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import type { SseHub } from '../../core/sse/hub.js';
import { sleep } from '../helpers/wait.js';

const YAML = `version: 1
http:
  servers:
    - name: mock
      listen: 0
      routes:
        - path: /
          respond: { body: "<!doctype html><title>sse</title><p>sluice", content_type: text/html }
        - path: /events
          sse: { channel: news, retry: 250ms, replay: 10 }
        - path: /script
          sse:
            retry: 700ms
            script:
              - { event: greet, id: "{{seq}}", data: "last={{header.last-event-id}}" }
              - { event: greet, id: "{{seq}}", data: "second" }
              - { fault: close }
    - name: other
      listen: 0
      routes:
        - path: /
          respond: { body: "<!doctype html><title>other origin</title>", content_type: text/html }
`;

let t: TestEngine;
let hub: SseHub;
let browser: Browser;
let page: Page;

before(async () => {
  t = await startEngine(YAML);
  hub = t.modules.sse;
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${t.url('mock')}/`);
});
after(async () => {
  await browser?.close();
  await t?.stop();
});

/** Opens an EventSource in the page that records named events, opens and errors with page timestamps. */
async function listen(path: string, names: string[]): Promise<void> {
  await page.evaluate(
    ({ path, names }) => {
      const w = globalThis as unknown as { log: unknown[]; es?: EventSource };
      w.log = [];
      w.es?.close();
      const es = new EventSource(path);
      w.es = es;
      es.onopen = () => w.log.push({ kind: 'open', at: performance.now() });
      es.onerror = () => w.log.push({ kind: 'error', at: performance.now() });
      for (const n of names)
        es.addEventListener(n, (e) =>
          w.log.push({
            kind: n,
            data: (e as MessageEvent).data,
            id: (e as MessageEvent).lastEventId,
            at: performance.now(),
          }),
        );
    },
    { path, names },
  );
}

type Entry = { kind: string; data?: string; id?: string; at: number };
const log = () => page.evaluate(() => (globalThis as unknown as { log: Entry[] }).log);

async function waitLog(cond: (l: Entry[]) => boolean, ms = 8000): Promise<Entry[]> {
  const end = Date.now() + ms;
  for (;;) {
    const l = await log();
    if (cond(l)) return l;
    if (Date.now() > end) throw new Error(`timed out; log: ${JSON.stringify(l)}`);
    await sleep(50);
  }
}

test('Chromium EventSource: channel events by name, then a reconnect with Last-Event-ID gets what it missed', async () => {
  await listen('/events', ['news', 'message']);
  await waitLog((l) => l.some((e) => e.kind === 'open'));
  await waitLog(() => hub.channel('news')!.clientCount === 1);
  const a = hub.publish('news', { event: 'news', data: 'hello\nbrowser' });
  const b = hub.publish('news', { data: 'unnamed' });
  let l = await waitLog((x) => x.filter((e) => e.kind === 'news' || e.kind === 'message').length === 2);
  assert.deepEqual(
    l.filter((e) => e.id).map((e) => [e.kind, e.id, e.data]),
    [
      ['news', a, 'hello\nbrowser'],
      ['message', b, 'unnamed'],
    ],
  );

  hub.channel('news')!.close(); // streams end; the browser reconnects after retry: 250ms with Last-Event-ID
  const c = hub.publish('news', { event: 'news', data: 'missed' });
  l = await waitLog((x) => x.some((e) => e.data === 'missed'));
  assert.equal(l.filter((e) => e.kind === 'open').length, 2);
  assert.deepEqual(
    l.filter((e) => e.id).map((e) => e.id),
    [a, b, c],
  );
});

test('Chromium EventSource: a script close step makes it reconnect after retry, sending Last-Event-ID', async () => {
  await listen('/script', ['greet']);
  const l = await waitLog((x) => x.filter((e) => e.kind === 'greet').length >= 3);
  const greets = l.filter((e) => e.kind === 'greet');
  assert.deepEqual(
    greets.slice(0, 3).map((e) => e.data),
    ['last=', 'second', 'last=2'],
  );
  const gap = greets[2]!.at - greets[1]!.at;
  assert.ok(gap >= 600 && gap < 4000, `reconnected after ${gap.toFixed(0)} ms (retry 700ms)`);
  await page.evaluate(() => (globalThis as unknown as { es: EventSource }).es.close());
});

test('Chromium EventSource from another origin works through the default CORS header', async () => {
  const other = await browser.newPage();
  try {
    await other.goto(`${t.url('other')}/`);
    const url = `${t.url('mock')}/events`;
    const got = other.evaluate(
      (u) =>
        new Promise<string>((resolve, reject) => {
          const es = new EventSource(u);
          es.addEventListener('cross', (e) => {
            es.close();
            resolve((e as MessageEvent).data);
          });
          es.onerror = () => {
            if (es.readyState === EventSource.CLOSED) reject(new Error('blocked'));
          };
        }),
      url,
    );
    const end = Date.now() + 5000;
    while (hub.channel('news')!.clientCount < 1 && Date.now() < end) await sleep(20);
    hub.publish('news', { event: 'cross', data: 'from afar' });
    assert.equal(await got, 'from afar');
  } finally {
    await other.close();
  }
});
