/**
 * multipart/form-data uploads (a browser form, `curl -F`): every file part
 * is stored whole and exact (sha256), fields are reported, progress streams
 * back, and a body past max_size or a broken form leaves no file behind.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';

/** True once `sub` holds no file (cleanup runs right after the answer). */
const emptied = (sub: string) =>
  waitFor(async () => (await readdir(join(dir, sub)).catch(() => [])).length === 0, `${sub}/ to be empty`, 3000);

let dir: string;
let te: TestEngine;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-multipart-'));
  te = await startEngine(
    `
http:
  servers:
    - name: up
      listen: 0
      routes:
        - { path: /form, upload: { dir: ./forms, max_size: 16m } }
        - { path: /small, upload: { dir: ./small, max_size: 64k } }
`,
    { baseDir: dir },
  );
});

after(async () => {
  await te?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The events of an upload answer: progress payloads and the closing event. */
function events(text: string): {
  progress: { received: number }[];
  final?: { event: string; data: Record<string, unknown> };
} {
  const progress: { received: number }[] = [];
  let final;
  for (const block of text
    .split('\n\n')
    .map((b) => b.trim())
    .filter(Boolean)) {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Record<string, unknown>;
    if (event) final = { event, data };
    else progress.push(data as { received: number });
  }
  return { progress, final };
}

test('curl -F with three files and two fields: each file stored exactly (sha256), fields reported, progress to 100 %', async () => {
  const bodies = [
    randomBytes(3 * 1024 * 1024 + 7),
    randomBytes(1),
    Buffer.from('line one\r\n--not-a-boundary\r\nline two\n'),
  ];
  const names = ['big.bin', 'one.bin', 'notes.txt'];
  await Promise.all(bodies.map((b, i) => writeFile(join(dir, names[i]!), b)));
  const r = await run('curl', [
    '-sS',
    '-F',
    'title=holiday photos',
    '-F',
    `a=@${join(dir, names[0]!)}`,
    '-F',
    `b=@${join(dir, names[1]!)}`,
    '-F',
    `c=@${join(dir, names[2]!)};type=text/plain`,
    '-F',
    'tag=x',
    `${te.url('up')}/form`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const { progress, final } = events(r.stdout);
  assert.equal(final?.event, 'result', r.stdout.slice(-500));
  const data = final!.data as {
    files: { field: string; name: string; type: string; bytes: number; sha256: string }[];
    fields: Record<string, string>;
    bytes: number;
  };
  assert.deepEqual(
    data.files.map((f) => [f.field, f.name, f.bytes, f.sha256]),
    bodies.map((b, i) => [['a', 'b', 'c'][i], names[i], b.length, sha(b)]),
  );
  assert.equal(data.files[2]!.type, 'text/plain');
  assert.deepEqual(data.fields, { title: 'holiday photos', tag: 'x' });
  for (let i = 0; i < 3; i++)
    assert.equal(sha(await readFile(join(dir, 'forms', names[i]!))), sha(bodies[i]!), names[i]);
  assert.ok(progress.length >= 2);
  assert.equal(progress.at(-1)!.received, data.bytes);
  assert.deepEqual((await readdir(join(dir, 'forms'))).sort(), [...names].sort(), 'no temp file left');
});

test('a form past max_size ends with an error event and leaves no file, not even the parts already complete', async () => {
  const small = randomBytes(1000);
  const big = randomBytes(200 * 1024);
  await writeFile(join(dir, 's.bin'), small);
  await writeFile(join(dir, 'b.bin'), big);
  const declared = await run('curl', [
    '-sS',
    '-w',
    '\n%{http_code}',
    '-F',
    `s=@${join(dir, 's.bin')}`,
    '-F',
    `b=@${join(dir, 'b.bin')}`,
    `${te.url('up')}/small`,
  ]);
  assert.match(
    declared.stdout,
    /max_size is 65536 bytes\n\n413$/,
    'a declared length over max_size: 413 before reading',
  );
  const r = await run('curl', [
    '-sS',
    '-H',
    'Transfer-Encoding: chunked',
    '-F',
    `s=@${join(dir, 's.bin')}`,
    '-F',
    `b=@${join(dir, 'b.bin')}`,
    `${te.url('up')}/small`,
  ]);
  const { final } = events(r.stdout);
  assert.equal(final?.event, 'error');
  assert.match(String(final?.data.error), /exceeds max_size \(65536 bytes\)/);
  await emptied('small');
});

test('a broken form (no boundary, or cut short) is an error, never a half-stored file', async () => {
  const noBoundary = await run('curl', [
    '-sS',
    '-w',
    '\n%{http_code}',
    '-H',
    'Content-Type: multipart/form-data',
    '--data-binary',
    'x',
    `${te.url('up')}/small`,
  ]);
  assert.match(noBoundary.stdout, /malformed multipart request[^\n]*\n\n400$/);
  const cut =
    '--XYZ\r\nContent-Disposition: form-data; name="f"; filename="cut.bin"\r\n\r\npartial bytes without the closing boundary';
  const r = await run('curl', [
    '-sS',
    '-H',
    'Content-Type: multipart/form-data; boundary=XYZ',
    '--data-binary',
    cut,
    `${te.url('up')}/small`,
  ]);
  assert.equal(events(r.stdout).final?.event, 'error', r.stdout);
  await emptied('small');
});
