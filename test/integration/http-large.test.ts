/**
 * Large bodies: a 256 MiB generated file downloads sha256-exact through curl
 * and Node's http client, and a client that stops reading a 1 GiB file makes
 * the engine stop reading it too (bytes sent stay near socket-buffer size).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, open, rm, truncate, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { splitAddress } from '../helpers/http-raw.js';

const MiB = 1024 * 1024;
const BIG = 256 * MiB;
let dir: string;
let te: TestEngine;
let bigSha: string;

/** Writes `size` bytes of varied random data (a 1 MiB block, stamped per MiB) and returns its sha256. */
async function generate(path: string, size: number): Promise<string> {
  const block = randomBytes(MiB);
  const hash = createHash('sha256');
  const fh = await open(path, 'w');
  try {
    for (let off = 0; off < size; off += MiB) {
      block.writeUInt32BE(off / MiB, 0);
      hash.update(block);
      await fh.write(block);
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-large-'));
  await mkdir(join(dir, 'www'));
  bigSha = await generate(join(dir, 'www/big.bin'), BIG);
  await writeFile(join(dir, 'www/huge.bin'), '');
  await truncate(join(dir, 'www/huge.bin'), 1024 * MiB); // sparse: 1 GiB without using disk
  te = await startEngine(
    `
version: 1
http:
  servers:
    - name: big
      listen: 0
      routes:
        - path: /
          static: { root: ./www }
`,
    { baseDir: dir },
  );
});

after(async () => {
  await te?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('256 MiB download is sha256-exact through curl', { timeout: 60_000 }, async () => {
  const r = await run('sh', ['-c', `curl -sS --fail ${te.url('big')}/big.bin | sha256sum`], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split(' ')[0], bigSha);
});

test('256 MiB download is sha256-exact through Node http', { timeout: 60_000 }, async () => {
  const digest = await new Promise<{ sha: string; length: string | undefined; bytes: number }>((resolve, reject) => {
    http
      .get(`${te.url('big')}/big.bin`, (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          hash.update(c);
          bytes += c.length;
        });
        res.on('end', () => resolve({ sha: hash.digest('hex'), length: res.headers['content-length'], bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  assert.deepEqual(digest, { sha: bigSha, length: String(BIG), bytes: BIG });
});

test('a client that stops reading a 1 GiB file keeps the server bounded', { timeout: 30_000 }, async () => {
  const listener = te.engine.services.counters.get('listener', 'big');
  const sentBefore = listener.bytesOut;
  const rssBefore = process.memoryUsage().rss;
  const [host, port] = splitAddress(te.addr('big'));
  const socket = net.connect({ host, port });
  let received = 0;
  socket.on('data', (b: Buffer) => {
    received += b.length;
  });
  socket.pause(); // read nothing: the kernel buffers fill, then the server must stop
  socket.write(`GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n`);
  await new Promise((r) => setTimeout(r, 1500));
  const sentWhilePaused = listener.bytesOut - sentBefore;
  // Trickle-read a little: the server resumes, still without racing ahead.
  for (let i = 0; i < 10; i++) {
    socket.resume();
    await new Promise((r) => setTimeout(r, 20));
    socket.pause();
    await new Promise((r) => setTimeout(r, 80));
  }
  const sentAfterTrickle = listener.bytesOut - sentBefore;
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  socket.destroy();
  assert.ok(sentWhilePaused > 0, 'the response started');
  assert.ok(sentWhilePaused < 32 * MiB, `sent ${sentWhilePaused} bytes to a client that read nothing`);
  assert.ok(
    sentAfterTrickle - received < 32 * MiB,
    `${sentAfterTrickle - received} bytes in flight beyond what the client read`,
  );
  assert.ok(rssGrowth < 96 * MiB, `RSS grew by ${(rssGrowth / MiB).toFixed(1)} MiB for a 1 GiB file`);
  // The exchange ends when the client leaves (no reader keeps the file open).
  const deadline = Date.now() + 5000;
  while (listener.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(listener.active, 0, 'the connection is gone on the server too');
});
