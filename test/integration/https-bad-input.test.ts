/**
 * Bad input on an HTTPS port, against `sluice run` in its own process (so
 * its memory is its own): plain HTTP gets nginx's 400, a truncated
 * ClientHello is closed at the header timeout, 2000 handshakes opened and
 * abandoned, and an HTTP/2 client opening and resetting streams in a loop
 * (rapid reset, CVE-2023-44487). Throughout, other clients keep getting
 * answers and the engine's memory stays bounded.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_FLAGS } from '../../bin/engine-flags.mjs';
import { freePort, waitForPort } from '../bench/harness.js';
import { run } from '../helpers/process.js';
import { sleep, waitFor } from '../helpers/wait.js';

const BIN = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));
let dir: string;
let port: number;
let engine: ChildProcess;
let caPath: string;
let base: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-https-bad-'));
  port = await freePort();
  writeFileSync(
    join(dir, 'sluice.yaml'),
    `version: 1
http:
  servers:
    - name: secure
      listen: 127.0.0.1:${port}
      tls: {}
      header_timeout: 2s
      routes:
        - path: /events
          sse: { script: [ { data: 'n{{seq}}', every: 100ms, repeat: 5 } ] }
        - path: /health
          respond: { status: 200, body: ok }
`,
  );
  const env = { ...process.env, SLUICE_HOME: join(dir, 'home') };
  engine = spawn(process.execPath, [...ENGINE_FLAGS, BIN, 'run', join(dir, 'sluice.yaml')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  engine.stderr!.on('data', (b: Buffer) => process.stderr.write(b));
  await waitForPort(port, '127.0.0.1', 30_000);
  caPath = (await run(process.execPath, [BIN, 'ca'], { env })).stdout.trim();
  base = `https://127.0.0.1:${port}`;
});

after(() => {
  engine?.kill('SIGKILL');
});

/** The engine's resident memory, MiB. */
function rssMiB(): number {
  const status = readFileSync(`/proc/${engine.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** One HTTPS request from curl; its status and how long it took. */
async function probe(path = '/health'): Promise<{ code: string; ms: number }> {
  const started = Date.now();
  const r = await run('curl', ['-sS', '--cacert', caPath, '-o', '/dev/null', '-w', '%{response_code}', base + path], {
    timeoutMs: 20_000,
  });
  return { code: r.stdout, ms: Date.now() - started };
}

/** The first bytes a real TLS client sends: its ClientHello, caught on a throwaway socket. */
async function clientHello(): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const got = new Promise<Buffer>((resolve) => server.once('connection', (s) => s.once('data', resolve)));
  const c = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1' });
  c.on('error', () => {});
  const hello = await got;
  c.destroy();
  server.close();
  return hello;
}

test('plain HTTP to the TLS port: 400 with a clear body, like nginx', async () => {
  const r = await run('curl', ['-sS', '-i', `http://127.0.0.1:${port}/health`]);
  assert.match(r.stdout, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(r.stdout, /\r\n\r\nThe plain HTTP request was sent to HTTPS port\n$/);
  // The TLS clients on the same port are unaffected.
  assert.equal((await probe()).code, '200');
});

test('a truncated ClientHello is closed at the header timeout; others are answered meanwhile', async () => {
  const hello = await clientHello();
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => {
    const started = Date.now();
    socket.on('close', () => resolve(Date.now() - started));
  });
  socket.write(hello.subarray(0, Math.floor(hello.length / 2)));
  const p = await probe();
  assert.equal(p.code, '200');
  const after = await closed;
  assert.ok(after >= 1500 && after < 10_000, `closed after ${after} ms (header_timeout 2s)`);
});

test('2000 handshakes opened and abandoned: the engine keeps answering, memory bounded', async (t) => {
  const hello = await clientHello();
  const rss0 = rssMiB();
  const sockets: net.Socket[] = [];
  // Half send part of a ClientHello and hang; half send a whole one and vanish before the handshake ends.
  for (let i = 0; i < 2000; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.on('connect', () => {
      if (i % 2 === 0) s.write(hello.subarray(0, 40));
      else s.end(hello, () => s.destroy());
    });
    sockets.push(s);
    if (i % 200 === 199) await sleep(20);
  }
  const p = await probe();
  assert.equal(p.code, '200');
  assert.ok(p.ms < 10_000, `answered in ${p.ms} ms with 2000 handshakes hanging`);
  for (const s of sockets) s.destroy();
  const grown = rssMiB() - rss0;
  t.diagnostic(`probe with 2000 handshakes hanging: ${p.ms} ms; RSS ${rss0.toFixed(0)} → +${grown.toFixed(0)} MiB`);
  assert.ok(grown < 150, `RSS grew ${grown.toFixed(0)} MiB`);
  assert.equal((await probe()).code, '200');
});

test('rapid reset: streams opened and reset in a loop; others keep being answered, memory bounded', async (t) => {
  const rss0 = rssMiB();
  const ca = readFileSync(caPath, 'utf8');
  let opened = 0;
  let stop = false;
  const attack = (async () => {
    while (!stop) {
      const session = http2.connect(base, { ca, peerMaxConcurrentStreams: 1000 });
      session.on('error', () => {});
      await new Promise<void>((resolve) => {
        session.once('connect', () => resolve());
        session.once('close', () => resolve());
      });
      // Open and cancel streams as fast as the connection takes them, until the server sends GOAWAY.
      while (!stop && !session.closed && !session.destroyed) {
        for (let i = 0; i < 100 && !session.closed && !session.destroyed; i++) {
          try {
            const req = session.request({ ':path': i % 2 ? '/events' : '/health' });
            req.on('error', () => {});
            req.close(http2.constants.NGHTTP2_CANCEL);
            opened++;
          } catch {
            break;
          }
        }
        await new Promise((r) => setImmediate(r));
      }
      session.destroy();
    }
  })();
  try {
    const probes: { code: string; ms: number }[] = [];
    const end = Date.now() + 6000;
    while (Date.now() < end) {
      probes.push(await probe(probes.length % 2 ? '/events' : '/health'));
      await sleep(200);
    }
    assert.ok(opened > 5000, `the attack opened ${opened} streams`);
    assert.ok(
      probes.every((p) => p.code === '200'),
      `probes: ${probes.map((p) => p.code).join(' ')}`,
    );
    const slowest = Math.max(...probes.map((p) => p.ms));
    t.diagnostic(`${opened} streams opened and reset; ${probes.length} probes, slowest ${slowest} ms`);
    assert.ok(slowest < 10_000, `slowest probe ${slowest} ms`);
  } finally {
    stop = true;
    await attack;
  }
  t.diagnostic(`RSS ${rss0.toFixed(0)} MiB, +${(rssMiB() - rss0).toFixed(0)} MiB after the attack`);
  await waitFor(
    () => rssMiB() - rss0 < 150,
    `memory to stay bounded (grew ${(rssMiB() - rss0).toFixed(0)} MiB)`,
    10_000,
  );
  assert.equal((await probe()).code, '200');
  assert.equal(engine.exitCode, null, 'the engine is still running');
});
