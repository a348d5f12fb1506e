/**
 * examples/mock.yaml stays runnable: it validates, and each of its routes
 * answers as its comments promise (on port 0 instead of 8080).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';

const EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));
let te: TestEngine;
let base: string;
const uploads = join(EXAMPLES, 'uploads');

before(async () => {
  const text = await readFile(join(EXAMPLES, 'mock.yaml'), 'utf8');
  te = await startEngine(text.replace('listen: 127.0.0.1:8080', 'listen: 0'), { baseDir: EXAMPLES });
  base = te.url('mock');
});

after(async () => {
  await te?.stop();
  await rm(uploads, { recursive: true, force: true });
});

test('sluice validate accepts examples/mock.yaml', async () => {
  const r = await run(
    process.execPath,
    [join(EXAMPLES, '../bin/sluice.mjs'), 'validate', join(EXAMPLES, 'mock.yaml')],
    { timeoutMs: 30_000 },
  );
  assert.equal(r.code, 0, r.stderr);
});

test('every example route answers', async () => {
  assert.match(await (await fetch(`${base}/`)).text(), /Sluice mock server/);
  assert.match(await (await fetch(`${base}/files/hello.txt`)).text(), /^Hello from Sluice\./);
  assert.match(await (await fetch(`${base}/files/docs/`)).text(), /data\.json/);
  assert.equal(await (await fetch(`${base}/chunked`)).text(), 'start\nworking\ndone\n');
  const feed = await fetch(`${base}/feed`);
  const reader = feed.body!.getReader();
  const first = JSON.parse(new TextDecoder().decode((await reader.read()).value).split('\n')[0]!) as { n: number };
  assert.equal(first.n, 1);
  await reader.cancel();
  assert.equal(await (await fetch(`${base}/health`)).text(), 'ok');
  const up = await (await fetch(`${base}/upload/note.txt`, { method: 'PUT', body: 'hi' })).text();
  assert.match(up, /event: result\ndata: \{"name":"note.txt","bytes":2,/);
});
