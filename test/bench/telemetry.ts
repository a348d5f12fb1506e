/**
 * What watching costs, side by side in one run: small responses
 * (`respond`, 2 bytes) from Sluice (`sluice run` in its own process) with
 * nobody watching, and with a watcher holding traffic capture on (an
 * /api/traffic poll every second) plus an /api/telemetry subscriber — vs
 * nginx (one worker, `return 200`). Load: `wrk -t1 -c32 -d4s`, three runs
 * each, medians. Also counts telemetry ticks per second during load: it must
 * stay at 4/s whatever the request rate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = 3;
const WRK = ['-t1', '-c32', '-d4s'];

function wrkRps(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', [...WRK, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    p.on('error', reject);
    p.on('close', () => resolve(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN)));
  });
}

/** A watcher like the UI: telemetry stream subscriber + traffic poller. Returns ticks seen and a stop function. */
function watch(admin: string): { ticks: () => number; stop: () => void } {
  let ticks = 0;
  const req = http.get(`http://${admin}/api/telemetry`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (s: string) => {
      ticks += s.split('\ndata: ').length - 1 + (s.startsWith('data: ') ? 1 : 0);
    });
  });
  req.on('error', () => undefined);
  const poll = setInterval(() => {
    http.get(`http://${admin}/api/traffic?limit=50`, (res) => res.resume()).on('error', () => undefined);
  }, 1000);
  return {
    ticks: () => ticks,
    stop: () => {
      clearInterval(poll);
      req.destroy();
    },
  };
}

export const suite: BenchSuite = {
  name: 'telemetry',
  async run(): Promise<BenchTable[]> {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-tel-'));
    const port = await freePort();
    const adminPort = await freePort();
    writeFileSync(
      join(dir, 'sluice.yaml'),
      `version: 1
admin: { listen: 127.0.0.1:${adminPort} }
http:
  servers:
    - name: bench
      listen: 127.0.0.1:${port}
      routes:
        - path: /ok
          respond: { body: ok }
`,
    );
    const proc: ChildProcess = spawn(
      process.execPath,
      ['--no-memory-reducer', '--max-semi-space-size=4', join(ROOT, 'bin/sluice.mjs'), 'run', join(dir, 'sluice.yaml')],
      { stdio: 'ignore' },
    );
    const nginxPort = await freePort();
    const nginx = startNginx(
      `http { access_log off; keepalive_requests 1000000; server { listen 127.0.0.1:${nginxPort}; location / { return 200 "ok"; } } }`,
    );
    try {
      await waitForPort(port, '127.0.0.1', 20_000);
      await waitForPort(nginxPort);
      const url = `http://127.0.0.1:${port}/ok`;
      await wrkRps(url); // warm-up
      const quiet: number[] = [];
      const watched: number[] = [];
      const peer: number[] = [];
      const tickRates: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        quiet.push(await wrkRps(url));
        const w = watch(`127.0.0.1:${adminPort}`);
        await new Promise((r) => setTimeout(r, 300));
        const t0 = w.ticks();
        const started = Date.now();
        watched.push(await wrkRps(url));
        tickRates.push(((w.ticks() - t0) * 1000) / (Date.now() - started));
        w.stop();
        peer.push(await wrkRps(`http://127.0.0.1:${nginxPort}/`));
      }
      const q = median(quiet);
      const wv = median(watched);
      const n = median(peer);
      return [
        {
          title: 'Watching costs (2-byte responses, wrk -t1 -c32 -d4s, medians of 3)',
          columns: ['server', 'req/s', 'vs Sluice unwatched', 'vs nginx', 'telemetry ticks/s during load'],
          rows: [
            ['Sluice, nobody watching', Math.round(q), '1.00×', ratio(q, n), '—'],
            [
              'Sluice, traffic capture + telemetry stream',
              Math.round(wv),
              ratio(wv, q),
              ratio(wv, n),
              median(tickRates).toFixed(2),
            ],
            ['nginx (1 worker, return 200)', Math.round(n), ratio(n, q), '1.00×', '—'],
          ],
          notes: ['ticks/s is the telemetry message rate a UI receives: fixed at 4/s whatever the request rate'],
        },
      ];
    } finally {
      await stopProc(proc);
      await nginx.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
