/**
 * Bad requests over raw sockets: malformed HTTP gets 400, oversized headers
 * 431, headers that never finish 408 within header_timeout — each with a
 * closed socket — and the listener keeps serving afterwards.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { rawRequest, splitAddress } from '../helpers/http-raw.js';

let te: TestEngine;
let addr: string;

before(async () => {
  te = await startEngine(`
version: 1
http:
  servers:
    - name: s
      listen: 0
      header_timeout: 1s
      keepalive_timeout: 5s
      max_header_size: 2k
      routes:
        - path: /
          respond: { body: ok }
`);
  addr = te.addr('s');
});

after(() => te?.stop());

const MALFORMED: [string, string][] = [
  ['garbage request line', 'GARBAGE\r\n\r\n'],
  ['unknown HTTP version', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n'],
  ['space in a header name', 'GET / HTTP/1.1\r\nHo st: x\r\n\r\n'],
  ['non-numeric Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
  [
    'Content-Length with Transfer-Encoding (smuggling)',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  ],
  ['bare LF in the middle of headers', 'GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n'],
];

for (const [name, request] of MALFORMED) {
  test(`malformed HTTP (${name}) → 400 and a closed socket`, async () => {
    const r = await rawRequest(addr, request);
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /Connection: close/);
    assert.ok(r.closed);
  });
}

test('a malformed body after good headers closes the connection (the answer may already be on its way)', async () => {
  const r = await rawRequest(addr, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
  assert.ok(r.closed);
  // A route that answers without reading the body may have sent its whole answer before the bad chunk is read.
  if (r.status === 200) assert.match(r.text, /\r\n\r\nok$/);
  else assert.ok(r.status === 0 || r.status === 400, r.text);
});

test('oversized headers → 431', async () => {
  const r = await rawRequest(addr, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`);
  assert.equal(r.status, 431);
  assert.ok(r.closed);
});

test('headers that never finish → 408 within about header_timeout, then closed', async () => {
  const [host, port] = splitAddress(addr);
  const t0 = performance.now();
  const text = await new Promise<string>((resolve) => {
    const s = net.connect({ host, port });
    let out = '';
    s.on('data', (b) => {
      out += b.toString();
    });
    s.write('GET / HTTP/1.1\r\nHost: x\r\n');
    // Dribble a header line now and then, as a slowloris client does.
    const iv = setInterval(() => {
      if (!s.destroyed) s.write('X-Slow: 1\r\n');
    }, 200);
    s.on('close', () => {
      clearInterval(iv);
      resolve(out);
    });
    s.on('error', () => undefined);
    setTimeout(() => s.destroy(), 10_000);
  });
  const took = performance.now() - t0;
  assert.match(text, /^HTTP\/1\.1 408 /);
  assert.ok(took >= 900 && took < 4000, `closed after ${took.toFixed(0)} ms, header_timeout is 1 s`);
});

test('a keep-alive connection idle past header_timeout (within keepalive_timeout) still serves its next request', async () => {
  const [host, port] = splitAddress(addr);
  const s = net.connect({ host, port });
  let out = '';
  s.on('data', (b) => {
    out += b.toString();
  });
  await new Promise((r) => s.once('connect', r));
  s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => setTimeout(r, 1600));
  s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await new Promise((r) => s.once('close', r));
  assert.equal(out.match(/HTTP\/1\.1 200 OK/g)?.length, 2, out);
});

test('the listener keeps serving after all of that', async () => {
  const r = await fetch(`http://${addr}/`);
  assert.equal(await r.text(), 'ok');
  assert.ok(te.engine.services.counters.get('listener', 's').errors >= MALFORMED.length + 3);
});
