/**
 * Reused read buffers: a file's bytes are read again into a buffer only after
 * the outlet said the bytes written from it left the process, and the outlet
 * says so only when the socket has really taken them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendFileRange } from '../../core/http/file-sender.js';
import { ResponseOutlet } from '../../core/http/outlet.js';
import type { Exchange, Outlet } from '../../core/kernel/index.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * An outlet that keeps each written chunk by reference and copies its bytes
 * only when flushed() is next called and a turn has passed — as a socket does
 * with bytes it could not send at once.
 */
function lazyOutlet(step = 0) {
  const held: Buffer[] = [];
  const sizes: number[] = [];
  const out: Buffer[] = [];
  const take = () => {
    for (const b of held.splice(0)) out.push(Buffer.from(b));
  };
  const outlet: Outlet = {
    closed: false,
    direct: true,
    write: (chunk) => {
      held.push(chunk as Buffer);
      sizes.push(chunk.length);
      return Promise.resolve();
    },
    writeDirect: () => true,
    end: async () => take(),
    flushed: () => new Promise<void>((resolve) => setImmediate(() => (take(), resolve()))),
    stepSize: () => step,
  };
  return { outlet, sizes, bytes: () => (take(), Buffer.concat(out)) };
}

test('a buffer is filled again only after the bytes written from it were flushed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-file-sender-'));
  try {
    const data = randomBytes(1024 * 1024 + 777);
    const path = join(dir, 'f.bin');
    await writeFile(path, data);
    for (const [start, end] of [
      [0, data.length - 1],
      [1000, 700_000],
    ] as const) {
      const lazy = lazyOutlet();
      const ex = { outlet: lazy.outlet, ended: false } as unknown as Exchange;
      const sent = await sendFileRange(ex, path, start, end, 64 * 1024);
      assert.deepEqual(sent, { bytes: end - start + 1, stopped: false });
      assert.equal(sha(lazy.bytes()), sha(data.subarray(start, end + 1)), `bytes ${start}-${end}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("under a limit, reads follow the limit's step, between the usual read and the cap", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-file-sender-'));
  try {
    const data = randomBytes(3 * 1024 * 1024);
    const path = join(dir, 'f.bin');
    await writeFile(path, data);
    const KiB = 1024;
    for (const [step, expected] of [
      [0, 64 * KiB],
      [200 * KiB, 200 * KiB],
      [4096 * KiB, 256 * KiB],
    ] as const) {
      const lazy = lazyOutlet(step);
      const ex = { outlet: lazy.outlet, ended: false } as unknown as Exchange;
      await sendFileRange(ex, path, 0, data.length - 1, 64 * KiB, 256 * KiB);
      assert.equal(sha(lazy.bytes()), sha(data), `step ${step}`);
      // The first read is sized before the first write decides the stages.
      assert.deepEqual(
        new Set(lazy.sizes.slice(1, -1)),
        new Set([expected]),
        `step ${step}: ${lazy.sizes.slice(0, 4).join(', ')}…`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('outlet.flushed() waits until a client that does not read takes the bytes, and is released when it leaves', async () => {
  const big = Buffer.alloc(8 * 1024 * 1024, 7);
  const flushedAt: string[] = [];
  const server = http.createServer((req, res) => {
    const outlet = new ResponseOutlet(res, { counters: [] });
    res.writeHead(200, { 'content-length': big.length * 2 });
    void outlet.write(big);
    void outlet.flushed().then(() => flushedAt.push(req.url!));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const get = async (path: string) => {
    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    sock.pause();
    return sock;
  };
  try {
    const reader = await get('/read');
    const leaver = await get('/leave');
    await sleep(300);
    assert.equal(flushedAt.length, 0, '8 MiB cannot all be in the kernel while the clients do not read');
    let got = 0;
    reader.on('data', (b: Buffer) => (got += b.length));
    reader.resume();
    while (!flushedAt.includes('/read')) await sleep(10);
    assert.ok(got > 0, 'flushed once the client read');
    leaver.destroy();
    while (!flushedAt.includes('/leave')) await sleep(10);
    reader.destroy();
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
