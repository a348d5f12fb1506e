/**
 * Packaging: `electron-builder --dir --linux` with build/electron-builder.yml
 * against a local fake Electron distribution (no download, works offline),
 * then the packed app.asar is opened: only the bundles and package.json, no
 * node_modules, main needing nothing but Node built-ins and electron.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../../core/cli/ui.js';
import { ensureFreshRenderer } from './ui-harness.js';

const require = createRequire(import.meta.url);
const ASAR = resolve(ROOT, 'node_modules/@electron/asar');
const BUILDER = resolve(ROOT, 'node_modules/.bin/electron-builder');
const skip = !existsSync(ASAR)
  ? 'node_modules/@electron/asar is not installed (it comes with electron-builder)'
  : !existsSync(BUILDER)
    ? 'electron-builder is not installed'
    : false;

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/** A stand-in Electron distribution: an `electron` file carrying a fuse wire (v1, 9 fuses, all on) so electron-builder can flip fuses. */
function fakeElectronDist(dir: string): string {
  const dist = join(dir, 'electron-dist');
  mkdirSync(dist, { recursive: true });
  writeFileSync(
    join(dist, 'electron'),
    Buffer.concat([
      Buffer.from(`#!/bin/sh\n# fake electron\n# ${SENTINEL}`),
      Buffer.from([1, 9]),
      Buffer.from('111111111\n'),
    ]),
    { mode: 0o755 },
  );
  return dist;
}

function runBuilder(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(BUILDER, args, {
      cwd: ROOT,
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, out });
    });
  });
}

test(
  'electron-builder --dir packs only dist/** and package.json into app.asar',
  { skip, timeout: 120_000 },
  async () => {
    await ensureFreshRenderer();
    const built = spawnSync(process.execPath, [resolve(ROOT, 'build/build.mjs'), '--electron'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, built.stderr);
    const dir = mkdtempSync(join(tmpdir(), 'sluice-pack-'));
    try {
      const out = join(dir, 'out');
      const r = await runBuilder(
        [
          '--dir',
          '--linux',
          '-c',
          'build/electron-builder.yml',
          `-c.electronDist=${fakeElectronDist(dir)}`,
          `-c.directories.output=${out}`,
        ],
        90_000,
      );
      assert.equal(r.code, 0, r.out);
      const unpacked = join(out, 'linux-unpacked');
      assert.ok(existsSync(join(unpacked, 'sluice')), 'the executable is named after the product');
      const asar = require(ASAR) as { listPackage(p: string): string[]; extractFile(p: string, f: string): Buffer };
      const archive = join(unpacked, 'resources', 'app.asar');
      const files = asar.listPackage(archive).map((f) => f.replace(/\\/g, '/'));
      for (const f of [
        '/package.json',
        '/dist/electron/main.cjs',
        '/dist/electron/preload.cjs',
        '/dist/renderer/index.html',
      ])
        assert.ok(files.includes(f), `${f} packed`);
      assert.deepEqual(
        files.filter((f) => f.includes('node_modules')),
        [],
        'no node_modules shipped',
      );
      assert.deepEqual(
        files.filter((f) => /\.(ts|tsx|map)$/.test(f)),
        [],
        'no sources or source maps',
      );
      assert.deepEqual(
        files.filter((f) => !f.startsWith('/dist') && f !== '/package.json'),
        [],
        'nothing outside dist/ and package.json',
      );
      assert.ok(
        files.some((f) => /^\/dist\/renderer\/assets\/index-.*\.js$/.test(f)),
        'the renderer bundle',
      );
      const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as { main: string; version: string };
      assert.equal(pkg.main, 'dist/electron/main.cjs');
      // Main is self-contained: it requires only Node built-ins and electron.
      const main = asar.extractFile(archive, 'dist/electron/main.cjs').toString();
      const required = [...new Set([...main.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!))];
      const foreign = required.filter((m) => m !== 'electron' && !builtinModules.includes(m.replace(/^node:/, '')));
      assert.deepEqual(foreign, [], 'main.cjs needs no node_modules');
      assert.match(asar.extractFile(archive, 'dist/electron/preload.cjs').toString(), /exposeInMainWorld\("sluice"/);
      // Fuses flipped in the packed binary: RunAsNode (fuse 0) off.
      const bin = readFileSync(join(unpacked, 'sluice'));
      const wire = bin.indexOf(SENTINEL) + SENTINEL.length + 2;
      assert.equal(String.fromCharCode(bin[wire]!), '0', 'RunAsNode fuse disabled');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
