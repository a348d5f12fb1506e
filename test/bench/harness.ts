/**
 * Bench plumbing shared by suites: peers started in the foreground on
 * loopback high ports, waited for, stopped by PID; medians and ratios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_FLAGS } from '../../bin/engine-flags.mjs';

/** One printed table. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  notes?: string[];
}

/** A bench suite: runs and returns tables. */
export interface BenchSuite {
  name: string;
  run(): Promise<BenchTable[]>;
}

const SLUICE_BIN = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));

/** `sluice run CONFIG` in one process: the engine's V8 flags given up front, so no launcher sits between the bench and the engine's pid. */
export function startSluiceRun(config: string): ChildProcess {
  return spawn(process.execPath, [...ENGINE_FLAGS, SLUICE_BIN, 'run', config], { stdio: 'ignore' });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Waits until something accepts TCP connections on port. */
export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A free port a peer's config can name before it starts (see ../helpers/free-port.ts). */
export { freePort } from '../helpers/free-port.js';

/** A peer process (nginx, haproxy…) started in the foreground. */
export interface Peer {
  proc: ChildProcess;
  dir: string;
  stop(): Promise<void>;
}

/** Starts nginx with `conf` (the body of nginx.conf) in a temp prefix; `worker_processes 1`. */
export function startNginx(conf: string, modules: string[] = []): Peer {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-'));
  const head = modules.map((m) => `load_module ${m};`).join('\n');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${head}\nworker_processes 1;\nerror_log ${dir}/error.log warn;\npid ${dir}/nginx.pid;\nevents { worker_connections 20000; }\n${conf}\n`,
  );
  const proc = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  return { proc, dir, stop: () => stopProc(proc) };
}

export function stopProc(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
  });
}

/** Ratio formatted for tables: `0.87×`. */
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
