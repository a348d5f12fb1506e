import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n';
const CHUNKED = `${HEAD}Transfer-Encoding: chunked\r\n\r\n`;

/**
 * Each case: what the raw upstream writes (numbers are pauses in ms, then it
 * closes), and what the client must see: a 502 (nothing was sent yet) or an
 * aborted connection (a body had started) — never a truncated body passed off as complete.
 */
const CASES: { name: string; parts: (string | number)[]; expect: '502' | 'abort' | { body: string } }[] = [
  {
    name: 'well-formed chunked (control)',
    parts: [CHUNKED, '5\r\nhello\r\n', 30, '6\r\n world\r\n0\r\n\r\n'],
    expect: { body: 'hello world' },
  },
  { name: 'bad chunk size first', parts: [CHUNKED, 'zz\r\nhello\r\n0\r\n\r\n'], expect: '502' },
  { name: 'chunk size overflow', parts: [CHUNKED, 'fffffffffffffffffff\r\nx\r\n'], expect: '502' },
  { name: 'missing CRLF after chunk data', parts: [CHUNKED, '5\r\nhelloXY0\r\n\r\n'], expect: '502' },
  { name: 'garbage status line', parts: ['HTCPCP/9 teapot\r\n\r\n'], expect: '502' },
  {
    name: 'content-length and chunked together',
    parts: [`${HEAD}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`, '5\r\nhello\r\n0\r\n\r\n'],
    expect: '502',
  },
  { name: 'bad chunk size after a good chunk', parts: [CHUNKED, '5\r\nhello\r\n', 120, 'zz\r\n'], expect: 'abort' },
  {
    name: 'missing CRLF after a good chunk',
    parts: [CHUNKED, '5\r\nhello\r\n', 120, '3\r\nabcDEF\r\n'],
    expect: 'abort',
  },
  { name: 'closed before the last chunk', parts: [CHUNKED, '5\r\nhello\r\n', 120], expect: 'abort' },
  {
    name: 'shorter than Content-Length',
    parts: [`${HEAD}Content-Length: 100\r\n\r\n`, 'only ten b', 120],
    expect: 'abort',
  },
];

let raw: net.Server;
let t: TestEngine;

before(async () => {
  raw = net.createServer((socket) => {
    let head = '';
    socket.on('error', () => {});
    socket.on('data', async (d) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const i = Number(/GET \/case\/(\d+)/.exec(head)?.[1]);
      head = '';
      for (const p of CASES[i]!.parts) {
        if (typeof p === 'number') await new Promise((r) => setTimeout(r, p));
        else socket.write(p);
      }
      socket.end();
    });
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  t = await startEngine(`
http:
  servers:
    - { name: front, listen: 0, routes: [ { path: /, proxy: { upstream: raw } } ] }
  upstreams:
    - { name: raw, keepalive: 0, servers: [ { address: 127.0.0.1:${(raw.address() as AddressInfo).port}, max_fails: 0 } ] }
`);
});
after(async () => {
  await t?.stop();
  raw?.close();
});

/** A GET that reports whether the response completed or the connection was cut. */
function fetchRaw(url: string): Promise<{ status: number; body: string; complete: boolean }> {
  return new Promise((resolve) => {
    let status = 0;
    let body = '';
    const req = http.get(url, { agent: false }, (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status, body, complete: res.complete }));
      res.on('error', () => resolve({ status, body, complete: false }));
    });
    req.on('error', () => resolve({ status, body, complete: false }));
  });
}

CASES.forEach((c, i) => {
  test(`malformed upstream: ${c.name} → ${typeof c.expect === 'string' ? c.expect : 'passes'}`, async () => {
    const r = await fetchRaw(`${t.url('front')}/case/${i}`);
    if (c.expect === '502') {
      assert.equal(r.status, 502, JSON.stringify(r));
      assert.match(r.body, /^upstream raw: .*127\.0\.0\.1:\d+.*\n$/);
      assert.equal(r.body.split('\n').length, 2, 'one line');
    } else if (c.expect === 'abort') {
      assert.equal(r.complete, false, `a broken body must not look complete: ${JSON.stringify(r)}`);
      assert.equal(r.status, 200);
      assert.ok(r.body.length < 100);
    } else {
      assert.deepEqual(r, { status: 200, body: c.expect.body, complete: true });
    }
  });
});

test('curl sees the cut connection as an error, not a complete transfer', async () => {
  const i = CASES.findIndex((c) => c.name === 'closed before the last chunk');
  const r = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `${t.url('front')}/case/${i}`]);
  assert.notEqual(r.code, 0, 'curl exits non-zero');
  assert.equal(r.stdout, '200');
  assert.match(r.stderr, /curl: \(18\)|transfer closed|curl: \(56\)/);
  const ok = await run('curl', ['-sS', `${t.url('front')}/case/0`]);
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, 'hello world');
});

test('the traffic log records a malformed upstream as an error with the reason', async () => {
  const i = CASES.findIndex((c) => c.name === 'bad chunk size first');
  await fetchRaw(`${t.url('front')}/case/${i}?again`);
  await new Promise((r) => setTimeout(r, 50));
  const rec = t.engine.services.traffic.recent(100).find((x) => x.url === `/case/${i}?again`)!;
  assert.equal(rec.status, 502);
  assert.equal(rec.outcome, 'error');
  assert.match(rec.error ?? '', /malformed response/);
});
