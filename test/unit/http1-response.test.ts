/**
 * Route headers join an HTTP/1 head however the handler writes it, and a
 * header the handler sets wins over the route's of the same name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Http1Response, type RouteHeader } from '../../core/http/http1-response.js';

const ROUTE: RouteHeader[] = [
  ['access-control-allow-origin', '*', 'access-control-allow-origin'],
  ['X-Route', 'route', 'x-route'],
];

/** Serves one request with `handler` on a server using Http1Response; returns the raw head the client got. */
async function headOf(handler: (res: Http1Response) => void, route: readonly RouteHeader[] = ROUTE): Promise<string> {
  const server = http.createServer({ ServerResponse: Http1Response as typeof http.ServerResponse }, (_req, res) => {
    const r = res as Http1Response;
    r.routeHeaders = route;
    handler(r);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((resolve, reject) => {
      http
        .get({ port, host: '127.0.0.1', agent: false }, (res) => {
          const lines: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2)
            lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
          res.resume();
          res.on('end', () => resolve(lines.join('\n')));
        })
        .on('error', reject);
    });
  } finally {
    server.close();
  }
}

const count = (head: string, name: string) =>
  head.split('\n').filter((l) => l.toLowerCase().startsWith(`${name}:`)).length;

test('writeHead with headers: the route headers come first, once each', async () => {
  const head = await headOf((res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end('ok');
  });
  assert.match(head, /^access-control-allow-origin: \*\nX-Route: route\ncontent-type: text\/plain/);
  assert.equal(count(head, 'x-route'), 1);
});

test("a handler's header of the same name (any case) wins over the route's", async () => {
  const viaHead = await headOf((res) => {
    res.writeHead(200, { 'x-route': 'handler', 'Access-Control-Allow-Origin': 'https://a.example' });
    res.end();
  });
  assert.equal(count(viaHead, 'x-route'), 1);
  assert.match(viaHead, /x-route: handler/);
  assert.match(viaHead, /Access-Control-Allow-Origin: https:\/\/a\.example/);
  assert.equal(count(viaHead, 'access-control-allow-origin'), 1);
  const viaSet = await headOf((res) => {
    res.setHeader('X-Route', 'set');
    res.writeHead(201, { 'content-type': 'text/plain' });
    res.end();
  });
  assert.match(viaSet, /X-Route: set/);
  assert.equal(count(viaSet, 'x-route'), 1);
  assert.equal(count(viaSet, 'access-control-allow-origin'), 1);
});

test('implicit heads, status messages and raw header lists carry the route headers too', async () => {
  const implicit = await headOf((res) => {
    res.statusCode = 202;
    res.write('a');
    res.end('b');
  });
  assert.equal(count(implicit, 'x-route'), 1);
  const reason = await headOf((res) => {
    res.writeHead(200, 'Fine', { 'content-type': 'text/plain' });
    res.end();
  });
  assert.equal(count(reason, 'access-control-allow-origin'), 1);
  const raw = await headOf((res) => {
    res.writeHead(200, ['x-route', 'raw', 'x-other', '1']);
    res.end();
  });
  assert.match(raw, /x-route: raw/);
  assert.equal(count(raw, 'x-route'), 1);
  assert.equal(count(raw, 'access-control-allow-origin'), 1);
});

test("a frozen head (a respond route's) joins once per route: every answer alike, another route gets its own", async () => {
  const head = Object.freeze({ 'content-type': 'text/plain', 'x-route': 'mine', 'content-length': 2 });
  const answer = (res: Http1Response) => {
    res.writeHead(200, head);
    res.end('ok');
  };
  const first = await headOf(answer);
  const again = await headOf(answer);
  const strip = (h: string) => h.replace(/\nDate: [^\n]*/, '');
  assert.equal(strip(again), strip(first));
  assert.equal(count(first, 'x-route'), 1);
  assert.match(first, /x-route: mine/);
  const other: RouteHeader[] = [['X-Other', 'other', 'x-other']];
  const elsewhere = await headOf(answer, other);
  assert.match(elsewhere, /^X-Other: other\ncontent-type: text\/plain/);
  assert.equal(count(elsewhere, 'access-control-allow-origin'), 0);
});
