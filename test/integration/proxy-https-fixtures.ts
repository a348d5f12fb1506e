/**
 * HTTPS upstreams for the proxy tests: Debian's nginx with nchan serving TLS
 * with certificates made here — good, expired, for another name,
 * self-signed, and good with a 300 ms keep-alive — beside a plain port that
 * publishes SSE events and answers too, all under one temp folder that also
 * holds the CA files (ca.pem, other-ca.pem) and, when asked, a 64 MiB file.
 * Plus the small clients the tests read them with.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestEngine } from '../helpers/engine.js';
import { makeTestPki, type TestPki } from '../helpers/tls.js';
import { startNginx, waitForPort, freePort, type Peer } from '../bench/harness.js';

const NCHAN = '/usr/lib/nginx/modules/ngx_nchan_module.so';
/** The size of /big.bin. */
export const BIG = 64 * 1024 * 1024;

/** nginx ports: plain (publishing), good certificate, expired, wrong name, self-signed, short keep-alive. */
export interface HttpsPorts {
  plain: number;
  good: number;
  expired: number;
  wrongName: number;
  selfSigned: number;
  short: number;
}

/** The running nginx, its ports, and the folder with the certificates and the file it serves. */
export interface HttpsUpstreams {
  dir: string;
  pki: TestPki;
  port: HttpsPorts;
  /** sha256 of /big.bin ('' when not asked for). */
  bigSha: string;
  /** Stops nginx and removes the folder. */
  stop(): Promise<void>;
}

/** sha256 of the bytes, in hex. */
/** One `http.upstreams[]` line: a group of one server on `port` with these `tls` settings. */
export const upstreamLine = (name: string, port: number, tls: string) =>
  `    - { name: ${name}, servers: [ { address: 127.0.0.1:${port} } ], tls: ${tls} }\n`;

/** Upstream TLS that trusts the test CA for the name the upstream certificates carry. */
export const TRUSTED = '{ server_name: localhost, ca: ./ca.pem }';

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function nginxConf(dir: string, pki: TestPki, port: HttpsPorts): string {
  const tlsServer = (p: number, pair: { cert: string; key: string }, body: string) => `
  server {
    listen 127.0.0.1:${p} ssl;
    ssl_certificate ${pair.cert};
    ssl_certificate_key ${pair.key};
    ${body}
  }`;
  const conn =
    'location ~ /conn$ { default_type text/plain; return 200 "conn=$connection sni=$ssl_server_name host=$host proto=$ssl_protocol\\n"; }';
  return `http {
  access_log off;
  nchan_message_buffer_length 16;
  server {
    listen 127.0.0.1:${port.plain};
    location ~ ^/pub/(\\w+)$ { nchan_publisher; nchan_channel_id $1; }
    ${conn}
  }
  ${tlsServer(
    port.good,
    pki.good,
    `keepalive_timeout 60s;
    keepalive_requests 10000;
    location ~ ^/sub/(\\w+)$ { nchan_subscriber eventsource; nchan_channel_id $1; }
    location = /big.bin { root ${dir}/www; }
    location = /health { return 200 "ok\\n"; }
    ${conn}`,
  )}
  ${tlsServer(port.expired, pki.expired, 'location / { return 200 "expired but answering\\n"; }')}
  ${tlsServer(port.wrongName, pki.wrongName, 'location / { return 200 "other.test\\n"; }')}
  ${tlsServer(port.selfSigned, pki.selfSigned, 'location / { default_type text/plain; return 200 "self-signed ok\\n"; }')}
  ${tlsServer(
    port.short,
    pki.good,
    `keepalive_timeout 300ms;
    ${conn}`,
  )}
}`;
}

/** Certificates, ports and nginx with nchan, each on a free port; /big.bin only with `bigFile`. */
export async function startHttpsUpstreams(opts: { bigFile?: boolean } = {}): Promise<HttpsUpstreams> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-https-'));
  chmodSync(dir, 0o755); // nginx workers run as another user
  const pki = await makeTestPki(dir);
  mkdirSync(join(dir, 'www'), { mode: 0o755 });
  let bigSha = '';
  if (opts.bigFile) {
    const big = randomBytes(BIG);
    bigSha = sha(big);
    writeFileSync(join(dir, 'www', 'big.bin'), big, { mode: 0o644 });
  }
  const port: HttpsPorts = { plain: 0, good: 0, expired: 0, wrongName: 0, selfSigned: 0, short: 0 };
  for (const k of Object.keys(port) as (keyof HttpsPorts)[]) port[k] = await freePort();
  let nginx: Peer | undefined;
  try {
    nginx = startNginx(nginxConf(dir, pki, port), [NCHAN]);
    for (const p of Object.values(port)) await waitForPort(p);
  } catch (err) {
    await nginx?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const peer = nginx;
  return {
    dir,
    pki,
    port,
    bigSha,
    async stop() {
      await peer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** GET over a fresh client connection. */
export function get(url: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** A JSON answer of the engine's admin API, which must be a 200. */
export async function adminJson<T>(t: TestEngine, path: string): Promise<T> {
  const res = await fetch(`${t.url('admin')}${path}`);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** `conn=12 sni=localhost host=… proto=TLSv1.3` → fields. */
export function connInfo(body: string): Record<string, string> {
  return Object.fromEntries(
    body
      .trim()
      .split(' ')
      .map((kv) => kv.split('=') as [string, string]),
  );
}
