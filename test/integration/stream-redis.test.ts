/**
 * The TCP stream balancer in front of real redis-servers: redis-benchmark
 * through Sluice, weights seen in the servers' own connection counts, a
 * killed server taken out by the health check, backups only when every
 * primary is down.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort, stopProc, waitForPort } from '../bench/harness.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { needs } from '../helpers/peers.js';
import { sleep, waitFor } from '../helpers/wait.js';

interface Redis {
  port: number;
  proc: ChildProcess;
}

async function startRedis(): Promise<Redis> {
  const port = await freePort();
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    { stdio: 'ignore' },
  );
  await waitForPort(port);
  return { port, proc };
}

/** Connections the server itself has accepted so far (minus the INFO connection itself). */
async function connectionsReceived(r: Redis): Promise<number> {
  const out = await run('redis-cli', ['-p', String(r.port), 'INFO', 'stats'], { timeoutMs: 10000 });
  const m = /total_connections_received:(\d+)/.exec(out.stdout);
  assert.ok(m, `INFO stats answered: ${out.stdout}`);
  return Number(m[1]);
}

/** One short connection through Sluice: PING, expect +PONG, close. */
function ping(addr: string): Promise<void> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port: Number(port) });
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('PING timed out'));
    }, 5000);
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) {
        clearTimeout(timer);
        s.destroy();
        if (got.startsWith('+PONG')) resolve();
        else reject(new Error(`unexpected reply ${JSON.stringify(got)}`));
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      if (!got) reject(new Error('closed without reply'));
    });
  });
}

/** `n` PINGs over short connections, `parallel` at a time; a client whose connection broke reconnects (returns how many broke). */
async function pings(addr: string, n: number, parallel = 8, retry = false): Promise<number> {
  let left = n;
  let broken = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (left-- > 0) {
        for (;;) {
          try {
            await ping(addr);
            break;
          } catch (err) {
            if (!retry) throw err;
            broken++;
          }
        }
      }
    }),
  );
  return broken;
}

describe('stream tcp with redis', { skip: needs('redis-server', 'redis-benchmark') }, () => {
  const redis: Redis[] = [];
  let t: TestEngine | undefined;

  before(async () => {
    for (let i = 0; i < 3; i++) redis.push(await startRedis());
  });
  after(async () => {
    await t?.stop();
    await Promise.all(redis.map((r) => stopProc(r.proc)));
  });

  it('redis-benchmark through Sluice completes without errors', async () => {
    t = await startEngine(`
stream:
  upstreams: [ { name: r, servers: [ { address: 127.0.0.1:${redis[0]!.port} }, { address: 127.0.0.1:${redis[1]!.port} } ] } ]
  servers: [ { name: rs, listen: 0, upstream: r } ]
`);
    const port = t.addr('rs').split(':')[1]!;
    const out = await run('redis-benchmark', ['-p', port, '-n', '20000', '-q', '-t', 'set,get'], { timeoutMs: 60000 });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /SET: [\d.]+ requests per second/);
    assert.match(out.stdout, /GET: [\d.]+ requests per second/);
    assert.doesNotMatch(out.stdout + out.stderr, /error/i);
    const stats = t.engine.services.counters.get('listener', 'rs');
    assert.ok(stats.requests >= 50, `connections counted: ${stats.requests}`);
    assert.ok(
      stats.bytesIn > 20000 * 2 * 20 && stats.bytesOut > 20000 * 2 * 4,
      `bytes counted: ${stats.bytesIn}/${stats.bytesOut}`,
    );
    assert.equal(stats.errors, 0);
    await t.stop();
    t = undefined;
  });

  it('weights 3:1 show in the connections each redis received', async () => {
    const [a, b] = [redis[0]!, redis[1]!];
    t = await startEngine(`
stream:
  upstreams: [ { name: r, servers: [ { address: 127.0.0.1:${a.port}, weight: 3 }, { address: 127.0.0.1:${b.port}, weight: 1 } ] } ]
  servers: [ { name: rs, listen: 0, upstream: r } ]
`);
    const before = [await connectionsReceived(a), await connectionsReceived(b)];
    await pings(t.addr('rs'), 400);
    const got = [(await connectionsReceived(a)) - before[0]! - 1, (await connectionsReceived(b)) - before[1]! - 1];
    assert.equal(got[0]! + got[1]!, 400);
    assert.ok(got[0]! >= 280 && got[0]! <= 320, `3:1 split expected, redis saw ${got[0]} and ${got[1]}`);
    await t.stop();
    t = undefined;
  });

  it('a killed server is taken out by the health check and clients recover', async () => {
    const [a, b] = [redis[0]!, redis[1]!];
    t = await startEngine(`
stream:
  upstreams:
    - name: r
      servers: [ { address: 127.0.0.1:${a.port} }, { address: 127.0.0.1:${b.port} } ]
      health_check: { interval: 100ms, timeout: 500ms, fails: 1, passes: 1, send: "PING\\r\\n", expect: "+PONG" }
  servers: [ { name: rs, listen: 0, upstream: r } ]
`);
    const addr = t.addr('rs');
    const mod = t.modules.streamUpstreams;
    await waitFor(() => mod.servers().every((s) => s.health === 'up'), 'both servers up');
    await pings(addr, 40, 4);
    // Kill a mid-run: clients keep working (a failed connect moves on to b).
    const running = pings(addr, 200, 4, true);
    await sleep(20);
    a.proc.kill('SIGKILL');
    const broken = await running;
    assert.ok(broken <= 4, `only connections open at the kill may break, ${broken} did`);
    const healthOf = (port: number) => mod.servers().find((s) => s.address.endsWith(`:${port}`))!.health;
    await waitFor(() => healthOf(a.port) === 'down', 'the killed server marked down');
    const states = mod.servers();
    assert.equal(states.find((s) => s.address.endsWith(`:${a.port}`))!.health, 'down');
    assert.equal(states.find((s) => s.address.endsWith(`:${b.port}`))!.health, 'up');
    const counters = t.engine.services.counters.get('upstream', `r 127.0.0.1:${a.port}`);
    const attemptsToA = counters.requests;
    await pings(addr, 50, 4);
    assert.equal(counters.requests, attemptsToA, 'no new connections to the down server');
    // The server comes back on the same port: the check takes it back into rotation.
    const revived = spawn(
      'redis-server',
      ['--port', String(a.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    redis[0] = { port: a.port, proc: revived };
    await waitForPort(a.port);
    await waitFor(() => healthOf(a.port) === 'up', 'the revived server back up');
    await pings(addr, 20, 2);
    assert.ok(counters.requests > attemptsToA, 'the recovered server takes connections again');
    await t.stop();
    t = undefined;
  });

  it('a backup takes connections only when both primaries are down', async () => {
    const [a, b, c] = [redis[0]!, redis[1]!, redis[2]!];
    t = await startEngine(`
stream:
  upstreams:
    - name: r
      servers: [ { address: 127.0.0.1:${a.port} }, { address: 127.0.0.1:${b.port} }, { address: 127.0.0.1:${c.port}, backup: true } ]
  servers: [ { name: rs, listen: 0, upstream: r } ]
`);
    const addr = t.addr('rs');
    const c0 = await connectionsReceived(c);
    await pings(addr, 40, 4);
    assert.equal((await connectionsReceived(c)) - c0, 1, 'the backup saw only our INFO connection');
    await stopProc(a.proc);
    await pings(addr, 20, 2);
    assert.equal((await connectionsReceived(c)) - c0, 2, 'one primary left: still no backup');
    await stopProc(b.proc);
    await pings(addr, 20, 2);
    assert.equal(
      (await connectionsReceived(c)) - c0 - 3,
      20,
      'both primaries down: every connection goes to the backup',
    );
    await t.stop();
    t = undefined;
  });
});
