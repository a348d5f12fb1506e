/**
 * The commands as a user runs them: `sluice ui CONFIG --port 0 --no-open`
 * prints a URL with a token that serves the UI, and exits 0 on SIGINT;
 * `sluice` with no command, without an Electron binary, says why and starts
 * browser mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
