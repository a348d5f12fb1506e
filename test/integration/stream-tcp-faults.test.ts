/**
 * TCP stream servers with faults and limits that a user of the balancer
 * notices, over real sockets: drop_connection, latency (and jitter) on what
 * the client receives, a connect that never completes (connect_timeout, then
 * the next server), a burst changed on an open connection, and the health
 * log lines of a stream group.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { parseConfig, startEngine, type TestEngine } from '../helpers/engine.js';
import { needs } from '../helpers/peers.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { takeTurn } from '../helpers/exclusive.js';

/** A TCP server on port 0 (or `port`) that notes when each chunk arrives and runs `onData`. */
async function serve(
  onData: (s: net.Socket, d: Buffer) => void,
  port = 0,
): Promise<{ port: number; arrivals: number[]; connections: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const out = { port: 0, arrivals: [] as number[], connections: 0, close: async () => {} };
  const server = net.createServer((s) => {
    out.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.on('data', (d: Buffer) => {
      out.arrivals.push(performance.now());
      onData(s, d);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  out.port = (server.address() as net.AddressInfo).port;
  out.close = () => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(() => r()));
  };
  return out;
}

const echo = (s: net.Socket, d: Buffer) => s.write(d);

function connect(addr: string): Promise<net.Socket> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port: Number(port) }, () => resolve(s));
    s.once('error', reject);
  });
}

/** A client that records every chunk it receives and when. */
async function client(
  addr: string,
): Promise<{ s: net.Socket; got: { at: number; text: string }[]; closed: () => boolean }> {
  const s = await connect(addr);
  const got: { at: number; text: string }[] = [];
  let closed = false;
  s.on('data', (d: Buffer) => got.push({ at: performance.now(), text: d.toString() }));
  s.on('error', () => {});
  s.on('close', () => {
    closed = true;
  });
  return { s, got, closed: () => closed };
}

describe('stream tcp: faults, connect timeout, live burst, health log', () => {
  const cleanup: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });
  async function engine(yaml: string): Promise<TestEngine> {
    const t = await startEngine(yaml);
    cleanup.push(() => t.stop());
    return t;
  }

  it('drop_connection: 1 closes every connection before dialling; 0 passes them all', async () => {
    const up = await serve(echo);
    cleanup.push(() => up.close());
    const t = await engine(`
stream:
  upstreams: [ { name: e, servers: [ { address: 127.0.0.1:${up.port} } ] } ]
  servers:
    - { name: drop, listen: 0, upstream: e, faults: { drop_connection: 1 } }
    - { name: keep, listen: 0, upstream: e, faults: { drop_connection: 0 } }
`);
    for (let i = 0; i < 3; i++) {
      const c = await client(t.addr('drop'));
      c.s.write('hello');
      await waitFor(c.closed, 'the dropped connection to close');
      assert.deepEqual(c.got, [], 'nothing came back');
    }
    assert.equal(up.connections, 0, 'the upstream never saw a connection');
    const drop = t.engine.services.counters.get('listener', 'drop');
    assert.deepEqual([drop.requests, drop.active], [3, 0]);
    const c = await client(t.addr('keep'));
    c.s.write('hello');
    await waitFor(() => c.got.map((g) => g.text).join('') === 'hello', 'the echo');
    c.s.destroy();
  });

  it('latency delays what the client receives by the latency after the upstream sent it; requests go at once', async () => {
    const up = await serve(echo);
    cleanup.push(() => up.close());
    const t = await engine(`
stream:
  upstreams: [ { name: e, servers: [ { address: 127.0.0.1:${up.port} } ] } ]
  servers:
    - { name: lat, listen: 0, upstream: e, faults: { latency: 1s } }
    - { name: jit, listen: 0, upstream: e, faults: { latency: 300ms, jitter: 200ms } }
`);
    const c = await client(t.addr('lat'));
    const sent = performance.now();
    c.s.write('ping');
    await waitFor(() => c.got.length === 1, 'the delayed echo', 10_000);
    const atUpstream = up.arrivals[0]! - sent;
    const afterUpstream = c.got[0]!.at - up.arrivals[0]!;
    assert.equal(c.got[0]!.text, 'ping');
    assert.ok(afterUpstream >= 995, `the echo came ${afterUpstream.toFixed(0)} ms after the upstream sent it`);
    assert.ok(atUpstream < 1000, `the request reached the upstream undelayed (${atUpstream.toFixed(0)} ms)`);
    c.s.destroy();

    // With jitter, chunks sent apart still arrive in order, each at least latency - jitter later.
    const j = await client(t.addr('jit'));
    const labels = ['a', 'b', 'c', 'd', 'e', 'f'];
    const before = up.arrivals.length;
    for (const l of labels) {
      j.s.write(l);
      await waitFor(() => up.arrivals.length > before + labels.indexOf(l), `${l} at the upstream`);
      await sleep(20); // separate chunks
    }
    await waitFor(() => j.got.map((g) => g.text).join('') === labels.join(''), 'every echo, in order', 10_000);
    const firstDelay = j.got[0]!.at - up.arrivals[before]!;
    assert.ok(firstDelay >= 95, `the first echo came ${firstDelay.toFixed(0)} ms after the upstream sent it`);
    j.s.destroy();
  });

  it(
    'a connect that never completes times out after connect_timeout; the next server takes the client',
    { skip: needs('python3') },
    async () => {
      // A listener that never accepts (backlog 0, filled by one connection): a further connect hangs.
      const py = spawn('python3', [
        '-c',
        'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()',
      ]);
      cleanup.push(() => py.kill());
      const hole = await new Promise<number>((r) => py.stdout.once('data', (d: Buffer) => r(Number(String(d).trim()))));
      const filler = await connect(`127.0.0.1:${hole}`);
      cleanup.push(() => filler.destroy());
      const up = await serve(echo);
      cleanup.push(() => up.close());
      const t = await engine(`
stream:
  upstreams:
    - { name: alone, servers: [ { address: 127.0.0.1:${hole} } ] }
    - { name: pair, servers: [ { address: 127.0.0.1:${hole} }, { address: 127.0.0.1:${up.port} } ] }
  servers:
    - { name: alone, listen: 0, upstream: alone, connect_timeout: 300ms }
    - { name: pair, listen: 0, upstream: pair, connect_timeout: 300ms }
`);
      const logs: string[] = [];
      t.engine.events.on('log', (e) => logs.push(e.message));
      const started = performance.now();
      const a = await client(t.addr('alone'));
      await waitFor(a.closed, 'the client to be closed when no server answers', 5000);
      const took = performance.now() - started;
      assert.ok(took >= 290 && took < 4000, `closed after ${took.toFixed(0)} ms (connect_timeout 300 ms)`);
      assert.equal(t.engine.services.counters.get('listener', 'alone').errors, 1);
      await waitFor(
        () => logs.some((l) => l.includes(`connect to 127.0.0.1:${hole} timed out after 300ms`)),
        'the reason in the log',
      );

      // Round robin starts at the hole: it times out, the next server answers, and the hole is out for fail_timeout.
      for (let i = 0; i < 3; i++) {
        const c = await client(t.addr('pair'));
        c.s.write(`hi ${i}`);
        await waitFor(() => c.got.map((g) => g.text).join('') === `hi ${i}`, `echo ${i} from the next server`, 5000);
        c.s.destroy();
      }
      assert.equal(t.engine.services.counters.get('upstream', `pair 127.0.0.1:${hole}`).errors, 1);
      assert.equal(up.connections, 3);
    },
  );

  it('a burst changed on an open connection applies to it: after an idle spell the new burst goes at once', async (ctx) => {
    ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
    // The upstream sends `n` bytes when asked with "n\n".
    const up = await serve((s, d) => {
      for (const line of d.toString().trim().split('\n')) s.write(Buffer.alloc(Number(line), 7));
    });
    cleanup.push(() => up.close());
    const yaml = (burst: string) => `
stream:
  upstreams: [ { name: e, servers: [ { address: 127.0.0.1:${up.port} } ] } ]
  servers: [ { name: s, listen: 0, upstream: e, limit: { rate: 512k, burst: ${burst} } } ]
`;
    const t = await engine(yaml('16k'));
    const s = await connect(t.addr('s'));
    cleanup.push(() => s.destroy());
    let received = 0;
    s.on('data', (d: Buffer) => (received += d.length));
    s.write('1000\n');
    await waitFor(() => received === 1000, 'a first answer on the connection');
    const r = await t.engine.apply(parseConfig(yaml('2m')));
    assert.ok(r.ok, r.ok ? '' : r.message);
    // Idle long enough for the bucket to fill up to the new burst (2 MiB at 512 KiB/s: 4 s).
    await sleep(4500);
    const asked = performance.now();
    s.write(`${1536 * 1024}\n`);
    await waitFor(() => received === 1000 + 1536 * 1024, '1.5 MiB', 10_000);
    const took = performance.now() - asked;
    // Under the old 16 KiB burst, 1.5 MiB at 512 KiB/s takes 3 s.
    assert.ok(took < 1500, `1.5 MiB came in ${took.toFixed(0)} ms: out of the new burst, not at the rate`);
  });

  it('a stream group logs health changes as "stream upstream …": down with the reason, up again', async () => {
    const a = await serve(echo);
    const port = a.port;
    const b = await serve(echo);
    cleanup.push(() => b.close());
    const t = await engine(`
stream:
  upstreams:
    - name: pool
      servers: [ { address: 127.0.0.1:${port} }, { address: 127.0.0.1:${b.port} } ]
      health_check: { interval: 100ms, timeout: 1s, fails: 1, passes: 1 }
  servers: [ { name: s, listen: 0, upstream: pool } ]
`);
    const logs: { level: string; message: string }[] = [];
    t.engine.events.on('log', (e) => logs.push({ level: e.level, message: e.message }));
    const health = () => logs.filter((l) => l.message.startsWith('stream upstream pool '));
    await a.close();
    await waitFor(() => health().length === 1, 'the down line');
    assert.equal(health()[0]!.level, 'warn');
    assert.match(health()[0]!.message, new RegExp(`^stream upstream pool 127\\.0\\.0\\.1:${port} is down: \\S`));
    const back = await serve(echo, port);
    cleanup.push(() => back.close());
    await waitFor(() => health().length === 2, 'the up line');
    assert.deepEqual(health()[1], { level: 'info', message: `stream upstream pool 127.0.0.1:${port} is up again` });
  });
});
