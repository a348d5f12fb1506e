/**
 * The proxy-to-HTTPS part of the TLS bench: 1 MiB chunked responses from a
 * Node https origin through Sluice, nginx `proxy_pass https://` (keep-alive,
 * verified, sessions reused) and a minimal Node proxy, wrk over plain HTTP;
 * the same through a plain-HTTP origin shows what TLS itself costs.
 */
import type { TestPki } from '../helpers/tls.js';
import { freePort, median, ratio, type BenchTable } from './harness.js';
import { nginx, nodeScript, ROUNDS, rounds, sluice, type Target } from './tls-procs.js';

/** The origin: /mib is 1 MiB chunked in 64 KiB writes, with backpressure; over TLS when given a certificate. */
const ORIGIN = `
const fs = require('node:fs');
const [port, cert, key] = process.argv.slice(1);
const piece = Buffer.alloc(64 * 1024, 120);
const handler = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let i = 0;
  const more = () => { while (i < 16) { i++; if (!res.write(piece)) return res.once('drain', more); } res.end(); };
  more();
};
const server = cert
  ? require('node:https').createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key), keepAliveTimeout: 60000 }, handler)
  : require('node:http').createServer({ keepAliveTimeout: 60000 }, handler);
server.listen(Number(port), '127.0.0.1', 1024);
`;

/**
 * The runtime's floor for the same job: a minimal Node proxy (http in, https
 * out with a keep-alive agent verifying against the CA, pipe both ways).
 * Arguments: listen port, upstream port, CA file.
 */
const NODE_PROXY = `
const [port, upstream, ca] = process.argv.slice(1);
const fs = require('node:fs');
const https = require('node:https');
const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: fs.readFileSync(ca), servername: 'localhost' });
require('node:http').createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  const up = https.request({ host: '127.0.0.1', port: Number(upstream), path: req.url, method: req.method, headers: req.headers, agent, servername: 'localhost' }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
}).listen(Number(port), '127.0.0.1', 1024);
`;

/** nginx proxying one location to an upstream group, as the peers table sets it up (64 KiB buffers, keep-alive). */
function nginxProxyServer(port: number, upstream: string, scheme: 'http' | 'https', ca: string): string {
  const tls =
    scheme === 'https'
      ? `proxy_ssl_server_name on; proxy_ssl_name localhost; proxy_ssl_verify on;
      proxy_ssl_trusted_certificate ${ca}; proxy_ssl_session_reuse on;`
      : '';
  return `server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass ${scheme}://${upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_buffer_size 64k;
      proxy_buffers 8 64k;
      proxy_read_timeout 1h;
      ${tls}
    }
  }`;
}

/** The proxy-to-HTTPS table: every path's requests/s and the proxy's CPU per MiB. */
export async function proxyToHttps(dir: string, pki: TestPki): Promise<BenchTable> {
  const p = {
    tlsOrigin: await freePort(),
    origin: await freePort(),
    sluiceTls: await freePort(),
    sluice: await freePort(),
    nginxTls: await freePort(),
    nginx: await freePort(),
    nodeTls: await freePort(),
  };
  const procs = [
    await nodeScript(ORIGIN, [p.tlsOrigin, pki.good.cert, pki.good.key], p.tlsOrigin),
    await nodeScript(ORIGIN, [p.origin], p.origin),
  ];
  try {
    const sluiceProc = await sluice(
      dir,
      'proxy-https',
      `http:
  servers:
    - { name: tls, listen: 127.0.0.1:${p.sluiceTls}, routes: [ { path: /, proxy: { upstream: tls, read_timeout: 1h } } ] }
    - { name: plain, listen: 127.0.0.1:${p.sluice}, routes: [ { path: /, proxy: { upstream: plain, read_timeout: 1h } } ] }
  upstreams:
    - name: tls
      keepalive: 64
      servers: [ { address: 127.0.0.1:${p.tlsOrigin} } ]
      tls: { server_name: localhost, ca: ${pki.ca} }
    - { name: plain, keepalive: 64, servers: [ { address: 127.0.0.1:${p.origin} } ] }
`,
      [p.sluiceTls, p.sluice],
    );
    procs.push(sluiceProc);
    const nginxProc = await nginx(
      `http {
  access_log off;
  upstream tls { server 127.0.0.1:${p.tlsOrigin}; keepalive 64; }
  upstream plain { server 127.0.0.1:${p.origin}; keepalive 64; }
  ${nginxProxyServer(p.nginxTls, 'tls', 'https', pki.ca)}
  ${nginxProxyServer(p.nginx, 'plain', 'http', pki.ca)}
}`,
      p.nginxTls,
    );
    procs.push(nginxProc);
    const nodeProxy = await nodeScript(NODE_PROXY, [p.nodeTls, p.tlsOrigin, pki.ca], p.nodeTls);
    procs.push(nodeProxy);
    const targets: Target[] = [
      ['direct (https origin)', `https://127.0.0.1:${p.tlsOrigin}/mib`, undefined],
      ['sluice → https upstream', `http://127.0.0.1:${p.sluiceTls}/mib`, sluiceProc],
      ['nginx proxy_pass https://', `http://127.0.0.1:${p.nginxTls}/mib`, nginxProc],
      ['minimal Node → https upstream', `http://127.0.0.1:${p.nodeTls}/mib`, nodeProxy],
      ['sluice → http upstream', `http://127.0.0.1:${p.sluice}/mib`, sluiceProc],
      ['nginx proxy_pass http://', `http://127.0.0.1:${p.nginx}/mib`, nginxProc],
    ];
    const runs = await rounds(targets, ['-t', '2', '-c', '16'], 3);
    const med = (name: string) => median(runs.get(name)!.rps);
    const peerOf = (name: string) =>
      name.includes('https') ? 'nginx proxy_pass https://' : 'nginx proxy_pass http://';
    return {
      title: `Proxy to an HTTPS upstream: 1 MiB chunked responses (wrk -t2 -c16, ${ROUNDS} interleaved rounds × 3 s, median)`,
      columns: ['path', 'req/s = MiB/s', 'vs nginx', 'proxy CPU ms/MiB', 'rounds'],
      rows: targets.map(([name, , proc]) => [
        name,
        med(name).toFixed(0),
        name.startsWith('sluice') || name.startsWith('minimal') ? ratio(med(name), med(peerOf(name))) : '',
        proc ? median(runs.get(name)!.cpuPer).toFixed(2) : '',
        runs
          .get(name)!
          .rps.map((x) => x.toFixed(0))
          .join(' / '),
      ]),
      notes: [
        'goal: sluice → https ≥ 0.8× nginx proxy_pass https://; the plain-upstream pair shows what TLS itself costs',
        "the minimal Node proxy is the runtime's floor for this job (node:https with a keep-alive agent, pipe)",
        'origins (Node), proxies and wrk share the 2 cores; CPU per MiB is the proxy process alone',
      ],
    };
  } finally {
    for (const x of procs.reverse()) await x.stop();
  }
}
