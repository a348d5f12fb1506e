/**
 * HTTPS and HTTP/2, side by side in one run, every server presenting the
 * same ECDSA P-256 certificate:
 *
 *   Handshakes: new TLS connections per second (wrk, `Connection: close`,
 *     no session resumption) — Sluice with HTTP/2 on (the h1 path of an
 *     HTTP/2 server) and off, nginx `ssl` with 1 worker, a minimal Node
 *     https server (the floor for Node).
 *   SSE over HTTP/2: 1k subscribers on 10 HTTP/2 connections (the load
 *     generator, test/bench/sse-h2-load.ts, runs in its own process):
 *     latency at 10 publishes/s and deliveries/s under a publish flood,
 *     with the server's CPU per delivery — Sluice vs nginx `http2` + nchan.
 *   Proxy to an HTTPS upstream: 1 MiB chunked responses from a Node https
 *     origin through Sluice and through nginx `proxy_pass https://`
 *     (keep-alive, verified, sessions reused), wrk over plain HTTP.
 *
 * This module runs the handshakes part and the suite; the SSE and proxy
 * parts are tls-sse-h2.ts and tls-proxy.ts, the processes and wrk rounds
 * all three share are tls-procs.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestPki, type TestPki } from '../helpers/tls.js';
import { freePort, median, ratio, type BenchSuite, type BenchTable } from './harness.js';
import { nginx, nodeScript, ROUNDS, rounds, sluice, type Proc, type Target } from './tls-procs.js';
import { sseTable } from './tls-sse-h2.js';
import { proxyToHttps } from './tls-proxy.js';

const NODE_HTTPS = `
const https = require('node:https'); const fs = require('node:fs');
const [port, cert, key] = process.argv.slice(1);
https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => res.end('ok'))
  .listen(Number(port), '127.0.0.1', 1024);
`;

/** The handshakes table: new TLS connections/s and the server's CPU per handshake. */
async function handshakes(dir: string, pki: TestPki): Promise<BenchTable> {
  const p = { h2: await freePort(), h1: await freePort(), nginx: await freePort(), node: await freePort() };
  const tls = `tls: { cert: ${pki.good.cert}, key: ${pki.good.key} }`;
  const route = `routes: [ { path: /, respond: { body: ok } } ]`;
  const procs: Proc[] = [];
  try {
    const sluiceProc = await sluice(
      dir,
      'handshakes',
      `http:\n  servers:\n    - { name: h2, listen: 127.0.0.1:${p.h2}, ${tls}, ${route} }\n    - { name: h1, listen: 127.0.0.1:${p.h1}, ${tls}, http2: off, ${route} }\n`,
      [p.h2, p.h1],
    );
    procs.push(sluiceProc);
    const nginxProc = await nginx(
      `http {
  access_log off;
  server {
    listen 127.0.0.1:${p.nginx} ssl backlog=1024;
    ssl_certificate ${pki.good.cert};
    ssl_certificate_key ${pki.good.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { return 200 ok; }
  }
}`,
      p.nginx,
    );
    procs.push(nginxProc);
    const nodeProc = await nodeScript(NODE_HTTPS, [p.node, pki.good.cert, pki.good.key], p.node);
    procs.push(nodeProc);
    const targets: Target[] = [
      ['sluice (http2 on, h1 client)', `https://127.0.0.1:${p.h2}/`, sluiceProc],
      ['sluice (http2: off)', `https://127.0.0.1:${p.h1}/`, sluiceProc],
      ['nginx ssl, 1 worker', `https://127.0.0.1:${p.nginx}/`, nginxProc],
      ['node https minimal', `https://127.0.0.1:${p.node}/`, nodeProc],
    ];
    const runs = await rounds(targets, ['-t', '2', '-c', '32', '-H', 'Connection: close'], 3);
    const med = (name: string) => median(runs.get(name)!.rps);
    return {
      title: `TLS: new handshakes/s (wrk -t2 -c32 Connection: close, ECDSA P-256, TLS 1.3; ${ROUNDS} interleaved rounds × 3 s, median)`,
      columns: ['server', 'handshakes/s', 'vs nginx', 'server CPU µs/handshake', 'rounds'],
      rows: targets.map(([name]) => [
        name,
        med(name).toFixed(0),
        ratio(med(name), med('nginx ssl, 1 worker')),
        (median(runs.get(name)!.cpuPer) * 1000).toFixed(0),
        runs
          .get(name)!
          .rps.map((x) => x.toFixed(0))
          .join(' / '),
      ]),
      notes: ['goal: sluice ≥ 0.8× nginx', 'wrk does the client half of every handshake on the same 2 cores'],
    };
  } finally {
    for (const x of procs.reverse()) await x.stop();
  }
}

/** Which parts run: `TLS_BENCH=handshakes,sse,proxy` (default all). */
const PARTS = (process.env.TLS_BENCH ?? 'handshakes,sse,proxy').split(',');

export const suite: BenchSuite = {
  name: 'tls',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-tls-'));
    const pki = await makeTestPki(dir);
    const tables: BenchTable[] = [];
    if (PARTS.includes('handshakes')) tables.push(await handshakes(dir, pki));
    if (PARTS.includes('sse')) tables.push(await sseTable(dir, pki));
    if (PARTS.includes('proxy')) tables.push(await proxyToHttps(dir, pki));
    return tables;
  },
};
