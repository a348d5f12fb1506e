/**
 * Saving a config file: comments and key order survive an edit, and the
 * write is atomic (a concurrent reader sees the old or the new document,
 * never a torn one; no temp files stay behind).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfigFile, saveConfigFile } from '../../core/engine/config-file.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-save-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const ORIGINAL = `# Sluice config for the team mock
version: 1
http:
  servers:
    - name: mock # the front end talks to this
      listen: 127.0.0.1:8080
      routes:
        # health first
        - path: /health
          respond: { status: 200, body: ok }
        - path: /downloads
          static: { root: ./www }
          limit: { rate: 512k, burst: 64k } # tune me
`;

test('an edit keeps comments, key order and untouched formatting (inline comments are single-spaced, as the yaml library writes them)', async () => {
  const path = join(dir, 'keep.yaml');
  await writeFile(path, ORIGINAL);
  const doc = parse(ORIGINAL) as { http: { servers: { routes: { limit?: { rate: string } }[] }[] } };
  doc.http.servers[0]!.routes[1]!.limit!.rate = '1m';
  doc.http.servers[0]!.routes.push({ path: '/feed', stream: { every: '1s' } } as never);
  const text = await saveConfigFile(path, doc);
  assert.equal(await readFile(path, 'utf8'), text);
  assert.equal(
    text,
    ORIGINAL.replace('rate: 512k', 'rate: 1m') + '        - path: /feed\n          stream:\n            every: 1s\n',
  );
  const reloaded = await loadConfigFile(path);
  assert.ok(reloaded.ok, JSON.stringify(!reloaded.ok && reloaded.errors));
  assert.equal(reloaded.config.http.servers[0]!.routes[1]!.limit!.rate, 1024 * 1024);
});

test('saves are atomic: readers never see a torn file, the inode is replaced, no temp files remain', async () => {
  const path = join(dir, 'atomic.yaml');
  await writeFile(path, ORIGINAL);
  const inode = (await stat(path)).ino;
  const big = (n: number) => ({
    version: 1,
    http: {
      servers: [
        {
          name: 'mock',
          listen: '127.0.0.1:8080',
          routes: Array.from({ length: 400 }, (_, i) => ({
            path: `/r${i}`,
            respond: { body: `v${n}-${'x'.repeat(100)}` },
          })),
        },
      ],
    },
  });
  let saving = true;
  let reads = 0;
  const torn: string[] = [];
  const reader = (async () => {
    while (saving) {
      const text = await readFile(path, 'utf8');
      reads++;
      const ok = text === ORIGINAL || (text.includes('/r399') && text.trimEnd().endsWith('x'.repeat(100)));
      if (!ok) torn.push(text.slice(-80));
    }
  })();
  await saveConfigFile(path, big(0));
  // Checked after the first save: later saves may get the freed inode number back.
  assert.notEqual((await stat(path)).ino, inode, 'written by rename, not in place');
  for (let n = 1; n < 30; n++) await saveConfigFile(path, big(n));
  saving = false;
  await reader;
  assert.ok(reads > 0);
  assert.deepEqual(torn, [], `${torn.length} torn reads of ${reads}`);
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.includes('atomic')),
    ['atomic.yaml'],
  );
});
