/**
 * The npm package as a user gets it: `npm pack` in a copy of the checkout
 * (prepack builds every bundle), `npm install --omit=dev` of the tarball in an
 * empty folder (its dependencies come from the registry; no tsx, no
 * sources), then the installed `sluice` validates a shipped example, runs a
 * config whose route and admin API answer, and serves the UI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The environment without npm's per-run settings: a test started by `npm test` must not point the inner npm at this checkout. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

/** A copy of the checkout's files (tracked and new, nothing ignored) sharing its node_modules. */
function checkoutCopy(into: string): void {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(listed.status, 0, listed.stderr);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the work tree
    mkdirSync(dirname(join(into, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(into, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(into, 'node_modules'));
}

/** GET over Node's http client: status and body. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (b: Buffer) => (body += b.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** A long-running installed `sluice` command, its output kept. */
function start(
  bin: string,
  args: string[],
  cwd: string,
): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(bin, args, { cwd, env: { ...cleanEnv(), BROWSER: 'none' } });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return { child, out: () => out, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

async function waitForOutput(proc: { out: () => string }, re: RegExp, ms = 30_000): Promise<RegExpExecArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = re.exec(proc.out());
    if (m) return m;
    if (Date.now() > end) throw new Error(`no ${re} within ${ms} ms:\n${proc.out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test(
  'npm pack → npm install --omit=dev → the installed sluice validates, runs and serves the UI',
  { timeout: 600_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-npm-'));
    const procs: ChildProcess[] = [];
    try {
      const src = join(dir, 'src');
      checkoutCopy(src);
      const packed = await run('npm', ['pack', '--pack-destination', dir], {
        cwd: src,
        env: cleanEnv(),
        timeoutMs: 240_000,
      });
      assert.equal(packed.code, 0, packed.stdout + packed.stderr);
      const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
      assert.ok(tarball, `a tarball in ${dir}`);

      const listed = await run('tar', ['tzf', join(dir, tarball)]);
      const files = listed.stdout
        .trim()
        .split('\n')
        .map((f) => f.replace(/^package\//, ''));
      for (const f of [
        'package.json',
        'README.md',
        'bin/sluice.mjs',
        'bin/engine-flags.mjs',
        'dist/cli/main.mjs',
        'dist/renderer/index.html',
        'build/sluice.schema.json',
        'examples/mock.yaml',
      ]) {
        assert.ok(files.includes(f), `${f} is packed`);
      }
      assert.deepEqual(
        files.filter((f) => /\.(ts|tsx|map)$/.test(f) || /^(core|renderer|electron|test|node_modules)\//.test(f)),
        [],
        'no sources, tests or source maps',
      );

      const inst = join(dir, 'inst');
      mkdirSync(inst);
      writeFileSync(join(inst, 'package.json'), '{ "name": "sluice-install-check", "private": true }\n');
      const installed = await run(
        'npm',
        ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefix', inst, join(dir, tarball)],
        { cwd: inst, env: cleanEnv(), timeoutMs: 420_000 },
      );
      assert.equal(installed.code, 0, installed.stdout + installed.stderr);
      assert.equal(existsSync(join(inst, 'node_modules/tsx')), false, 'tsx is not a run-time dependency');
      const sluice = join(inst, 'node_modules/.bin/sluice');

      const version = await run(sluice, ['--version'], { cwd: inst, env: cleanEnv() });
      assert.equal(version.stdout.trim(), VERSION);
      const validated = await run(sluice, ['validate', join(inst, 'node_modules/sluice/examples/mock.yaml')], {
        cwd: inst,
        env: cleanEnv(),
      });
      assert.equal(validated.code, 0, validated.stderr);
      assert.match(validated.stdout, /mock\.yaml: ok/);

      // `sluice run` on port 0: the route answers, and the admin API reports the package's version.
      const config = join(inst, 'sluice.yaml');
      writeFileSync(
        config,
        'version: 1\nadmin: { listen: 127.0.0.1:0 }\nhttp:\n  servers:\n    - name: web\n      listen: 127.0.0.1:0\n      routes:\n        - path: /hello\n          respond: { body: from the package }\n',
      );
      const running = start(sluice, ['run', config], inst);
      procs.push(running.child);
      const web = (await waitForOutput(running, /http web listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
      const admin = (await waitForOutput(running, /admin \S+ listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
      assert.deepEqual(await get(`${web}/hello`), { status: 200, body: 'from the package' });
      const health = await get(`${admin}/api/health`);
      assert.equal(health.status, 200);
      assert.equal((JSON.parse(health.body) as { version: string }).version, VERSION);
      running.child.kill('SIGTERM');
      assert.equal(await running.exited, 0, running.out());

      // Browser mode: the shipped renderer is served behind the printed URL.
      const ui = start(sluice, ['ui', '--port', '0', '--no-open'], inst);
      procs.push(ui.child);
      const url = (await waitForOutput(ui, /Sluice UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/))[1]!;
      const page = await get(url);
      assert.equal(page.status, 200);
      assert.match(page.body, /<div id="root">/);
      ui.child.kill('SIGINT');
      assert.equal(await ui.exited, 0, ui.out());
    } finally {
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
