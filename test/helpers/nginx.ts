/**
 * Real nginx (and redis-server) for tests: `nginx -t` on a config in its own
 * prefix directory, an nginx running in the foreground on free ports until
 * the test stops it by pid, free ports read back from the kernel.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './wait.js';

/** A port nobody listens on right now (bound to 0, read back, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `nginx -t` on a config in a fresh prefix directory, with no other flag. */
export function nginxTest(conf: string): { ok: boolean; out: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-t-'));
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const r = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`, dir };
}

/** Resolves once something accepts TCP connections on the port (or rejects after `ms`). */
export async function waitForPort(port: number, what: string, ms = 10_000, host = '127.0.0.1'): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`${what} did not accept connections on ${port} within ${ms} ms`);
    await sleep(50);
  }
}

/** A process a test started, stopped by its pid. */
export interface Peer {
  proc: ChildProcess;
  dir: string;
  stop(): Promise<void>;
  /** What it wrote to stderr (and nginx's error.log, for nginx). */
  log(): string;
}

function peer(proc: ChildProcess, dir: string, extraLog: () => string): Peer {
  let err = '';
  proc.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
  });
  return {
    proc,
    dir,
    log: () => `${err}${extraLog()}`,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/** Runs nginx in the foreground with `conf` in its own prefix directory; waits until `host:port` accepts. */
export async function startNginx(conf: string, port: number, host = '127.0.0.1'): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-run-'));
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const proc = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const p = peer(proc, dir, () => spawnSync('cat', [join(dir, 'error.log')], { encoding: 'utf8' }).stdout ?? '');
  try {
    await waitForPort(port, 'nginx', 10_000, host);
  } catch (err) {
    await p.stop();
    throw new Error(`${(err as Error).message}\n${p.log()}`, { cause: err });
  }
  return p;
}

/** Runs redis-server on `port` with its own directory, no persistence. */
export async function startRedis(port: number): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-'));
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const p = peer(proc, dir, () => '');
  await waitForPort(port, 'redis-server');
  return p;
}
