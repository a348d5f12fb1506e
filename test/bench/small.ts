/**
 * Small responses, side by side in one run: a 2-byte `respond` route in
 * Sluice (`sluice run`, its own process) vs a minimal Node server
 * (`res.end('ok')`, the runtime's floor for the same job) vs nginx (one
 * worker, `return 200`). Keep-alive (`wrk -t1 -c32`) and one request per
 * connection (`Connection: close`). Rounds interleave the servers; the table
 * shows medians of requests/s and of server CPU per request (from
 * /proc/PID/stat, so the load generator's own CPU is not counted).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

function table(targets: Target[], close: boolean): BenchTable {
  const [sluice, node, nginx] = targets.map((t) => median(t.rps)) as [number, number, number];
  return {
    title: `2-byte responses, ${close ? 'Connection: close' : 'keep-alive'} (wrk -t1 -c32 -d3s, medians of ${ROUNDS})`,
    columns: ['server', 'req/s', 'vs minimal Node', 'vs nginx', 'server CPU µs/request'],
    rows: targets.map((t, i) => [
      t.name,
      Math.round([sluice, node, nginx][i]!),
      ratio(median(t.rps), node),
      ratio(median(t.rps), nginx),
      t.cpuUs.length ? median(t.cpuUs).toFixed(1) : '—',
    ]),
    notes: [`goal: Sluice ≥ 0.9× the minimal Node server (measured ${ratio(sluice, node)})`],
  };
}

export const suite: BenchSuite = {
  name: 'small',
  async run(): Promise<BenchTable[]> {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-small-'));
    const [sl, nd, ng] = [await freePort(), await freePort(), await freePort()];
    writeFileSync(
      join(dir, 'sluice.yaml'),
      `version: 1\nhttp:\n  servers:\n    - name: bench\n      listen: 127.0.0.1:${sl}\n      routes:\n        - path: /\n          respond: { body: ok }\n`,
    );
    const sluice: ChildProcess = startSluiceRun(join(dir, 'sluice.yaml'));
    // The floor: Node's own HTTP server doing the same job, with the engine's V8 flags.
    const floor = `require('node:http').createServer({ keepAliveTimeout: 60000 }, (q, r) => r.end('ok')).listen(${nd}, '127.0.0.1')`;
    const node = spawn(process.execPath, [...ENGINE_FLAGS, '-e', floor], { stdio: 'ignore' });
    const nginx = startNginx(
      `http { access_log off; keepalive_requests 1000000; server { listen 127.0.0.1:${ng}; location / { return 200 "ok"; } } }`,
    );
    try {
      for (const p of [sl, nd, ng]) await waitForPort(p, '127.0.0.1', 20_000);
      const tables: BenchTable[] = [];
      for (const close of [false, true]) {
        const targets: Target[] = [
          { name: 'Sluice respond route', port: sl, pid: sluice.pid, rps: [], cpuUs: [] },
          { name: "minimal Node (res.end('ok'))", port: nd, pid: node.pid, rps: [], cpuUs: [] },
          { name: 'nginx (1 worker, return 200)', port: ng, rps: [], cpuUs: [] },
        ];
        for (const t of targets) await wrk(`http://127.0.0.1:${t.port}/`, close); // warm-up
        for (let i = 0; i < ROUNDS; i++) for (const t of targets) await measure(t, close);
        tables.push(table(targets, close));
      }
      return tables;
    } finally {
      await stopProc(sluice);
      await stopProc(node);
      await nginx.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
