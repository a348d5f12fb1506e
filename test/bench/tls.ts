/**
 * HTTPS and HTTP/2, side by side in one run, every server presenting the
 * same ECDSA P-256 certificate:
 *
 *   Handshakes: new TLS connections per second (wrk, `Connection: close`,
 *     no session resumption) — Sluice with HTTP/2 on (the h1 path of an
 *     HTTP/2 server) and off, nginx `ssl` with 1 worker, a minimal Node
 *     https server (the floor for Node).
 *   SSE over HTTP/2: 1k subscribers on 10 HTTP/2 connections (the load
 *     generator, test/bench/sse-h2-load.ts, runs in its own process):
 *     latency at 10 publishes/s and deliveries/s under a publish flood,
 *     with the server's CPU per delivery — Sluice vs nginx `http2` + nchan.
 *   Proxy to an HTTPS upstream: 1 MiB chunked responses from a Node https
 *     origin through Sluice and through nginx `proxy_pass https://`
 *     (keep-alive, verified, sessions reused), wrk over plain HTTP.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestPki, type TestPki } from '../helpers/tls.js';
import { run } from '../helpers/process.js';
import {
  freePort,
  median,
  ratio,
  startNginx,
  startSluiceRun,
  stopProc,
  waitForPort,
  type BenchSuite,
  type BenchTable,
} from './harness.js';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const NCHAN = '/usr/lib/nginx/modules/ngx_nchan_module.so';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Proc {
  pids(): number[];
  stop(): Promise<void>;
}

/** CPU time (user + system) of a process in ms. */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function sluice(dir: string, name: string, yaml: string, ports: number[]): Promise<Proc> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `version: 1\n${yaml}`);
  const proc = startSluiceRun(file);
  for (const p of ports) await waitForPort(p, '127.0.0.1', 30_000);
  return { pids: () => [proc.pid!], stop: () => stopProc(proc) };
}

async function nginx(conf: string, port: number, modules: string[] = []): Promise<Proc> {
  const peer = startNginx(conf, modules);
  await waitForPort(port);
  const master = peer.proc.pid!;
  return { pids: () => [master, ...childrenOf(master)], stop: () => peer.stop() };
}

async function nodeScript(source: string, args: (string | number)[], port: number): Promise<Proc> {
  const proc: ChildProcess = spawn(process.execPath, ['-e', source, ...args.map(String)], { stdio: 'ignore' });
  await waitForPort(port);
  return { pids: () => [proc.pid!], stop: () => stopProc(proc) };
}

/** wrk's requests/s, or a thrown error with its output when anything failed. */
async function wrk(args: string[], url: string): Promise<number> {
  const r = await run('wrk', [...args, url], { timeoutMs: 60_000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
  if (/Non-2xx/.test(r.stdout) || rps === 0) throw new Error(`wrk ${url} failed:\n${r.stdout}${r.stderr}`);
  return rps;
}

/** One target of a wrk comparison: its name, URL and the process whose CPU counts (none for direct). */
type Target = [name: string, url: string, proc: Proc | undefined];

/** Requests/s and the server's CPU ms per request, per round. */
interface Runs {
  rps: number[];
  cpuPer: number[];
}

/** Interleaved rounds of `seconds` each (load from other work hits every target alike) after a 1 s warm-up each. */
async function rounds(targets: Target[], args: string[], seconds: number): Promise<Map<string, Runs>> {
  const out = new Map<string, Runs>(targets.map(([n]) => [n, { rps: [], cpuPer: [] }]));
  for (const [, url] of targets) await wrk([...args, '-d', '1s'], url);
  for (let r = 0; r < ROUNDS; r++)
    for (const [name, url, proc] of targets) {
      const cpu = () => proc?.pids().reduce((a, pid) => a + cpuMs(pid), 0) ?? 0;
      const before = cpu();
      const rps = await wrk([...args, '-d', `${seconds}s`], url);
      out.get(name)!.rps.push(rps);
      out.get(name)!.cpuPer.push((cpu() - before) / (rps * seconds));
    }
  return out;
}

const NODE_HTTPS = `
const https = require('node:https'); const fs = require('node:fs');
const [port, cert, key] = process.argv.slice(1);
https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => res.end('ok'))
  .listen(Number(port), '127.0.0.1', 1024);
`;

async function handshakes(dir: string, pki: TestPki): Promise<BenchTable> {
  const p = { h2: await freePort(), h1: await freePort(), nginx: await freePort(), node: await freePort() };
  const tls = `tls: { cert: ${pki.good.cert}, key: ${pki.good.key} }`;
  const route = `routes: [ { path: /, respond: { body: ok } } ]`;
  const procs: Proc[] = [];
  try {
    const sluiceProc = await sluice(
      dir,
      'handshakes',
      `http:\n  servers:\n    - { name: h2, listen: 127.0.0.1:${p.h2}, ${tls}, ${route} }\n    - { name: h1, listen: 127.0.0.1:${p.h1}, ${tls}, http2: off, ${route} }\n`,
      [p.h2, p.h1],
    );
    procs.push(sluiceProc);
    const nginxProc = await nginx(
      `http {
  access_log off;
  server {
    listen 127.0.0.1:${p.nginx} ssl backlog=1024;
    ssl_certificate ${pki.good.cert};
    ssl_certificate_key ${pki.good.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { return 200 ok; }
  }
}`,
      p.nginx,
    );
    procs.push(nginxProc);
    const nodeProc = await nodeScript(NODE_HTTPS, [p.node, pki.good.cert, pki.good.key], p.node);
    procs.push(nodeProc);
    const targets: Target[] = [
      ['sluice (http2 on, h1 client)', `https://127.0.0.1:${p.h2}/`, sluiceProc],
      ['sluice (http2: off)', `https://127.0.0.1:${p.h1}/`, sluiceProc],
      ['nginx ssl, 1 worker', `https://127.0.0.1:${p.nginx}/`, nginxProc],
      ['node https minimal', `https://127.0.0.1:${p.node}/`, nodeProc],
    ];
    const runs = await rounds(targets, ['-t', '2', '-c', '32', '-H', 'Connection: close'], 3);
    const med = (name: string) => median(runs.get(name)!.rps);
    return {
      title: `TLS: new handshakes/s (wrk -t2 -c32 Connection: close, ECDSA P-256, TLS 1.3; ${ROUNDS} interleaved rounds × 3 s, median)`,
      columns: ['server', 'handshakes/s', 'vs nginx', 'server CPU µs/handshake', 'rounds'],
      rows: targets.map(([name]) => [
        name,
        med(name).toFixed(0),
        ratio(med(name), med('nginx ssl, 1 worker')),
        (median(runs.get(name)!.cpuPer) * 1000).toFixed(0),
        runs
          .get(name)!
          .rps.map((x) => x.toFixed(0))
          .join(' / '),
      ]),
      notes: ['goal: sluice ≥ 0.8× nginx', 'wrk does the client half of every handshake on the same 2 cores'],
    };
  } finally {
    for (const x of procs.reverse()) await x.stop();
  }
}

/** The HTTP/2 load generator process and a typed request/reply over IPC. */
class H2Load {
  private readonly proc = fork(here('./sse-h2-load.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  ready = new Promise<void>((resolve) => this.proc.once('message', () => resolve()));
  ask<T>(msg: Record<string, unknown>): Promise<T> {
    return new Promise((resolve) => {
      this.proc.once('message', (m) => resolve(m as T));
      this.proc.send(msg);
    });
  }
  async close(): Promise<void> {
    await this.ask({ cmd: 'close' });
    await stopProc(this.proc);
  }
}

interface SseResult {
  name: string;
  alive: number;
  p50: number;
  p99: number;
  loss: number;
  perSec: number;
  cpuUs: number;
}

const CONNECTIONS = 10;
const STREAMS = 100;

async function sseTarget(
  name: string,
  proc: Proc,
  url: string,
  pub: string,
  json: boolean,
  ca: string,
): Promise<SseResult> {
  const gen = new H2Load();
  await gen.ready;
  try {
    const c = await gen.ask<{ alive: number }>({
      cmd: 'connect',
      url,
      path: '/sub/bench',
      ca,
      connections: CONNECTIONS,
      streams: STREAMS,
      json,
    });
    await new Promise((r) => setTimeout(r, 500));
    const l = await gen.ask<{ p50: number; p99: number; received: number; expected: number }>({
      cmd: 'latency',
      pub,
      json,
      seconds: 4,
      rate: 10,
      size: 100,
    });
    const cpu0 = proc.pids().reduce((a, p) => a + cpuMs(p), 0);
    const f = await gen.ask<{ deliveries: number; seconds: number }>({
      cmd: 'flood',
      pub,
      json,
      seconds: 5,
      window: 32,
      size: 100,
    });
    const cpu = proc.pids().reduce((a, p) => a + cpuMs(p), 0) - cpu0;
    return {
      name,
      alive: c.alive,
      p50: l.p50,
      p99: l.p99,
      loss: 1 - l.received / Math.max(1, l.expected),
      perSec: f.deliveries / f.seconds,
      cpuUs: (cpu * 1000) / Math.max(1, f.deliveries),
    };
  } finally {
    await gen.close();
  }
}

async function sseOverH2(dir: string, pki: TestPki, round: number): Promise<SseResult[]> {
  const ca = readFileSync(pki.ca, 'utf8');
  const p = { sluice: await freePort(), admin: await freePort(), nchan: await freePort(), pub: await freePort() };
  const order = round % 2 === 0 ? ['sluice', 'nchan'] : ['nchan', 'sluice'];
  const out: SseResult[] = [];
  for (const which of order) {
    if (which === 'sluice') {
      const proc = await sluice(
        dir,
        'sse-h2',
        `admin: { listen: 127.0.0.1:${p.admin} }
http:
  servers:
    - name: bench
      listen: 127.0.0.1:${p.sluice}
      tls: { cert: ${pki.good.cert}, key: ${pki.good.key} }
      keepalive_timeout: 60s
      routes:
        - path: /sub/bench
          sse: { channel: bench, replay: 64, heartbeat: 15s }
`,
        [p.sluice, p.admin],
      );
      try {
        out.push(
          await sseTarget(
            'Sluice',
            proc,
            `https://127.0.0.1:${p.sluice}`,
            `http://127.0.0.1:${p.admin}/api/channels/bench/events`,
            true,
            ca,
          ),
        );
      } finally {
        await proc.stop();
      }
    } else {
      const proc = await nginx(
        `http {
  access_log off;
  nchan_message_buffer_length 64;
  http2_max_concurrent_streams 1000;
  server {
    listen 127.0.0.1:${p.nchan} ssl http2 backlog=1024;
    ssl_certificate ${pki.good.cert};
    ssl_certificate_key ${pki.good.key};
    location ~ ^/sub/(\\w+)$ { nchan_subscriber eventsource; nchan_channel_id $1; }
  }
  server {
    listen 127.0.0.1:${p.pub};
    location ~ ^/pub/(\\w+)$ { nchan_publisher; nchan_channel_id $1; }
  }
}`,
        p.nchan,
        [NCHAN],
      );
      try {
        out.push(
          await sseTarget(
            'nginx http2 + nchan',
            proc,
            `https://127.0.0.1:${p.nchan}`,
            `http://127.0.0.1:${p.pub}/pub/bench`,
            false,
            ca,
          ),
        );
      } finally {
        await proc.stop();
      }
    }
  }
  return out;
}

async function sseTable(dir: string, pki: TestPki): Promise<BenchTable> {
  const all: SseResult[] = [];
  for (let r = 0; r < ROUNDS; r++) all.push(...(await sseOverH2(dir, pki, r)));
  const names = ['Sluice', 'nginx http2 + nchan'];
  const med = (name: string, k: keyof SseResult) =>
    median(all.filter((x) => x.name === name).map((x) => x[k] as number));
  const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : '—');
  return {
    title: `SSE over HTTP/2: ${CONNECTIONS * STREAMS} subscribers on ${CONNECTIONS} connections, 100-byte events (${ROUNDS} rounds, alternating order, median)`,
    columns: [
      'server',
      'subscribed',
      'p50 @10/s',
      'p99 @10/s',
      'lost',
      'flood deliveries/s',
      'vs nchan',
      'server CPU µs/delivery',
      'vs nchan',
    ],
    rows: names.map((n) => [
      n,
      med(n, 'alive'),
      ms(med(n, 'p50')),
      ms(med(n, 'p99')),
      `${(med(n, 'loss') * 100).toFixed(2)}%`,
      med(n, 'perSec').toFixed(0),
      ratio(med(n, 'perSec'), med('nginx http2 + nchan', 'perSec')),
      med(n, 'cpuUs').toFixed(2),
      ratio(med('nginx http2 + nchan', 'cpuUs'), med(n, 'cpuUs')),
    ]),
    notes: [
      'the load generator (Node http2 client) shares the 2 cores; CPU µs per delivery is the server alone',
      `rounds: ${all.map((x) => `${x.name === 'Sluice' ? 'S' : 'N'} ${x.perSec.toFixed(0)}/s`).join(', ')}`,
    ],
  };
}

/** The origin: /mib is 1 MiB chunked in 64 KiB writes, with backpressure; over TLS when given a certificate. */
const ORIGIN = `
const fs = require('node:fs');
const [port, cert, key] = process.argv.slice(1);
const piece = Buffer.alloc(64 * 1024, 120);
const handler = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let i = 0;
  const more = () => { while (i < 16) { i++; if (!res.write(piece)) return res.once('drain', more); } res.end(); };
  more();
};
const server = cert
  ? require('node:https').createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key), keepAliveTimeout: 60000 }, handler)
  : require('node:http').createServer({ keepAliveTimeout: 60000 }, handler);
server.listen(Number(port), '127.0.0.1', 1024);
`;

/**
 * The runtime's floor for the same job: a minimal Node proxy (http in, https
 * out with a keep-alive agent verifying against the CA, pipe both ways).
 * Arguments: listen port, upstream port, CA file.
 */
const NODE_PROXY = `
const [port, upstream, ca] = process.argv.slice(1);
const fs = require('node:fs');
const https = require('node:https');
const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: fs.readFileSync(ca), servername: 'localhost' });
require('node:http').createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  const up = https.request({ host: '127.0.0.1', port: Number(upstream), path: req.url, method: req.method, headers: req.headers, agent, servername: 'localhost' }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
}).listen(Number(port), '127.0.0.1', 1024);
`;

/** nginx proxying one location to an upstream group, as the peers table sets it up (64 KiB buffers, keep-alive). */
function nginxProxyServer(port: number, upstream: string, scheme: 'http' | 'https', ca: string): string {
  const tls =
    scheme === 'https'
      ? `proxy_ssl_server_name on; proxy_ssl_name localhost; proxy_ssl_verify on;
      proxy_ssl_trusted_certificate ${ca}; proxy_ssl_session_reuse on;`
      : '';
  return `server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass ${scheme}://${upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_buffer_size 64k;
      proxy_buffers 8 64k;
      proxy_read_timeout 1h;
      ${tls}
    }
  }`;
}

async function proxyToHttps(dir: string, pki: TestPki): Promise<BenchTable> {
  const p = {
    tlsOrigin: await freePort(),
    origin: await freePort(),
    sluiceTls: await freePort(),
    sluice: await freePort(),
    nginxTls: await freePort(),
    nginx: await freePort(),
    nodeTls: await freePort(),
  };
  const procs = [
    await nodeScript(ORIGIN, [p.tlsOrigin, pki.good.cert, pki.good.key], p.tlsOrigin),
    await nodeScript(ORIGIN, [p.origin], p.origin),
  ];
  try {
    const sluiceProc = await sluice(
      dir,
      'proxy-https',
      `http:
  servers:
    - { name: tls, listen: 127.0.0.1:${p.sluiceTls}, routes: [ { path: /, proxy: { upstream: tls, read_timeout: 1h } } ] }
    - { name: plain, listen: 127.0.0.1:${p.sluice}, routes: [ { path: /, proxy: { upstream: plain, read_timeout: 1h } } ] }
  upstreams:
    - name: tls
      keepalive: 64
      servers: [ { address: 127.0.0.1:${p.tlsOrigin} } ]
      tls: { server_name: localhost, ca: ${pki.ca} }
    - { name: plain, keepalive: 64, servers: [ { address: 127.0.0.1:${p.origin} } ] }
`,
      [p.sluiceTls, p.sluice],
    );
    procs.push(sluiceProc);
    const nginxProc = await nginx(
      `http {
  access_log off;
  upstream tls { server 127.0.0.1:${p.tlsOrigin}; keepalive 64; }
  upstream plain { server 127.0.0.1:${p.origin}; keepalive 64; }
  ${nginxProxyServer(p.nginxTls, 'tls', 'https', pki.ca)}
  ${nginxProxyServer(p.nginx, 'plain', 'http', pki.ca)}
}`,
      p.nginxTls,
    );
    procs.push(nginxProc);
    const nodeProxy = await nodeScript(NODE_PROXY, [p.nodeTls, p.tlsOrigin, pki.ca], p.nodeTls);
    procs.push(nodeProxy);
    const targets: Target[] = [
      ['direct (https origin)', `https://127.0.0.1:${p.tlsOrigin}/mib`, undefined],
      ['sluice → https upstream', `http://127.0.0.1:${p.sluiceTls}/mib`, sluiceProc],
      ['nginx proxy_pass https://', `http://127.0.0.1:${p.nginxTls}/mib`, nginxProc],
      ['minimal Node → https upstream', `http://127.0.0.1:${p.nodeTls}/mib`, nodeProxy],
      ['sluice → http upstream', `http://127.0.0.1:${p.sluice}/mib`, sluiceProc],
      ['nginx proxy_pass http://', `http://127.0.0.1:${p.nginx}/mib`, nginxProc],
    ];
    const runs = await rounds(targets, ['-t', '2', '-c', '16'], 3);
    const med = (name: string) => median(runs.get(name)!.rps);
    const peerOf = (name: string) =>
      name.includes('https') ? 'nginx proxy_pass https://' : 'nginx proxy_pass http://';
    return {
      title: `Proxy to an HTTPS upstream: 1 MiB chunked responses (wrk -t2 -c16, ${ROUNDS} interleaved rounds × 3 s, median)`,
      columns: ['path', 'req/s = MiB/s', 'vs nginx', 'proxy CPU ms/MiB', 'rounds'],
      rows: targets.map(([name, , proc]) => [
        name,
        med(name).toFixed(0),
        name.startsWith('sluice') || name.startsWith('minimal') ? ratio(med(name), med(peerOf(name))) : '',
        proc ? median(runs.get(name)!.cpuPer).toFixed(2) : '',
        runs
          .get(name)!
          .rps.map((x) => x.toFixed(0))
          .join(' / '),
      ]),
      notes: [
        'goal: sluice → https ≥ 0.8× nginx proxy_pass https://; the plain-upstream pair shows what TLS itself costs',
        "the minimal Node proxy is the runtime's floor for this job (node:https with a keep-alive agent, pipe)",
        'origins (Node), proxies and wrk share the 2 cores; CPU per MiB is the proxy process alone',
      ],
    };
  } finally {
    for (const x of procs.reverse()) await x.stop();
  }
}

/** Which parts run: `TLS_BENCH=handshakes,sse,proxy` (default all). */
const PARTS = (process.env.TLS_BENCH ?? 'handshakes,sse,proxy').split(',');

export const suite: BenchSuite = {
  name: 'tls',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-tls-'));
    const pki = await makeTestPki(dir);
    const tables: BenchTable[] = [];
    if (PARTS.includes('handshakes')) tables.push(await handshakes(dir, pki));
    if (PARTS.includes('sse')) tables.push(await sseTable(dir, pki));
    if (PARTS.includes('proxy')) tables.push(await proxyToHttps(dir, pki));
    return tables;
  },
};
