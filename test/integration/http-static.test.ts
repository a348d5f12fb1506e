/**
 * Static routes with real clients: Node http (fetch), curl, python3
 * http.client and raw sockets for what clients refuse to send.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtemp,
  mkdir,
  writeFile,
  symlink,
  rm,
  readFile,
  utimes,
  stat,
  rename,
  truncate,
  readdir,
  readlink,
} from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { needs } from '../helpers/peers.js';
import { rawGet } from '../helpers/http-raw.js';

let dir: string;
let te: TestEngine;
let base: string;
const blob = randomBytes(200_000);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-static-'));
  await mkdir(join(dir, 'www/a/deep'), { recursive: true });
  await mkdir(join(dir, 'www/empty'), { recursive: true });
  await writeFile(join(dir, 'www/index.html'), '<h1>home</h1>');
  await writeFile(join(dir, 'www/a/b.txt'), 'hello b\n');
  await writeFile(join(dir, 'www/a/deep/index.html'), '<p>deep index</p>');
  await writeFile(join(dir, 'www/blob.bin'), blob);
  await writeFile(join(dir, 'www/space name.txt'), 'spaced');
  await writeFile(join(dir, 'www/page.html'), '<p>' + 'compress me '.repeat(500) + '</p>');
  await writeFile(join(dir, 'www/tiny.txt'), 'tiny');
  await writeFile(join(dir, 'secret.txt'), 'TOP-SECRET');
  await symlink(join(dir, 'secret.txt'), join(dir, 'www/escape.txt'));
  await symlink(join(dir, 'www/a/b.txt'), join(dir, 'www/inside-link.txt'));
  await utimes(join(dir, 'www/a/b.txt'), new Date('2024-01-01T00:00:00Z'), new Date('2024-01-01T00:00:00Z'));
  te = await startEngine(
    `
version: 1
http:
  servers:
    - name: web
      listen: 0
      gzip: { min_length: 1k }
      routes:
        - path: /files
          static: { root: ./www, max_age: 30s }
        - path: /browse
          static: { root: ./www, autoindex: true }
        - path: /limited
          static: { root: ./www }
          limit: { rate: 1m }
`,
    { baseDir: dir },
  );
  base = te.url('web');
});

after(async () => {
  await te?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('route prefix maps onto root like nginx alias; directories serve index.html', async () => {
  const r = await fetch(`${base}/files/a/b.txt`);
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'hello b\n');
  assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(r.headers.get('content-length'), '8');
  assert.equal(r.headers.get('last-modified'), 'Mon, 01 Jan 2024 00:00:00 GMT');
  assert.match(r.headers.get('etag') ?? '', /^"[0-9a-f]+-8"$/);
  assert.equal(r.headers.get('cache-control'), 'max-age=30');
  assert.equal(await (await fetch(`${base}/files/`)).text(), '<h1>home</h1>');
  assert.equal(await (await fetch(`${base}/files/a/deep/`)).text(), '<p>deep index</p>');
  assert.equal(await (await fetch(`${base}/files/space%20name.txt`)).text(), 'spaced');
  assert.equal(await (await fetch(`${base}/files/inside-link.txt`)).text(), 'hello b\n');
  const redirect = await fetch(`${base}/files/a/deep?x=1`, { redirect: 'manual' });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), '/files/a/deep/?x=1');
  assert.equal((await fetch(`${base}/files/nope.txt`)).status, 404);
  assert.equal((await fetch(`${base}/files/empty/`)).status, 403, 'no index and autoindex off');
  assert.equal((await fetch(`${base}/files/a/b.txt`, { method: 'DELETE' })).status, 405);
});

test('autoindex lists a directory with links', async () => {
  const r = await fetch(`${base}/browse/a/`);
  assert.equal(r.status, 200);
  const html = await r.text();
  assert.match(html, /<a href="deep\/">deep\/<\/a>/);
  assert.match(html, /<a href="b.txt">b.txt<\/a>/);
});

test('HEAD gives the headers of GET and no body', async () => {
  const r = await run('curl', ['-sI', `${base}/files/blob.bin`]);
  assert.match(r.stdout, /content-length: 200000/i);
  assert.match(r.stdout, /accept-ranges: bytes/i);
  const res = await fetch(`${base}/files/blob.bin`, { method: 'HEAD' });
  assert.equal(res.headers.get('content-length'), '200000');
  assert.equal((await res.arrayBuffer()).byteLength, 0);
});

test('conditional GET: If-None-Match and If-Modified-Since give 304, a stale validator 200', async () => {
  const first = await fetch(`${base}/files/a/b.txt`);
  const etag = first.headers.get('etag')!;
  await first.text();
  const r1 = await fetch(`${base}/files/a/b.txt`, { headers: { 'if-none-match': etag } });
  assert.equal(r1.status, 304);
  assert.equal(r1.headers.get('etag'), etag);
  assert.equal(
    (await fetch(`${base}/files/a/b.txt`, { headers: { 'if-none-match': `"other", W/${etag}` } })).status,
    304,
  );
  assert.equal(
    (await fetch(`${base}/files/a/b.txt`, { headers: { 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' } }))
      .status,
    304,
  );
  assert.equal(
    (await fetch(`${base}/files/a/b.txt`, { headers: { 'if-modified-since': 'Sun, 31 Dec 2023 00:00:00 GMT' } }))
      .status,
    200,
  );
  assert.equal((await fetch(`${base}/files/a/b.txt`, { headers: { 'if-none-match': '"stale"' } })).status, 200);
});

test('curl -r: explicit, open and suffix ranges give 206 with exact bytes', async () => {
  const cases: [string, number, number][] = [
    ['0-99', 0, 99],
    ['1000-', 1000, 199_999],
    ['-500', 199_500, 199_999],
    ['199990-300000', 199_990, 199_999],
    // Ending at the last byte, at the size (one past the last byte) and one further: all end at the last byte.
    ['199000-199999', 199_000, 199_999],
    ['199000-200000', 199_000, 199_999],
    ['199000-200001', 199_000, 199_999],
    ['0-200000', 0, 199_999],
  ];
  for (const [spec, start, end] of cases) {
    const out = join(dir, 'range.out');
    const r = await run('curl', ['-s', '-D', '-', '-o', out, '-r', spec, `${base}/files/blob.bin`]);
    assert.equal(r.code, 0, `${spec}: curl exit ${r.code} (18: fewer bytes than Content-Length promised)`);
    assert.match(r.stdout, /^HTTP\/1\.1 206/, spec);
    assert.match(r.stdout, new RegExp(`content-range: bytes ${start}-${end}/200000`, 'i'), spec);
    assert.match(r.stdout, new RegExp(`content-length: ${end - start + 1}\\r`, 'i'), spec);
    assert.ok((await readFile(out)).equals(blob.subarray(start, end + 1)), spec);
  }
});

test('unsatisfiable range is 416 with Content-Range: bytes */size; If-Range mismatch serves the whole file', async () => {
  const r = await fetch(`${base}/files/blob.bin`, { headers: { range: 'bytes=200000-' } });
  assert.equal(r.status, 416);
  assert.equal(r.headers.get('content-range'), 'bytes */200000');
  await r.text();
  const full = await fetch(`${base}/files/blob.bin`, { headers: { range: 'bytes=0-9', 'if-range': '"not-the-etag"' } });
  assert.equal(full.status, 200);
  assert.equal((await full.arrayBuffer()).byteLength, 200_000);
  const etag = full.headers.get('etag')!;
  const part = await fetch(`${base}/files/blob.bin`, { headers: { range: 'bytes=0-9', 'if-range': etag } });
  assert.equal(part.status, 206);
  assert.equal((await part.arrayBuffer()).byteLength, 10);
  const multi = await fetch(`${base}/files/blob.bin`, { headers: { range: 'bytes=0-1,5-6' } });
  assert.equal(multi.status, 200, 'several ranges: the whole body');
  await multi.arrayBuffer();
});

test('curl -C - resumes a partial download to the exact bytes', async () => {
  const out = join(dir, 'resumed.bin');
  await writeFile(out, blob.subarray(0, 77_777));
  const r = await run('curl', ['-s', '-C', '-', '-o', out, `${base}/files/blob.bin`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(sha(await readFile(out)), sha(blob));
});

test('path traversal is refused: .., encoded dots and slashes, symlinks out of the root', async () => {
  const addr = te.addr('web');
  const paths = [
    '/files/../secret.txt',
    '/files/a/../../secret.txt',
    '/files/%2e%2e/secret.txt',
    '/files/%2E%2E/secret.txt',
    '/files/..%2fsecret.txt',
    '/files/%2e%2e%2fsecret.txt',
    '/files/a%2f..%2f..%2fsecret.txt',
    '/files/..%5csecret.txt',
    '/files/escape.txt',
    '/files/a/%00',
    '/files/%ZZ',
  ];
  for (const p of paths) {
    const r = await rawGet(addr, p);
    assert.ok([400, 403, 404].includes(r.status), `${p} → ${r.status}`);
    assert.ok(!r.text.includes('TOP-SECRET'), `${p} leaked the secret`);
  }
  assert.equal((await rawGet(addr, '/files/escape.txt')).status, 403);
  assert.equal((await rawGet(addr, '/files/..%2fsecret.txt')).status, 403);
});

test('gzip: negotiated for large text, with Vary; never for ranges, small files, or q=0', async () => {
  const page = await readFile(join(dir, 'www/page.html'));
  const out = join(dir, 'page.gz');
  const r = await run('curl', ['-s', '-D', '-', '-o', out, '-H', 'Accept-Encoding: gzip', `${base}/files/page.html`]);
  assert.match(r.stdout, /content-encoding: gzip/i);
  assert.match(r.stdout, /vary: Accept-Encoding/i);
  assert.match(r.stdout, /etag: W\//i);
  assert.ok(gunzipSync(await readFile(out)).equals(page));
  const plain = await run('curl', ['-sI', `${base}/files/page.html`]);
  assert.doesNotMatch(plain.stdout, /content-encoding/i);
  assert.match(plain.stdout, /vary: Accept-Encoding/i);
  const ranged = await run('curl', [
    '-s',
    '-D',
    '-',
    '-o',
    '/dev/null',
    '-H',
    'Accept-Encoding: gzip',
    '-r',
    '0-9',
    `${base}/files/page.html`,
  ]);
  assert.match(ranged.stdout, /^HTTP\/1\.1 206/);
  assert.doesNotMatch(ranged.stdout, /content-encoding/i);
  const refused = await run('curl', ['-sI', '-H', 'Accept-Encoding: gzip;q=0, identity', `${base}/files/page.html`]);
  assert.doesNotMatch(refused.stdout, /content-encoding/i);
  const tiny = await run('curl', ['-sI', '-H', 'Accept-Encoding: gzip', `${base}/files/tiny.txt`]);
  assert.doesNotMatch(tiny.stdout, /content-encoding/i);
  const binary = await run('curl', ['-sI', '-H', 'Accept-Encoding: gzip', `${base}/files/blob.bin`]);
  assert.doesNotMatch(binary.stdout, /content-encoding/i);
});

test('python3 http.client: full body, a range and a 304 agree with the file', { skip: needs('python3') }, async () => {
  const [host, port] = te.addr('web').split(':');
  const script = `
import http.client, hashlib, json
c = http.client.HTTPConnection(${JSON.stringify(host)}, ${port}, timeout=10)
c.request('GET', '/files/blob.bin'); r = c.getresponse(); body = r.read(); etag = r.getheader('ETag')
c.request('GET', '/files/blob.bin', headers={'Range': 'bytes=10-19'}); p = c.getresponse(); part = p.read()
c.request('GET', '/files/blob.bin', headers={'If-None-Match': etag}); n = c.getresponse(); n.read()
print(json.dumps({'status': r.status, 'sha': hashlib.sha256(body).hexdigest(), 'pstatus': p.status, 'part': part.hex(), 'nstatus': n.status}))
`;
  const r = await run('python3', ['-c', script]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { status: number; sha: string; pstatus: number; part: string; nstatus: number };
  assert.deepEqual(out, {
    status: 200,
    sha: sha(blob),
    pstatus: 206,
    part: blob.subarray(10, 20).toString('hex'),
    nstatus: 304,
  });
});

test('a file edited between requests is served as it is now, even at the same size and within the same second', async () => {
  const path = join(dir, 'www/edit.txt');
  await writeFile(path, 'version-1');
  const first = await fetch(`${base}/files/edit.txt`);
  assert.equal(await first.text(), 'version-1');
  assert.equal(await (await fetch(`${base}/files/edit.txt`)).text(), 'version-1', 'a second read of the same version');
  // Same length, so only the modification time (sub-second) or the inode tells the versions apart.
  await writeFile(path, 'version-2');
  assert.equal(await (await fetch(`${base}/files/edit.txt`)).text(), 'version-2');
  // Replaced by another file (a new inode) with the same size and modification time.
  const { mtime } = await stat(path);
  await writeFile(`${path}.new`, 'version-3');
  await utimes(`${path}.new`, mtime, mtime);
  await rename(`${path}.new`, path);
  assert.equal(await (await fetch(`${base}/files/edit.txt`)).text(), 'version-3');
  await writeFile(path, 'a longer version 4');
  const r = await fetch(`${base}/files/edit.txt`);
  assert.equal(r.headers.get('content-length'), '18');
  assert.equal(await r.text(), 'a longer version 4');
});

test('ranges of a file served from memory and of one streamed from disk (over 1 MiB) give the same exact bytes', async () => {
  const big = randomBytes(1024 * 1024 + 4097);
  await writeFile(join(dir, 'www/big.bin'), big);
  for (const [name, bytes] of [
    ['blob.bin', blob],
    ['big.bin', big],
  ] as const) {
    for (let round = 0; round < 2; round++) {
      const whole = Buffer.from(await (await fetch(`${base}/files/${name}`)).arrayBuffer());
      assert.equal(sha(whole), sha(bytes), `${name}, read ${round + 1}`);
      const last = bytes.length - 1;
      const r = await fetch(`${base}/files/${name}`, { headers: { range: `bytes=100-${last}` } });
      assert.equal(r.status, 206);
      assert.equal(r.headers.get('content-range'), `bytes 100-${last}/${bytes.length}`);
      assert.equal(sha(Buffer.from(await r.arrayBuffer())), sha(bytes.subarray(100)));
    }
  }
});

test('a file that shrinks while it streams is cut off, never passed off as complete; the next request is served', async () => {
  const data = randomBytes(3 * 1024 * 1024);
  await writeFile(join(dir, 'www/shrinks.bin'), data);
  const download = run(
    'curl',
    ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', `${base}/limited/shrinks.bin`],
    {
      timeoutMs: 20_000,
    },
  );
  await new Promise((r) => setTimeout(r, 400));
  await truncate(join(dir, 'www/shrinks.bin'), 1024 * 1024);
  const r = await download;
  assert.equal(r.code, 18, `curl: partial file (${r.stdout}; ${r.stderr.trim()})`);
  const [status, got] = r.stdout.split(' ').map(Number);
  assert.equal(status, 200);
  assert.ok(got! <= 1024 * 1024, `at most what is left of the file: ${got}`);
  // The traffic table says why, at once (not when a keep-alive timeout gives up on the missing bytes).
  const rec = te.engine.services.traffic.recent(20).find((x) => x.url === '/limited/shrinks.bin');
  assert.equal(rec?.outcome, 'error');
  assert.match(rec?.error ?? '', /changed while it was being sent/);
  const after = await fetch(`${base}/files/blob.bin`);
  assert.equal(sha(Buffer.from(await after.arrayBuffer())), sha(blob));
});

test(
  'a client that leaves in the middle of a streamed file leaves no open file behind',
  { skip: process.platform !== 'linux' },
  async () => {
    const path = join(dir, 'www/left.bin');
    await writeFile(path, randomBytes(2 * 1024 * 1024));
    const r = await run('curl', ['-sS', '-o', '/dev/null', '--max-time', '0.5', `${base}/limited/left.bin`]);
    assert.equal(r.code, 28, 'curl gave up (timeout)');
    const openOnFile = async () => {
      let n = 0;
      for (const fd of await readdir('/proc/self/fd')) {
        const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
        if (target.endsWith('left.bin')) n++;
      }
      return n;
    };
    const deadline = Date.now() + 5000;
    let rec;
    while (Date.now() < deadline) {
      rec = te.engine.services.traffic.recent(20).find((x) => x.url === '/limited/left.bin');
      if (rec && rec.outcome !== 'open' && (await openOnFile()) === 0) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.notEqual(rec?.outcome, 'open', 'the exchange ended');
    assert.equal(await openOnFile(), 0, 'the file was closed');
  },
);
