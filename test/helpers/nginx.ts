/**
 * Real nginx (and redis-server) for tests, on the bench harness's plumbing
 * (free ports, waiting for a port, stopping by pid): `nginx -t` on a whole
 * config in its own prefix directory, and an nginx or redis-server running
 * in the foreground until the test stops it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopProc, waitForPort } from '../bench/harness.js';

export { freePort };

/** `nginx -t` on a config in a fresh prefix directory, with no other flag. */
export function nginxTest(conf: string): { ok: boolean; out: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-t-'));
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const r = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`, dir };
}

/** A process a test started, stopped by its pid. */
export interface Peer {
  proc: ChildProcess;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Runs nginx in the foreground with a whole `conf` (an export: its pid and
 * error log are relative to the prefix) in its own directory; resolves once
 * `host:port` accepts, else rejects with nginx's error log.
 */
export async function startNginx(conf: string, port: number, host = '127.0.0.1'): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-run-'));
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const proc = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const peer = { proc, dir, stop: () => stopProc(proc) };
  try {
    await waitForPort(port, host, 10_000);
  } catch (err) {
    await peer.stop();
    const log = (() => {
      try {
        return readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        return '';
      }
    })();
    throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
  }
  return peer;
}

/** Runs redis-server on `port` with its own directory, no persistence. */
export async function startRedis(port: number): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const proc = spawn('redis-server', args, { stdio: 'ignore' });
  await waitForPort(port, '127.0.0.1', 10_000);
  return { proc, dir, stop: () => stopProc(proc) };
}
