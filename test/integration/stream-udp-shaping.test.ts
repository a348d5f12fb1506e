/**
 * `limit` and `faults` on UDP stream servers, with real sockets: what a
 * client of the proxy notices — delayed replies still in order, a rate held
 * after the burst, a bounded queue dropping a flood (counted), stalled and
 * reset sessions, dropped sessions. Timings are checked with wide tolerances
 * (shared 2-core machine).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { parseConfig, startEngine, type TestEngine } from '../helpers/engine.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { takeTurn } from '../helpers/exclusive.js';

/** A UDP echo server that notes when each datagram arrived (to tell request delay from reply delay). */
async function echoServer(): Promise<{ port: number; arrivals: number[]; close(): void }> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024, sendBufferSize: 4 * 1024 * 1024 });
  const arrivals: number[] = [];
  socket.on('message', (msg, r) => {
    arrivals.push(performance.now());
    socket.send(msg, r.port, r.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { port: socket.address().port, arrivals, close: () => socket.close() };
}

/** A client socket of its own (one session) that records every reply and when it came. */
async function client(
  addr: string,
): Promise<{ got: { text: string; size: number; at: number }[]; send(data: string | Buffer): void; close(): void }> {
  const [host, port] = addr.split(':');
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const got: { text: string; size: number; at: number }[] = [];
  socket.on('message', (m) =>
    got.push({ text: m.subarray(0, 16).toString().replace(/\0+$/, '').trim(), size: m.length, at: performance.now() }),
  );
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { got, send: (data) => socket.send(data, Number(port), host), close: () => socket.close() };
}

/** A datagram of `size` bytes starting with a label (`#7`), so order can be read back. */
function numbered(label: string, size: number): Buffer {
  const b = Buffer.alloc(size, 0);
  b.write(label.padEnd(16, ' '));
  return b;
}

const labels = (n: number) => Array.from({ length: n }, (_, i) => `#${i}`);

describe('stream udp: limit and faults', () => {
  let t: TestEngine | undefined;
  let echo: Awaited<ReturnType<typeof echoServer>> | undefined;
  const open: { close(): void }[] = [];

  async function start(servers: string): Promise<TestEngine> {
    echo = await echoServer();
    t = await startEngine(`
stream:
  upstreams: [ { name: e, servers: [ { address: 127.0.0.1:${echo.port} } ] } ]
  servers:
${servers}`);
    return t;
  }

  async function clientOf(server: string) {
    const c = await client(t!.addr(server));
    open.push(c);
    return c;
  }

  async function stop(): Promise<void> {
    for (const c of open.splice(0)) c.close();
    await t?.stop();
    echo?.close();
    t = undefined;
    echo = undefined;
  }
  after(stop);

  it('latency delays replies (not requests) from their arrival; with jitter a burst still comes back in order', async () => {
    await start(`
    - { name: lat, listen: 0, protocol: udp, upstream: e, faults: { latency: 1s } }
    - { name: jit, listen: 0, protocol: udp, upstream: e, faults: { latency: 150ms, jitter: 100ms } }
`);
    const c = await clientOf('lat');
    const sent = performance.now();
    c.send('ping');
    await waitFor(() => c.got.length === 1, 'the delayed reply');
    // All three instants on this process's clock. The reply waits the latency after the upstream answered;
    // the request does not: a request delayed by the latency would reach the upstream a second after it was sent.
    const atUpstream = echo!.arrivals[0]! - sent;
    const afterUpstream = c.got[0]!.at - echo!.arrivals[0]!;
    assert.ok(afterUpstream >= 995, `the reply came ${afterUpstream.toFixed(0)} ms after the upstream answered`);
    assert.ok(atUpstream < 1000, `the request reached the upstream undelayed (${atUpstream.toFixed(0)} ms)`);

    const j = await clientOf('jit');
    const burstAt = performance.now();
    for (const l of labels(20)) j.send(l);
    await waitFor(() => j.got.length === 20, 'all 20 replies');
    assert.deepEqual(
      j.got.map((g) => g.text),
      labels(20),
      'replies in the order sent, despite jitter',
    );
    const first = j.got[0]!.at - burstAt;
    assert.ok(first >= 45 && first < 1000, `first reply after ${first.toFixed(0)} ms, want latency - jitter ≥ 50 ms`);
    const listener = t!.engine.services.counters.get('listener', 'jit');
    assert.equal(listener.drops, 0);
    assert.equal(listener.bytesOut, labels(20).join('').length, 'every reply counted once delivered');
    await stop();
  });

  it('limit 32k on out: 20 replies of 4 KiB take the time the rate allows after the burst, in order', async (ctx) => {
    ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
    await start(`
    - { name: lim, listen: 0, protocol: udp, upstream: e, limit: { rate: 32k, burst: 16k } }
`);
    const c = await clientOf('lim');
    const from = performance.now();
    for (const l of labels(20)) c.send(numbered(l, 4096));
    await waitFor(() => c.got.length === 20, 'all 20 replies', 10_000);
    const took = c.got[19]!.at - from;
    // 80 KiB − 16 KiB burst = 64 KiB at 32 KiB/s ≈ 2 s.
    assert.ok(took >= 1600 && took < 4500, `took ${took.toFixed(0)} ms, want ≈ 2000`);
    assert.deepEqual(
      c.got.map((g) => g.text),
      labels(20),
      'in order',
    );
    assert.ok(
      c.got.every((g) => g.size === 4096),
      'datagrams delivered whole',
    );
    assert.ok(echo!.arrivals[19]! - from < 1000, 'requests were not limited (direction out)');
    const scope = t!.engine.services.counters.get('limit', 'stream lim');
    assert.equal(scope.bytesOut, 20 * 4096, 'the limit scope counted the shaped bytes');
    await stop();
  });

  it('limit on in shapes client → upstream datagrams, in order; replies are not limited', async (ctx) => {
    ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
    await start(`
    - { name: up, listen: 0, protocol: udp, upstream: e, limit: { rate: 32k, burst: 16k, direction: in } }
`);
    const c = await clientOf('up');
    const from = performance.now();
    for (const l of labels(20)) c.send(numbered(l, 4096));
    await waitFor(() => c.got.length === 20, 'all 20 replies', 10_000);
    const took = echo!.arrivals[19]! - from;
    assert.ok(
      took >= 1600 && took < 4500,
      `the last request reached the upstream after ${took.toFixed(0)} ms, want ≈ 2000`,
    );
    assert.deepEqual(
      c.got.map((g) => g.text),
      labels(20),
      'in order',
    );
    await stop();
  });

  it('with proxy_responses 1 a delayed reply still arrives after its session ended', async () => {
    await start(`
    - { name: pr, listen: 0, protocol: udp, upstream: e, proxy_responses: 1, faults: { latency: 150ms } }
`);
    const c = await clientOf('pr');
    const listener = t!.engine.services.counters.get('listener', 'pr');
    for (let i = 0; i < 3; i++) {
      const sent = performance.now();
      c.send(`#${i}`);
      await waitFor(() => c.got.length === i + 1, `reply ${i}`);
      assert.ok(c.got[i]!.at - sent >= 145, 'delayed');
      assert.equal(c.got[i]!.text, `#${i}`);
    }
    await waitFor(() => listener.active === 0, 'the sessions to end');
    assert.equal(listener.requests, 3, 'one session per request');
    await stop();
  });

  it('a flood beyond the bounded queue is dropped and counted; what is kept still comes in order', async () => {
    await start(`
    - { name: lim, listen: 0, protocol: udp, upstream: e, limit: { rate: 64k, burst: 16k } }
`);
    const c = await clientOf('lim');
    const received = () => t!.modules.streamUpstreams.servers()[0]!.bytesIn / 4096;
    // 600 × 4 KiB = 2.4 MiB of replies against a 1 MiB queue, 20 at a time: the next 20 go once the proxy has
    // read the replies to the last ones (or gave up on a few a busy kernel dropped), so no socket buffer
    // overflows before the queue does — however the machine schedules the test.
    for (let i = 0; i < 600; i += 20) {
      for (let k = i; k < i + 20; k++) c.send(numbered(`#${k}`, 4096));
      for (const until = Date.now() + 1000; received() < i + 20 && Date.now() < until;) await sleep(2);
    }
    await waitFor(() => echo!.arrivals.length >= 590, 'the requests at the upstream');
    const listener = t!.engine.services.counters.get('listener', 'lim');
    // Every reply that reached the proxy was delivered, dropped, or is still queued, and the queue holds at most
    // 1 MiB (256 of these) — at any moment, however the machine schedules the flood. Wait until the replies are
    // in (or stopped coming: the kernel may drop some on a busy machine), then check that bound.
    let last = -1;
    let stableSince = Date.now();
    await waitFor(
      () => {
        const now = received();
        if (now !== last) [last, stableSince] = [now, Date.now()];
        return now === 600 || (now > 0 && Date.now() - stableSince > 1000);
      },
      'the replies at the proxy',
      15_000,
      50,
    );
    const delivered = c.got.length;
    const { drops } = listener;
    assert.ok(
      received() - delivered > 256,
      `the flood overran the queue: ${received()} replies, ${delivered} delivered`,
    );
    assert.ok(
      drops + delivered >= received() - 256,
      `drops ${drops} + delivered ${delivered} of ${received()}: no more than 256 held`,
    );
    assert.ok(drops <= received() - 256, `drops ${drops} of ${received()}: the queue filled before dropping`);
    const seq = c.got.map((g) => Number(g.text.slice(1)));
    assert.ok(seq.length > 0 && seq.every((n, i) => i === 0 || n > seq[i - 1]!), 'what was delivered is in order');
    await stop();
  });

  it('stall_after: replies stop after N bytes while the session stays', async () => {
    await start(`
    - { name: st, listen: 0, protocol: udp, upstream: e, faults: { stall_after: 200 } }
`);
    const c = await clientOf('st');
    for (let i = 0; i < 5; i++) {
      c.send(numbered(`#${i}`, 100));
      await sleep(20);
    }
    const repliesIn = () => t!.modules.streamUpstreams.servers()[0]!.bytesIn;
    await waitFor(() => repliesIn() === 500 && c.got.length >= 2, 'all five replies at the proxy, two delivered');
    await sleep(200); // nothing more comes (the proxy holds the rest)
    assert.deepEqual(
      c.got.map((g) => g.text),
      ['#0', '#1'],
      'only the first 200 bytes of replies',
    );
    const listener = t!.engine.services.counters.get('listener', 'st');
    assert.equal(listener.active, 1, 'the session is still open');
    assert.equal(listener.requests, 1);
    assert.equal(listener.bytesOut, 200);
    await stop();
  });

  it('reset_after: the session ends after N bytes; the next datagram starts a new one', async () => {
    await start(`
    - { name: rs, listen: 0, protocol: udp, upstream: e, faults: { reset_after: 200 } }
`);
    const c = await clientOf('rs');
    const listener = t!.engine.services.counters.get('listener', 'rs');
    for (let i = 0; i < 2; i++) {
      c.send(numbered(`#${i}`, 100));
      await waitFor(() => c.got.length === i + 1, `reply ${i}`);
    }
    c.send(numbered('#2', 100));
    await waitFor(() => listener.active === 0, 'the session to end');
    await sleep(100);
    assert.equal(c.got.length, 2, 'the reply past 200 bytes was not delivered');
    c.send(numbered('#3', 100));
    await waitFor(() => c.got.length === 3, 'the reply in a new session');
    assert.equal(c.got[2]!.text, '#3');
    assert.equal(listener.requests, 2, 'a second session');
    assert.equal(listener.active, 1);
    await stop();
  });

  it('drop_connection: 1 discards every datagram, each counted as a drop', async () => {
    await start(`
    - { name: dr, listen: 0, protocol: udp, upstream: e, faults: { drop_connection: 1 } }
`);
    const c = await clientOf('dr');
    for (let i = 0; i < 10; i++) c.send(`#${i}`);
    const listener = t!.engine.services.counters.get('listener', 'dr');
    await waitFor(() => listener.drops === 10, 'ten drops');
    await sleep(200);
    assert.equal(c.got.length, 0);
    assert.equal(echo!.arrivals.length, 0, 'nothing reached the upstream');
    assert.equal(listener.requests, 0);
    assert.equal(listener.active, 0);
    await stop();
  });

  it('a changed rate re-tunes an open session live; new sessions use new faults', async (ctx) => {
    ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
    const server = (limit: string, faults = '') => `
    - { name: lv, listen: 0, protocol: udp, upstream: e, limit: { rate: ${limit}, burst: 4k }${faults} }
`;
    const { engine } = await start(server('8k'));
    const c = await clientOf('lv');
    for (const l of labels(12)) c.send(numbered(l, 4096));
    await waitFor(() => c.got.length >= 2, 'the first replies');
    assert.ok(c.got.length < 6, `at 8 KiB/s only a few replies came so far (${c.got.length})`);
    const yaml = (extra: string) => `
stream:
  upstreams: [ { name: e, servers: [ { address: 127.0.0.1:${echo!.port} } ] } ]
  servers:${server('4m', extra)}`;
    const r = await engine.apply(parseConfig(yaml('')));
    assert.ok(r.ok, r.ok ? '' : r.message);
    const retunedAt = performance.now();
    await waitFor(() => c.got.length === 12, 'the rest at the new rate', 2000);
    assert.ok(performance.now() - retunedAt < 1000, 'the open session picked up the new rate');
    assert.deepEqual(
      c.got.map((g) => g.text),
      labels(12),
    );

    const r2 = await engine.apply(parseConfig(yaml(', faults: { latency: 200ms }')));
    assert.ok(r2.ok, r2.ok ? '' : r2.message);
    const fresh = await clientOf('lv');
    const sent = performance.now();
    fresh.send('new');
    await waitFor(() => fresh.got.length === 1, 'the delayed reply');
    assert.ok(fresh.got[0]!.at - sent >= 190, 'a new session runs with the new latency');
    await stop();
  });
});
