/**
 * Static paths like nginx `alias`: the rest of the path decoded segment by
 * segment, and every way out of the root refused — `..`, encoded slashes,
 * NUL bytes, symlinks pointing outside — checked against real files.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInside, pathSegments, resolveUnder } from '../../core/http/static-path.js';

const SEGMENTS: [string, string[] | { status: number; why: string }][] = [
  ['', []],
  ['/', []],
  ['/a/b.txt', ['a', 'b.txt']],
  ['a/b', ['a', 'b']],
  ['//a/./b', ['a', 'b']],
  ['/./.', []],
  ['/a%20b', ['a b']],
  ['/%2e', []],
  ['/.../x', ['...', 'x']],
  ['/..a', ['..a']],
  ['/..', { status: 403, why: 'path leaves the root' }],
  ['/a/..', { status: 403, why: 'path leaves the root' }],
  ['/a/%2e%2e', { status: 403, why: 'path leaves the root' }],
  ['/a%2fb', { status: 403, why: 'path leaves the root' }],
  ['/a%5cb', { status: 403, why: 'path leaves the root' }],
  ['/a%00', { status: 403, why: 'path leaves the root' }],
  ['/%E0%A4%A', { status: 400, why: 'malformed percent-encoding in path' }],
];
for (const [rest, want] of SEGMENTS) {
  test(`path segments of ${JSON.stringify(rest)}`, () => {
    const got = pathSegments(rest);
    if (Array.isArray(want)) assert.deepEqual(got, want);
    else assert.deepEqual(got, { ok: false, ...want });
  });
}

test('isInside: the root and below, never a sibling with the same prefix', () => {
  assert.equal(isInside('/srv/www', '/srv/www'), true);
  assert.equal(isInside('/srv/www', '/srv/www/a'), true);
  assert.equal(isInside('/srv/www', '/srv/www2/a'), false);
  assert.equal(isInside('/srv/www', '/srv'), false);
  assert.equal(isInside('/srv/www/', '/srv/www/a'), true);
  assert.equal(isInside('/srv/www/', '/srv/www2'), false);
  assert.equal(isInside('/', '/etc/passwd'), true);
});

let dir: string;
before(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'sluice-static-path-')));
  await mkdir(join(dir, 'www/sub'), { recursive: true });
  await writeFile(join(dir, 'www/sub/a.txt'), 'abc');
  await writeFile(join(dir, 'secret.txt'), 'no');
  await symlink(join(dir, 'secret.txt'), join(dir, 'www/out.txt'));
  await symlink(join(dir, 'www/sub/a.txt'), join(dir, 'www/in.txt'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('resolveUnder: a file inside the root resolves with its real path, the root and its stat', async () => {
  const r = await resolveUnder(join(dir, 'www'), ['sub', 'a.txt']);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.real, join(dir, 'www/sub/a.txt'));
  assert.equal(r.rootReal, join(dir, 'www'));
  assert.equal(r.stat.size, 3);
  const root = await resolveUnder(join(dir, 'www'), []);
  assert.ok(root.ok && root.stat.isDirectory(), 'the root itself');
});

test('resolveUnder: a symlink staying inside is followed; one leaving the root is refused', async () => {
  const inside = await resolveUnder(join(dir, 'www'), ['in.txt']);
  assert.ok(inside.ok && inside.real === join(dir, 'www/sub/a.txt'));
  assert.deepEqual(await resolveUnder(join(dir, 'www'), ['out.txt']), {
    ok: false,
    status: 403,
    why: 'path leaves the root',
  });
});

test('resolveUnder: a missing file is 404 "not found"; a missing root says so', async () => {
  assert.deepEqual(await resolveUnder(join(dir, 'www'), ['nope.txt']), { ok: false, status: 404, why: 'not found' });
  assert.deepEqual(await resolveUnder(join(dir, 'nowhere'), ['a.txt']), {
    ok: false,
    status: 404,
    why: 'the root directory does not exist',
  });
});
