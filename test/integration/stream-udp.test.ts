/**
 * The UDP stream balancer with real clients: dig through Sluice to two
 * dnsmasq instances, weights in the answers, proxy_responses ending sessions,
 * oversize datagrams dropped, order kept, passive (ICMP) and active (probe)
 * health.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { freePort, stopProc } from '../bench/harness.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { needs } from '../helpers/peers.js';
import { sleep, waitFor } from '../helpers/wait.js';

async function startDnsmasq(answer: string): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(
    'dnsmasq',
    [
      '--no-daemon',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      `--address=/test.local/${answer}`,
      '--conf-file=/dev/null',
      '--user=root',
      '--pid-file=',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 50; i++) {
    const r = await run('dig', ['@127.0.0.1', '-p', String(port), 'test.local', '+short', '+time=1', '+tries=1'], {
      timeoutMs: 5000,
    }).catch(() => undefined);
    if (r?.stdout.trim() === answer) return { port, proc };
    await sleep(100);
  }
  throw new Error('dnsmasq did not start');
}

/** A DNS query for test.local (A, IN) with the given id. */
function dnsQuery(id: number): Buffer {
  const head = Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  const name = Buffer.from([4, ...Buffer.from('test'), 5, ...Buffer.from('local'), 0]);
  return Buffer.concat([head, name, Buffer.from([0, 1, 0, 1])]);
}

/** One query from a fresh socket (a new session); resolves to the answered IPv4 or undefined on timeout. */
function query(addr: string, timeoutMs = 1000): Promise<string | undefined> {
  const [host, port] = addr.split(':');
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, timeoutMs);
    s.on('message', (msg) => {
      clearTimeout(timer);
      s.close();
      resolve([...msg.subarray(msg.length - 4)].join('.'));
    });
    s.on('error', () => undefined);
    s.send(dnsQuery(7), Number(port), host);
  });
}

/** A UDP echo server on a free port. */
async function echoServer(): Promise<{ port: number; socket: dgram.Socket }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, r) => socket.send(msg, r.port, r.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { port: socket.address().port, socket };
}

describe('stream udp', { skip: needs('dnsmasq', 'dig') }, () => {
  const dns: { port: number; proc: ChildProcess }[] = [];
  let t: TestEngine | undefined;

  before(async () => {
    dns.push(await startDnsmasq('10.9.9.1'), await startDnsmasq('10.9.9.2'));
  });
  after(async () => {
    await t?.stop();
    await Promise.all(dns.map((d) => stopProc(d.proc)));
  });

  it('dig answers through Sluice, weights 3:1 and proxy_responses 1 ending sessions', async () => {
    t = await startEngine(`
stream:
  upstreams: [ { name: dns, servers: [ { address: 127.0.0.1:${dns[0]!.port}, weight: 3 }, { address: 127.0.0.1:${dns[1]!.port} } ] } ]
  servers: [ { name: d, listen: 0, protocol: udp, upstream: dns, proxy_responses: 1, proxy_timeout: 10s } ]
`);
    const port = t.addr('d').split(':')[1]!;
    const r = await run('dig', ['@127.0.0.1', '-p', port, 'test.local', '+short', '+time=2', '+tries=1'], {
      timeoutMs: 10000,
    });
    assert.match(r.stdout.trim(), /^10\.9\.9\.[12]$/);
    const answers: (string | undefined)[] = [];
    for (let i = 0; i < 10; i++)
      answers.push(...(await Promise.all(Array.from({ length: 8 }, () => query(t!.addr('d'))))));
    const one = answers.filter((a) => a === '10.9.9.1').length;
    const two = answers.filter((a) => a === '10.9.9.2').length;
    assert.equal(one + two, 80, `every query answered (${answers.filter((a) => !a).length} were not)`);
    assert.ok(one >= 55 && one <= 65, `3:1 expected, got ${one}:${two}`);
    const c = t.engine.services.counters.get('listener', 'd');
    assert.equal(c.active, 0, 'each session ended after its one reply');
    assert.equal(c.requests, 81);
    await t.stop();
    t = undefined;
  });

  it('with proxy_responses 1 every query from one client socket is a new, balanced session', async () => {
    t = await startEngine(`
stream:
  upstreams: [ { name: dns, servers: [ { address: 127.0.0.1:${dns[0]!.port} }, { address: 127.0.0.1:${dns[1]!.port} } ] } ]
  servers: [ { name: d, listen: 0, protocol: udp, upstream: dns, proxy_responses: 1 } ]
`);
    const [host, port] = t.addr('d').split(':');
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.connect(Number(port), host, () => r()));
    const answers: string[] = [];
    for (let i = 0; i < 8; i++) {
      const got = new Promise<string>((r) => s.once('message', (m) => r([...m.subarray(m.length - 4)].join('.'))));
      s.send(dnsQuery(i));
      answers.push(await got);
    }
    s.close();
    assert.deepEqual(answers, [
      '10.9.9.1',
      '10.9.9.2',
      '10.9.9.1',
      '10.9.9.2',
      '10.9.9.1',
      '10.9.9.2',
      '10.9.9.1',
      '10.9.9.2',
    ]);
    const c = t.engine.services.counters.get('listener', 'd');
    assert.equal(c.requests, 8);
    assert.equal(c.active, 0);
    await t.stop();
    t = undefined;
  });

  it('sessions without proxy_responses stay until proxy_timeout; oversize datagrams are dropped', async () => {
    const echo = await echoServer();
    t = await startEngine(`
stream:
  upstreams: [ { name: e, servers: [ { address: 127.0.0.1:${echo.port} } ] } ]
  servers: [ { name: u, listen: 0, protocol: udp, upstream: e, proxy_timeout: 300ms, max_datagram: 100 } ]
`);
    const [host, port] = t.addr('u').split(':');
    const client = dgram.createSocket('udp4');
    const got: string[] = [];
    client.on('message', (m) => got.push(m.toString()));
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    client.send(Buffer.alloc(200, 1), Number(port), host);
    for (let i = 0; i < 100; i++) client.send(`m${i}`, Number(port), host);
    await waitFor(() => got.length >= 100, 'the echoes');
    const c = t.engine.services.counters.get('listener', 'u');
    assert.equal(c.active, 1, 'one session for one client address');
    assert.equal(c.drops, 1, 'the oversize datagram was dropped');
    assert.deepEqual(
      got,
      Array.from({ length: 100 }, (_, i) => `m${i}`),
      'every datagram echoed, in order',
    );
    const idleFrom = Date.now();
    await waitFor(() => c.active === 0, 'the idle session to end');
    assert.ok(Date.now() - idleFrom >= 200, 'not before proxy_timeout');
    client.close();
    echo.socket.close();
    await t.stop();
    t = undefined;
  });

  it('a refused server (ICMP) counts as failed; a probed-down server is skipped', async () => {
    const a = await echoServer();
    const b = await echoServer();
    const dead = await freePort();
    t = await startEngine(`
stream:
  upstreams:
    - name: e
      servers: [ { address: 127.0.0.1:${dead}, fail_timeout: 30s }, { address: 127.0.0.1:${a.port} } ]
    - name: f
      servers: [ { address: 127.0.0.1:${a.port} }, { address: 127.0.0.1:${b.port} } ]
      health_check: { interval: 100ms, timeout: 300ms, fails: 1, passes: 1, send: ping, expect: ping }
  servers:
    - { name: u, listen: 0, protocol: udp, upstream: e, proxy_responses: 1 }
    - { name: v, listen: 0, protocol: udp, upstream: f, proxy_responses: 1 }
`);
    const mod = t.modules.streamUpstreams;
    const answered: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) answered.push(await query(t.addr('u'), 1000));
    assert.ok(
      answered.filter((x) => x === undefined).length <= 1,
      `only the first session may hit the dead server: ${answered}`,
    );
    assert.equal(mod.servers().find((s) => s.address.endsWith(`:${dead}`))!.health, 'down');

    await waitFor(
      () =>
        mod
          .servers()
          .filter((s) => s.group === 'f')
          .every((s) => s.health === 'up'),
      'group f up',
    );
    b.socket.close();
    await waitFor(
      () => mod.servers().find((s) => s.group === 'f' && s.address.endsWith(`:${b.port}`))!.health === 'down',
      'b marked down',
    );
    const results = await Promise.all(Array.from({ length: 10 }, () => query(t!.addr('v'), 2000)));
    assert.ok(
      results.every((x) => x !== undefined),
      'every session went to the live server',
    );
    a.socket.close();
    await t.stop();
    t = undefined;
  });
});
