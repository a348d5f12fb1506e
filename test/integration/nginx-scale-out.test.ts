/**
 * Scale-out: two nginx nodes run one export made with `--redis` (node B is
 * the same text on 127.0.0.2), one redis-server behind both; an event
 * published on node A reaches a subscriber of node B, and a subscriber that
 * reconnects to node B with Last-Event-ID gets what was published on A.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { parseConfig } from '../helpers/engine.js';
import { freePort, startNginx, startRedis, type Peer } from '../helpers/nginx.js';
import { run } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import { exportNginx } from '../../core/nginx/export.js';

let redis: Peer;
const nodes: Peer[] = [];
let webPort: number;
let adminPort: number;

before(async () => {
  const redisPort = await freePort();
  redis = await startRedis(redisPort);
  [webPort, adminPort] = [await freePort(), await freePort()];
  const conf = exportNginx(
    parseConfig(`
admin: { listen: 127.0.0.1:${adminPort} }
http:
  servers:
    - { name: web, listen: 127.0.0.1:${webPort}, routes: [ { path: /events, sse: { channel: news, replay: 20 } } ] }
`),
    { redis: `redis://127.0.0.1:${redisPort}` },
  );
  nodes.push(await startNginx(conf, webPort));
  // Node B: the same export, bound to another loopback address.
  nodes.push(await startNginx(conf.replaceAll('listen 127.0.0.1:', 'listen 127.0.0.2:'), webPort, '127.0.0.2'));
});

after(async () => {
  for (const n of nodes) await n.stop();
  await redis?.stop();
});

async function publish(host: string, data: string): Promise<string> {
  const r = await run('curl', [
    '-s',
    '-X',
    'POST',
    '-H',
    'Accept: application/json',
    '--data-binary',
    data,
    `http://${host}:${adminPort}/api/channels/news/events`,
  ]);
  return (JSON.parse(r.stdout) as { last_message_id: string }).last_message_id;
}

test('an event published on node A reaches a subscriber on node B; a reconnect to B replays from Redis', async () => {
  const got: { data: string; id: string }[] = [];
  const es = new EventSource(`http://127.0.0.2:${webPort}/events`);
  es.onmessage = (e) => got.push({ data: e.data, id: e.lastEventId });
  // nchan answers a subscriber once its worker has reached Redis: on a loaded machine that took over 5 s.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no open on node B within 20 s')), 20_000);
    es.onopen = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  try {
    // nchan subscribes node B to the channel in Redis asynchronously: publish until the first arrives.
    await waitFor(
      async () => {
        if (got.length === 0) await publish('127.0.0.1', 'from node A');
        return got.length > 0;
      },
      'node B receiving a publish made on node A',
      10_000,
    );
    assert.equal(got[0]!.data, 'from node A');
  } finally {
    es.close();
  }
  const last = got.at(-1)!.id;
  await publish('127.0.0.1', 'missed 1');
  await publish('127.0.0.1', 'missed 2');
  const replay = await run('curl', [
    '-sN',
    '--max-time',
    '2',
    '-H',
    'Accept: text/event-stream',
    '-H',
    `Last-Event-ID: ${last}`,
    `http://127.0.0.2:${webPort}/events`,
  ]);
  const data = [...replay.stdout.matchAll(/^data: (.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(data, ['missed 1', 'missed 2']);
});
