/**
 * Static and chunked throughput, side by side in one run: Sluice (`sluice
 * run` in its own process) vs nginx (one worker) with `sendfile on`, and
 * with `sendfile off; output_buffers 2 1m` (nginx copying through user space,
 * as Sluice must). Load: `wrk -t2 -c50 -d5s`, three runs each, medians.
 *
 * Bodies: a 1 MiB file (Content-Length), a 16 MiB one (streamed from disk), and the same 1 MiB sent chunked —
 * Sluice's `chunked` route with 16 × 64 KiB chunks; nginx serves the file
 * through SSI (no directives inside), which drops the length and streams it
 * with Transfer-Encoding: chunked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  median,
  ratio,
  startNginx,
  stopProc,
  waitForPort,
  startSluiceRun,
  type BenchSuite,
  type BenchTable,
} from './harness.js';

const RUNS = 3;
const WRK = ['-t2', '-c50', '-d5s'];
const MiB = 1024 * 1024;

/** One wrk run's figures. */
interface WrkResult {
  rps: number;
  mibps: number;
  p50ms: number;
  errors: number;
}

function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const t = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(out);
  const unit = { B: 1 / MiB, KB: 1 / 1024, MB: 1, GB: 1024 }[(t?.[2] ?? 'MB') as 'B' | 'KB' | 'MB' | 'GB'];
  const lat = /Latency\s+([\d.]+)(us|ms|s)/.exec(out);
  const latScale = { us: 0.001, ms: 1, s: 1000 }[(lat?.[2] ?? 'ms') as 'us' | 'ms' | 's'];
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErrors = sock ? sock.slice(1).reduce((a, x) => a + Number(x), 0) : 0;
  return {
    rps,
    mibps: Number(t?.[1] ?? NaN) * unit,
    p50ms: Number(lat?.[1] ?? NaN) * latScale,
    errors: non2xx + sockErrors,
  };
}

function wrk(url: string): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', [...WRK, '--latency', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    p.on('error', reject);
    p.on('close', () => resolve(parseWrk(out)));
  });
}

/** A server under test and the URLs of its two bodies. */
interface Target {
  name: string;
  staticUrl: string;
  /** A file too large for the in-memory cache: streamed from disk. */
  bigUrl: string;
  chunkedUrl: string;
  stop(): Promise<void>;
}

async function startSluice(dir: string): Promise<Target> {
  const port = await freePort();
  const chunk = 'x'.repeat(64 * 1024);
  writeFileSync(
    join(dir, 'sluice.yaml'),
    `version: 1
http:
  servers:
    - name: bench
      listen: 127.0.0.1:${port}
      routes:
        - path: /static
          static: { root: ./www }
        - path: /chunked
          chunked: { chunks: [${Array.from({ length: 16 }, () => `"${chunk}"`).join(', ')}], content_type: application/octet-stream }
`,
  );
  const proc: ChildProcess = startSluiceRun(join(dir, 'sluice.yaml'));
  await waitForPort(port, '127.0.0.1', 20_000);
  const base = `http://127.0.0.1:${port}`;
  return {
    name: 'Sluice',
    staticUrl: `${base}/static/1m.bin`,
    bigUrl: `${base}/static/16m.bin`,
    chunkedUrl: `${base}/chunked`,
    stop: () => stopProc(proc),
  };
}

async function startNginxTarget(dir: string, sendfile: boolean): Promise<Target> {
  const port = await freePort();
  const www = join(dir, 'www');
  const peer = startNginx(`http {
  access_log off;
  keepalive_requests 1000000;
  ${sendfile ? 'sendfile on; tcp_nopush on;' : 'sendfile off; output_buffers 2 1m;'}
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location /static/ { alias ${www}/; }
    location /chunked { alias ${www}/1m.bin; default_type application/octet-stream; ssi on; ssi_types *; }
  }
}`);
  await waitForPort(port);
  const base = `http://127.0.0.1:${port}`;
  return {
    name: sendfile ? 'nginx (sendfile on)' : 'nginx (sendfile off, output_buffers 2 1m)',
    staticUrl: `${base}/static/1m.bin`,
    bigUrl: `${base}/static/16m.bin`,
    chunkedUrl: `${base}/chunked`,
    stop: async () => {
      await peer.stop();
      rmSync(peer.dir, { recursive: true, force: true });
    },
  };
}

/** Median figures of RUNS wrk runs against one URL. */
async function measure(url: string): Promise<WrkResult> {
  const runs: WrkResult[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await wrk(url));
  return {
    rps: median(runs.map((r) => r.rps)),
    mibps: median(runs.map((r) => r.mibps)),
    p50ms: median(runs.map((r) => r.p50ms)),
    errors: runs.reduce((a, r) => a + r.errors, 0),
  };
}

/** Both bodies are what they should be (a 403 page measured as throughput would be meaningless). */
async function checkBodies(t: Target): Promise<void> {
  for (const [url, framing] of [
    [t.staticUrl, 'length'],
    [t.chunkedUrl, 'chunked'],
  ] as const) {
    const res = await fetch(url);
    const body = await res.arrayBuffer();
    const chunked = res.headers.get('transfer-encoding') === 'chunked';
    if (res.status !== 200 || body.byteLength !== MiB || chunked !== (framing === 'chunked')) {
      throw new Error(
        `${t.name} ${url}: want 200 with a 1 MiB ${framing} body, got ${res.status}, ${body.byteLength} bytes, chunked=${chunked}`,
      );
    }
  }
}

export const suite: BenchSuite = {
  name: 'static',
  async run(): Promise<BenchTable[]> {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-static-'));
    chmodSync(dir, 0o755); // nginx workers run as nobody when started as root
    mkdirSync(join(dir, 'www'));
    writeFileSync(join(dir, 'www/1m.bin'), randomBytes(MiB));
    writeFileSync(join(dir, 'www/16m.bin'), randomBytes(16 * MiB));
    const results: { name: string; stat: WrkResult; big: WrkResult; chunked: WrkResult }[] = [];
    try {
      for (const start of [
        () => startSluice(dir),
        () => startNginxTarget(dir, true),
        () => startNginxTarget(dir, false),
      ]) {
        const t = await start();
        try {
          await checkBodies(t);
          results.push({
            name: t.name,
            stat: await measure(t.staticUrl),
            big: await measure(t.bigUrl),
            chunked: await measure(t.chunkedUrl),
          });
        } finally {
          await t.stop();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const sluice = results[0]!;
    const row = (kind: 'stat' | 'big' | 'chunked') => (r: (typeof results)[number]) => [
      r.name,
      r[kind].rps.toFixed(0),
      r[kind].mibps.toFixed(0),
      r[kind].p50ms.toFixed(1),
      r[kind].errors,
      ratio(sluice[kind].rps, r[kind].rps),
    ];
    const columns = ['server', 'req/s', 'MiB/s', 'p50 ms', 'errors', 'Sluice ÷ this'];
    const notes = [
      `wrk ${WRK.join(' ')}, median of ${RUNS} runs; every server is one process/worker on the same loaded 2-core machine: compare ratios, not absolutes`,
    ];
    return [
      { title: '1 MiB static file (Content-Length)', columns, rows: results.map(row('stat')), notes },
      {
        title: '16 MiB static file (Content-Length; Sluice streams it from disk through two reused 256 KiB buffers)',
        columns,
        rows: results.map(row('big')),
        notes,
      },
      {
        title: '1 MiB chunked body (16 × 64 KiB chunks; nginx via SSI)',
        columns,
        rows: results.map(row('chunked')),
        notes,
      },
    ];
  },
};
