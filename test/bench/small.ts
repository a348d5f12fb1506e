/**
 * Small responses, side by side in one run: a 2-byte `respond` route in
 * Sluice (`sluice run`, its own process) vs a minimal Node server
 * (`res.end('ok')`, the runtime's floor) vs Node doing a respond route's
 * job with a traffic log (./small-server.ts) vs the minimal server in two
 * cluster workers (the lever of more processes) vs nginx (one worker,
 * `return 200`). Keep-alive (`wrk -t1 -c32`) and one request per
 * connection (`Connection: close`). Rounds interleave the servers; the table
 * shows medians of requests/s and of server CPU per request (from
 * /proc/PID/stat, so the load generator's own CPU is not counted).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { ENGINE_FLAGS } from '../../bin/engine-flags.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The bare-Node peers doing more than `res.end('ok')`. */
const PEERS = fileURLToPath(new URL('./small-server.ts', import.meta.url));

/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function wrk(url: string, close: boolean): Promise<number> {
  const args = ['-t1', '-c32', '-d3s', ...(close ? ['-H', 'Connection: close'] : []), url];
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.on('error', reject);
    p.on('close', () => resolve(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN)));
  });
}

interface Target {
  name: string;
  port: number;
  pid?: number;
  rps: number[];
  cpuUs: number[];
}

async function measure(t: Target, close: boolean): Promise<void> {
  const c0 = t.pid ? cpuMs(t.pid) : 0;
  const t0 = performance.now();
  const rps = await wrk(`http://127.0.0.1:${t.port}/`, close);
  const secs = (performance.now() - t0) / 1000;
  t.rps.push(rps);
  if (t.pid) t.cpuUs.push(((cpuMs(t.pid) - c0) * 1000) / (rps * secs));
}

/** Rows in `targets` order; the first is Sluice, `floor` names the minimal Node row, `nginx` nginx's. */
function table(targets: Target[], close: boolean, floor: Target, nginx: Target): BenchTable {
  const node = median(floor.rps);
  const sluice = median(targets[0]!.rps);
  return {
    title: `2-byte responses, ${close ? 'Connection: close' : 'keep-alive'} (wrk -t1 -c32 -d3s, medians of ${ROUNDS})`,
    columns: ['server', 'req/s', 'vs minimal Node', 'vs nginx', 'server CPU µs/request'],
    rows: targets.map((t) => [
      t.name,
      Math.round(median(t.rps)),
      ratio(median(t.rps), node),
      ratio(median(t.rps), median(nginx.rps)),
      t.cpuUs.length ? median(t.cpuUs).toFixed(1) : '—',
    ]),
    notes: [
      `goal: Sluice ≥ 0.9× the minimal Node server (measured ${ratio(sluice, node)})`,
      'Node with a traffic log: a record per exchange in a 1000-record ring, finished on close (what a respond route keeps); two workers: CPU not shown (two processes), wrk takes one of the two cores',
    ],
  };
}

export const suite: BenchSuite = {
  name: 'small',
  async run(): Promise<BenchTable[]> {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-small-'));
    const [sl, nd, ng, lg, cl] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    writeFileSync(
      join(dir, 'sluice.yaml'),
      `version: 1\nhttp:\n  servers:\n    - name: bench\n      listen: 127.0.0.1:${sl}\n      routes:\n        - path: /\n          respond: { body: ok }\n`,
    );
    const sluice: ChildProcess = startSluiceRun(join(dir, 'sluice.yaml'));
    // The floor: Node's own HTTP server doing the same job, with the engine's V8 flags.
    const floor = `require('node:http').createServer({ keepAliveTimeout: 60000 }, (q, r) => r.end('ok')).listen(${nd}, '127.0.0.1')`;
    const node = spawn(process.execPath, [...ENGINE_FLAGS, '-e', floor], { stdio: 'ignore' });
    const peer = (mode: string, port: number) =>
      spawn(process.execPath, [...ENGINE_FLAGS, '--import', 'tsx', PEERS, mode, String(port)], { stdio: 'ignore' });
    const logged = peer('logged', lg);
    const workers = peer('cluster', cl);
    const nginx = startNginx(
      `http { access_log off; keepalive_requests 1000000; server { listen 127.0.0.1:${ng}; location / { return 200 "ok"; } } }`,
    );
    try {
      for (const p of [sl, nd, ng, lg, cl]) await waitForPort(p, '127.0.0.1', 20_000);
      const tables: BenchTable[] = [];
      for (const close of [false, true]) {
        const floor: Target = { name: "minimal Node (res.end('ok'))", port: nd, pid: node.pid, rps: [], cpuUs: [] };
        const peerNginx: Target = { name: 'nginx (1 worker, return 200)', port: ng, rps: [], cpuUs: [] };
        const targets: Target[] = [
          { name: 'Sluice respond route', port: sl, pid: sluice.pid, rps: [], cpuUs: [] },
          floor,
          { name: 'Node with a traffic log (same job)', port: lg, pid: logged.pid, rps: [], cpuUs: [] },
          { name: 'minimal Node, 2 cluster workers', port: cl, rps: [], cpuUs: [] },
          peerNginx,
        ];
        for (const t of targets) await wrk(`http://127.0.0.1:${t.port}/`, close); // warm-up
        for (let i = 0; i < ROUNDS; i++) for (const t of targets) await measure(t, close);
        tables.push(table(targets, close, floor, peerNginx));
      }
      return tables;
    } finally {
      await stopProc(sluice);
      await stopProc(node);
      await stopProc(logged);
      await stopProc(workers);
      await nginx.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
