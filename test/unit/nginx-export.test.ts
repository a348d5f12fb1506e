/**
 * export-nginx: the default output passes `nginx -t` on a stock Debian nginx
 * (stream and nchan loaded only when needed), carries what nginx shares with
 * Sluice, and reads back: export → import → export is byte-stable for the
 * subset both express. The server-wide rule chains act in a running nginx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../helpers/engine.js';
import { freePort, nginxTest, startNginx } from '../helpers/nginx.js';
import { exportNginx } from '../../core/nginx/export.js';
import { importNginx } from '../../core/nginx/import.js';

/** Every route kind, hosts, methods, caps, logs, channels and stream servers. */
const ALL_KINDS = `
admin: { listen: 127.0.0.1:19900 }
http:
  servers:
    - name: web
      listen: 127.0.0.1:18080
      gzip: true
      max_connections: 100
      keepalive_timeout: 30s
      access_log: { path: /tmp/sluice-export-test.jsonl, format: json }
      routes:
        - { path: /files, static: { root: /srv/www, autoindex: true, max_age: 1h }, limit: { rate: 512k, after: 1m } }
        - { path: /health, respond: { status: 200, body: 'ok $1 "q"' }, headers: { X-Served-By: sluice } }
        - { path: /old, respond: { status: 301, headers: { Location: /new } } }
        - { path: /api, methods: [GET, POST], max_body_size: 2m, proxy: { upstream: backend, uri: /v2/, buffering: on, read_timeout: 0, host: api.internal, headers: { X-Tenant: blue } } }
        - { path: /events, sse: { channel: news, replay: 50, heartbeat: 10s, max_clients: 500 } }
        - { path: /, hosts: [api.example.test, '*.api.example.test'], proxy: { upstream: backend, next_upstream_tries: 2 } }
        - { path: /, respond: { body: default } }
    - name: mocks
      listen: 127.0.0.1:18081
      routes:
        - { path: /ticker, sse: { script: [ { event: tick, data: x, every: 1s } ] } }
        - { path: /gpt, sse: { scenario: openai } }
        - { path: /chunks, chunked: { chunks: [a, b], delay: 100ms } }
        - { path: /feed, stream: { every: 200ms } }
        - { path: /upload, upload: { dir: /tmp/uploads, max_size: 1g } }
        - { path: /flaky, proxy: { upstream: backend }, faults: { latency: 1s } }
        - { path: /v1, llm: { reply: hi } }
  upstreams:
    - name: backend
      balance: least_conn
      keepalive: 8
      servers:
        - { address: 127.0.0.1:3000, weight: 3 }
        - { address: 127.0.0.1:3001, max_fails: 3, fail_timeout: 30s, max_conns: 10 }
        - { address: 127.0.0.1:3002, backup: true }
  limits: { default: { rate: 1m, after: 2m } }
stream:
  upstreams:
    - { name: db, balance: ip_hash, servers: [ { address: 127.0.0.1:5432 }, { address: 127.0.0.1:5433 } ] }
  servers:
    - { name: pg, listen: 127.0.0.1:15432, upstream: db, proxy_timeout: 10m, max_connections: 50, limit: { rate: 1m, direction: both } }
    - { name: dns, listen: 127.0.0.1:10053, protocol: udp, upstream: db, proxy_responses: 1 }
`;

test('the default export of examples/spec-example.yaml passes nginx -t with no extra flags', () => {
  const bin = join(process.cwd(), 'bin/sluice.mjs');
  const ex = spawnSync(process.execPath, [bin, 'export-nginx', 'examples/spec-example.yaml'], { encoding: 'utf8' });
  assert.equal(ex.status, 0, ex.stderr);
  assert.equal(ex.stderr, '', 'the modules were found on this machine');
  const r = nginxTest(ex.stdout);
  assert.ok(r.ok, `${r.out}\n${ex.stdout}`);
});

test('a config with every route kind passes nginx -t, with and without --redis', () => {
  const cfg = parseConfig(ALL_KINDS);
  for (const redis of [undefined, 'redis://127.0.0.1:6379']) {
    const conf = exportNginx(cfg, { redis });
    const r = nginxTest(conf);
    assert.ok(r.ok, `${r.out}\n${conf}`);
  }
});

test('modules are loaded only when the config needs them', () => {
  const plain = exportNginx(
    parseConfig('http:\n  servers:\n    - { name: a, listen: 18090, routes: [ { path: /, respond: { body: x } } ] }\n'),
  );
  assert.doesNotMatch(plain, /load_module/);
  assert.ok(nginxTest(plain).ok);
  const all = exportNginx(parseConfig(ALL_KINDS));
  assert.match(all, /^load_module \/usr\/lib\/nginx\/modules\/ngx_stream_module\.so;$/m);
  assert.match(all, /^load_module \/usr\/lib\/nginx\/modules\/ngx_nchan_module\.so;$/m);
});

test('proxy locations set X-Forwarded-*, X-Real-IP; channels go to nchan; mocks answer 501 naming their route', () => {
  const conf = exportNginx(parseConfig(ALL_KINDS), { redis: 'redis://127.0.0.1:6379' });
  for (const line of [
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    'proxy_set_header X-Forwarded-Host $http_host;',
    'proxy_set_header X-Real-IP $remote_addr;',
    'proxy_pass http://backend/v2/;',
    'proxy_read_timeout 24d;',
    'client_max_body_size 2m;',
    'limit_except GET POST {',
    'nchan_subscriber eventsource;',
    'nchan_channel_id news;',
    'nchan_message_buffer_length 50;',
    'nchan_eventsource_ping_interval 10;',
    'location = /api/channels/news/events {',
    'nchan_publisher;',
    'listen 127.0.0.1:19900;',
    'nchan_redis_url redis://127.0.0.1:6379;',
    'nchan_use_redis on;',
    'listen 127.0.0.1:18080 default_server;',
    'server_name api.example.test *.api.example.test;',
    'limit_conn sluice_conn 100;',
    'access_log /tmp/sluice-export-test.jsonl sluice_json;',
    'return 301 /new;',
    'limit_conn sluice_stream_conn 50;',
    'hash $remote_addr;',
  ])
    assert.ok(conf.includes(line), `missing: ${line}`);
  for (const route of [
    '/ticker: an SSE script of 1 steps',
    '/gpt: the SSE openai scenario',
    '/chunks: a chunked mock',
    '/feed: a ndjson stream mock',
    '/upload: uploads into /tmp/uploads',
    '/v1: an LLM mock (auto wire format)',
  ]) {
    assert.match(
      conf,
      new RegExp(`# route ${route.replace(/[/.()]/g, '\\$&')}.*\\n\\s*(client_max_body_size 1g;\\n\\s*)?return 501;`),
      route,
    );
  }
  assert.match(conf, /# faults \(latency\) have no nginx equivalent/);
});

test('round trip: export → import → export is byte-stable for what both express', () => {
  const cfg = parseConfig(ALL_KINDS);
  cfg.http.servers = cfg.http.servers.filter((s) => s.name === 'web'); // mocks nginx cannot run become plain 501 answers
  const first = exportNginx(cfg, { source: 'sluice.yaml' });
  const imported = importNginx(first, 'nginx.conf');
  assert.ok(imported.ok, JSON.stringify(!imported.ok && imported.errors));
  if (!imported.ok) return;
  const again = exportNginx(parseConfig(imported.yaml), { source: 'sluice.yaml' });
  assert.equal(again, first);
  const back = parseConfig(imported.yaml);
  const web = back.http.servers[0]!;
  assert.deepEqual(
    [back.admin?.listen, web.name, web.max_connections, web.access_log?.format],
    ['127.0.0.1:19900', 'web', 100, 'json'],
  );
  assert.deepEqual(web.routes.find((r) => r.hosts)?.hosts, ['api.example.test', '*.api.example.test']);
  assert.deepEqual(web.routes.find((r) => r.path === '/api')?.proxy?.read_timeout, 0);
});

test("server-wide rules act in nginx: the map chain yields the rule's rate per request", async () => {
  const cfg = parseConfig(`
http:
  servers:
    - { name: mock, listen: 0, routes: [ { path: /, respond: { body: x } } ] }
  limits:
    default: { rate: 1m }
    rules:
      - { match: { ext: [mp4, zip] }, rate: 256k }
      - { match: { client: 127.0.0.2/32, path: /big }, rate: 64k, after: 10m }
      - { match: { min_size: 1k }, rate: 32k }
`);
  const port = await freePort();
  cfg.http.servers[0]!.listen = `127.0.0.1:${port}`;
  const conf = exportNginx(cfg).replace(
    /server_name mock;/,
    'server_name mock;\n        location ~ ^/(probe|big)/ { return 200 "$sluice_limit_rate $sluice_limit_after"; }',
  );
  assert.match(conf, /limit rule 3 .* left out: nginx cannot compare response sizes/);
  const nginx = await startNginx(conf, port);
  try {
    const get = (path: string, localAddress: string) =>
      new Promise<string>((resolve, reject) => {
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
    assert.equal(await get('/probe/a.txt', '127.0.0.1'), '1m 0', 'default');
    assert.equal(await get('/probe/a.MP4', '127.0.0.1'), '256k 0', 'ext rule');
    assert.equal(await get('/big/a.txt', '127.0.0.2'), '64k 10m', 'client + path rule');
    assert.equal(await get('/big/a.txt', '127.0.0.3'), '1m 0', 'path alone is not enough');
    assert.equal(await get('/big/a.zip', '127.0.0.2'), '256k 0', 'first match wins');
  } finally {
    await nginx.stop();
  }
});

test('CLI: relative roots resolve against the config file; a bad --redis is refused; import reads the output back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-cli-'));
  writeFileSync(
    join(dir, 'sluice.yaml'),
    'http:\n  servers:\n    - name: web\n      listen: 18099\n      routes:\n        - { path: /files, static: { root: ./www }, limit: { rate: 256k, after: 1m } }\n',
  );
  const bin = join(process.cwd(), 'bin/sluice.mjs');
  const ex = spawnSync(process.execPath, [bin, 'export-nginx', join(dir, 'sluice.yaml')], { encoding: 'utf8' });
  assert.equal(ex.status, 0, ex.stderr);
  assert.ok(ex.stdout.includes(`alias ${dir}/www/;`));
  writeFileSync(join(dir, 'nginx.conf'), ex.stdout);
  const im = spawnSync(process.execPath, [bin, 'import-nginx', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  assert.equal(im.status, 0, im.stderr);
  assert.match(im.stdout, /rate: 256k/);
  const bad = spawnSync(
    process.execPath,
    [bin, 'export-nginx', join(dir, 'sluice.yaml'), '--redis', 'localhost:6379'],
    { encoding: 'utf8' },
  );
  assert.deepEqual([bad.status, bad.stdout], [1, '']);
  assert.match(bad.stderr, /--redis takes a URL like redis:\/\/127\.0\.0\.1:6379/);
  assert.ok(readFileSync(join(dir, 'nginx.conf'), 'utf8').startsWith('# nginx.conf generated by'));
});
