/**
 * Channel routes with real clients: the `eventsource` npm package, curl -N,
 * raw Node http and a raw socket that never reads.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { EventSource } from 'eventsource';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { parseConfig, startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import type { SseHub } from '../../core/sse/hub.js';
import { sleep } from '../helpers/wait.js';

const YAML = `version: 1
http:
  servers:
    - name: mock
      listen: 0
      routes:
        - path: /events
          sse: { channel: news, retry: 300ms, heartbeat: 200ms, replay: 5 }
        - path: /small
          sse: { channel: small, max_clients: 2 }
        - path: /slow
          sse: { channel: flood, queue: 64k, replay: 2 }
        - path: /limited
          sse: { channel: limited, queue: 16k }
          limit: { rate: 4k, burst: 1k }
`;

let t: TestEngine;
let hub: SseHub;
before(async () => {
  t = await startEngine(YAML);
  hub = t.modules.sse;
});
after(() => t.stop());

/** Waits until `cond()` holds (polling), failing after `ms`. */
async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A raw SSE reader over Node http: status, headers, parsed events and comments. */
function openSse(path: string, headers: Record<string, string> = {}) {
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e), onComment: (c) => comments.push(c) });
  let body = '';
  let res: http.IncomingMessage | undefined;
  const req = http.get(`${t.url('mock')}${path}`, { headers }, (r) => {
    res = r;
    r.setEncoding('utf8');
    r.on('data', (s: string) => {
      body += s;
      parser.feed(s);
    });
  });
  req.on('error', () => {});
  return {
    events,
    comments,
    get body() {
      return body;
    },
    get res() {
      return res;
    },
    close: () => req.destroy(),
  };
}

test('eventsource client gets named events, then reconnects with Last-Event-ID and gets exactly what it missed', async () => {
  const es = new EventSource(`${t.url('mock')}/events`);
  const got: { type: string; data: string; id: string }[] = [];
  let opens = 0;
  es.addEventListener('open', () => opens++);
  es.addEventListener('news', (e) => got.push({ type: 'news', data: e.data, id: e.lastEventId }));
  es.addEventListener('message', (e) => got.push({ type: 'message', data: e.data, id: e.lastEventId }));
  try {
    await until(() => hub.channel('news')!.clientCount === 1, 5000, 'subscriber');
    hub.publish('news', { event: 'news', data: 'first\nsecond line' });
    hub.publish('news', { data: 'plain' });
    await until(() => got.length === 2, 5000, 'two events');
    assert.deepEqual(got[0], { type: 'news', data: 'first\nsecond line', id: '1' });
    assert.deepEqual(got[1], { type: 'message', data: 'plain', id: '2' });

    // End every stream server-side: the client reconnects after retry (300ms) with Last-Event-ID: 2.
    hub.channel('news')!.close();
    const missed = [
      hub.publish('news', { event: 'news', data: 'while away 1' }),
      hub.publish('news', { event: 'news', data: 'while away 2' }),
    ];
    await until(() => got.length === 4, 5000, 'replayed events');
    assert.equal(opens, 2);
    assert.deepEqual(
      got.slice(2).map((g) => g.id),
      missed,
    );
    assert.deepEqual(
      got.slice(2).map((g) => g.data),
      ['while away 1', 'while away 2'],
    );
  } finally {
    es.close();
    await until(() => hub.channel('news')!.clientCount === 0, 5000, 'server saw the close');
  }
});

test('curl -N sees the headers, retry first, events and heartbeat comments as raw bytes', async () => {
  const curl = run('curl', ['-sN', '-i', '--max-time', '1.5', `${t.url('mock')}/events`], { timeoutMs: 10000 });
  await until(() => hub.channel('news')!.clientCount >= 1, 5000, 'curl subscriber');
  const id = hub.publish('news', { event: 'multi', data: 'a\r\nb\rc' });
  const r = await curl;
  const [head, body] = r.stdout.split('\r\n\r\n');
  assert.match(head!, /^HTTP\/1\.1 200/);
  assert.match(head!, /content-type: text\/event-stream; charset=utf-8/i);
  assert.match(head!, /cache-control: no-cache/i);
  assert.match(head!, /x-accel-buffering: no/i);
  assert.match(head!, /access-control-allow-origin: \*/i);
  assert.ok(body!.startsWith('retry: 300\n\n'), JSON.stringify(body!.slice(0, 40)));
  assert.ok(body!.includes(`id: ${id}\nevent: multi\ndata: a\ndata: b\ndata: c\n\n`), body);
  assert.ok((body!.match(/^: heartbeat\n\n/gm) ?? []).length >= 3, 'heartbeats every 200ms for 1.5s');
});

test('Last-Event-ID is decoded as UTF-8; an id that fell out of the ring gets a gap notice and the ring', async () => {
  hub.publish('news', { data: 'u1', id: 'évé-1' });
  hub.publish('news', { data: 'u2', id: 'évé-2' });
  // Node refuses non-latin1 header strings: send the UTF-8 bytes as a latin1 string, as browsers put them on the wire.
  const a = openSse('/events', { 'last-event-id': Buffer.from('évé-1').toString('latin1') });
  await until(() => a.events.length >= 1, 5000, 'replay');
  a.close();
  assert.deepEqual(
    a.events.map((e) => [e.id, e.data]),
    [['évé-2', 'u2']],
  );

  for (let i = 0; i < 10; i++) hub.publish('news', { data: `n${i}` });
  const b = openSse('/events', { 'last-event-id': '1' });
  await until(() => b.events.length >= 6, 5000, 'gap + ring');
  b.close();
  assert.equal(b.events[0]!.event, 'sluice-replay-gap');
  assert.equal(JSON.parse(b.events[0]!.data).lastEventId, '1');
  assert.deepEqual(
    b.events.slice(1).map((e) => e.data),
    ['n5', 'n6', 'n7', 'n8', 'n9'],
  );
});

test('max_clients: the next client gets 503 with a clear body', async () => {
  const a = openSse('/small');
  const b = openSse('/small');
  await until(() => hub.channel('small')!.clientCount === 2, 5000, 'two subscribers');
  const r = await run('curl', ['-s', '-i', '--max-time', '3', `${t.url('mock')}/small`]);
  assert.match(r.stdout, /^HTTP\/1\.1 503/);
  assert.match(r.stdout, /channel "small" is full: 2 clients connected \(max_clients\)/);
  a.close();
  await until(() => hub.channel('small')!.clientCount === 1, 5000, 'slot freed');
  const c = openSse('/small');
  await until(() => c.res?.statusCode === 200, 5000, 'a freed slot is usable');
  b.close();
  c.close();
});

test('a client that never reads is dropped past the queue cap; memory stays bounded and others keep up', async () => {
  const ch = hub.channel('flood')!;
  const counters = ch.counters;
  const fast = openSse('/slow');
  const slow = net.connect(Number(t.addr('mock').split(':')[1]), '127.0.0.1');
  slow.setNoDelay(true);
  // Shrink the reader's kernel buffer by never reading: pause right away.
  slow.pause();
  // The paused socket will not even notice its own close; the server's drop counter is the truth.
  const dropped = () => counters.drops > 0;
  slow.on('error', () => {});
  slow.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => ch.clientCount === 2, 5000, 'two subscribers');

  const payload = 'x'.repeat(8 * 1024);
  global.gc?.();
  const before = process.memoryUsage();
  let sent = 0;
  // Paced so a reading client keeps up (the queue cap is 64k); up to ~160 MiB for the one that never reads.
  for (let i = 0; i < 5000 && !dropped(); i++) {
    for (let k = 0; k < 4; k++) {
      hub.publish('flood', { data: payload });
      sent++;
    }
    await sleep(1);
  }
  await until(dropped, 10000, 'slow client dropped');
  const grew = process.memoryUsage().external + process.memoryUsage().heapUsed - before.external - before.heapUsed;
  assert.equal(counters.drops, 1);
  assert.equal(ch.clientCount, 1);
  assert.ok(grew < 48 * 1024 * 1024, `memory grew ${(grew / 1048576).toFixed(1)} MiB`);
  await until(() => fast.events.length === sent, 10000, 'fast client got every event');
  fast.close();
  slow.destroy();
  const rec = t.engine.services.traffic.recent(50).find((r) => r.error?.startsWith('dropped'));
  assert.ok(rec, 'the drop is visible in the traffic log');
});

test('a re-apply keeps replay rings; removing a channel ends its streams and counts are per channel', async () => {
  const before = hub.channel('news')!.lastId;
  const stats = hub.channels().find((c) => c.name === 'news')!;
  assert.ok(stats.recent.length > 0);
  const r1 = await t.engine.apply(parseConfig(YAML.replace('heartbeat: 200ms', 'heartbeat: 1s')));
  assert.equal(r1.ok, true);
  assert.equal(hub.channel('news')!.lastId, before);
  assert.match(before ?? '', /^\d+$/, 'the newest event of the ring has an automatic id');
  assert.equal(
    hub.publish('news', { data: 'after apply' }),
    String(Number(before) + 1),
    'ids go on from the kept ring',
  );

  const sub = openSse('/small');
  await until(() => hub.channel('small')!.clientCount === 1, 5000, 'subscriber');
  let ended = false;
  await until(() => sub.res !== undefined, 5000, 'response');
  sub.res!.on('end', () => {
    ended = true;
  });
  const r2 = await t.engine.apply(parseConfig(YAML.replace(/ {8}- path: \/small\n.*\n/, '')));
  assert.equal(r2.ok, true);
  assert.equal(hub.channel('small'), undefined);
  await until(() => ended, 5000, 'stream ended cleanly');
  await until(
    () => t.engine.services.counters.get('route', 'mock /small').active === 0,
    5000,
    'the exchange finished on the server too',
  );
  assert.throws(() => hub.publish('small', { data: 'x' }), /unknown channel "small"/);
  assert.ok(t.engine.services.counters.get('channel', 'news').events >= 10);
});

test('while traffic is observed, delivered events land in the exchange record', async () => {
  const stop = t.engine.services.traffic.observe();
  try {
    const s = openSse('/events');
    await until(() => hub.channel('news')!.clientCount >= 1, 5000, 'subscriber');
    hub.publish('news', { event: 'seen', data: 'watched' });
    await until(() => s.events.length >= 1, 5000, 'event');
    s.close();
    const rec = t.engine.services.traffic
      .recent(20)
      .find((r) => r.route === '/events' && r.events.some((e) => e.data === 'watched'));
    assert.ok(rec, 'record has the event');
    assert.equal(rec.events.find((e) => e.data === 'watched')!.event, 'seen');
  } finally {
    stop();
  }
});

test('with a limit on the route, events go through the outlet stages: paced, complete and in order', async () => {
  const s = openSse('/limited');
  await until(() => hub.channel('limited')!.clientCount === 1, 5000, 'subscriber');
  const started = Date.now();
  const data = 'y'.repeat(500);
  for (let i = 0; i < 16; i++) hub.publish('limited', { data: `${i} ${data}` });
  await until(() => s.events.length === 16, 10000, 'all limited events');
  const took = Date.now() - started;
  s.close();
  assert.deepEqual(
    s.events.map((e) => Number(e.data.split(' ')[0])),
    [...Array(16).keys()],
  );
  // ~8.3 KiB at 4 KiB/s after a 1 KiB burst: well over a second.
  assert.ok(took >= 1200, `took ${took} ms`);
  assert.equal(hub.channel('limited')!.counters.drops, 0);
});
