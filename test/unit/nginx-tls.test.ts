/**
 * TLS through nginx, both ways: HTTPS servers (`listen … ssl`, HTTP/2 as the
 * target nginx writes it, certificate files, the local CA's files marked so
 * they read back as `tls: {}`), HTTPS upstreams (`proxy_pass https://` with
 * the proxy_ssl_* settings Sluice's upstream `tls` means), and the import of
 * the same, nginx's defaults applied and every unmapped ssl_* directive noted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../helpers/engine.js';
import { exportNginx, type ExportOptions } from '../../core/nginx/export.js';
import { importNginx } from '../../core/nginx/import.js';
import type { SluiceConfig } from '../../core/config/index.js';

const TLS_DOC = `
http:
  servers:
    - name: secure
      listen: 127.0.0.1:18443
      tls: {}
      max_concurrent_streams: 500
      routes:
        - { path: /api, proxy: { upstream: corp } }
        - { path: /lab, proxy: { upstream: lab } }
        - { path: /openai, proxy: { upstream: "https://api.openai.com" } }
    - name: own
      listen: 127.0.0.1:18444
      tls: { cert: ./site.pem, key: ./site.key }
      http2: off
      routes:
        - { path: /, respond: { body: hi } }
    - name: plain
      listen: 127.0.0.1:18080
      routes:
        - { path: /, proxy: { upstream: backend } }
  upstreams:
    - name: corp
      servers: [ { address: 10.0.0.5:8443 } ]
      tls: { server_name: api.corp.test, ca: ./corp-ca.pem }
    - name: lab
      servers: [ { address: 127.0.0.1:9443 } ]
      tls: { verify: off }
    - name: backend
      servers: [ { address: 127.0.0.1:3000 } ]
`;

const LOCAL: ExportOptions['localCertificates'] = {
  secure: {
    cert: '/data/nginx/localhost.pem',
    key: '/data/nginx/localhost.key',
    hosts: ['localhost', '127.0.0.1', '::1'],
    ca: '/data/ca/ca.pem',
    notAfter: '2030-01-01',
  },
};

const OPTS: ExportOptions = {
  localCertificates: LOCAL,
  resolvePath: (p) => (p.startsWith('/') ? p : `/etc/sluice/${p.replace(/^\.\//, '')}`),
  systemRoots: '/etc/ssl/certs/ca-certificates.crt',
};

/** The lines of the server block that listens on `listen` (up to its closing brace). */
function serverBlock(conf: string, listen: string): string {
  const start = conf.indexOf(`listen ${listen}`);
  assert.ok(start >= 0, `no server listens on ${listen}`);
  return conf.slice(start, conf.indexOf('\n    }\n', start));
}

/** The first location block with this head. */
function location(conf: string, head: string): string {
  const start = conf.indexOf(`location ${head} {`);
  assert.ok(start >= 0, `no location ${head}`);
  return conf.slice(start, conf.indexOf('}', start));
}

function imported(text: string): { notes: string[]; config: SluiceConfig } {
  const r = importNginx(text, 'tls.conf');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  if (!r.ok) throw new Error('unreachable');
  return { notes: r.notes, config: parseConfig(r.yaml) };
}

test('HTTPS servers: listen … ssl http2 before nginx 1.25.1, listen … ssl + http2 on from it; the stream limit', () => {
  const cfg = parseConfig(TLS_DOC);
  for (const [version, listen, directive] of [
    [undefined, 'listen 127.0.0.1:18443 ssl http2;', false],
    ['1.22.1', 'listen 127.0.0.1:18443 ssl http2;', false],
    ['1.25.0', 'listen 127.0.0.1:18443 ssl http2;', false],
    ['1.25.1', 'listen 127.0.0.1:18443 ssl;', true],
    ['1.27.4', 'listen 127.0.0.1:18443 ssl;', true],
  ] as const) {
    const secure = serverBlock(exportNginx(cfg, { ...OPTS, nginx: { version } }), '127.0.0.1:18443');
    assert.ok(secure.startsWith(listen), `${version}: ${secure.split('\n')[0]}`);
    assert.equal(secure.includes('http2 on;'), directive, String(version));
    assert.match(secure, /http2_max_concurrent_streams 500;/);
  }
  const own = serverBlock(exportNginx(cfg, { ...OPTS, nginx: { version: '1.25.1' } }), '127.0.0.1:18444');
  assert.ok(own.startsWith('listen 127.0.0.1:18444 ssl;'), 'http2: off stays HTTP/1.1');
  assert.match(own, /ssl_certificate \/etc\/sluice\/site\.pem;\n\s*ssl_certificate_key \/etc\/sluice\/site\.key;/);
  assert.doesNotMatch(own, /http2/);
  const plain = serverBlock(exportNginx(cfg, OPTS), '127.0.0.1:18080');
  assert.ok(plain.startsWith('listen 127.0.0.1:18080;'));
  assert.doesNotMatch(plain, /ssl/);
});

test("tls: {} exports the local CA's files with a comment saying so; without files it is plain HTTP and says why", () => {
  const cfg = parseConfig(TLS_DOC);
  const secure = serverBlock(exportNginx(cfg, OPTS), '127.0.0.1:18443');
  assert.match(
    secure,
    /# tls: \{\}: sluice export-nginx wrote the certificate Sluice's local CA issues for this listener \(localhost, 127\.0\.0\.1, ::1\) to these files, valid until 2030-01-01\.\n\s*# Clients trust \/data\/ca\/ca\.pem \(curl --cacert, NODE_EXTRA_CA_CERTS\); export again to renew\.\n\s*ssl_certificate \/data\/nginx\/localhost\.pem;\n\s*ssl_certificate_key \/data\/nginx\/localhost\.key;/,
  );
  const bare = serverBlock(exportNginx(cfg, { ...OPTS, localCertificates: undefined }), '127.0.0.1:18443');
  assert.ok(bare.startsWith('listen 127.0.0.1:18443;'));
  assert.match(bare, /without its files \(sluice export-nginx writes them\) this server is exported as plain HTTP/);
  assert.doesNotMatch(bare, /ssl_certificate|http2/);
  const noH2 = serverBlock(
    exportNginx(cfg, { ...OPTS, nginx: { version: '1.22.1', http2: false } }),
    '127.0.0.1:18443',
  );
  assert.ok(noH2.startsWith('listen 127.0.0.1:18443 ssl;'));
  assert.match(noH2, /built without ngx_http_v2_module; it answers over HTTP\/1\.1/);
});

test('HTTPS upstreams: proxy_pass https:// with SNI, the name checked, verification and trusted CAs as Sluice means them', () => {
  const conf = exportNginx(parseConfig(TLS_DOC), OPTS);
  const corp = location(conf, '/api/');
  for (const line of [
    'proxy_pass https://corp;',
    'proxy_ssl_server_name on;',
    'proxy_ssl_name api.corp.test;',
    'proxy_ssl_verify on;',
    'proxy_ssl_verify_depth 100;',
    '# nginx trusts only this file; Sluice trusts it besides the usual roots',
    'proxy_ssl_trusted_certificate /etc/sluice/corp-ca.pem;',
    'proxy_set_header Host api.corp.test:8443;',
  ])
    assert.ok(corp.includes(line), `corp: missing ${line}\n${corp}`);
  const lab = location(conf, '/lab/');
  for (const line of ['proxy_pass https://lab;', 'proxy_ssl_verify off;', 'proxy_set_header Host 127.0.0.1:9443;'])
    assert.ok(lab.includes(line), `lab: missing ${line}\n${lab}`);
  assert.doesNotMatch(lab, /proxy_ssl_trusted_certificate|proxy_ssl_verify_depth/);
  const openai = location(conf, '/openai/');
  for (const line of [
    'proxy_pass https://api.openai.com;',
    'proxy_ssl_name api.openai.com;',
    'proxy_ssl_verify on;',
    'proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;',
    'proxy_set_header Host api.openai.com;',
  ])
    assert.ok(openai.includes(line), `openai: missing ${line}\n${openai}`);
  assert.doesNotMatch(conf, /upstream https:/, 'a URL shorthand has no upstream block');
  const plain = serverBlock(conf, '127.0.0.1:18080');
  assert.ok(plain.includes('proxy_pass http://backend;') && plain.includes('proxy_set_header Host $http_host;'));
  assert.doesNotMatch(plain, /proxy_ssl/);
});

test('import: listen ssl / ssl http2 / http2 on, the certificate pair, the stream limit; TLS only on the ssl address', () => {
  const { notes, config } = imported(`
http {
  server {
    listen 127.0.0.1:8080;
    listen 127.0.0.1:8443 ssl http2;
    ssl_certificate /etc/ssl/site.pem;
    ssl_certificate_key /etc/ssl/site.key;
    http2_max_concurrent_streams 64;
    location / { return 204; }
  }
  server {
    listen 127.0.0.1:9443 ssl;
    http2 on;
    ssl_certificate /etc/ssl/b.pem;
    ssl_certificate_key /etc/ssl/b.key;
    location / { return 204; }
  }
  server {
    listen 127.0.0.1:10443 ssl;
    ssl_certificate /etc/ssl/c.pem;
    ssl_certificate_key /etc/ssl/c.key;
    location / { return 204; }
  }
  server {
    listen 127.0.0.1:11443;
    ssl on;
    location / { return 204; }
  }
}`);
  const by = (port: number) => config.http.servers.find((s) => s.listen === `127.0.0.1:${port}`)!;
  assert.deepEqual([by(8080).tls, by(8080).http2], [undefined, undefined], 'the plain address stays plain');
  assert.deepEqual(
    [by(8443).tls, by(8443).http2, by(8443).max_concurrent_streams],
    [{ cert: '/etc/ssl/site.pem', key: '/etc/ssl/site.key' }, true, 64],
  );
  assert.deepEqual(
    [by(9443).tls, by(9443).http2, by(9443).max_concurrent_streams],
    [{ cert: '/etc/ssl/b.pem', key: '/etc/ssl/b.key' }, true, 128],
    "http2 on; nginx's default stream limit",
  );
  assert.deepEqual([by(10443).tls, by(10443).http2], [{ cert: '/etc/ssl/c.pem', key: '/etc/ssl/c.key' }, false]);
  assert.deepEqual(by(11443).tls, {});
  assert.deepEqual(notes, [
    "tls.conf:25: listen: no usable ssl_certificate / ssl_certificate_key: imported as tls: {}, a certificate from Sluice's local CA",
    'tls.conf:26: ssl: ssl on (gone since nginx 1.25.1) is imported as listen … ssl on every address of the server',
  ]);
});

test('import: proxy_pass https:// with proxy_ssl_* into the group tls; nginx defaults noted; unmapped ssl_* listed', () => {
  const { notes, config } = imported(`
http {
  ssl_protocols TLSv1.2 TLSv1.3;
  upstream corp { server 10.0.0.5:8443; }
  upstream lab { server 127.0.0.1:9443; }
  server {
    listen 127.0.0.1:8443 ssl;
    ssl_certificate /etc/ssl/site.pem;
    ssl_certificate_key /etc/ssl/site.key;
    ssl_verify_client optional;
    location /api/ {
      proxy_pass https://corp;
      proxy_ssl_server_name on;
      proxy_ssl_name api.corp.test;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate /etc/ssl/corp-ca.pem;
      proxy_ssl_certificate /etc/ssl/client.pem;
      proxy_ssl_protocols TLSv1.3;
      proxy_set_header Host api.corp.test:8443;
    }
    location /lab/ {
      proxy_pass https://lab;
    }
    location /openai/ {
      proxy_pass https://api.openai.com;
      proxy_ssl_server_name on;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;
      proxy_set_header Host api.openai.com;
    }
    location /strict/ {
      proxy_pass https://127.0.0.1:7443;
      proxy_ssl_verify on;
    }
  }
}`);
  const routes = config.http.servers[0]!.routes;
  const route = (p: string) => routes.find((r) => r.path === p)!.proxy!;
  const group = (n: string) => config.http.upstreams.find((u) => u.name === n)!;
  assert.deepEqual([route('/api').upstream, route('/api').host], ['corp', undefined], 'the Host Sluice sends anyway');
  assert.deepEqual(group('corp').tls, { server_name: 'api.corp.test', verify: true, ca: '/etc/ssl/corp-ca.pem' });
  assert.deepEqual(group('lab').tls, { verify: false }, "nginx's proxy_ssl_verify off");
  assert.equal(route('/lab').host, 'lab', "nginx's Host is the proxy_pass host");
  assert.deepEqual([route('/openai').upstream, route('/openai').host], ['https://api.openai.com', undefined]);
  const strict = group(route('/strict').upstream);
  assert.deepEqual([strict.servers[0]!.address, strict.tls], ['127.0.0.1:7443', { verify: true }]);
  assert.deepEqual(notes, [
    'tls.conf:3: ssl_protocols not imported: Sluice takes a certificate and key per server; protocols, ciphers and session settings follow Node.js defaults',
    'tls.conf:10: ssl_verify_client not imported: Sluice does not ask clients for certificates',
    'tls.conf:17: proxy_ssl_certificate not imported: Sluice presents no client certificate to upstreams',
    'tls.conf:18: proxy_ssl_protocols not imported: Sluice reaches TLS upstreams with a server name, verification and a CA file; protocols, ciphers and session reuse follow Node.js defaults',
    "tls.conf:22: proxy_pass: nginx does not check the upstream's certificate without proxy_ssl_verify on: imported as verify: off",
    "tls.conf:33: proxy_ssl_verify: nginx trusts no CA without proxy_ssl_trusted_certificate (every certificate fails); Sluice verifies against the system's roots",
  ]);
});

test('import: one group reached over TLS by one location and plain HTTP by another keeps the first and says so', () => {
  const { notes, config } = imported(`
server {
  listen 127.0.0.1:8080;
  location /a/ { proxy_pass https://backend; proxy_ssl_verify off; }
  location /b/ { proxy_pass http://backend; }
}
upstream backend { server 127.0.0.1:3000; }`);
  assert.deepEqual(config.http.upstreams[0]!.tls, { verify: false });
  assert.ok(
    notes.includes(
      'tls.conf:5: proxy_pass: Sluice sets TLS per upstream group: backend is reached over TLS as tls.conf:4 says',
    ),
    notes.join('\n'),
  );
});

test('round trip: import(export(cfg)) keeps the TLS fields; export → import → export is byte-stable', () => {
  const cfg = parseConfig(TLS_DOC);
  for (const version of ['1.22.1', '1.25.1']) {
    const opts: ExportOptions = { localCertificates: LOCAL, nginx: { version } };
    const first = exportNginx(cfg, opts);
    const { config: back } = imported(first);
    const server = (n: string) => back.http.servers.find((s) => s.name === n)!;
    assert.deepEqual(
      [server('secure').tls, server('secure').http2, server('secure').max_concurrent_streams],
      [{}, true, 500],
    );
    assert.deepEqual([server('own').tls, server('own').http2], [{ cert: './site.pem', key: './site.key' }, false]);
    assert.equal(server('plain').tls, undefined);
    const group = (n: string) => back.http.upstreams.find((u) => u.name === n);
    assert.deepEqual(group('corp')?.tls, cfg.http.upstreams.find((u) => u.name === 'corp')!.tls);
    assert.deepEqual(group('lab')?.tls, { verify: false });
    assert.equal(group('backend')?.tls, undefined);
    assert.equal(server('secure').routes.find((r) => r.path === '/openai')?.proxy?.upstream, 'https://api.openai.com');
    assert.deepEqual(
      group('https://api.openai.com')?.tls,
      cfg.http.upstreams.find((u) => u.name === 'https://api.openai.com')!.tls,
    );
    assert.equal(exportNginx(back, opts), first, version);
  }
});

test('import: a host proxied to directly without SNI still reads as the URL shorthand, the difference noted', () => {
  const { notes, config } = imported(`
server {
  listen 127.0.0.1:8080;
  location /a/ {
    proxy_pass https://api.example.com;
    proxy_ssl_verify on;
    proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;
  }
}`);
  assert.equal(config.http.servers[0]!.routes[0]!.proxy?.upstream, 'https://api.example.com');
  assert.deepEqual(notes, [
    'tls.conf:5: proxy_pass: nginx sends no server name (SNI) without proxy_ssl_server_name on; Sluice sends api.example.com',
  ]);
});
