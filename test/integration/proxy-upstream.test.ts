/**
 * The proxy's side of the upstream connection with real sockets: a connect
 * that never completes (504 after connect_timeout), a name that does not
 * resolve (502), a client that stops reading (send_timeout ends it and
 * releases the upstream), keep-alive connections reused across requests,
 * `buffering: on` past its 1 MiB cap, and X-Accel-Buffering from the upstream
 * overriding the route's `buffering`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { needs } from '../helpers/peers.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { get, startUpstream, type Upstream } from './proxy-fixtures.js';

const BIG = randomBytes(3 * 1024 * 1024 + 5);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let up: Upstream;
let t: TestEngine;
/** Connections the upstream accepted (keep-alive reuse shows as fewer connections than requests). */
let connections = 0;
let endlessWritten = 0;
let endlessClosed = false;

async function handler(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/(kept|fresh|buffered|accel|patient)(?=\/)/, '');
  if (path === '/conn') return void res.end(String(req.socket.remotePort));
  if (path === '/big') {
    // No Content-Length, in pieces with pauses: only buffering can give it a length.
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let off = 0; off < BIG.length; off += 256 * 1024) {
      if (!res.write(BIG.subarray(off, off + 256 * 1024))) await new Promise((r) => res.once('drain', r));
      await sleep(5);
    }
    return void res.end();
  }
  if (path === '/pieces') {
    res.writeHead(200, {
      'content-type': 'text/plain',
      ...(req.url?.includes('accel=') ? { 'x-accel-buffering': req.url.split('accel=')[1] } : {}),
    });
    for (const p of ['one ', 'two ', 'three']) {
      res.write(p);
      await sleep(50);
    }
    return void res.end();
  }
  if (path === '/endless') {
    res.on('close', () => {
      endlessClosed = true;
    });
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const piece = Buffer.alloc(64 * 1024, 1);
    const more = () => {
      while (!res.destroyed) {
        endlessWritten += piece.length;
        if (!res.write(piece)) return void res.once('drain', more);
      }
    };
    return more();
  }
  res.end('ok');
}

/**
 * A port whose listener never accepts (backlog 0, filled by one connection): a further connect stays
 * in SYN-SENT, as with a host that drops packets. python3 holds the socket; Node always accepts.
 */
async function blackHole(): Promise<{ port: number; close(): void }> {
  const py: ChildProcess = spawn('python3', [
    '-c',
    'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()',
  ]);
  const port = await new Promise<number>((resolve, reject) => {
    py.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    py.once('error', reject);
  });
  const filler = net.connect(port, '127.0.0.1');
  filler.on('error', () => {});
  await new Promise((r) => filler.once('connect', r));
  return {
    port,
    close: () => {
      filler.destroy();
      py.kill();
    },
  };
}

let hole: { port: number; close(): void } | undefined;
const noPython = needs('python3');

before(async () => {
  up = await startUpstream((req, res) => void handler(req, res));
  up.server.on('connection', () => connections++);
  if (!noPython) hole = await blackHole();
  t = await startEngine(`
http:
  servers:
    - name: front
      listen: 0
      routes:
        - { path: /kept, proxy: { upstream: be } }
        - { path: /fresh, proxy: { upstream: single } }
        - { path: /buffered, proxy: { upstream: be, buffering: on } }
        - { path: /accel, proxy: { upstream: be, buffering: off } }
        - { path: /patient, proxy: { upstream: be, send_timeout: 500ms } }
        - { path: /hole, proxy: { upstream: hole, connect_timeout: 300ms } }
        - { path: /nowhere, proxy: { upstream: nowhere } }
  upstreams:
    - { name: be, servers: [ { address: ${up.address} } ] }
    - { name: single, keepalive: 0, servers: [ { address: ${up.address} } ] }
    - { name: hole, servers: [ { address: 127.0.0.1:${hole?.port ?? 9} } ] }
    - { name: nowhere, servers: [ { address: "no-such-host.invalid:80" } ] }
`);
});
after(async () => {
  await t?.stop();
  await up?.close();
  hole?.close();
});

test(
  'a connect that never completes is a 504 after connect_timeout, naming the server',
  { skip: noPython },
  async () => {
    const started = Date.now();
    const r = await get(`${t.url('front')}/hole/x`);
    const took = Date.now() - started;
    assert.equal(r.status, 504);
    assert.equal(r.body, `upstream hole: connect to 127.0.0.1:${hole!.port} timed out after 300 ms\n`);
    assert.ok(took >= 290 && took < 5000, `answered after ${took} ms`);
    const rec = t.engine.services.traffic.recent(20).find((x) => x.url === '/hole/x')!;
    assert.equal(rec.status, 504);
  },
);

test('an upstream name that does not resolve is a 502 with the resolver error', async () => {
  const r = await get(`${t.url('front')}/nowhere/x`);
  assert.equal(r.status, 502);
  assert.match(r.headers['content-type'] ?? '', /^text\/plain/);
  assert.equal(r.body, 'upstream nowhere: getaddrinfo ENOTFOUND no-such-host.invalid (no-such-host.invalid:80)\n');
});

test('keep-alive: sequential requests reuse one upstream connection; keepalive: 0 opens one per request', async () => {
  const before = connections;
  const ports = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const r = await get(`${t.url('front')}/kept/conn`);
    assert.equal(r.status, 200);
    ports.add(r.body);
  }
  assert.equal(ports.size, 1, `one upstream connection for five requests: ${[...ports]}`);
  assert.ok(connections - before <= 1);
  const fresh = new Set<string>();
  for (let i = 0; i < 3; i++) fresh.add((await get(`${t.url('front')}/fresh/conn`)).body);
  assert.equal(fresh.size, 3, `a new connection each time: ${[...fresh]}`);
});

test('buffering: on past its 1 MiB cap streams the rest: every byte, chunked, no Content-Length', async () => {
  const res = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http
      .get(`${t.url('front')}/buffered/big`, { agent: false }, (r) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => resolve({ headers: r.headers, body: Buffer.concat(parts) }));
      })
      .on('error', reject);
  });
  assert.equal(res.body.length, BIG.length);
  assert.equal(sha(res.body), sha(BIG));
  assert.equal(res.headers['content-length'], undefined, 'too big to collect: no length');
  assert.equal(res.headers['transfer-encoding'], 'chunked');
});

test('X-Accel-Buffering from the upstream wins over the route: yes collects under buffering: off, no streams', async () => {
  const yes = await get(`${t.url('front')}/accel/pieces?accel=yes`);
  assert.equal(yes.body, 'one two three');
  assert.equal(yes.headers['content-length'], '13', 'collected and sent with its length');
  assert.equal(yes.headers['transfer-encoding'], undefined);
  assert.equal(yes.headers['x-accel-buffering'], undefined, 'the instruction is for the proxy, not the client');
  const off = await get(`${t.url('front')}/accel/pieces`);
  assert.equal(off.headers['transfer-encoding'], 'chunked', 'the route streams by default');
  const no = await get(`${t.url('front')}/buffered/pieces?accel=no`);
  assert.equal(no.headers['transfer-encoding'], 'chunked');
  assert.equal(no.headers['content-length'], undefined);
});

test('a client that stops reading is cut off after send_timeout, and the upstream request is released', async () => {
  endlessWritten = 0;
  endlessClosed = false;
  let received = 0;
  let closed = false;
  let response: http.IncomingMessage | undefined;
  let reading = false;
  const req = http.get(`${t.url('front')}/patient/endless`, { agent: false }, (res) => {
    response = res;
    res.on('data', (c: Buffer) => {
      received += c.length;
      if (received > 128 * 1024 && !reading) res.pause();
    });
    res.on('close', () => {
      closed = true;
    });
  });
  req.on('error', () => {});
  try {
    // Buffers fill, the proxy waits on the client for 500 ms, then gives up on it.
    await waitFor(() => endlessClosed, 'the upstream response to be closed by the proxy', 15_000);
    assert.ok(endlessWritten < 48 * 1024 * 1024, `only buffers were in flight: ${endlessWritten} bytes`);
    const find = () => t.engine.services.traffic.recent(20).find((x) => x.url === '/patient/endless');
    await waitFor(() => (find()?.outcome ?? 'open') !== 'open', 'the exchange to end');
    assert.notEqual(find()!.outcome, 'complete');
    await waitFor(
      () => t.modules.upstreams.servers().find((s) => s.group === 'be')!.active === 0,
      'the upstream request to be released',
    );
    // Reading again, the client finds its response cut short.
    reading = true;
    response!.resume();
    await waitFor(() => closed, 'the client to see its connection closed');
    assert.equal(response!.complete, false);
  } finally {
    req.destroy();
  }
});
