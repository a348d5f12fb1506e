import { test, after } from 'node:test';
import http from 'node:http';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine } from '../helpers/engine.js';
import { needs } from '../helpers/peers.js';
import { startNginx, waitForPort, freePort } from '../bench/harness.js';
import { startUpstream, get, type Upstream } from './proxy-fixtures.js';
import { waitFor } from '../helpers/wait.js';

const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

/** A Node upstream answering its own name. */
async function named(name: string): Promise<Upstream> {
  const u = await startUpstream((req, res) => {
    if (req.url === '/health') return void res.end('ok');
    res.setHeader('content-type', 'text/plain');
    res.end(name);
  });
  cleanup.push(() => u.close());
  return u;
}

test(
  'round robin over two Node upstreams and nginx serving static files: 1000 requests within 5% of weights',
  { skip: needs('nginx') },
  async () => {
    const [a, b] = [await named('a'), await named('b')];
    const www = mkdtempSync(join(tmpdir(), 'sluice-www-'));
    chmodSync(www, 0o755); // nginx workers run as another user
    mkdirSync(join(www, 'p'));
    writeFileSync(join(www, 'p', 'x'), 'n');
    const nport = await freePort();
    const nginx = startNginx(
      `http { access_log off; server { listen 127.0.0.1:${nport}; location / { root ${www}; default_type text/plain; } } }`,
    );
    cleanup.push(() => nginx.stop());
    await waitForPort(nport);
    const t = await startEngine(`
http:
  servers:
    - { name: front, listen: 0, routes: [ { path: /, proxy: { upstream: mix } } ] }
  upstreams:
    - name: mix
      servers:
        - { address: ${a.address}, weight: 5 }
        - { address: ${b.address}, weight: 3 }
        - { address: 127.0.0.1:${nport}, weight: 2 }
`);
    cleanup.push(() => t.stop());
    const counts: Record<string, number> = {};
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const one = () =>
      new Promise<string>((resolve, reject) => {
        http
          .get(`${t.url('front')}/p/x`, { agent }, (res) => {
            let s = '';
            res.on('data', (c) => {
              s += c;
            });
            res.on('end', () => resolve(`${res.statusCode} ${s}`));
          })
          .on('error', reject);
      });
    // One at a time, the order is nginx's smooth weighted round robin, ties to the first server listed.
    const sequence: string[] = [];
    for (let i = 0; i < 10; i++) sequence.push((await one()).slice(4));
    assert.deepEqual(sequence, ['a', 'b', 'n', 'a', 'a', 'b', 'a', 'n', 'b', 'a']);
    for (let i = 0; i < 1000; i += 10) {
      for (const r of await Promise.all(Array.from({ length: 10 }, one))) counts[r] = (counts[r] ?? 0) + 1;
    }
    agent.destroy();
    assert.deepEqual(Object.keys(counts).sort(), ['200 a', '200 b', '200 n']);
    const share = (k: string) => counts[k]! / 1000;
    assert.ok(Math.abs(share('200 a') - 0.5) < 0.05, JSON.stringify(counts));
    assert.ok(Math.abs(share('200 b') - 0.3) < 0.05, JSON.stringify(counts));
    assert.ok(Math.abs(share('200 n') - 0.2) < 0.05, JSON.stringify(counts));
    const servers = t.modules.upstreams.servers();
    assert.equal(servers.length, 3);
    assert.equal(
      servers.reduce((s, x) => s + x.requests, 0),
      1010,
    );
    assert.ok(servers.every((s) => s.health === 'up' && s.active === 0));
  },
);

test('failover when an upstream is killed mid-run, recovery via health checks when it returns', async () => {
  const [a, b] = [await named('a'), await named('b')];
  const t = await startEngine(`
http:
  servers:
    - { name: front, listen: 0, routes: [ { path: /, proxy: { upstream: be } } ] }
  upstreams:
    - name: be
      servers: [ { address: ${a.address}, max_fails: 1, fail_timeout: 30s }, { address: ${b.address} } ]
      health_check: { interval: 100ms, timeout: 1s, path: /health, fails: 1, passes: 2 }
`);
  cleanup.push(() => t.stop());
  const logs: { level: string; message: string }[] = [];
  t.engine.events.on('log', (e) => logs.push({ level: e.level, message: e.message }));
  const changes: string[] = [];
  t.modules.upstreams.events.on('health', (c) =>
    changes.push(`${c.address === a.address ? 'a' : 'b'} ${c.up ? 'up' : 'down'}`),
  );
  const url = `${t.url('front')}/x`;
  const seen = async (n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await get(url);
      out.push(`${r.status} ${r.body}`);
    }
    return out;
  };
  assert.deepEqual(new Set(await seen(6)), new Set(['200 a', '200 b']));
  // Four clients keep requesting while a dies under them: no request fails,
  // the refused (or reset) server is skipped and the next one answers.
  const results: string[] = [];
  let running = true;
  const worker = async () => {
    while (running) {
      const r = await get(url).catch((e: Error) => ({ status: 0, body: e.message }));
      results.push(`${r.status} ${r.body}`);
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  await waitFor(() => results.length > 4, 'a few requests before the kill');
  const killedAt = results.length;
  await a.kill();
  await waitFor(() => results.length > killedAt + 10, 'ten more requests after the kill');
  running = false;
  await Promise.all(workers);
  assert.deepEqual(new Set(results), new Set(['200 a', '200 b']), [...new Set(results)].join());
  assert.deepEqual(new Set(await seen(10)), new Set(['200 b']));
  const state = () => t.modules.upstreams.servers().find((s) => s.address === a.address)!;
  assert.equal(state().health, 'down', 'out after its failures');
  // The checker's own verdict, not only the passive failure (which alone would keep a out for fail_timeout,
  // 30 s, since a check that always passed has nothing to forgive).
  await waitFor(() => changes.includes('a down'), 'the health check to mark a down');
  await a.revive();
  // Two passing checks at 100 ms mark it up (fail_timeout 30 s would keep it out without health checks).
  await waitFor(() => state().health === 'up', 'the health check to mark a up again');
  await waitFor(async () => (await seen(4)).includes('200 a'), 'a to get traffic again after it returns');
  assert.deepEqual(changes, ['a down', 'a up']);
  // The log says it in one line each: a warning with the reason, then that it is back.
  const health = logs.filter((l) => l.message.startsWith('upstream be '));
  assert.equal(health.length, 2, JSON.stringify(logs));
  assert.equal(health[0]!.level, 'warn');
  // Refused once it is gone, or reset when a probe's connection was accepted just as it died.
  assert.match(health[0]!.message, new RegExp(`^upstream be ${a.address} is down: \\S.*(ECONNREFUSED|ECONNRESET)`));
  assert.deepEqual(health[1], { level: 'info', message: `upstream be ${a.address} is up again` });
});

test('backup is used only when every primary is down; all down → 502 with a one-line reason', async () => {
  const [a, bk] = [await named('a'), await named('backup')];
  const t = await startEngine(`
http:
  servers:
    - { name: front, listen: 0, routes: [ { path: /, proxy: { upstream: be } } ] }
  upstreams:
    - name: be
      servers: [ { address: ${a.address} }, { address: ${bk.address}, backup: true } ]
`);
  cleanup.push(() => t.stop());
  const url = `${t.url('front')}/`;
  for (let i = 0; i < 3; i++) assert.equal((await get(url)).body, 'a');
  await a.kill();
  for (let i = 0; i < 3; i++) assert.equal((await get(url)).body, 'backup');
  await bk.kill();
  const r = await get(url);
  assert.equal(r.status, 502);
  assert.match(r.headers['content-type'] ?? '', /text\/plain/);
  assert.match(r.body, /^upstream be: (connect ECONNREFUSED 127\.0\.0\.1:\d+|no server available \(all down\))\n$/);
});

test('next_upstream_tries: 1 gives up after the first refused server', async () => {
  const b = await named('b');
  const t = await startEngine(`
http:
  servers:
    - { name: front, listen: 0, routes: [ { path: /, proxy: { upstream: be, next_upstream_tries: 1 } }, { path: /all, proxy: { upstream: be } } ] }
  upstreams:
    - name: be
      servers: [ { address: 127.0.0.1:1, max_fails: 0 }, { address: ${b.address} } ]
`);
  cleanup.push(() => t.stop());
  const once = await Promise.all([get(`${t.url('front')}/`), get(`${t.url('front')}/`)]);
  assert.deepEqual(once.map((r) => r.status).sort(), [200, 502]);
  assert.ok(once.some((r) => r.body === 'upstream be: connect ECONNREFUSED 127.0.0.1:1\n'));
  for (let i = 0; i < 4; i++) assert.equal((await get(`${t.url('front')}/all`)).body, 'b');
});

test('a config apply keeps open proxied streams and per-server state; removed upstreams go away', async () => {
  const a = await startUpstream((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      const t = setInterval(() => {
        res.write(`${i++}\n`);
        if (i === 8) {
          clearInterval(t);
          res.end();
        }
      }, 50);
      return;
    }
    res.end('a');
  });
  cleanup.push(() => a.close());
  const yaml = (extra: string) => `
http:
  servers:
    - { name: front, listen: 0, routes: [ { path: /, proxy: { upstream: be } } ] }
  upstreams:
    - name: be
      servers: [ { address: ${a.address} }, { address: 127.0.0.1:1, max_fails: 1, fail_timeout: 1m } ]
${extra}`;
  const t = await startEngine(yaml('    - { name: old, servers: [ { address: 127.0.0.1:2 } ] }'));
  cleanup.push(() => t.stop());
  const mod = t.modules.upstreams;
  for (let i = 0; i < 3; i++) assert.equal((await get(`${t.url('front')}/`)).body, 'a'); // 127.0.0.1:1 fails once and is skipped
  const dead = () => mod.servers().find((s) => s.address === '127.0.0.1:1')!;
  assert.equal(dead().health, 'down');
  const group = mod.group('be');
  let lines = 0;
  const streamed = new Promise<string>((resolve, reject) => {
    http
      .get(`${t.url('front')}/stream`, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          lines = body.split('\n').length - 1;
        });
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
  await waitFor(() => lines >= 2, 'the stream to be under way');
  const { parseConfig } = await import('../helpers/engine.js');
  const next = parseConfig(yaml(''));
  const r = await t.engine.apply(next);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(mod.group('be'), group, 'the group object survives');
  assert.equal(dead().health, 'down', 'passive failure state survives the apply');
  assert.equal(mod.group('old'), undefined);
  assert.ok(lines < 8, 'the apply came while the stream was open');
  assert.equal(await streamed, '0\n1\n2\n3\n4\n5\n6\n7\n', 'the open stream finished intact');
});

test('ip_hash keeps a client on one server; least_conn sends new requests away from a busy one', async () => {
  const [a, b] = [await named('a'), await named('b')];
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  let holding = 0;
  const slow = await startUpstream(async (req, res) => {
    if (req.url === '/hold') {
      holding++;
      await held;
    }
    res.end('slow');
  });
  cleanup.push(() => slow.close());
  const t = await startEngine(`
http:
  servers:
    - { name: front, listen: 0, routes: [ { path: /sticky, proxy: { upstream: sticky } }, { path: /, proxy: { upstream: least } } ] }
  upstreams:
    - { name: sticky, balance: ip_hash, servers: [ { address: ${a.address} }, { address: ${b.address} } ] }
    - { name: least, balance: least_conn, servers: [ { address: ${slow.address} }, { address: ${b.address} } ] }
`);
  cleanup.push(() => t.stop());
  const sticky = new Set<string>();
  for (let i = 0; i < 10; i++) sticky.add((await get(`${t.url('front')}/sticky`)).body);
  assert.equal(sticky.size, 1, [...sticky].join());
  // Requests to /hold: the ones the slow server gets stay open (b answers at once) …
  const holds = [get(`${t.url('front')}/hold`), get(`${t.url('front')}/hold`), get(`${t.url('front')}/hold`)];
  const least = () => t.modules.upstreams.servers().filter((s) => s.group === 'least');
  await waitFor(
    () =>
      holding >= 1 &&
      least().reduce((n, s) => n + s.requests, 0) === 3 &&
      least().find((s) => s.address === b.address)!.active === 0,
    'the three requests placed: the slow server holds its share, b answered the rest',
  );
  // … so the next ones go to b, the least loaded.
  const next = new Set<string>();
  for (let i = 0; i < 4; i++) next.add((await get(`${t.url('front')}/x`)).body);
  assert.deepEqual([...next], ['b']);
  release();
  const bodies = (await Promise.all(holds)).map((r) => r.body).sort();
  assert.ok(bodies.includes('slow'));
});
