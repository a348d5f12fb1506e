/**
 * "Why isn't it streaming?" with real peers: Debian's nginx, with
 * `gzip on; gzip_types text/event-stream;` and `proxy_buffering on`, in front
 * of an SSE upstream, behind Sluice's proxy. The exchange's diagnostics
 * (GET /api/traffic/ID) and the stream client's both name compression and
 * buffering; the same stream through nginx with the fixes has none.
 *
 *   ClientSession ─▶ Sluice proxy (/api/traffic) ─▶ nginx (gzip, buffering) ─▶ SSE upstream
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { needs } from '../helpers/peers.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { ClientSession } from '../../core/client/session.js';
import type { ClientEvent } from '../../core/api/client.js';
import type { ExchangeDetail, ExchangeSummary } from '../../core/api/types.js';
import { freePort } from '../helpers/free-port.js';

const EVENTS = 8;
const EVERY_MS = 120;

let upstream: http.Server;
let dir: string;
const nginx: ChildProcess[] = [];
let t: TestEngine | undefined;
let ports: { broken: number; fixed: number };
let skip: string | false = false;

/** An nginx config with every path inside `root`. */
function nginxConf(root: string, port: number, upstreamPort: number, fixed: boolean): string {
  return `worker_processes 1;
pid ${root}/nginx.pid;
error_log ${root}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${root}/body;
  proxy_temp_path ${root}/proxy;
  fastcgi_temp_path ${root}/fastcgi;
  uwsgi_temp_path ${root}/uwsgi;
  scgi_temp_path ${root}/scgi;
  ${fixed ? 'gzip off;' : 'gzip on; gzip_types text/event-stream; gzip_min_length 1;'}
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_buffering ${fixed ? 'off' : 'on'};
    }
  }
}
`;
}

async function startNginx(name: string, port: number, upstreamPort: number, fixed: boolean): Promise<void> {
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'nginx.conf'), nginxConf(root, port, upstreamPort, fixed));
  const child = spawn('nginx', ['-p', root, '-c', join(root, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  nginx.push(child);
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      }),
    `nginx ${name} to listen (${err})`,
    10_000,
  );
}

before(async () => {
  skip = needs('nginx');
  if (skip) return;
  upstream = http.createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let i = 1; i <= EVENTS; i++) {
      res.write(`id: ${i}\ndata: {"step":${i},"of":${EVENTS}}\n\n`);
      await sleep(EVERY_MS);
    }
    res.end();
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const upPort = (upstream.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-'));
  ports = { broken: await freePort(), fixed: await freePort() };
  await startNginx('broken', ports.broken, upPort, false);
  await startNginx('fixed', ports.fixed, upPort, true);
  t = await startEngine(`version: 1
admin: { listen: 127.0.0.1:0 }
http:
  servers:
    - name: edge
      listen: 127.0.0.1:0
      routes:
        - path: /broken
          proxy: { upstream: broken }
        - path: /fixed
          proxy: { upstream: fixed }
  upstreams:
    - { name: broken, servers: [ { address: 127.0.0.1:${ports.broken} } ] }
    - { name: fixed, servers: [ { address: 127.0.0.1:${ports.fixed} } ] }
`);
});

after(async () => {
  await t?.stop();
  for (const n of nginx) n.kill('SIGTERM');
  await Promise.all(nginx.map((n) => new Promise((r) => (n.exitCode !== null ? r(null) : n.once('exit', r)))));
  if (upstream) {
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Streams `path` through Sluice with the stream client; returns its events, findings, and the exchange's detail from the admin API. */
async function through(path: string): Promise<{ events: ClientEvent[]; client: string[]; detail: ExchangeDetail }> {
  const admin = t!.url('admin');
  // A poll of /api/traffic turns capture on (chunk timings, decoded events) for a while.
  await fetch(`${admin}/api/traffic?limit=1`);
  const events: ClientEvent[] = [];
  const s = await new ClientSession(
    { url: `${t!.url('edge')}${path}/events`, reconnect: 0 },
    { event: (e) => events.push(e) },
  ).run();
  assert.equal(s.state, 'ended', s.error);
  const rows = (await (await fetch(`${admin}/api/traffic?search=${path}`)).json()) as ExchangeSummary[];
  const row = rows.find((r) => r.url === `${path}/events`)!;
  // A compressed stream is decompressed for the inspector off the main thread: wait until every event is in.
  let detail: ExchangeDetail | undefined;
  await waitFor(async () => {
    detail = (await (await fetch(`${admin}/api/traffic/${row.id}`)).json()) as ExchangeDetail;
    return detail.outcome !== 'open' && detail.sseEvents.length === EVENTS;
  }, 'the exchange to end with every event decoded');
  return { events, client: s.diagnostics.map((d) => d.code), detail: detail! };
}

test(
  'nginx with gzip and proxy_buffering on: the exchange and the client name compression and buffering',
  { timeout: 60_000 },
  async (ctx) => {
    if (skip) return ctx.skip(skip);
    const { events, client, detail } = await through('/broken');
    assert.equal(events.length, EVENTS);
    const spread = events.at(-1)!.t - events[0]!.t;
    assert.ok(spread < 200, `the events arrived together (${spread} ms apart), though sent ${EVERY_MS} ms apart`);
    assert.equal(detail.responseHeaders?.['content-encoding'], 'gzip');
    const codes = detail.diagnostics.map((d) => d.code);
    assert.ok(codes.includes('compression'), JSON.stringify(detail.diagnostics));
    assert.ok(codes.includes('buffering'), JSON.stringify(detail.diagnostics));
    const compression = detail.diagnostics.find((d) => d.code === 'compression')!;
    assert.match(compression.message, /gzip_types|gzip off/);
    assert.match(detail.diagnostics.find((d) => d.code === 'buffering')!.message, /proxy_buffering off/);
    assert.ok(
      client.includes('compression') && client.includes('buffering'),
      `the client sees the same: ${client.join(', ')}`,
    );
  },
);

test(
  'the same stream through nginx with the fixes (gzip off, proxy_buffering off) has no findings',
  { timeout: 60_000 },
  async (ctx) => {
    if (skip) return ctx.skip(skip);
    const { events, client, detail } = await through('/fixed');
    assert.equal(events.length, EVENTS);
    const spread = events.at(-1)!.t - events[0]!.t;
    assert.ok(spread >= (EVENTS - 1) * EVERY_MS * 0.7, `events arrived as sent (${spread} ms from first to last)`);
    assert.deepEqual(detail.diagnostics, []);
    assert.deepEqual(client, []);
    assert.equal(detail.sseEvents.length, EVENTS, 'the proxied stream was decoded while observed');
  },
);
