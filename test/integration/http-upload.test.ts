/**
 * Upload routes: bodies stream to disk with a progress stream back; size
 * limits answer 413 before reading or stop mid-stream; partial files never
 * stay behind.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { needs } from '../helpers/peers.js';
import { rawRequest } from '../helpers/http-raw.js';

let dir: string;
let te: TestEngine;
let base: string;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-upload-'));
  te = await startEngine(
    `
version: 1
http:
  servers:
    - name: up
      listen: 0
      routes:
        - path: /upload
          upload: { dir: ./incoming, max_size: 8m }
        - path: /tiny
          upload: { dir: ./tiny, max_size: 1k }
`,
    { baseDir: dir },
  );
  base = te.url('up');
});

after(async () => {
  await te?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Parses the SSE-style answer into progress payloads and the final event. */
function parseAnswer(text: string): {
  progress: { received: number; total: number | null; percent: number | null }[];
  final?: { event: string; data: Record<string, unknown> };
} {
  const progress = [];
  let final;
  for (const block of text
    .split('\n\n')
    .map((b) => b.trim())
    .filter(Boolean)) {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!);
    if (event) final = { event, data };
    else progress.push(data);
  }
  return { progress, final };
}

test('curl -T streams a file to dir and gets progress then a result with the sha256', async () => {
  const body = randomBytes(5 * 1024 * 1024 + 123);
  const src = join(dir, 'src.bin');
  await writeFile(src, body);
  const r = await run('curl', ['-sS', '-T', src, `${base}/upload/data.bin`]);
  assert.equal(r.code, 0, r.stderr);
  const { progress, final } = parseAnswer(r.stdout);
  assert.ok(progress.length >= 3, `progress lines: ${progress.length}`);
  assert.deepEqual(progress[0], { received: 0, total: body.length, percent: 0 });
  assert.deepEqual(progress.at(-1), { received: body.length, total: body.length, percent: 100 });
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.received >= progress[i - 1]!.received);
  assert.deepEqual(final, { event: 'result', data: { name: 'data.bin', bytes: body.length, sha256: sha(body) } });
  assert.equal(sha(await readFile(join(dir, 'incoming/data.bin'))), sha(body));
  // Same name again: kept apart, never overwritten.
  const again = parseAnswer((await run('curl', ['-sS', '--data-binary', 'x', `${base}/upload?name=data.bin`])).stdout);
  assert.equal(again.final?.data.name, 'data-1.bin');
  assert.deepEqual((await readdir(join(dir, 'incoming'))).sort(), ['data-1.bin', 'data.bin']);
});

test('Content-Length over max_size is 413 before the body is read', async () => {
  const r = await rawRequest(
    te.addr('up'),
    `POST /tiny/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n`,
    3000,
  );
  assert.equal(r.status, 413, r.text);
  assert.match(r.text, /max_size is 1024 bytes/);
  assert.ok(r.closed, 'the connection is closed instead of reading 5 MB');
  const files = await readdir(join(dir, 'tiny')).catch(() => []);
  assert.deepEqual(files, []);
});

test('Expect: 100-continue — refused uploads get 413 without inviting the body; accepted ones get 100 first', async () => {
  const refused = await rawRequest(
    te.addr('up'),
    `PUT /tiny/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n`,
    3000,
  );
  assert.match(refused.text, /^HTTP\/1\.1 413 /, 'the final answer comes first, no 100 Continue');
  const [host, port] = te.addr('up').split(':');
  const accepted = await new Promise<{ continued: boolean; text: string }>((resolve, reject) => {
    let continued = false;
    const req = http.request(
      {
        host,
        port: Number(port),
        path: '/tiny/ok.txt',
        method: 'PUT',
        headers: { 'content-length': '5', expect: '100-continue' },
      },
      (res) => {
        let text = '';
        res.on('data', (b: Buffer) => {
          text += b.toString();
        });
        res.on('end', () => resolve({ continued, text }));
      },
    );
    req.on('continue', () => {
      continued = true;
      req.end('hello');
    });
    req.on('error', reject);
  });
  assert.equal(accepted.continued, true);
  assert.match(accepted.text, /event: result\ndata: \{"name":"ok.txt","bytes":5,/);
  await rm(join(dir, 'tiny/ok.txt'));
  const bigFile = join(dir, 'big-for-tiny.bin');
  await writeFile(bigFile, randomBytes(2 * 1024 * 1024));
  const before = te.engine.services.counters.get('route', 'up /tiny').bytesIn;
  const r = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-T', bigFile, `${base}/tiny/big.bin`]);
  assert.equal(r.stdout, '413');
  assert.equal(te.engine.services.counters.get('route', 'up /tiny').bytesIn - before, 0, 'no body byte was read');
});

test('a chunked body growing past max_size gets an error event and leaves no file', async () => {
  const answer = await new Promise<string>((resolve, reject) => {
    const req = http.request(`${base}/tiny/grow.bin`, { method: 'POST' }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => {
        text += b.toString();
      });
      res.on('end', () => resolve(text));
      res.on('error', () => resolve(text));
      res.on('aborted', () => resolve(text));
    });
    req.on('error', (e) => reject(e));
    req.write(Buffer.alloc(600, 1));
    setTimeout(() => req.write(Buffer.alloc(600, 2)), 100);
  });
  const { final } = parseAnswer(answer);
  assert.equal(final?.event, 'error');
  assert.match(String(final?.data.error), /exceeds max_size \(1024 bytes\)/);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await readdir(join(dir, 'tiny')), [], 'partial file deleted');
});

test('a client that disconnects mid-upload leaves no partial file', async () => {
  await new Promise<void>((resolve) => {
    const req = http.request(`${base}/upload/cut.bin`, { method: 'PUT', headers: { 'content-length': '4000000' } });
    req.on('error', () => resolve());
    req.write(randomBytes(100_000));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 150);
  });
  const idle = te.engine.services.counters.get('route', 'up /upload');
  const deadline = Date.now() + 3000;
  while (idle.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50));
  const files = await readdir(join(dir, 'incoming'));
  assert.ok(!files.some((f) => f.startsWith('cut') || f.includes('.part')), `left behind: ${files.join(', ')}`);
});

test('python3 http.client uploads and reads the result', { skip: needs('python3') }, async () => {
  const [host, port] = te.addr('up').split(':');
  const script = `
import http.client, json
c = http.client.HTTPConnection(${JSON.stringify(host)}, ${port}, timeout=10)
body = bytes(range(256)) * 4000
c.request('POST', '/upload', body=body, headers={'X-File-Name': '../../evil name.bin'})
r = c.getresponse()
print(r.status, r.getheader('Content-Type'))
print(r.read().decode())
`;
  const r = await run('python3', ['-c', script]);
  assert.equal(r.code, 0, r.stderr);
  const [statusLine, ...rest] = r.stdout.split('\n');
  assert.equal(statusLine, '200 text/event-stream');
  const { final } = parseAnswer(rest.join('\n'));
  const expected = Buffer.concat(
    Array.from({ length: 4000 }, () => Buffer.from(Array.from({ length: 256 }, (_, i) => i))),
  );
  assert.deepEqual(final, {
    event: 'result',
    data: { name: 'evil_name.bin', bytes: expected.length, sha256: sha(expected) },
  });
  assert.equal(sha(await readFile(join(dir, 'incoming/evil_name.bin'))), sha(expected));
});

test('GET on an upload route is 405', async () => {
  const r = await fetch(`${base}/upload`);
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'POST, PUT');
});
