/**
 * The proxy as nginx users expect it: prefix replacement (proxy_pass with a
 * URI part), X-Real-IP and X-Forwarded-* on every request, read_timeout 0
 * waiting as long as the upstream takes, max_body_size cutting a chunked
 * upload with 413, and a group's only server staying in service after a
 * malformed answer.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';

let echo: http.Server;
let raw: net.Server;
let t: TestEngine;
let rawCalls = 0;

before(async () => {
  echo = http.createServer((req, res) => {
    let body = 0;
    req.on('data', (c: Buffer) => (body += c.length));
    req.on('end', () => {
      const delay = Number(new URL(req.url!, 'http://x').searchParams.get('delay') ?? 0);
      setTimeout(() => res.end(JSON.stringify({ url: req.url, headers: req.headers, body })), delay);
    });
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  // The first answer is malformed, later ones are fine.
  raw = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      rawCalls++;
      socket.end(
        rawCalls === 1
          ? 'HTCPCP/9 teapot\r\n\r\n'
          : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok',
      );
    });
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const echoAddr = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
  t = await startEngine(`
http:
  servers:
    - name: front
      listen: 0
      routes:
        - { path: /api, proxy: { upstream: echo, uri: /v2/ } }
        - { path: /strip, proxy: { upstream: echo, uri: / } }
        - { path: /plain, proxy: { upstream: echo } }
        - { path: /slow, proxy: { upstream: echo, read_timeout: 0 } }
        - { path: /quick, proxy: { upstream: echo, read_timeout: 200ms } }
        - { path: /capped, max_body_size: 1k, proxy: { upstream: echo } }
        - { path: /sole, proxy: { upstream: sole } }
  upstreams:
    - { name: echo, servers: [ { address: ${echoAddr} } ] }
    - { name: sole, keepalive: 0, servers: [ { address: 127.0.0.1:${(raw.address() as AddressInfo).port}, max_fails: 1, fail_timeout: 1h } ] }
`);
});

after(async () => {
  await t?.stop();
  echo?.close();
  raw?.close();
});

async function get(path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${t.url('front')}${path}`, init);
  return { status: res.status, text: await res.text() };
}

test('uri replaces the route prefix, as nginx proxy_pass with a URI part; without it the full path goes up', async () => {
  const seen = async (path: string) => (JSON.parse((await get(path)).text) as { url: string }).url;
  assert.equal(await seen('/api/items?x=1'), '/v2/items?x=1');
  assert.equal(await seen('/api'), '/v2/');
  assert.equal(await seen('/strip/a/b'), '/a/b');
  assert.equal(await seen('/strip'), '/');
  assert.equal(await seen('/plain/a?b=c'), '/plain/a?b=c');
});

test('X-Real-IP and X-Forwarded-For/-Proto/-Host go up as nginx sets them', async () => {
  const r = await get('/plain/h', { headers: { 'x-forwarded-for': '10.1.2.3' } });
  const h = (JSON.parse(r.text) as { headers: Record<string, string> }).headers;
  assert.equal(h['x-real-ip'], '127.0.0.1');
  assert.equal(h['x-forwarded-for'], '10.1.2.3, 127.0.0.1');
  assert.equal(h['x-forwarded-proto'], 'http');
  assert.equal(h['x-forwarded-host'], t.addr('front'));
});

test('read_timeout 0 waits as long as the upstream takes; a set one still answers 504', async () => {
  const slow = await get('/slow?delay=600');
  assert.equal(slow.status, 200);
  const quick = await get('/quick?delay=600');
  assert.equal(quick.status, 504);
});

test('max_body_size on a proxy route: a chunked body growing past it gets 413, and the upstream is not blamed', async () => {
  const r = await run('curl', [
    '-s',
    '-w',
    '\n%{http_code}',
    '-X',
    'POST',
    '-H',
    'Transfer-Encoding: chunked',
    '--data-binary',
    'x'.repeat(4096),
    `${t.url('front')}/capped`,
  ]);
  assert.match(r.stdout, /grew past max_body_size on \/capped \(1024 bytes\)\n\n413$/);
  assert.equal((await get('/capped')).status, 200, 'the server still takes requests');
});

test("a group's only server is never taken out: after a malformed answer (502) the next request reaches it", async () => {
  const first = await get('/sole');
  assert.equal(first.status, 502);
  assert.match(first.text, /malformed response/);
  const second = await get('/sole');
  assert.deepEqual([second.status, second.text], [200, 'ok']);
  assert.equal(rawCalls, 2);
});
