/**
 * Stream proxying: Sluice (`sluice run`, its own process) vs nginx `stream`
 * vs HAProxy `mode tcp` (TCP only) vs a minimal Node proxy vs direct, in one
 * run, all single-threaded (nginx 1 worker, HAProxy nbthread 1).
 *
 *   TCP throughput: iperf3 -n 1G through each proxy, both directions.
 *   TCP connection rate: wrk with `Connection: close` against a tiny HTTP
 *     responder (nginx stream `return`), one upstream connection per request.
 *   UDP: 64-byte request/response datagrams/s (4 sockets × 16 in flight) and
 *     ping-pong round trips/s (1 × 1) against an nginx stream `return` responder.
 *
 * Rounds interleave the targets, so load from other work hits them alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  median,
  ratio,
  startNginx,
  stopProc,
  waitForPort,
  type BenchSuite,
  type BenchTable,
} from './harness.js';
import { run } from '../helpers/process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REPLY = 'x'.repeat(64);

/** The floor for a Node TCP proxy: accept, connect, pipe() both ways. */
const NODE_TCP = `
const net = require('node:net');
const [p1, u1, p2, u2] = process.argv.slice(1).map(Number);
[[p1, u1], [p2, u2]].forEach(([port, up]) => net.createServer({ noDelay: true }, (c) => {
  const u = net.connect({ port: up, host: '127.0.0.1', noDelay: true });
  c.pipe(u); u.pipe(c);
  c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
}).listen(port, '127.0.0.1'));
`;

/** The floor for a Node UDP relay: one upstream socket per client address. */
const NODE_UDP = `
const dgram = require('node:dgram');
const [port, up] = process.argv.slice(1).map(Number);
const server = dgram.createSocket('udp4');
const sessions = new Map();
server.on('message', (msg, r) => {
  const key = r.address + ':' + r.port;
  let s = sessions.get(key);
  if (!s) {
    s = dgram.createSocket('udp4');
    s.on('message', (reply) => server.send(reply, r.port, r.address));
    sessions.set(key, s);
  }
  s.send(msg, up, '127.0.0.1');
});
server.bind(port, '127.0.0.1');
`;

interface Ports {
  iperf: number;
  web: number;
  udp: number;
}
interface Target {
  name: string;
  ports: Ports;
}

function startNode(port: Ports, ups: Ports): ChildProcess[] {
  return [
    spawn(
      process.execPath,
      ['-e', NODE_TCP, String(port.iperf), String(ups.iperf), String(port.web), String(ups.web)],
      { stdio: 'ignore' },
    ),
    spawn(process.execPath, ['-e', NODE_UDP, String(port.udp), String(ups.udp)], { stdio: 'ignore' }),
  ];
}

async function ports(): Promise<Ports> {
  return { iperf: await freePort(), web: await freePort(), udp: await freePort() };
}

function startSluice(dir: string, port: Ports, ups: Ports): ChildProcess {
  const conf = join(dir, 'sluice.yaml');
  writeFileSync(
    conf,
    `stream:
  upstreams:
    - { name: iperf, servers: [ { address: 127.0.0.1:${ups.iperf} } ] }
    - { name: web, servers: [ { address: 127.0.0.1:${ups.web} } ] }
    - { name: udp, servers: [ { address: 127.0.0.1:${ups.udp} } ] }
  servers:
    - { name: iperf, listen: 127.0.0.1:${port.iperf}, upstream: iperf }
    - { name: web, listen: 127.0.0.1:${port.web}, upstream: web }
    - { name: udp, listen: 127.0.0.1:${port.udp}, protocol: udp, upstream: udp, proxy_responses: 1 }
`,
  );
  return spawn(
    process.execPath,
    ['--no-memory-reducer', '--max-semi-space-size=4', join(root, 'bin/sluice.mjs'), 'run', conf],
    { stdio: 'ignore' },
  );
}

function startHaproxy(dir: string, port: Ports, ups: Ports): ChildProcess {
  const conf = join(dir, 'haproxy.cfg');
  writeFileSync(
    conf,
    `global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen iperf
  bind 127.0.0.1:${port.iperf}
  server s1 127.0.0.1:${ups.iperf}
listen web
  bind 127.0.0.1:${port.web}
  server s1 127.0.0.1:${ups.web}
`,
  );
  return spawn('haproxy', ['-db', '-f', conf], { stdio: 'ignore' });
}

/**
 * iperf3 -n 1G through a port: MiB/s received (one retry: iperf3's server refuses while finishing a test).
 * `reverse` (-R): the server sends, so bytes go upstream → client through the proxy.
 */
async function iperf(port: number, reverse = false, retry = 2): Promise<number> {
  try {
    return await iperfOnce(port, reverse);
  } catch (err) {
    if (retry <= 0) throw err;
    await new Promise((r) => setTimeout(r, 500));
    return iperf(port, reverse, retry - 1);
  }
}

async function iperfOnce(port: number, reverse: boolean): Promise<number> {
  const r = await run('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-n', '1G', '-J', ...(reverse ? ['-R'] : [])], {
    timeoutMs: 60000,
  });
  const bps = JSON.parse(r.stdout)?.end?.sum_received?.bits_per_second;
  if (!bps) throw new Error(`iperf3 via ${port} failed: ${r.stdout.slice(0, 400)}${r.stderr}`);
  return bps / 8 / 1024 ** 2;
}

/** Short connections per second (wrk, Connection: close). */
async function connRate(port: number): Promise<number> {
  const r = await run(
    'wrk',
    ['-t', '2', '-c', '32', '-d', '3s', '-H', 'Connection: close', `http://127.0.0.1:${port}/`],
    { timeoutMs: 30000 },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
  if (rps === 0) throw new Error(`wrk via ${port} failed:\n${r.stdout}${r.stderr}`);
  return rps;
}

/** Replies per second with `sockets` × `inFlight` 64-byte datagrams outstanding, for `ms`. */
async function udpRate(port: number, sockets: number, inFlight: number, ms: number): Promise<number> {
  const msg = Buffer.alloc(64, 97);
  let replies = 0;
  let running = true;
  const socks = await Promise.all(
    Array.from({ length: sockets }, async () => {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.connect(port, '127.0.0.1', () => r()));
      s.on('error', () => undefined);
      return s;
    }),
  );
  // A lost datagram would shrink the window for good: a socket silent for 50 ms gets its window again.
  const heard = new Map(socks.map((s) => [s, performance.now()]));
  for (const s of socks) {
    s.on('message', () => {
      replies++;
      heard.set(s, performance.now());
      if (running) s.send(msg);
    });
  }
  const fill = (s: dgram.Socket) => {
    for (let i = 0; i < inFlight; i++) s.send(msg);
  };
  socks.forEach(fill);
  const topUp = setInterval(() => {
    const now = performance.now();
    for (const s of socks)
      if (now - heard.get(s)! > 50) {
        heard.set(s, now);
        fill(s);
      }
  }, 25);
  await new Promise((r) => setTimeout(r, 200)); // warm-up
  const start = replies;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const rate = ((replies - start) * 1000) / (performance.now() - t0);
  running = false;
  clearInterval(topUp);
  for (const s of socks) s.close();
  return rate;
}

export const suite: BenchSuite = {
  name: 'stream',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-stream-bench-'));
    const origin = await ports();
    const base = { sluice: await ports(), nginx: await ports(), haproxy: await ports(), node: await ports() };
    const procs: ChildProcess[] = [];
    const peers: { stop(): Promise<void> }[] = [];
    try {
      procs.push(spawn('iperf3', ['-s', '-p', String(origin.iperf)], { stdio: 'ignore' }));
      peers.push(
        startNginx(
          `stream {
  server { listen 127.0.0.1:${origin.web}; return "HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok"; }
  server { listen 127.0.0.1:${origin.udp} udp; return "${REPLY}"; }
}`,
          [STREAM_MODULE],
        ),
      );
      peers.push(
        startNginx(
          `stream {
  server { listen 127.0.0.1:${base.nginx.iperf}; proxy_pass 127.0.0.1:${origin.iperf}; }
  server { listen 127.0.0.1:${base.nginx.web}; proxy_pass 127.0.0.1:${origin.web}; }
  server { listen 127.0.0.1:${base.nginx.udp} udp; proxy_pass 127.0.0.1:${origin.udp}; proxy_responses 1; }
}`,
          [STREAM_MODULE],
        ),
      );
      procs.push(
        startSluice(dir, base.sluice, origin),
        startHaproxy(dir, base.haproxy, origin),
        ...startNode(base.node, origin),
      );
      for (const [name, p] of Object.entries({ origin, ...base })) {
        // Probing iperf ports through a proxy would feed iperf3 empty tests: the web port tells the proxy is up.
        for (const port of name === 'origin' ? [p.iperf, p.web] : [p.web])
          await waitForPort(port, '127.0.0.1', 20000).catch((e: Error) => {
            throw new Error(`${name}: ${e.message}`);
          });
      }
      const tcpTargets: Target[] = [
        { name: 'direct', ports: origin },
        { name: 'sluice', ports: base.sluice },
        { name: 'nginx stream', ports: base.nginx },
        { name: 'haproxy tcp', ports: base.haproxy },
        { name: 'node pipe()', ports: base.node },
      ];
      const udpTargets = tcpTargets.filter((t) => t.name !== 'haproxy tcp');
      const results = new Map<string, number[]>();
      const add = (key: string, v: number) => {
        if (!results.has(key)) results.set(key, []);
        results.get(key)!.push(v);
      };
      for (let round = 0; round < ROUNDS; round++) {
        for (const t of tcpTargets) add(`tput ${t.name}`, await iperf(t.ports.iperf));
        for (const t of tcpTargets) add(`down ${t.name}`, await iperf(t.ports.iperf, true));
        for (const t of tcpTargets) add(`conn ${t.name}`, await connRate(t.ports.web));
        for (const t of udpTargets) add(`udp ${t.name}`, await udpRate(t.ports.udp, 4, 16, 2000));
        for (const t of udpTargets) add(`ping ${t.name}`, await udpRate(t.ports.udp, 1, 1, 1500));
      }
      const med = (k: string) => median(results.get(k) ?? [0]);
      const all = (k: string) => (results.get(k) ?? []).map((x) => x.toFixed(0)).join(' / ');
      const tcp: BenchTable = {
        title:
          'Stream TCP: iperf3 -n 1G throughput client → upstream and (-R) upstream → client, short connections/s (wrk, Connection: close)',
        columns: [
          'target',
          'MiB/s',
          'vs nginx',
          'MiB/s -R',
          'vs nginx',
          'conn/s',
          'vs nginx',
          'runs MiB/s',
          'runs conn/s',
        ],
        rows: tcpTargets.map((t) => [
          t.name,
          med(`tput ${t.name}`).toFixed(0),
          ratio(med(`tput ${t.name}`), med('tput nginx stream')),
          med(`down ${t.name}`).toFixed(0),
          ratio(med(`down ${t.name}`), med('down nginx stream')),
          med(`conn ${t.name}`).toFixed(0),
          ratio(med(`conn ${t.name}`), med('conn nginx stream')),
          all(`tput ${t.name}`),
          all(`conn ${t.name}`),
        ]),
        notes: [
          'goals: sluice throughput ≥ nginx, connection rate ≥ 0.75× nginx',
          'proxies, peers and clients share 2 cores with other work',
        ],
      };
      const udp: BenchTable = {
        title:
          'Stream UDP: 64-byte replies/s (4 sockets × 16 in flight) and ping-pong round trips/s (1 × 1), proxy_responses 1',
        columns: [
          'target',
          'replies/s',
          'vs node relay',
          'ping-pong/s',
          'vs direct',
          'runs replies/s',
          'runs ping-pong/s',
        ],
        rows: udpTargets.map((t) => [
          t.name,
          med(`udp ${t.name}`).toFixed(0),
          ratio(med(`udp ${t.name}`), med('udp node pipe()')),
          med(`ping ${t.name}`).toFixed(0),
          ratio(med(`ping ${t.name}`), med('ping direct')),
          all(`udp ${t.name}`),
          all(`ping ${t.name}`),
        ]),
        notes: [
          'goals: sluice replies/s ≥ 1.2× the minimal Node relay ("node pipe()" row), ping-pong ≥ 0.7× direct',
          'the responder is nginx stream `return` (one reply per datagram)',
        ],
      };
      return [tcp, udp];
    } finally {
      await Promise.all([...procs.map((p) => stopProc(p)), ...peers.map((p) => p.stop())]);
    }
  },
};
