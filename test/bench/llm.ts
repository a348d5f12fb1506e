/**
 * LLM streaming: 1000 concurrent streaming chat completions (200 tokens at
 * 50 tokens/s after a 200 ms first token, starts spread over one second) —
 * Sluice's `llm` route vs a minimal Node server writing the same chunks with
 * one timer per token. The load generator runs in its own process
 * (test/bench/llm-load.ts) with raw sockets.
 *
 * Per server and round: token deliveries/s, lateness of each token against
 * its schedule as the client sees it (p50/p99/max), server CPU per token,
 * RSS per open stream, the generator's own event-loop delay (to tell its lag
 * from the server's). `LLM_BENCH_ROUNDS` (default 3) rounds; medians shown.
 * `LLM_BENCH_PROF=1` writes a CPU profile of each Sluice run to .tmp/prof.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, median, ratio, stopProc, type BenchSuite, type BenchTable } from './harness.js';
import { ENGINE_FLAGS } from '../../bin/engine-flags.mjs';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const STREAMS = Number(process.env.LLM_BENCH_STREAMS ?? 1000);
const ROUNDS = Number(process.env.LLM_BENCH_ROUNDS ?? 3);
const TOKENS = 200;
const RATE = 50;
const FIRST = 200;
const RAMP = 1000;

function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** Server-side lateness the server prints when it stops. */
interface ServerLateness {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

async function startServer(
  kind: 'sluice' | 'node',
): Promise<{ proc: ChildProcess; port: number; lateness: Promise<ServerLateness | undefined> }> {
  const port = await freePort();
  const flags =
    (kind === 'sluice' && !process.env.LLM_BENCH_NO_FLAGS) || process.env.LLM_BENCH_SAME_FLAGS ? [...ENGINE_FLAGS] : [];
  if (kind === 'sluice' && process.env.LLM_BENCH_PROF) flags.push('--cpu-prof', '--cpu-prof-dir=.tmp/prof');
  const proc = spawn(
    process.execPath,
    [
      ...flags,
      '--import',
      'tsx',
      here('./llm-server.ts'),
      kind,
      String(port),
      String(TOKENS),
      String(RATE),
      String(FIRST),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const lateness = new Promise<ServerLateness | undefined>((resolve) =>
    proc.once('exit', () => {
      const m = /lateness (\{.*\})/.exec(out);
      resolve(m ? (JSON.parse(m[1]!) as ServerLateness) : undefined);
    }),
  );
  return { proc, port, lateness };
}

interface LoadResult {
  completed: number;
  failed: number;
  deliveries: number;
  seconds: number;
  lateness: { p50: number; p99: number; max: number };
  loopP99: number;
  openAt: number;
}
interface Round extends LoadResult {
  cpuUsPerToken: number;
  kibPerStream: number;
  server?: ServerLateness;
}

async function round(kind: 'sluice' | 'node'): Promise<Round> {
  const { proc, port, lateness } = await startServer(kind);
  const gen = fork(here('./llm-load.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await new Promise<void>((resolve) => gen.once('message', () => resolve()));
    await new Promise((r) => setTimeout(r, 300));
    const base = rss(proc.pid!);
    const cpu0 = cpuMs(proc.pid!);
    const result = new Promise<LoadResult>((resolve) => gen.once('message', (m) => resolve(m as LoadResult)));
    gen.send({ cmd: 'run', port, streams: STREAMS, rampMs: RAMP, tokens: TOKENS, rate: RATE, first: FIRST });
    await new Promise((r) => setTimeout(r, RAMP + 1000));
    const loaded = rss(proc.pid!);
    const r = await result;
    const cpu = cpuMs(proc.pid!) - cpu0;
    gen.send({ cmd: 'close' });
    await stopProc(gen);
    await stopProc(proc);
    return {
      ...r,
      cpuUsPerToken: (cpu * 1000) / Math.max(1, r.deliveries),
      kibPerStream: (loaded - base) / Math.max(1, r.openAt) / 1024,
      server: await lateness,
    };
  } finally {
    if (gen.exitCode === null) gen.kill();
    if (proc.exitCode === null) proc.kill();
  }
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');

export const suite: BenchSuite = {
  name: 'llm',
  async run(): Promise<BenchTable[]> {
    const runs: Record<'sluice' | 'node', Round[]> = { sluice: [], node: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const kind of ['sluice', 'node'] as const) runs[kind].push(await round(kind));
    }
    const med = (kind: 'sluice' | 'node', pick: (r: Round) => number) => median(runs[kind].map(pick));
    const row = (name: string, kind: 'sluice' | 'node') => [
      name,
      Math.round(med(kind, (r) => r.deliveries / r.seconds)),
      `${med(kind, (r) => r.completed)}/${STREAMS}`,
      f1(med(kind, (r) => r.server?.p50 ?? NaN)),
      f1(med(kind, (r) => r.server?.p99 ?? NaN)),
      f1(med(kind, (r) => r.lateness.p50)),
      f1(med(kind, (r) => r.lateness.p99)),
      f1(med(kind, (r) => r.lateness.max)),
      f1(med(kind, (r) => r.cpuUsPerToken)),
      f1(med(kind, (r) => r.kibPerStream)),
      f1(med(kind, (r) => r.loopP99)),
    ];
    const p99 = (k: 'sluice' | 'node') => med(k, (r) => r.lateness.p99);
    return [
      {
        title: `LLM streaming: ${STREAMS} concurrent chat completions, ${TOKENS} tokens at ${RATE} tokens/s (medians of ${ROUNDS} rounds)`,
        columns: [
          'server',
          'deliveries/s',
          'completed',
          'server late p50 ms',
          'server late p99 ms',
          'client late p50 ms',
          'client late p99 ms',
          'client late max ms',
          'server CPU µs/token',
          'RSS KiB/stream',
          'client loop p99 ms',
        ],
        rows: [row('Sluice llm route', 'sluice'), row('minimal Node', 'node')],
        notes: [
          `server lateness: each token's write minus its due time, in the server; client lateness: arrival minus the schedule (response headers + ${FIRST} ms + i/${RATE} s), which adds the load generator's own delays; the goal is p99 ≤ 5 ms at 1k streams`,
          `client p99 lateness Sluice vs minimal Node: ${ratio(p99('sluice'), p99('node'))}; per round (Sluice server p99 / client p99): ${runs.sluice.map((r) => `${f1(r.server?.p99 ?? NaN)} / ${f1(r.lateness.p99)}`).join(', ')}`,
          'the load generator shares the 2 cores (its own event-loop delay is shown); starts are spread over 1 s',
        ],
      },
    ];
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const t of await suite.run()) console.log(JSON.stringify(t, null, 1));
}
