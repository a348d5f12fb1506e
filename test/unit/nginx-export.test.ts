/** export-nginx: the output is accepted by `nginx -t` and carries the ideas nginx shares; import-nginx reads it back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../helpers/engine.js';
import { needs } from '../helpers/peers.js';
import { exportNginx } from '../../core/nginx/export.js';
import { importNginx } from '../../core/nginx/import.js';
import { parseNginx } from '../../core/nginx/parse.js';

const DOC = `
http:
  servers:
    - name: mock
      listen: 127.0.0.1:18080
      gzip: true
      routes:
        - path: /events
          sse: { channel: notifications }
        - path: /downloads
          static: { root: /srv/www }
          limit: { rate: 512k, burst: 64k, after: 1m }
        - path: /api
          proxy: { upstream: backend, buffering: off, read_timeout: 1h }
        - path: /health
          respond: { status: 200, body: 'ok $1 "q"' }
        - path: /flaky
          proxy: { upstream: backend }
          limit: { rate: 64k, per: client }
  upstreams:
    - name: backend
      balance: least_conn
      servers:
        - { address: 127.0.0.1:3000, weight: 3 }
        - { address: 127.0.0.1:3001, weight: 2, max_fails: 3, fail_timeout: 10s }
        - { address: 127.0.0.1:3002, backup: true }
  limits:
    default: { rate: 1m }
    rules:
      - { match: { ext: [mp4, zip] }, rate: 256k }
      - { match: { client: 127.0.0.2/32, path: /big }, rate: 64k, after: 10m }
      - { match: { min_size: 1k }, rate: 32k }
stream:
  upstreams:
    - { name: db, servers: [ { address: 127.0.0.1:5432 }, { address: 127.0.0.1:5433, backup: true } ] }
  servers:
    - { name: pg, listen: 127.0.0.1:15432, upstream: db, proxy_timeout: 10m, limit: { rate: 1m, direction: both } }
    - { name: dns, listen: 127.0.0.1:10053, protocol: udp, upstream: db, proxy_responses: 1 }
`;

const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

function nginxTest(conf: string): { ok: boolean; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-t-'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const r = spawnSync(
    'nginx',
    ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `pid ${dir}/nginx.pid; error_log ${dir}/error.log;`],
    { encoding: 'utf8' },
  );
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

test('the export of a full document passes nginx -t', { skip: needs('nginx', 'nginx-stream') }, () => {
  const conf = exportNginx(parseConfig(DOC), { streamModule: STREAM_MODULE });
  const r = nginxTest(conf);
  assert.ok(r.ok, `${r.out}\n${conf}`);
});

test('the export carries limits, aliases, upstreams and stream rates; notes what nginx lacks', () => {
  const conf = exportNginx(parseConfig(DOC));
  for (const line of [
    'limit_rate 512k;',
    'limit_rate_after 1m;',
    'alias /srv/www/;',
    'location /downloads/ {',
    'location = /api {',
    'proxy_pass http://backend;',
    'proxy_buffering off;',
    'proxy_read_timeout 1h;',
    'least_conn;',
    'server 127.0.0.1:3000 weight=3 max_fails=1 fail_timeout=10s;',
    'server 127.0.0.1:3001 weight=2 max_fails=3 fail_timeout=10s;',
    'fail_timeout=10s backup;',
    'listen 127.0.0.1:10053 udp;',
    'proxy_download_rate 1m;',
    'proxy_upload_rate 1m;',
    'proxy_responses 1;',
    'limit_rate $sluice_limit_rate;',
    '~*\\.(mp4|zip)$ 256k;',
    '127.0.0.2/32 1;',
  ])
    assert.ok(conf.includes(line), `missing: ${line}`);
  assert.match(conf, /# SSE mock \(channel "notifications"\)/);
  assert.match(conf, /# per: client .* no nginx equivalent/);
  assert.match(conf, /limit rule 3 .* left out: nginx cannot compare response sizes/);
});

test(
  "server-wide rules act in nginx: the map chain yields the rule's rate per request",
  { skip: needs('nginx') },
  async () => {
    const cfg = parseConfig(DOC);
    cfg.stream.servers = [];
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    cfg.http.servers[0]!.listen = `127.0.0.1:${port}`;
    const conf = exportNginx(cfg).replace(
      /server_name mock;/,
      'server_name mock;\n        location ~ ^/(probe|big)/ { return 200 "$sluice_limit_rate $sluice_limit_after"; }',
    );
    const dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-run-'));
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const proc = spawn(
      'nginx',
      ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;`],
      { stdio: 'ignore' },
    );
    try {
      const get = async (path: string, localAddress: string): Promise<string> => {
        for (let i = 0; ; i++) {
          try {
            return await new Promise<string>((resolve, reject) => {
              http
                .get({ host: '127.0.0.1', port, path, localAddress, agent: false }, (res) => {
                  let b = '';
                  res.on('data', (c) => {
                    b += c;
                  });
                  res.on('end', () => resolve(b));
                })
                .on('error', reject);
            });
          } catch (err) {
            if (i > 50) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      };
      assert.equal(await get('/probe/a.txt', '127.0.0.1'), '1m 0', 'default');
      assert.equal(await get('/probe/a.MP4', '127.0.0.1'), '256k 0', 'ext rule');
      assert.equal(await get('/big/a.txt', '127.0.0.2'), '64k 10m', 'client + path rule');
      assert.equal(await get('/big/a.txt', '127.0.0.3'), '1m 0', 'path alone is not enough');
      assert.equal(await get('/big/a.zip', '127.0.0.2'), '256k 0', 'first match wins');
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  },
);

test('import reads the export back (servers, routes, limits, upstreams, stream)', () => {
  const conf = exportNginx(parseConfig(DOC), { streamModule: STREAM_MODULE });
  const r = importNginx(conf, 'exported.conf');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  if (!r.ok) return;
  const cfg = parseConfig(r.yaml);
  const s = cfg.http.servers[0]!;
  assert.equal(s.name, 'mock');
  assert.equal(s.listen, '127.0.0.1:18080');
  const dl = s.routes.find((x) => x.path === '/downloads')!;
  assert.equal(dl.static?.root, '/srv/www');
  assert.equal(dl.limit?.rate, 512 * 1024);
  assert.equal(dl.limit?.after, 1024 * 1024);
  const api = s.routes.find((x) => x.path === '/api')!;
  assert.equal(api.proxy?.upstream, 'backend');
  assert.equal(api.proxy?.buffering, false);
  assert.equal(api.proxy?.read_timeout, 3_600_000);
  assert.equal(s.routes.find((x) => x.path === '/health')!.respond?.body, 'ok $1 "q"');
  const up = cfg.http.upstreams[0]!;
  assert.equal(up.balance, 'least_conn');
  assert.deepEqual(
    up.servers.map((x) => [x.address, x.weight, x.max_fails, x.fail_timeout, x.backup]),
    [
      ['127.0.0.1:3000', 3, 1, 10_000, false],
      ['127.0.0.1:3001', 2, 3, 10_000, false],
      ['127.0.0.1:3002', 1, 1, 10_000, true],
    ],
  );
  assert.equal(cfg.stream.servers[0]!.limit?.direction, 'both');
  assert.equal(cfg.stream.servers[1]!.protocol, 'udp');
  assert.ok(
    r.notes.some((n) => n.includes('variables')),
    'the rule chain is reported, not silently dropped',
  );
});

test('import maps nginx idioms: root, proxy_pass to an address, http-level limit_rate, bare-second timeouts', () => {
  const r = importNginx(`
http {
  limit_rate 256k;
  server {
    listen 8081;
    location / { root /var/www; }
    location /api/ { proxy_pass http://127.0.0.1:3000; proxy_read_timeout 90; limit_rate 0; }
    location ~ \\.php$ { return 403; }
  }
}`);
  assert.ok(r.ok);
  if (!r.ok) return;
  const cfg = parseConfig(r.yaml);
  assert.equal(cfg.http.limits?.default?.rate, 256 * 1024);
  const [root, api] = cfg.http.servers[0]!.routes;
  assert.equal(root!.static?.root, '/var/www');
  assert.equal(api!.proxy?.read_timeout, 90_000);
  assert.equal(cfg.http.upstreams[0]!.servers[0]!.address, '127.0.0.1:3000');
  assert.ok(r.notes.some((n) => n.includes('regex')));
  assert.ok(r.notes.some((n) => n.includes('binds every interface')));
});

test('nginx syntax errors come back with line:col', () => {
  const a = parseNginx('http {\n  server {\n    listen 80;\n');
  assert.ok(!a.ok && a.error.line === 2 && /unclosed/.test(a.error.message));
  const b = parseNginx('events {}\nhttp { return "abc; }');
  assert.ok(!b.ok && b.error.line === 2 && b.error.col === 15 && /unterminated/.test(b.error.message));
  const c = parseNginx('a b c');
  assert.ok(!c.ok && /not terminated/.test(c.error.message));
  const r = importNginx('http { server { listen 80 }');
  assert.deepEqual(r, { ok: false, errors: [{ line: 1, col: 27, message: 'unexpected "}" in directive "listen"' }] });
});

test('CLI: sluice export-nginx prints the config; import-nginx reports syntax errors as file:line:col', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-cli-'));
  writeFileSync(
    join(dir, 'sluice.yaml'),
    'http:\n  servers:\n    - name: web\n      listen: 18099\n      routes:\n        - { path: /files, static: { root: ./www }, limit: { rate: 256k, after: 1m } }\n',
  );
  const bin = join(process.cwd(), 'bin/sluice.mjs');
  const ex = spawnSync(process.execPath, [bin, 'export-nginx', join(dir, 'sluice.yaml')], { encoding: 'utf8' });
  assert.equal(ex.status, 0, ex.stderr);
  assert.ok(ex.stdout.includes(`alias ${dir}/www/;`), 'relative roots resolve against the config file');
  assert.ok(ex.stdout.includes('limit_rate 256k;') && ex.stdout.includes('limit_rate_after 1m;'));
  writeFileSync(join(dir, 'nginx.conf'), ex.stdout);
  const im = spawnSync(process.execPath, [bin, 'import-nginx', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  assert.equal(im.status, 0, im.stderr);
  assert.match(im.stdout, /rate: 256k/);
  writeFileSync(join(dir, 'bad.conf'), 'http {\n  server {\n    listen 80;\n');
  const bad = spawnSync(process.execPath, [bin, 'import-nginx', join(dir, 'bad.conf')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /bad\.conf:2:\d+: unclosed/);
});
