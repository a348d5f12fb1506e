/** The static route's file cache: bounded, least recently used out first, always the file's current version. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, statSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCache } from '../../core/http/file-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-file-cache-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('holds at most its byte budget, dropping the least recently used file first', async () => {
  const cache = new FileCache(10, 8);
  const [a, b, c] = [file('a', 'aaaa'), file('b', 'bbbb'), file('c', 'cccc')];
  const [sa, sb] = [statSync(a), statSync(b)];
  assert.equal((await cache.bytes(a, sa))!.toString(), 'aaaa');
  assert.equal((await cache.bytes(b, sb))!.toString(), 'bbbb');
  assert.equal(cache.size, 8);
  await cache.bytes(a, sa); // a is now the most recently used
  await cache.bytes(c, statSync(c));
  assert.equal(cache.size, 8);
  // Asked with the stat they were kept under, a kept file answers from memory, a dropped one is read again.
  writeFileSync(a, 'AAAA');
  writeFileSync(b, 'BBBB');
  assert.equal((await cache.bytes(a, sa))!.toString(), 'aaaa', 'a was kept');
  assert.equal((await cache.bytes(b, sb))!.toString(), 'BBBB', 'b was dropped');
  assert.ok(cache.size <= 10);
});

test('keeps files up to its size limit only, never empty ones', () => {
  const cache = new FileCache(100, 8);
  assert.deepEqual(
    [0, 1, 8, 9, 101].map((n) => cache.keeps(n)),
    [false, true, true, false, false],
  );
  assert.equal(new FileCache(4, 8).keeps(5), false, 'never a file bigger than the whole budget');
});

test('a file that is not the size its stat said is not served from the cache', async () => {
  const cache = new FileCache();
  const p = file('grows', 'abc');
  const st = statSync(p);
  appendFileSync(p, 'def');
  assert.equal(await cache.bytes(p, st), undefined, 'grew after the stat');
  assert.equal(cache.size, 0);
  assert.equal((await cache.bytes(p, statSync(p)))!.toString(), 'abcdef');
  const shrunk = file('shrinks', 'abcdef');
  const st2 = statSync(shrunk);
  writeFileSync(shrunk, 'ab');
  assert.equal(await cache.bytes(shrunk, st2), undefined, 'shrank after the stat');
});
