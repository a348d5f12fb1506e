/**
 * Imported configs run: each fixture is imported, its ports are moved to free
 * ones (listen 0) and its upstreams to local test servers, and the engine
 * serves it — static files with gzip, proxying with nginx's prefix
 * replacement and Host, host and method routing, an ANX push channel on its
 * server and on push_port, TCP and UDP stream servers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { EventSource } from 'eventsource';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { waitFor } from '../helpers/wait.js';
import { importNginxSource } from '../../core/nginx/import.js';
import { readNginxSource } from '../../core/nginx/source.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let site: string;
let backend: http.Server;
let backendAddr: string;
let tcpEcho: net.Server;
let udpEcho: dgram.Socket;
const engines: TestEngine[] = [];

before(async () => {
  site = mkdtempSync(join(tmpdir(), 'sluice-imported-'));
  for (const dir of ['www/downloads', 'public/big', 'site/assets', 'logs'])
    mkdirSync(join(site, dir), { recursive: true });
  writeFileSync(join(site, 'www/index.html'), '<h1>anx</h1>\n');
  writeFileSync(join(site, 'www/downloads/file.bin'), Buffer.alloc(4096, 7));
  writeFileSync(join(site, 'site/index.html'), `<p>${'static site '.repeat(100)}</p>\n`);
  writeFileSync(join(site, 'site/assets/app.css'), `body { color: red; }\n${'/* padding */\n'.repeat(50)}`);
  backend = http.createServer((req, res) =>
    res.end(
      JSON.stringify({
        url: req.url,
        host: req.headers.host,
        method: req.method,
        tenant: req.headers['x-tenant'],
        client: req.headers['x-client'],
      }),
    ),
  );
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendAddr = `127.0.0.1:${(backend.address() as net.AddressInfo).port}`;
  tcpEcho = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => tcpEcho.listen(0, '127.0.0.1', r));
  udpEcho = dgram.createSocket('udp4');
  udpEcho.on('message', (m, from) => udpEcho.send(m, from.port, from.address));
  await new Promise<void>((r) => udpEcho.bind(0, '127.0.0.1', r));
});

after(async () => {
  for (const e of engines) await e.stop();
  backend?.close();
  tcpEcho?.close();
  udpEcho?.close();
});

/** Imports a fixture and rewrites it to run here: listen 0, local upstreams, roots under the temp site. */
async function importAndStart(
  fixture: string,
  roots: Record<string, string> = {},
): Promise<{ te: TestEngine; config: Obj }> {
  const read = await readNginxSource(join('test/fixtures/nginx', fixture));
  assert.ok(read.ok);
  if (!read.ok) throw new Error('unreadable');
  const r = importNginxSource(read.source);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  if (!r.ok) throw new Error('import failed');
  const config = structuredClone(r.config) as Obj;
  config.admin = { listen: 0 };
  for (const s of config.http?.servers ?? []) {
    s.listen = 0;
    if (s.access_log) s.access_log.path = join(site, 'logs', `${s.name}.log`);
    for (const route of s.routes)
      if (route.static && roots[route.static.root]) route.static.root = roots[route.static.root];
  }
  for (const u of config.http?.upstreams ?? [])
    for (const srv of u.servers) {
      srv.address = backendAddr;
      srv.down = false;
    }
  for (const u of config.http?.upstreams ?? [])
    u.servers = u.servers.filter(
      (x: Obj, i: number, all: Obj[]) => all.findIndex((y) => y.address === x.address) === i && !x.backup,
    );
  const udp = (udpEcho.address() as net.AddressInfo).port;
  const tcp = (tcpEcho.address() as net.AddressInfo).port;
  for (const s of config.stream?.servers ?? []) {
    s.listen = 0;
    const group = config.stream.upstreams.find((u: Obj) => u.name === s.upstream);
    group.servers = [{ address: `127.0.0.1:${s.protocol === 'udp' ? udp : tcp}` }];
    delete group.health_check;
  }
  const te = await startEngine(stringify(config), { baseDir: site });
  engines.push(te);
  return { te, config };
}

function get(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test("ANX full example serves: root, a limited download, the proxy with nginx's Host, the push channel on both ports, the stream server", async () => {
  const { te } = await importAndStart('anx-full.conf');
  const web = te.url('localhost');
  assert.equal((await get(web, '/')).body.toString(), '<h1>anx</h1>\n');
  const file = await get(web, '/downloads/file.bin');
  assert.deepEqual([file.status, file.body.length], [200, 4096]);
  const api = JSON.parse((await get(web, '/api/users?id=1')).body.toString()) as Obj;
  assert.deepEqual([api.url, api.host, api.client], ['/api/users?id=1', 'backend', 'anx']);
  const got: string[] = [];
  const sources = [new EventSource(`${web}/events`), new EventSource(`${te.url('push')}/events`)];
  for (const es of sources) es.onmessage = (e) => got.push(e.data);
  try {
    await waitFor(() => te.modules.sse.channel('notifications')!.clientCount === 2, 'both subscribers');
    te.modules.sse.publish('notifications', { data: 'hello' });
    await waitFor(() => got.length === 2, 'the event on both ports');
    assert.deepEqual(got, ['hello', 'hello']);
  } finally {
    for (const es of sources) es.close();
  }
  const echo = await new Promise<string>((resolve, reject) => {
    const [host, port] = te.addr('stream1').split(':');
    const s = net.connect(Number(port), host, () => s.end('ping over tcp'));
    let text = '';
    s.on('data', (c) => (text += c));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
  assert.equal(echo, 'ping over tcp');
});

test('a static site serves with gzip and its exact-match health answer', async () => {
  const { te } = await importAndStart('static-gzip.conf', {
    '/srv/site': join(site, 'site'),
    '/srv/site/assets': join(site, 'site/assets'),
  });
  const base = te.url('example.test');
  const page = await get(base, '/', { 'accept-encoding': 'gzip' });
  assert.equal(page.headers['content-encoding'], 'gzip', 'text/html is always compressed, as in nginx');
  assert.match(gunzipSync(page.body).toString(), /static site/);
  const css = await get(base, '/assets/app.css', { 'accept-encoding': 'gzip' });
  assert.deepEqual([css.headers['content-encoding'], css.headers['cache-control']], ['gzip', 'max-age=604800']);
  assert.equal((await get(base, '/healthz')).body.toString(), 'ok\n');
});

test('an API gateway serves by host and method, replacing the /orders/ prefix with /v2/', async () => {
  const { te } = await importAndStart('api-gateway.conf');
  const base = te.url('api.example.test');
  const orders = JSON.parse((await get(base, '/orders/42', { host: 'api.example.test' })).body.toString()) as Obj;
  assert.deepEqual([orders.url, orders.host], ['/v2/42', 'api.example.test']);
  assert.equal((await get(base, '/orders/42', { host: 'api.example.test' }, 'DELETE')).status, 405);
  const internal = JSON.parse((await get(base, '/x', { host: 'billing.internal.test' })).body.toString()) as Obj;
  assert.deepEqual(
    [internal.url, internal.host],
    ['/x', '127.0.0.1:9200'],
    "nginx's default Host is the proxy_pass host",
  );
  assert.equal(
    (await get(base, '/x', { host: 'other.test' })).status,
    404,
    'no location of the default server takes /x',
  );
});

test('a stream balancer serves TCP and UDP', async () => {
  const { te } = await importAndStart('stream-proxy.conf');
  const [host, port] = te.addr('stream2').split(':');
  const sock = dgram.createSocket('udp4');
  try {
    const reply = await new Promise<string>((resolve) => {
      sock.on('message', (m) => resolve(m.toString()));
      sock.send('dns?', Number(port), host);
    });
    assert.equal(reply, 'dns?');
  } finally {
    sock.close();
  }
});
