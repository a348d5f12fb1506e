/**
 * SSE fan-out, side by side in one run: Sluice (channel route with replay
 * ring, counters and traffic log on) vs nginx + nchan vs a minimal
 * single-process Node SSE server. The load generator runs in its own process
 * (test/bench/sse-load.ts) with raw sockets.
 *
 * Per server: RSS per idle connection at 1k, 5k, 10k clients (nothing
 * published yet; those clients then leave) → connect 1k clients → latency at
 * 10 publishes/s of 100-byte events → max deliveries/s under a publish flood
 * → grow to 5k, 10k clients (latency at each).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENGINE_FLAGS } from '../../bin/engine-flags.mjs';
import {
  freePort,
  ratio,
  startNginx,
  stopProc,
  waitForPort,
  type BenchSuite,
  type BenchTable,
  type Peer,
} from './harness.js';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const NCHAN = '/usr/lib/nginx/modules/ngx_nchan_module.so';
/** Client counts; `SSE_BENCH_LEVELS=1000,5000` narrows a run. The first level also gets the flood. */
const LEVELS = (process.env.SSE_BENCH_LEVELS ?? '1000,5000,10000').split(',').map(Number);
const LATENCY_SECONDS = 4;
const FLOOD_SECONDS = 5;
const EVENT_SIZE = 100;

/** A server under test: where to subscribe and publish, and the PIDs whose RSS counts. */
interface Target {
  name: string;
  port: number;
  sub: string;
  pub: string;
  json?: boolean;
  pids(): number[];
  stop(): Promise<void>;
}

/** Resident memory of a process in bytes (0 when gone). */
function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
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

/** Direct children of a process (nginx workers), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Sluice runs with the V8 flags every engine process gets (bin/engine-flags.mjs says why). */
function nodeChild(args: string[]): ChildProcess {
  const flags = args[0] === 'sluice' ? ENGINE_FLAGS : [];
  return spawn(process.execPath, [...flags, '--import', 'tsx', here('./sse-server.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function waitReady(proc: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function startSluice(): Promise<Target> {
  const port = await freePort();
  const pubPort = await freePort();
  const proc = nodeChild(['sluice', String(port), String(pubPort)]);
  await waitReady(proc);
  return {
    name: 'Sluice',
    port,
    sub: '/sub/bench',
    pub: `http://127.0.0.1:${pubPort}/api/channels/bench/events`,
    json: true,
    pids: () => [proc.pid!],
    stop: () => stopProc(proc),
  };
}

async function startNodeMinimal(): Promise<Target> {
  const port = await freePort();
  const proc = nodeChild(['node', String(port)]);
  await waitReady(proc);
  return {
    name: 'minimal Node',
    port,
    sub: '/sub/bench',
    pub: `http://127.0.0.1:${port}/pub/bench`,
    pids: () => [proc.pid!],
    stop: () => stopProc(proc),
  };
}

async function startNchan(): Promise<Target> {
  const port = await freePort();
  const peer: Peer = startNginx(
    `http {
  access_log off;
  nchan_message_buffer_length 64;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location ~ ^/sub/(\\w+)$ { nchan_subscriber eventsource; nchan_channel_id $1; }
    location ~ ^/pub/(\\w+)$ { nchan_publisher; nchan_channel_id $1; }
  }
}`,
    [NCHAN],
  );
  await waitForPort(port);
  const master = peer.proc.pid!;
  return {
    name: 'nginx+nchan',
    port,
    sub: '/sub/bench',
    pub: `http://127.0.0.1:${port}/pub/bench`,
    pids: () => [master, ...childrenOf(master)],
    stop: () => peer.stop(),
  };
}

/** The load generator process and a typed request/reply over IPC. */
class LoadGen {
  private readonly proc = fork(here('./sse-load.ts'), [], {
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

/** What one server measured. */
interface Result {
  name: string;
  latency: Map<number, { p50: number; p99: number; loss: number }>;
  flood?: { perSec: number; cpuUs: number; alive: number };
  kibPerConn: Map<number, number>;
}

/**
 * RSS per idle connection: clients that only connect, on a server that has
 * seen nothing else yet (publishing first would leave its garbage in the
 * figure), from the RSS before the first one; then the clients leave.
 */
async function idleMemory(target: Target, res: Result): Promise<void> {
  const sumRss = () => target.pids().reduce((a, p) => a + rss(p), 0);
  const gen = new LoadGen();
  await gen.ready;
  const base = sumRss();
  try {
    for (const n of LEVELS) {
      const c = await gen.ask<{ alive: number }>({ cmd: 'connect', port: target.port, path: target.sub, total: n });
      if (c.alive < n * 0.95) break;
      await new Promise((r) => setTimeout(r, 1000));
      res.kibPerConn.set(n, (sumRss() - base) / c.alive / 1024);
    }
  } finally {
    await gen.close();
  }
}

async function measure(target: Target): Promise<Result> {
  const res: Result = { name: target.name, latency: new Map(), kibPerConn: new Map() };
  await idleMemory(target, res);
  const gen = new LoadGen();
  await gen.ready;
  try {
    for (const n of LEVELS) {
      const c = await gen.ask<{ alive: number; failed: number }>({
        cmd: 'connect',
        port: target.port,
        path: target.sub,
        total: n,
      });
      if (c.alive < n * 0.95) {
        console.error(`${target.name}: only ${c.alive}/${n} clients connected`);
        break;
      }
      const l = await gen.ask<{ p50: number; p99: number; received: number; expected: number }>({
        cmd: 'latency',
        pub: target.pub,
        json: target.json,
        seconds: LATENCY_SECONDS,
        rate: 10,
        size: EVENT_SIZE,
      });
      res.latency.set(n, { p50: l.p50, p99: l.p99, loss: 1 - l.received / Math.max(1, l.expected) });
      if (n === LEVELS[0]) {
        const cpu0 = target.pids().reduce((a, p) => a + cpuMs(p), 0);
        const f = await gen.ask<{ deliveries: number; seconds: number; alive: number }>({
          cmd: 'flood',
          pub: target.pub,
          json: target.json,
          seconds: FLOOD_SECONDS,
          window: 32,
          size: EVENT_SIZE,
        });
        const cpu = target.pids().reduce((a, p) => a + cpuMs(p), 0) - cpu0;
        res.flood = {
          perSec: f.deliveries / f.seconds,
          cpuUs: (cpu * 1000) / Math.max(1, f.deliveries),
          alive: f.alive,
        };
      }
    }
  } finally {
    await gen.close();
    await target.stop();
  }
  return res;
}

const ms = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(1)} ms`);

function tables(results: Result[]): BenchTable[] {
  const sluice = results.find((r) => r.name === 'Sluice') ?? results[0]!;
  const nchan = results.find((r) => r.name === 'nginx+nchan') ?? results[0]!;
  const flood: BenchTable = {
    title: `SSE fan-out: max deliveries/s at ${LEVELS[0]! / 1000}k clients under a publish flood (${EVENT_SIZE}-byte events)`,
    columns: [
      'server',
      'deliveries/s',
      'vs nchan',
      'server CPU µs/delivery',
      'per core (1e6/µs)',
      'vs nchan',
      'clients left',
    ],
    rows: results.map((r) => [
      r.name,
      Math.round(r.flood?.perSec ?? 0),
      ratio(r.flood?.perSec ?? 0, nchan.flood?.perSec ?? 1),
      (r.flood?.cpuUs ?? NaN).toFixed(2),
      Math.round(1e6 / (r.flood?.cpuUs ?? Infinity)),
      ratio(nchan.flood?.cpuUs ?? 1, r.flood?.cpuUs ?? Infinity),
      r.flood?.alive ?? 0,
    ]),
    notes: [
      'deliveries/s is what the clients received (the load generator shares the 2 cores); "per core" is the server\'s own CPU cost turned into a rate',
    ],
  };
  const latency: BenchTable = {
    title: 'SSE fan-out: delivery latency at 10 publishes/s',
    columns: ['server', ...LEVELS.flatMap((n) => [`p50 @${n / 1000}k`, `p99 @${n / 1000}k`]), 'lost'],
    rows: results.map((r) => [
      r.name,
      ...LEVELS.flatMap((n) => [ms(r.latency.get(n)?.p50), ms(r.latency.get(n)?.p99)]),
      `${(Math.max(0, ...[...r.latency.values()].map((l) => l.loss)) * 100).toFixed(2)}%`,
    ]),
  };
  const memory: BenchTable = {
    title: 'SSE fan-out: RSS per idle connection (KiB)',
    columns: ['server', ...LEVELS.map((n) => `@${n / 1000}k`)],
    rows: results.map((r) => [r.name, ...LEVELS.map((n) => r.kibPerConn.get(n)?.toFixed(1) ?? '—')]),
    notes: [
      `Sluice vs nchan deliveries/s: ${ratio(sluice.flood?.perSec ?? 0, nchan.flood?.perSec ?? 1)}; load generator in its own process, machine shared (2 cores), figures are noisy`,
    ],
  };
  return [flood, latency, memory];
}

export const suite: BenchSuite = {
  name: 'sse',
  async run() {
    // Run order is `SSE_BENCH_ORDER` (e.g. nchan,node,sluice) to check that position does not matter; tables keep one order.
    const starters = { sluice: startSluice, nchan: startNchan, node: startNodeMinimal };
    const order = (process.env.SSE_BENCH_ORDER ?? 'sluice,nchan,node').split(',') as (keyof typeof starters)[];
    const byName = new Map<string, Result>();
    for (const key of order) byName.set(key, await measure(await starters[key]()));
    return tables(['sluice', 'nchan', 'node'].flatMap((k) => byName.get(k) ?? []));
  },
};

// `node --import tsx test/bench/sse.ts` runs the suite alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const t of await suite.run()) console.log(JSON.stringify(t, null, 1));
}
