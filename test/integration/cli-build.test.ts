/**
 * `sluice` runs what `npm run build` made and never builds at run time: a
 * copy of the package without dist/cli, or without dist/renderer for `ui`,
 * stops with one line that says to run `npm run build`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A package copy in a temp dir with bin/ and package.json, plus the given built parts. */
function packageCopy(parts: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-build-'));
  dirs.push(dir);
  for (const p of ['bin', 'package.json', ...parts]) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

test('without dist/cli: one line naming the missing bundle and `npm run build`, exit 1', async () => {
  const dir = packageCopy([]);
  for (const args of [
    ['validate', join(ROOT, 'examples/mock.yaml')],
    ['run', join(ROOT, 'examples/mock.yaml')],
  ]) {
    const r = await run(process.execPath, [join(dir, 'bin/sluice.mjs'), ...args], { cwd: dir, timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^sluice: \S*dist\/cli\/main\.mjs is missing; run `npm run build`\n$/);
  }
});

test('sluice ui without dist/renderer: one line and exit 1, nothing built, nothing started', async () => {
  const dir = packageCopy(['dist/cli']);
  const r = await run(
    process.execPath,
    [join(dir, 'bin/sluice.mjs'), 'ui', join(ROOT, 'examples/mock.yaml'), '--port', '0', '--no-open'],
    {
      cwd: dir,
      timeoutMs: 30_000,
      env: { ...process.env, BROWSER: 'none' },
    },
  );
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /^sluice: the UI is not built \(\S*dist\/renderer\/index\.html is missing\); run `npm run build`\n$/,
  );
  assert.doesNotMatch(r.stdout, /listening/, 'the config was not started');
  // The copy's version comes from its own package.json, read relative to the bundle.
  const version = await run(process.execPath, [join(dir, 'bin/sluice.mjs'), '--version'], {
    cwd: dir,
    timeoutMs: 30_000,
  });
  assert.equal(
    version.stdout.trim(),
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
  );
});
