/**
 * The SSE-over-HTTP/2 part of the TLS bench: 1k subscribers on 10 HTTP/2
 * connections (the load generator, test/bench/sse-h2-load.ts, runs in its
 * own process), latency at 10 publishes/s and deliveries/s under a publish
 * flood, with the server's CPU per delivery — Sluice vs nginx `http2` +
 * nchan, in rounds of alternating order.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestPki } from '../helpers/tls.js';
import { freePort, median, ratio, stopProc, type BenchTable } from './harness.js';
import { cpuMs, nginx, ROUNDS, sluice, type Proc } from './tls-procs.js';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const NCHAN = '/usr/lib/nginx/modules/ngx_nchan_module.so';

/** The HTTP/2 load generator process and a typed request/reply over IPC. */
class H2Load {
  private readonly proc = fork(here('./sse-h2-load.ts'), [], {
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

interface SseResult {
  name: string;
  alive: number;
  p50: number;
  p99: number;
  loss: number;
  perSec: number;
  cpuUs: number;
}

const CONNECTIONS = 10;
const STREAMS = 100;

async function sseTarget(
  name: string,
  proc: Proc,
  url: string,
  pub: string,
  json: boolean,
  ca: string,
): Promise<SseResult> {
  const gen = new H2Load();
  await gen.ready;
  try {
    const c = await gen.ask<{ alive: number }>({
      cmd: 'connect',
      url,
      path: '/sub/bench',
      ca,
      connections: CONNECTIONS,
      streams: STREAMS,
      json,
    });
    await new Promise((r) => setTimeout(r, 500));
    const l = await gen.ask<{ p50: number; p99: number; received: number; expected: number }>({
      cmd: 'latency',
      pub,
      json,
      seconds: 4,
      rate: 10,
      size: 100,
    });
    const cpu0 = proc.pids().reduce((a, p) => a + cpuMs(p), 0);
    const f = await gen.ask<{ deliveries: number; seconds: number }>({
      cmd: 'flood',
      pub,
      json,
      seconds: 5,
      window: 32,
      size: 100,
    });
    const cpu = proc.pids().reduce((a, p) => a + cpuMs(p), 0) - cpu0;
    return {
      name,
      alive: c.alive,
      p50: l.p50,
      p99: l.p99,
      loss: 1 - l.received / Math.max(1, l.expected),
      perSec: f.deliveries / f.seconds,
      cpuUs: (cpu * 1000) / Math.max(1, f.deliveries),
    };
  } finally {
    await gen.close();
  }
}

async function sseOverH2(dir: string, pki: TestPki, round: number): Promise<SseResult[]> {
  const ca = readFileSync(pki.ca, 'utf8');
  const p = { sluice: await freePort(), admin: await freePort(), nchan: await freePort(), pub: await freePort() };
  const order = round % 2 === 0 ? ['sluice', 'nchan'] : ['nchan', 'sluice'];
  const out: SseResult[] = [];
  for (const which of order) {
    if (which === 'sluice') {
      const proc = await sluice(
        dir,
        'sse-h2',
        `admin: { listen: 127.0.0.1:${p.admin} }
http:
  servers:
    - name: bench
      listen: 127.0.0.1:${p.sluice}
      tls: { cert: ${pki.good.cert}, key: ${pki.good.key} }
      keepalive_timeout: 60s
      routes:
        - path: /sub/bench
          sse: { channel: bench, replay: 64, heartbeat: 15s }
`,
        [p.sluice, p.admin],
      );
      try {
        out.push(
          await sseTarget(
            'Sluice',
            proc,
            `https://127.0.0.1:${p.sluice}`,
            `http://127.0.0.1:${p.admin}/api/channels/bench/events`,
            true,
            ca,
          ),
        );
      } finally {
        await proc.stop();
      }
    } else {
      const proc = await nginx(
        `http {
  access_log off;
  nchan_message_buffer_length 64;
  http2_max_concurrent_streams 1000;
  server {
    listen 127.0.0.1:${p.nchan} ssl http2 backlog=1024;
    ssl_certificate ${pki.good.cert};
    ssl_certificate_key ${pki.good.key};
    location ~ ^/sub/(\\w+)$ { nchan_subscriber eventsource; nchan_channel_id $1; }
  }
  server {
    listen 127.0.0.1:${p.pub};
    location ~ ^/pub/(\\w+)$ { nchan_publisher; nchan_channel_id $1; }
  }
}`,
        p.nchan,
        [NCHAN],
      );
      try {
        out.push(
          await sseTarget(
            'nginx http2 + nchan',
            proc,
            `https://127.0.0.1:${p.nchan}`,
            `http://127.0.0.1:${p.pub}/pub/bench`,
            false,
            ca,
          ),
        );
      } finally {
        await proc.stop();
      }
    }
  }
  return out;
}

/** The SSE-over-HTTP/2 table: every round's results, medians per server. */
export async function sseTable(dir: string, pki: TestPki): Promise<BenchTable> {
  const all: SseResult[] = [];
  for (let r = 0; r < ROUNDS; r++) all.push(...(await sseOverH2(dir, pki, r)));
  const names = ['Sluice', 'nginx http2 + nchan'];
  const med = (name: string, k: keyof SseResult) =>
    median(all.filter((x) => x.name === name).map((x) => x[k] as number));
  const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : '—');
  return {
    title: `SSE over HTTP/2: ${CONNECTIONS * STREAMS} subscribers on ${CONNECTIONS} connections, 100-byte events (${ROUNDS} rounds, alternating order, median)`,
    columns: [
      'server',
      'subscribed',
      'p50 @10/s',
      'p99 @10/s',
      'lost',
      'flood deliveries/s',
      'vs nchan',
      'server CPU µs/delivery',
      'vs nchan',
    ],
    rows: names.map((n) => [
      n,
      med(n, 'alive'),
      ms(med(n, 'p50')),
      ms(med(n, 'p99')),
      `${(med(n, 'loss') * 100).toFixed(2)}%`,
      med(n, 'perSec').toFixed(0),
      ratio(med(n, 'perSec'), med('nginx http2 + nchan', 'perSec')),
      med(n, 'cpuUs').toFixed(2),
      ratio(med('nginx http2 + nchan', 'cpuUs'), med(n, 'cpuUs')),
    ]),
    notes: [
      'the load generator (Node http2 client) shares the 2 cores; CPU µs per delivery is the server alone',
      `rounds: ${all.map((x) => `${x.name === 'Sluice' ? 'S' : 'N'} ${x.perSec.toFixed(0)}/s`).join(', ')}`,
    ],
  };
}
