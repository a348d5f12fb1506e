/**
 * Engine lifecycle with real sockets: applies touch only what changed (an
 * open stream survives a listener being added and its own routes changing),
 * a failed apply keeps the last good config, and stop() drains.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { createEngine } from '../../core/runtime/create-engine.js';
import { parseConfig } from '../helpers/engine.js';
import { waitFor } from '../helpers/wait.js';

/** A config with server `a` (an endless ndjson feed) and optionally server `b` on `bListen`. */
function config(opts: { bListen?: string | number; extraRoute?: boolean } = {}) {
  return parseConfig(`
version: 1
http:
  servers:
    - name: a
      listen: 0
      routes:
        - path: /feed
          stream: { every: 20ms, count: 0 }
        - path: /slow
          chunked: { chunks: ["one\\n", "two\\n", "three\\n"], delay: 200ms }
${opts.extraRoute ? '        - path: /new\n          respond: { body: added }\n' : ''}${opts.bListen !== undefined ? `    - name: b\n      listen: ${opts.bListen}\n      routes:\n        - path: /\n          respond: { body: from-b }\n` : ''}`);
}

/** Opens the endless feed and keeps every `n` it receives, in order. */
function openFeed(address: string): { seen: number[]; closed: () => boolean; stop: () => void } {
  const seen: number[] = [];
  let buf = '';
  let ended = false;
  const req = http.get(`http://${address}/feed`, (res) => {
    res.on('data', (b: Buffer) => {
      buf += b.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) seen.push((JSON.parse(l) as { n: number }).n);
    });
    res.on('close', () => {
      ended = true;
    });
  });
  req.on('error', () => {
    ended = true;
  });
  return { seen, closed: () => ended, stop: () => req.destroy() };
}

test('adding a listener and changing routes keeps an open stream on an unchanged listener', async () => {
  const engine = createEngine({ drainMs: 500 }).engine;
  assert.ok((await engine.start(config())).ok);
  const addrA = engine.address('a')!;
  const feed = openFeed(addrA);
  try {
    await waitFor(() => feed.seen.length >= 3, 'three lines of the feed');
    const applied = await engine.apply(config({ bListen: 0 }));
    assert.ok(applied.ok);
    assert.equal(engine.address('a'), addrA, 'listener a was not rebound');
    assert.equal(await (await fetch(`http://${engine.address('b')}/`)).text(), 'from-b');
    const changed = await engine.apply(config({ bListen: 0, extraRoute: true }));
    assert.ok(changed.ok);
    assert.equal(await (await fetch(`http://${addrA}/new`)).text(), 'added', 'the new route serves at once');
    const before = feed.seen.length;
    await waitFor(() => feed.seen.length >= before + 5, 'five more lines after the applies');
    assert.equal(feed.closed(), false, 'the stream is still open');
    assert.deepEqual(
      feed.seen,
      feed.seen.map((_, i) => i + 1),
      'no line lost or repeated',
    );
  } finally {
    feed.stop();
    await engine.stop(500);
  }
});

test('a failed apply (port in use) keeps the last good config and says why', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as net.AddressInfo).port;
  const engine = createEngine({ drainMs: 500 }).engine;
  const failures: string[] = [];
  engine.events.on('apply-failed', (e) => failures.push(e.message));
  assert.ok((await engine.start(config())).ok);
  const good = engine.config;
  const feed = openFeed(engine.address('a')!);
  try {
    await waitFor(() => feed.seen.length >= 2, 'two lines of the feed');
    const r = await engine.apply(config({ bListen: port, extraRoute: true }));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.message, `127.0.0.1:${port} is already in use`);
    assert.deepEqual(failures, [`127.0.0.1:${port} is already in use`]);
    assert.equal(engine.config, good, 'the running config is the last good one');
    assert.equal(engine.address('b'), undefined);
    assert.equal(
      (await fetch(`http://${engine.address('a')}/new`)).status,
      404,
      'the failed config did not half-apply',
    );
    const before = feed.seen.length;
    await waitFor(() => feed.seen.length >= before + 3, 'three more lines after the failed apply');
    assert.equal(feed.closed(), false, 'the open stream survived the failed apply');
  } finally {
    feed.stop();
    await engine.stop(500);
    blocker.close();
  }
});

test('stop() refuses new connections, lets a finite response finish, and ends within the deadline', async () => {
  const engine = createEngine({ drainMs: 4000 }).engine;
  assert.ok((await engine.start(config())).ok);
  const addr = engine.address('a')!;
  const slow = fetch(`http://${addr}/slow`).then((r) => r.text());
  const feed = openFeed(addr);
  await waitFor(() => feed.seen.length >= 2, 'two lines of the feed');
  const t0 = performance.now();
  const stopped = engine.stop(4000);
  // Stopping takes the listener out of the engine first, then drains it.
  await waitFor(() => engine.address('a') === undefined, 'the listener to leave the engine');
  const refused = await fetch(`http://${addr}/slow`).then(
    () => false,
    () => true,
  );
  await stopped;
  const took = performance.now() - t0;
  assert.equal(refused, true, 'new connections are refused while draining');
  assert.equal(await slow, 'one\ntwo\nthree\n', 'the in-flight response completed');
  assert.ok(
    took < 2500,
    `stop took ${took.toFixed(0)} ms: it should end when the last finite response does, not at the 4 s deadline`,
  );
  await waitFor(() => feed.closed(), 'the endless stream to close');
  assert.equal(engine.running, false);
});
