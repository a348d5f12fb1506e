/**
 * import-nginx on real-world shapes: the ANX dialect (full http + stream
 * file and a bare server file), a static site, an API gateway, a stream
 * balancer, includes. Every directive left out is listed with its line; the
 * result is a valid Sluice document.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseConfig } from '../helpers/engine.js';
import { importNginx, importNginxSource, type ImportResult } from '../../core/nginx/import.js';
import { readNginxSource } from '../../core/nginx/source.js';
import type { SluiceConfig } from '../../core/config/index.js';

const FIXTURES = 'test/fixtures/nginx';

async function importFile(name: string): Promise<{ notes: string[]; config: SluiceConfig; yaml: string }> {
  const read = await readNginxSource(join(FIXTURES, name));
  assert.ok(read.ok, JSON.stringify(!read.ok && read.errors));
  const r: ImportResult = importNginxSource(read.source);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return { notes: r.notes, config: parseConfig(r.yaml), yaml: r.yaml };
}

/** Notes as `line: text` for one file (the file name is the same on every line). */
function byLine(notes: string[], file: string): string[] {
  return notes.map((n) => {
    assert.ok(n.startsWith(`${FIXTURES}/${file}:`), n);
    return n.slice(`${FIXTURES}/${file}:`.length);
  });
}

test('ANX full example: every directive mapped or noted with its line; push, bandwidth, health checks, stream', async () => {
  const { notes, config } = await importFile('anx-full.conf');
  assert.deepEqual(byLine(notes, 'anx-full.conf'), [
    '3: workers not imported: Sluice runs as one engine process',
    '4: error_log not imported: Sluice logs to its console and, per server, to an access_log file',
    '17: push_port: the push channels are served on 127.0.0.1:8081 too (the same channels as on their server)',
    '22: listen: nginx listens on every interface; imported as 127.0.0.1:8080 (write 0.0.0.0:8080 to open it to the network)',
    '42: proxy_read_timeout: nginx times out at once with 0; imported as 0, no timeout',
    '60: listen: nginx listens on every interface; imported as 127.0.0.1:3306 (write 0.0.0.0:3306 to open it to the network)',
    '63: proxy_responses not imported: proxy_responses applies to udp servers only',
  ]);
  const [web, push] = config.http.servers;
  assert.deepEqual(
    [web!.name, web!.listen, push!.name, push!.listen],
    ['localhost', '127.0.0.1:8080', 'push', '127.0.0.1:8081'],
  );
  assert.deepEqual(web!.gzip, { types: ['text/html', 'text/plain', 'text/css', 'application/json'], min_length: 1000 });
  assert.deepEqual(web!.access_log, { path: './logs/access.log', format: 'combined' });
  const route = (p: string) => web!.routes.find((r) => r.path === p)!;
  assert.equal(route('/downloads').static?.root, './www/downloads', 'server root + location path, as nginx joins them');
  assert.deepEqual([route('/downloads').limit?.rate, route('/downloads').limit?.burst], [512 * 1024, 65536]);
  assert.deepEqual(
    [route('/events').sse?.channel, route('/events').sse?.max_clients, route('/events').sse?.heartbeat],
    ['notifications', 100, 30_000],
  );
  assert.equal(push!.routes[0]!.sse?.channel, 'notifications');
  assert.deepEqual(
    [route('/api').proxy?.upstream, route('/api').proxy?.read_timeout, route('/api').proxy?.headers],
    ['backend', 0, { 'X-Client': 'anx' }],
  );
  assert.equal(route('/').static?.root, './www', 'requests no location takes are served from the server root');
  for (const r of web!.routes) assert.equal(r.max_body_size, 10 * 1024 * 1024, r.path);
  assert.deepEqual(
    config.http.upstreams[0]!.health_check && [
      config.http.upstreams[0]!.health_check.interval,
      config.http.upstreams[0]!.health_check.timeout,
    ],
    [5000, 3000],
  );
  assert.deepEqual(config.http.limits?.rules[0], {
    match: { min_size: 1024 },
    rate: 1048576,
    burst: 65536,
    after: 0,
    per: 'connection',
    direction: 'out',
  });
  assert.deepEqual(
    config.stream.servers.map((s) => [s.listen, s.upstream, s.proxy_timeout]),
    [['127.0.0.1:3306', 'mysql_cluster', 1000]],
  );
  assert.equal(config.stream.upstreams[0]!.servers[1]!.backup, true);
});

test('ANX bare server file (no http block): root, gzip, limit_rate, health_check, client_max_body_size, proxy_set_header, push', async () => {
  const { notes, config } = await importFile('anx-server.conf');
  assert.deepEqual(byLine(notes, 'anx-server.conf'), [
    '11: index: Sluice tries one index name; index.html is imported, index.htm not',
    '33: location /ws not imported: push_type websocket: Sluice channels speak Server-Sent Events',
  ]);
  const s = config.http.servers[0]!;
  assert.deepEqual([s.name, s.listen, s.gzip?.min_length], ['files.local', '127.0.0.1:8090', 256]);
  const route = (p: string) => s.routes.find((r) => r.path === p)!;
  assert.deepEqual(
    [route('/').static?.root, route('/').limit?.rate, route('/').limit?.after],
    ['./public', 2 * 1024 * 1024, 512 * 1024],
  );
  assert.deepEqual(
    [route('/big').limit?.rate, route('/big').limit?.burst],
    [256 * 1024, 32768],
    "the location's bandwidth_limit beats the server's limit_rate",
  );
  assert.deepEqual(
    [route('/live').sse?.channel, route('/live').sse?.max_clients, route('/live').sse?.heartbeat],
    ['ticks', 50, 10_000],
  );
  const app = route('/app').proxy!;
  assert.deepEqual(
    [app.upstream, app.uri, app.buffering, app.connect_timeout, app.read_timeout, app.headers],
    ['app', '/', false, 2000, 30_000, { 'X-Tenant': 'blue' }],
  );
  assert.equal(route('/app').max_body_size, 1024 * 1024);
  assert.equal(route('/big').max_body_size, 20 * 1024 * 1024);
  assert.deepEqual(config.http.upstreams[0]!.health_check, {
    interval: 2000,
    timeout: 1000,
    fails: 2,
    passes: 1,
    path: '/healthz',
  });
});

test('a static site: include of mime.types, gzip, try_files, Cache-Control as max_age, an exact location, a regex one noted', async () => {
  const { notes, config } = await importFile('static-gzip.conf');
  const lines = notes.map((n) => n.replace(/^[^:]*\//, ''));
  for (const expected of [
    'static-gzip.conf:2: worker_processes not imported',
    'mime.types:1: types not imported: Sluice sets Content-Type from its own table of file extensions (with the 3 directives inside)',
    'static-gzip.conf:8: sendfile not imported',
    'static-gzip.conf:13: gzip_comp_level not imported',
    'static-gzip.conf:29: expires not imported',
    'static-gzip.conf:39: location ~ \\.php$ not imported: regex locations',
    'static-gzip.conf:43: error_page not imported',
  ])
    assert.ok(
      lines.some((l) => l.startsWith(expected)),
      `missing note: ${expected}\n${lines.join('\n')}`,
    );
  const s = config.http.servers[0]!;
  assert.equal(s.keepalive_timeout, 30_000);
  assert.deepEqual(
    s.routes.map((r) => r.path),
    ['/', '/assets', '/healthz'],
  );
  assert.equal(s.routes[0]!.hosts, undefined, 'one server on its address: its names do not restrict it');
  assert.deepEqual(s.routes[1]!.static, {
    root: '/srv/site/assets',
    index: 'index.html',
    autoindex: true,
    max_age: 604_800_000,
  });
  assert.deepEqual(s.routes[2]!.respond, { status: 200, body: 'ok\n', content_type: 'text/plain', headers: {} });
});

test('an API gateway: two names on one port become hosts, limit_except methods, prefix replacement, timeouts, connection cap, JSON log', async () => {
  const { notes, config } = await importFile('api-gateway.conf');
  assert.deepEqual(byLine(notes, 'api-gateway.conf'), [
    '2: events not imported: Sluice runs as one engine process; the operating system and Node.js settings stand in for it',
    '20: keepalive_timeout not imported: Sluice keeps idle upstream connections until the upstream closes them',
    '47: proxy_next_upstream: Sluice tries the next server on errors and timeouts before an answer; http_502 not imported',
    '58: limit_conn not imported: Sluice caps connections per server (max_connections), not per location',
    '68: proxy_cache_bypass not imported: the Sluice proxy streams without a cache or temp files and passes headers through as they are',
  ]);
  const s = config.http.servers[0]!;
  assert.deepEqual(
    [s.listen, s.max_connections, s.access_log],
    ['127.0.0.1:8443', 500, { path: '/var/log/nginx/api.json', format: 'json' }],
  );
  const orders = s.routes.find((r) => r.path === '/orders')!;
  assert.deepEqual(
    [
      orders.methods,
      orders.proxy?.uri,
      orders.proxy?.read_timeout,
      orders.proxy?.connect_timeout,
      orders.proxy?.next_upstream_tries,
    ],
    [['GET', 'POST'], '/v2/', 120_000, 3000, 2],
  );
  assert.equal(orders.proxy?.host, undefined, "Host $host is Sluice's default");
  const users = s.routes.find((r) => r.path === '/users')!;
  assert.deepEqual(
    [users.proxy?.host, users.proxy?.send_timeout],
    ['users', 10_000],
    'nginx sends the proxy_pass host unless told otherwise',
  );
  const internal = s.routes.find((r) => r.hosts)!;
  assert.deepEqual([internal.path, internal.hosts, internal.max_body_size], ['/', ['*.internal.test'], 1024 * 1024]);
  const up = config.http.upstreams.find((u) => u.name === 'orders')!;
  assert.deepEqual(
    [up.balance, up.keepalive, up.servers.map((x) => [x.weight, x.max_fails, x.fail_timeout, x.max_conns, x.backup])],
    [
      'least_conn',
      16,
      [
        [2, 3, 30_000, 0, false],
        [1, 1, 10_000, 100, false],
        [1, 1, 10_000, 0, true],
      ],
    ],
  );
  assert.equal(config.http.upstreams.find((u) => u.name === 'users')!.servers[1]!.down, true);
});

test('a stream balancer: tcp and udp servers, hash $remote_addr as ip_hash, rates both ways, a proxy_pass to an address', async () => {
  const { notes, config } = await importFile('stream-proxy.conf');
  assert.deepEqual(byLine(notes, 'stream-proxy.conf'), [
    '2: events not imported: Sluice runs as one engine process; the operating system and Node.js settings stand in for it',
    '26: listen reuseport not imported: Sluice sets its sockets up itself',
    '35: ssl_preread not imported: Sluice does not read the TLS server name to route streams',
  ]);
  const [pg, dns, redis] = config.stream.servers;
  assert.deepEqual(
    [pg!.protocol, pg!.connect_timeout, pg!.proxy_timeout, pg!.limit?.rate, pg!.limit?.direction],
    ['tcp', 2000, 600_000, 1024 * 1024, 'both'],
  );
  assert.deepEqual([dns!.protocol, dns!.proxy_responses, dns!.proxy_timeout], ['udp', 1, 5000]);
  assert.equal(config.stream.upstreams.find((u) => u.name === 'pg')!.balance, 'ip_hash');
  assert.equal(config.stream.upstreams.find((u) => u.name === redis!.upstream)!.servers[0]!.address, '10.0.4.10:6379');
});

test('includes: a glob in name order, nested includes, paths relative to the main file', async () => {
  const { config, notes } = await importFile('with-includes/nginx.conf');
  assert.deepEqual(
    config.http.servers.map((s) => [s.listen, s.routes[0]!.respond?.body, s.routes[0]!.headers]),
    [
      ['127.0.0.1:8100', 'site a', {}],
      ['127.0.0.1:8101', 'site b', { 'X-Frame-Options': 'DENY' }],
    ],
  );
  assert.ok(notes.some((n) => /mime\.types:1: types not imported/.test(n)));
});

test('nchan configs: subscribers become SSE channel routes, a publisher server the admin listener', () => {
  const r = importNginx(
    `
events {}
http {
  nchan_message_buffer_length 20;
  server {
    listen 127.0.0.1:8300;
    location = /sub/prices {
      nchan_subscriber;
      nchan_channel_id prices;
      nchan_eventsource_ping_interval 5;
      nchan_subscriber_first_message newest;
    }
    location ~ /sub/(\\w+)$ { nchan_subscriber; nchan_channel_id $1; }
  }
  server {
    listen 127.0.0.1:8301;
    location = /pub/prices { nchan_publisher; nchan_channel_id prices; }
  }
}`,
    'nchan.conf',
  );
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  if (!r.ok) return;
  const cfg = parseConfig(r.yaml);
  assert.equal(cfg.admin?.listen, '127.0.0.1:8301');
  const route = cfg.http.servers[0]!.routes[0]!;
  assert.deepEqual(
    [route.path, route.sse?.channel, route.sse?.replay, route.sse?.heartbeat],
    ['/sub/prices', 'prices', 20, 5000],
  );
  assert.ok(r.notes.some((n) => n.startsWith('nchan.conf:8: nchan_subscriber: only eventsource is imported')));
  assert.ok(r.notes.some((n) => n.startsWith('nchan.conf:13: location ~ /sub/(\\w+)$ not imported: regex locations')));
  assert.ok(
    r.notes.some((n) =>
      n.startsWith(
        'nchan.conf:17: location: Sluice publishes on the admin address at POST /api/channels/{channel}/events (nginx published at = /pub/prices)',
      ),
    ),
  );
});

test('TLS listeners: listen ssl http2 with certificate files, ssl alone on the local CA, cleartext http2 noted', () => {
  const r = importNginx(
    [
      'server { listen 127.0.0.1:8443 ssl http2; ssl_certificate /c.pem; ssl_certificate_key /k.pem; location / { return 204; } }',
      'server { listen 127.0.0.1:8444 ssl; location / { return 204; } }',
      'server { listen 127.0.0.1:8445 http2; location / { return 204; } }',
    ].join('\n'),
    'tls.conf',
  );
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  if (!r.ok) return;
  const [a, b, c] = parseConfig(r.yaml).http.servers;
  assert.deepEqual([a!.tls, a!.http2], [{ cert: '/c.pem', key: '/k.pem' }, true]);
  assert.deepEqual([b!.tls, b!.http2], [{}, false]);
  assert.deepEqual([c!.tls, c!.http2], [undefined, undefined]);
  assert.deepEqual(r.notes, [
    "tls.conf:2: listen: no usable ssl_certificate / ssl_certificate_key: imported as tls: {}, a certificate from Sluice's local CA",
    'tls.conf:3: listen http2 not imported: Sluice serves HTTP/2 over TLS only (no cleartext h2c)',
  ]);
});

test('a map that only renames is read through; a map that chooses stays noted', () => {
  const r = importNginx(
    `http {
  map $host $api_pool { default orders; }
  map $http_x $choice { default a; x b; }
  upstream orders { server 127.0.0.1:9000; }
  server {
    listen 127.0.0.1:8500;
    location /a { proxy_pass http://$api_pool/v1/; }
    location /b { proxy_pass http://$choice; }
  }
}`,
    'alias.conf',
  );
  assert.ok(r.ok);
  if (!r.ok) return;
  const route = parseConfig(r.yaml).http.servers[0]!.routes;
  assert.deepEqual(
    route.map((x) => [x.path, x.proxy?.upstream, x.proxy?.uri]),
    [['/a', 'orders', '/v1/']],
  );
  assert.deepEqual(r.notes, [
    'alias.conf:2: map: $api_pool always means orders; read as that where it is used',
    'alias.conf:3: map not imported: Sluice has no per-request variables (with the 2 directives inside)',
    'alias.conf:8: proxy_pass not imported: the target http://$choice uses variables; Sluice proxies to a fixed upstream',
  ]);
});
