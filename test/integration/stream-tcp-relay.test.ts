/**
 * Bulk bytes through the TCP stream proxy: 1 GiB downloaded and 256 MiB
 * uploaded, each checked with sha256 at both ends through a slow reader with
 * bounded memory, and the read relay both ways — or, when the client socket
 * cannot be re-wrapped, streams on that side — moving every byte exactly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startEngine } from '../helpers/engine.js';
import { relayOptions, relayStats } from '../../core/stream/read-relay.js';
import { takeTurn } from '../helpers/exclusive.js';
import { connect, readAll, serve, streamYaml } from '../helpers/stream-tcp.js';

describe('stream tcp', { timeout: 60000 }, () => {
  it('moves 1 GiB exactly (sha256) through a slow reader with bounded memory', { timeout: 60000 }, async (ctx) => {
    ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
    const TOTAL = 1024 ** 3;
    const block = randomBytes(64 * 1024);
    const sent = createHash('sha256');
    const up = await serve((s) => {
      let n = 0;
      const pump = () => {
        while (n < TOTAL) {
          const chunk = Buffer.from(block);
          chunk.writeUInt32BE(n / block.length, 0); // every block differs
          sent.update(chunk);
          n += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
        s.end();
      };
      pump();
    });
    const t = await startEngine(streamYaml(up.port));
    const c = await connect(t.addr('s'));
    const got = createHash('sha256');
    let received = 0;
    let maxRss = 0;
    let paused = false;
    const sampler = setInterval(() => {
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
    }, 50);
    await new Promise<void>((resolve) => {
      c.on('data', (d: Buffer) => {
        got.update(d);
        received += d.length;
        if (!paused && received > 256 * 1024 ** 2) {
          paused = true; // the slow reader: stop reading for a while
          c.pause();
          setTimeout(() => c.resume(), 1500);
        }
      });
      c.on('end', () => resolve());
    });
    clearInterval(sampler);
    assert.equal(received, TOTAL);
    assert.equal(got.digest('hex'), sent.digest('hex'));
    assert.ok(maxRss < 400 * 1024 ** 2, `RSS stayed bounded: ${(maxRss / 1024 ** 2).toFixed(0)} MiB`);
    const counters = t.engine.services.counters.get('listener', 's');
    assert.equal(counters.bytesOut, TOTAL, 'listener: bytes sent to the client');
    assert.equal(
      t.engine.services.counters.get('upstream', `up 127.0.0.1:${up.port}`).bytesIn,
      TOTAL,
      'server: bytes received from it',
    );
    c.destroy();
    await t.stop();
    up.server.close();
  });

  it(
    'uploads 256 MiB exactly (sha256) to an upstream that reads in small, slow bites, and the echo comes back whole',
    { timeout: 60000 },
    async (ctx) => {
      ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
      // Client → upstream on the relay path, with the upstream pausing often: a read buffer reused
      // before its write finished would corrupt the stream; the echo checks the reverse path too.
      const TOTAL = 256 * 1024 ** 2;
      const got = createHash('sha256');
      let upReceived = 0;
      const up = await serve((s) => {
        s.on('data', (d: Buffer) => {
          got.update(d);
          upReceived += d.length;
          if (upReceived % (16 * 1024 ** 2) < d.length) {
            s.pause();
            setTimeout(() => s.resume(), 40);
          }
          s.write(d.subarray(0, 1)); // one byte back per read: a steady echo of small writes
        });
        s.on('end', () => s.end());
      });
      const t = await startEngine(streamYaml(up.port));
      const c = await connect(t.addr('s'), true);
      let echoed = 0;
      c.on('data', (d: Buffer) => {
        echoed += d.length;
      });
      const ended = new Promise<void>((r) => c.on('end', () => r()));
      const sent = createHash('sha256');
      const block = randomBytes(40_000); // not a power of two: reads and buffers never line up
      let n = 0;
      await new Promise<void>((resolve) => {
        const pump = () => {
          while (n < TOTAL) {
            const chunk = Buffer.from(block.subarray(0, Math.min(block.length, TOTAL - n)));
            chunk.writeUInt32BE(n % 2 ** 32, 0);
            sent.update(chunk);
            n += chunk.length;
            if (!c.write(chunk)) return void c.once('drain', pump);
          }
          c.end();
          resolve();
        };
        pump();
      });
      await ended;
      assert.equal(upReceived, TOTAL);
      assert.equal(got.digest('hex'), sent.digest('hex'));
      assert.ok(echoed > 0, 'the echo came back');
      assert.equal(t.engine.services.counters.get('listener', 's').bytesIn, TOTAL, 'listener: bytes from the client');
      assert.equal(t.engine.services.counters.get('listener', 's').bytesOut, echoed, 'listener: bytes to the client');
      c.destroy();
      await t.stop();
      up.server.close();
    },
  );

  it(
    'without limits or faults both directions take the read relay on this Node (not the stream fallback)',
    { timeout: 15000 },
    async () => {
      const up = await serve((s) => {
        s.on('data', (d: Buffer) => s.write(d));
        s.on('end', () => s.end());
      });
      const t = await startEngine(streamYaml(up.port));
      const before = { ...relayStats };
      const c = await connect(t.addr('s'), true);
      const got = readAll(c);
      c.end('relayed both ways');
      assert.equal((await got).toString(), 'relayed both ways');
      assert.equal(relayStats.adopted - before.adopted, 1, 'the accepted socket was re-wrapped with onread');
      assert.equal(relayStats.streamFallback, before.streamFallback, 'no fallback to streams');
      await t.stop();
      up.server.close();
    },
  );

  it(
    'when the client socket cannot be re-wrapped, it streams and the upstream side still relays: both ways exact',
    { timeout: 60_000 }, // its turn may wait behind other heavy tests
    async (ctx) => {
      ctx.after(await takeTurn()); // heavy: runs alone (see helpers/exclusive.ts)
      relayOptions.adoptClients = false;
      try {
        const up = await serve((s) => s.pipe(s)); // echo everything back, FIN included
        const t = await startEngine(streamYaml(up.port));
        const before = { ...relayStats };
        const c = await connect(t.addr('s'), true);
        const got = readAll(c);
        const sent = createHash('sha256');
        const payload = randomBytes(24 * 1024 ** 2);
        sent.update(payload);
        c.end(payload);
        const back = await got;
        assert.equal(back.length, payload.length);
        assert.equal(createHash('sha256').update(back).digest('hex'), sent.digest('hex'));
        assert.equal(relayStats.adopted, before.adopted, 'no client socket was re-wrapped');
        await t.stop();
        up.server.close();
      } finally {
        relayOptions.adoptClients = true;
      }
    },
  );
});
