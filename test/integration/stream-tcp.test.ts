/**
 * The TCP stream proxy's connections with plain sockets: half-close in both
 * directions and a reset after the client's FIN, stop draining open
 * connections until its deadline, idle timeout, max_connections, retrying
 * the next server, max_conns overflowing to a backup, and the link pipeline
 * (limit, reset_after, stall_after), with a changed limit reaching an open
 * connection.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { freePort } from '../bench/harness.js';
import { parseConfig, startEngine } from '../helpers/engine.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { takeTurn } from '../helpers/exclusive.js';
import { connect, readAll, serve, streamYaml } from '../helpers/stream-tcp.js';

describe('stream tcp', { timeout: 60000 }, () => {
  it('passes FIN in each direction and closes once both sides ended', { timeout: 15000 }, async () => {
    // Upstream answers only after the client's FIN, then keeps reading after its own FIN.
    let afterFin = '';
    const up = await serve((s) => {
      let got = '';
      s.on('data', (d) => (got += d));
      s.once('end', () => {
        s.end(`you said ${got}`);
      });
    });
    const up2 = await serve((s) => {
      s.end('bye'); // upstream closes its side first
      s.on('data', (d) => (afterFin += d));
    });
    const t2 = await startEngine(`
stream:
  upstreams: [ { name: up, servers: [ { address: 127.0.0.1:${up.port} } ] }, { name: up2, servers: [ { address: 127.0.0.1:${up2.port} } ] } ]
  servers: [ { name: s, listen: 0, upstream: up }, { name: s2, listen: 0, upstream: up2 } ]
`);
    const c = await connect(t2.addr('s'), true);
    const reply = readAll(c);
    c.write('hello ');
    c.end('there');
    assert.equal((await reply).toString(), 'you said hello there');
    await new Promise((r) => c.once('close', r));

    const c2 = await connect(t2.addr('s2'), true);
    const reply2 = readAll(c2);
    assert.equal((await reply2).toString(), 'bye');
    c2.write('still ');
    c2.end('talking');
    await new Promise((r) => c2.once('close', r));
    await waitFor(() => afterFin === 'still talking', 'bytes sent after the upstream FIN to arrive');
    const counters = t2.engine.services.counters.get('listener', 's');
    await waitFor(
      () => counters.active === 0 && t2.engine.services.counters.get('listener', 's2').active === 0,
      'both connections closed on the proxy',
    );
    await t2.stop();
    up.server.close();
    up2.server.close();
  });

  it(
    "closes the client when the upstream resets after the client's FIN (no half-open leak)",
    { timeout: 15000 },
    async () => {
      const up = await serve((s) => {
        s.on('error', () => undefined);
        s.once('data', () => {
          s.write('hi');
          setTimeout(() => s.resetAndDestroy(), 20);
        });
      });
      const t = await startEngine(streamYaml(up.port));
      const c = await connect(t.addr('s'));
      c.on('error', () => undefined);
      let got = '';
      c.on('data', (d) => (got += d));
      c.end('request');
      await new Promise((r) => c.once('close', r));
      assert.equal(got, 'hi');
      await waitFor(
        () => t.engine.services.counters.get('listener', 's').active === 0,
        'the proxy to close both sides',
      );
      await t.stop();
      up.server.close();
    },
  );

  it('stop waits for open connections (drain) and closes them at the deadline', { timeout: 15000 }, async () => {
    const up = await serve((s) => {
      s.on('data', (d: Buffer) => s.write(d));
      s.on('end', () => s.end());
    });
    const t = await startEngine(streamYaml(up.port));
    const c = await connect(t.addr('s'));
    c.write('ping');
    await new Promise<void>((r) => c.once('data', () => r()));
    const closed = new Promise<void>((r) => c.on('close', () => r()));
    const t0 = Date.now();
    const stopped = t.engine.stop(2000);
    let stopDone = false;
    void stopped.then(() => {
      stopDone = true;
    });
    c.write('still here');
    assert.equal(
      (await new Promise<Buffer>((r) => c.once('data', r))).toString(),
      'still here',
      'the connection works while draining',
    );
    assert.equal(stopDone, false, 'stop is still draining an open connection');
    await stopped;
    await closed;
    assert.ok(Date.now() - t0 >= 1900, `the deadline closed it (after ${Date.now() - t0} ms)`);
    up.server.close();
  });

  it('closes idle connections after proxy_timeout and honours max_connections', { timeout: 15000 }, async () => {
    const up = await serve((s) => s.on('data', (d) => s.write(d)));
    const t = await startEngine(streamYaml(up.port, ', proxy_timeout: 300ms, max_connections: 2'));
    const a = await connect(t.addr('s'));
    const b = await connect(t.addr('s'));
    const counters = t.engine.services.counters.get('listener', 's');
    await waitFor(() => counters.active === 2, 'two connections on the proxy');
    const c = await connect(t.addr('s'));
    const cClosed = new Promise((r) => c.once('close', r));
    c.on('error', () => undefined);
    await cClosed;
    const started = Date.now();
    const echo = new Promise<string>((r) => a.once('data', (d) => r(String(d))));
    a.write('ping');
    assert.equal(await echo, 'ping');
    await Promise.all([new Promise((r) => a.once('close', r)), new Promise((r) => b.once('close', r))]);
    const waited = Date.now() - started;
    assert.ok(waited >= 250 && waited < 2000, `closed after ~300ms idle, took ${waited}ms`);
    assert.equal(counters.drops, 1);
    await waitFor(() => counters.active === 0, 'the idle connections closed on the proxy');
    await t.stop();
    up.server.close();
  });

  it('tries the next server when a connect fails and counts the failure', { timeout: 15000 }, async () => {
    const up = await serve((s) => s.end('ok'));
    const dead = await freePort();
    const t = await startEngine(
      streamYaml(
        up.port,
        ', connect_timeout: 1s',
        `[ { address: 127.0.0.1:${dead} }, { address: 127.0.0.1:${up.port} } ]`,
      ),
    );
    for (let i = 0; i < 4; i++) {
      const c = await connect(t.addr('s'));
      assert.equal((await readAll(c)).toString(), 'ok');
      c.destroy();
    }
    const deadCounters = t.engine.services.counters.get('upstream', `up 127.0.0.1:${dead}`);
    assert.equal(deadCounters.errors, 1, 'one failed connect, then the server is out for fail_timeout');
    await t.stop();
    up.server.close();
  });

  it('max_conns per server sends the overflow to the next server (here the backup)', { timeout: 15000 }, async () => {
    // Servers that close when the client does (a FIN alone leaves a half-open pair, as in nginx).
    const a = await serve((s) => {
      s.write('a');
      s.on('end', () => s.end());
    });
    const b = await serve((s) => {
      s.write('b');
      s.on('end', () => s.end());
    });
    const t = await startEngine(
      streamYaml(
        a.port,
        '',
        `[ { address: 127.0.0.1:${a.port}, max_conns: 1 }, { address: 127.0.0.1:${b.port}, backup: true } ]`,
      ),
    );
    const first = await connect(t.addr('s'));
    const firstSays = await new Promise<string>((r) => first.once('data', (d) => r(String(d))));
    const second = await connect(t.addr('s'));
    const secondSays = await new Promise<string>((r) => second.once('data', (d) => r(String(d))));
    assert.deepEqual([firstSays, secondSays], ['a', 'b']);
    first.destroy();
    second.destroy();
    // The slot frees when Sluice has seen both sides close; poll instead of guessing a delay.
    const counters = t.engine.services.counters.get('listener', 's');
    await waitFor(() => counters.active === 0, 'both connections closed on the proxy');
    const third = await connect(t.addr('s'));
    assert.equal(
      await new Promise<string>((r) => third.once('data', (d) => r(String(d)))),
      'a',
      'a slot freed: the primary again',
    );
    third.destroy();
    await t.stop();
    a.server.close();
    b.server.close();
  });

  // 60 s: the test itself takes about a second, but its turn may wait behind other heavy tests.
  it('limits, resets and stalls the byte stream through the link pipeline', { timeout: 60_000 }, async (ctx) => {
    ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
    const payload = randomBytes(256 * 1024);
    const up = await serve((s) => {
      s.on('error', () => undefined);
      s.end(payload);
    });
    const t = await startEngine(`
stream:
  upstreams: [ { name: up, servers: [ { address: 127.0.0.1:${up.port} } ] } ]
  servers:
    - { name: lim, listen: 0, upstream: up, limit: { rate: 512k, burst: 16k } }
    - { name: rst, listen: 0, upstream: up, faults: { reset_after: 10000 } }
    - { name: stl, listen: 0, upstream: up, faults: { stall_after: 1000, slice: { size: 100 } } }
`);
    const started = Date.now();
    const lim = await connect(t.addr('lim'));
    const body = await readAll(lim);
    const took = Date.now() - started;
    assert.ok(body.equals(payload), 'limited bytes arrive intact');
    assert.ok(took >= 350 && took < 5000, `256 KiB at 512 KiB/s takes ~0.5 s, took ${took}ms`);

    // The cut comes at exactly N bytes (Sluice closes with SO_LINGER 0, i.e. an RST; loopback
    // clients may see it as ECONNRESET or as an end, depending on timing).
    const rst = await connect(t.addr('rst'));
    let n = 0;
    await new Promise<void>((resolve) => {
      rst.on('data', (d: Buffer) => (n += d.length));
      rst.on('error', () => undefined);
      rst.on('close', () => resolve());
    });
    assert.equal(n, 10000);

    const stl = await connect(t.addr('stl'));
    let m = 0;
    stl.on('data', (d: Buffer) => (m += d.length));
    await waitFor(() => m >= 1000, 'the first 1000 bytes');
    await sleep(300); // and then nothing
    assert.equal(m, 1000, 'stalled after 1000 bytes, connection still open');
    assert.equal(stl.destroyed, false);
    stl.destroy();
    await t.stop();
    up.server.close();
  });

  it(
    "a changed limit reaches an open connection; a changed group keeps its servers' state",
    { timeout: 60_000 }, // its turn may wait behind other heavy tests
    async (ctx) => {
      ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
      const up = await serve((s) => {
        s.on('error', () => undefined);
        const block = Buffer.alloc(16 * 1024, 7);
        const more = () => {
          while (s.writable && s.write(block));
        };
        s.on('drain', more);
        more();
      });
      const yaml = (rate: string, weight: number) => `
stream:
  upstreams: [ { name: up, servers: [ { address: 127.0.0.1:${up.port}, weight: ${weight} } ] } ]
  servers: [ { name: s, listen: 0, upstream: up, limit: { rate: ${rate}, burst: 16k } } ]
`;
      const t = await startEngine(yaml('64k', 1));
      const started = Date.now();
      const c = await connect(t.addr('s'));
      let n = 0;
      c.on('data', (d: Buffer) => (n += d.length));
      await waitFor(() => n >= 48 * 1024, 'the first 48 KiB', 5000);
      // However late this process looks, the proxy cannot have passed more than burst + rate × time (+ a slice).
      const allowed = 16 * 1024 + (64 * 1024 * (Date.now() - started)) / 1000 + 16 * 1024;
      assert.ok(n <= allowed, `at 64 KiB/s: ${n} bytes after ${Date.now() - started} ms`);
      const r = await t.engine.apply(parseConfig(yaml('4m', 5)));
      assert.ok(r.ok);
      const slow = n;
      // 1 MiB more would take 16 s at the old rate; at the new one it takes a quarter of a second.
      const applied = Date.now();
      await waitFor(() => n - slow >= 1024 * 1024, 'a MiB more at the new rate', 5000);
      assert.ok(Date.now() - applied < 5000, `the open connection sped up: 1 MiB in ${Date.now() - applied} ms`);
      const group = t.engine.services.counters.get('upstream', `up 127.0.0.1:${up.port}`);
      assert.equal(group.active, 1, 'the open connection is still counted on its server');
      c.destroy();
      await t.stop();
      up.server.close();
    },
  );
});
