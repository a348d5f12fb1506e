/**
 * Routing by host and method on one listener (nginx server_name order),
 * the connection cap (503), request body caps (413) and the access log
 * (nginx combined and JSON lines), with real sockets and curl.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';

let dir: string;
let te: TestEngine;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-hosts-'));
  te = await startEngine(
    `
http:
  servers:
    - name: web
      listen: 0
      access_log: ./access.log
      routes:
        - { path: /, respond: { body: default } }
        - { path: /, hosts: [api.example.test], respond: { body: api-root } }
        - { path: /v1, hosts: [api.example.test], methods: [POST], respond: { body: api-post } }
        - { path: /v1, hosts: [api.example.test], methods: [GET], respond: { body: api-get } }
        - { path: /, hosts: ['*.example.test'], respond: { body: wildcard } }
        - { path: /, hosts: ['*.deep.example.test'], respond: { body: longer-wildcard } }
        - { path: /, hosts: ['www.example.*'], respond: { body: trailing } }
        - { path: /only, methods: [PUT, DELETE], respond: { body: only } }
        - { path: /small, max_body_size: 10, respond: { body: small } }
    - name: capped
      listen: 0
      max_connections: 2
      access_log: { path: ./capped.jsonl, format: json }
      routes:
        - { path: /, respond: { body: ok } }
`,
    { baseDir: dir },
  );
});

after(async () => {
  await te?.stop();
  await rm(dir, { recursive: true, force: true });
});

function request(
  listener: string,
  opts: { path?: string; method?: string; host?: string; body?: string; headers?: Record<string, string> },
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const [hostname, port] = te.addr(listener).split(':');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port: Number(port),
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        agent: false,
        headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: body.trim(), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

test('hosts pick a virtual server as nginx does: exact, longest *.wildcard, wildcard.*, else the routes without hosts', async () => {
  const cases: [string, string][] = [
    ['api.example.test', 'api-root'],
    ['API.Example.Test:8080', 'api-root'],
    ['shop.example.test', 'wildcard'],
    ['a.deep.example.test', 'longer-wildcard'],
    ['www.example.org', 'trailing'],
    ['example.test', 'default'],
    ['other.test', 'default'],
  ];
  for (const [host, body] of cases) assert.equal((await request('web', { host })).body, body, host);
});

test('methods share a path; another method gets 405 with Allow; GET answers HEAD', async () => {
  assert.equal(
    (await request('web', { host: 'api.example.test', path: '/v1', method: 'POST', body: 'x' })).body,
    'api-post',
  );
  assert.equal((await request('web', { host: 'api.example.test', path: '/v1/items' })).body, 'api-get');
  assert.equal((await request('web', { host: 'api.example.test', path: '/v1', method: 'HEAD' })).status, 200);
  const del = await request('web', { host: 'api.example.test', path: '/v1', method: 'DELETE' });
  assert.equal(del.status, 405);
  assert.equal(del.headers.allow, 'POST, GET, HEAD');
  assert.match(del.body, /DELETE is not allowed on \/v1/);
  const get = await request('web', { path: '/only' });
  assert.deepEqual([get.status, get.headers.allow], [405, 'PUT, DELETE']);
  assert.equal((await request('web', { path: '/only', method: 'PUT', body: 'x' })).body, 'only');
});

test('max_body_size: 413 from Content-Length before the body is read', async () => {
  const declared = await run('curl', [
    '-s',
    '-w',
    '\n%{http_code}',
    '-X',
    'POST',
    '--data-binary',
    'x'.repeat(11),
    `${te.url('web')}/small`,
  ]);
  assert.match(declared.stdout, /the request body is 11 bytes; max_body_size on \/small is 10 bytes\n\n413$/);
  const fits = await run('curl', ['-s', '-X', 'POST', '--data-binary', 'z'.repeat(10), `${te.url('web')}/small`]);
  assert.equal(fits.stdout.trim(), 'small');
});

test('max_connections: the connection past the cap gets 503 with a reason; a freed slot is used again', async () => {
  const [host, port] = te.addr('capped').split(':');
  const open = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<net.Socket>((resolve) => {
          const s = net.connect(Number(port), host, () => resolve(s));
        }),
    ),
  );
  await waitFor(() => te.engine.services.counters.get('listener', 'capped').active >= 2, 'two open connections');
  const over = await request('capped', {});
  assert.equal(over.status, 503);
  assert.match(over.body, /server capped is at max_connections \(2 open connections\)/);
  for (const s of open) s.destroy();
  await waitFor(async () => (await request('capped', {})).status === 200, 'a free slot');
});

test('access log: nginx combined lines, and JSON lines with nginx variable names', async () => {
  await request('web', {
    path: '/v1?q=1',
    host: 'api.example.test',
    headers: { 'user-agent': 'probe/1', referer: 'http://r.test/' },
  });
  const combined = join(dir, 'access.log');
  await waitFor(
    async () => (await readFile(combined, 'utf8').catch(() => '')).includes('probe/1'),
    'the access log line',
  );
  const line = (await readFile(combined, 'utf8')).split('\n').find((l) => l.includes('probe/1'))!;
  assert.match(
    line,
    /^127\.0\.0\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/v1\?q=1 HTTP\/1\.1" 200 7 "http:\/\/r\.test\/" "probe\/1"$/,
  );
  const jsonl = join(dir, 'capped.jsonl');
  await waitFor(
    async () => (await readFile(jsonl, 'utf8').catch(() => '')).includes('"status":503'),
    'the JSON line of the 503',
  );
  const entries = (await readFile(jsonl, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const e = entries.find((x) => x.status === 503)!;
  assert.deepEqual(Object.keys(e), [
    'time',
    'remote_addr',
    'request_method',
    'request_uri',
    'status',
    'body_bytes_sent',
    'request_time',
    'http_referer',
    'http_user_agent',
  ]);
  assert.equal(e.request_uri, '/');
  assert.ok((e.body_bytes_sent as number) > 0);
});
