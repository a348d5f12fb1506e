/**
 * The commands as a user runs them: `sluice ui CONFIG --port 0 --no-open`
 * prints a URL with a token that serves the UI, and exits 0 on SIGINT; on a
 * taken --port it exits 1 with the config's listeners closed; `sluice` with
 * no command, without an Electron binary, says why and starts browser mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../../core/cli/ui.js';
import { desktopAvailability } from '../../core/cli/desktop.js';
import { ensureFreshRenderer } from './ui-harness.js';

/** Spawns the CLI; resolves once a line matches `re`. */
function start(
  args: string[],
  re: RegExp,
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; out: () => string; match: RegExpExecArray }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/sluice.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, BROWSER: 'none', ...env },
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ${re} within 30 s:\n${out}`));
    }, 30_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, out: () => out, match: m });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ${re}:\n${out}`));
    });
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

/** A server holding a loopback port (port 0: a free one). */
function listen(port = 0): Promise<net.Server> {
  return new Promise((resolvePromise, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolvePromise(server));
  });
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;
const closeServer = (server: net.Server) => new Promise<void>((r) => server.close(() => r()));

test(
  'sluice ui CONFIG --port 0 --no-open: the printed URL serves the UI; SIGINT exits 0',
  { timeout: 60_000 },
  async () => {
    await ensureFreshRenderer();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    const file = join(dir, 'mock.yaml');
    writeFileSync(
      file,
      'version: 1\nhttp:\n  servers:\n    - name: mock\n      listen: 127.0.0.1:0\n      routes:\n        - path: /health\n          respond: { body: ok }\n',
    );
    const { child, match, out } = await start(
      ['ui', file, '--port', '0', '--no-open'],
      /Sluice UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/,
    );
    try {
      assert.match(out(), /http mock listening on http:\/\/127\.0\.0\.1:\d+/);
      const url = new URL(match[1]!);
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="root">/);
      assert.equal((await fetch(`${url.origin}/`)).status, 403, 'no token, no page');
      const exited = exitCode(child);
      child.kill('SIGINT');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'sluice (no command) without an Electron binary or display: says why, starts browser mode',
  { timeout: 60_000, skip: desktopAvailability({}).ok ? 'an Electron binary and display exist here' : false },
  async () => {
    await ensureFreshRenderer();
    const { child, out } = await start([], /Sluice UI: http:\/\/127\.0\.0\.1:\d+\/\?token=/, {
      DISPLAY: '',
      WAYLAND_DISPLAY: '',
    });
    try {
      assert.match(out(), /Starting browser mode: (no Electron binary|the Electron binary|there is no display)/);
      const exited = exitCode(child);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
    }
  },
);

test(
  "sluice ui --port TAKEN: one clear line, exit 1, and the config's listener is closed",
  { timeout: 60_000 },
  async () => {
    await ensureFreshRenderer();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    const blocker = await listen();
    const file = join(dir, 'mock.yaml');
    writeFileSync(
      file,
      'version: 1\nhttp:\n  servers:\n    - name: mock\n      listen: 127.0.0.1:0\n      routes:\n        - path: /\n          respond: { body: ok }\n',
    );
    const child = spawn(
      process.execPath,
      [resolve(ROOT, 'bin/sluice.mjs'), 'ui', file, '--port', String(portOf(blocker)), '--no-open'],
      { cwd: dir, env: { ...process.env, BROWSER: 'none' } },
    );
    let out = '';
    let errors = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (errors += b.toString()));
    const exited = exitCode(child);
    try {
      const code = await Promise.race([
        exited,
        new Promise<string>((r) => setTimeout(() => r('still running after 30 s'), 30_000).unref()),
      ]);
      assert.equal(code, 1, out + errors);
      assert.match(errors, new RegExp(`^sluice: cannot start the UI server: .*EADDRINUSE.*:${portOf(blocker)}\\n$`));
      const started = /http mock listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      assert.ok(started, `the engine had started the config:\n${out}`);
      // Nothing of the engine is left holding the config's port (no orphaned engine process either).
      await closeServer(await listen(Number(started[1])));
    } finally {
      child.kill('SIGKILL');
      await closeServer(blocker);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
