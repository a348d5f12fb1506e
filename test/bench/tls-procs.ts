/**
 * The processes the TLS bench parts run and measure: Sluice (`sluice run`
 * with a YAML file), nginx (its master and workers), a Node script; their
 * CPU time from /proc; and wrk in interleaved rounds against several
 * targets, with requests/s and the server's CPU per request for each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../helpers/process.js';
import { startNginx, startSluiceRun, stopProc, waitForPort } from './harness.js';

/** Rounds per comparison: `BENCH_ROUNDS` (default 3). */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** A running server: the pids whose CPU counts, and how to stop it. */
export interface Proc {
  pids(): number[];
  stop(): Promise<void>;
}

/** CPU time (user + system) of a process in ms. */
export function cpuMs(pid: number): number {
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

/** `sluice run` with `yaml` (after its version line), once every port listens. */
export async function sluice(dir: string, name: string, yaml: string, ports: number[]): Promise<Proc> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `version: 1\n${yaml}`);
  const proc = startSluiceRun(file);
  for (const p of ports) await waitForPort(p, '127.0.0.1', 30_000);
  return { pids: () => [proc.pid!], stop: () => stopProc(proc) };
}

/** nginx with `conf` once `port` listens; its CPU is the master's and the workers'. */
export async function nginx(conf: string, port: number, modules: string[] = []): Promise<Proc> {
  const peer = startNginx(conf, modules);
  await waitForPort(port);
  const master = peer.proc.pid!;
  return { pids: () => [master, ...childrenOf(master)], stop: () => peer.stop() };
}

/** `node -e source args…` once `port` listens. */
export async function nodeScript(source: string, args: (string | number)[], port: number): Promise<Proc> {
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
export type Target = [name: string, url: string, proc: Proc | undefined];

/** Requests/s and the server's CPU ms per request, per round. */
interface Runs {
  rps: number[];
  cpuPer: number[];
}

/** Interleaved rounds of `seconds` each (load from other work hits every target alike) after a 1 s warm-up each. */
export async function rounds(targets: Target[], args: string[], seconds: number): Promise<Map<string, Runs>> {
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
