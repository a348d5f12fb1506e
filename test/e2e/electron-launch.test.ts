/**
 * The desktop app itself, through Playwright's Electron driver: the window
 * opens with the UI, `window.sluice` is the bridge (calls only, no IPC
 * objects), and Node is out of reach. Needs an Electron binary and a display:
 * skipped with the reason where either is missing (as on CI machines without
 * the Electron download).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { API_CALLS } from '../../core/api/index.js';
import { desktopAvailability } from '../../core/cli/desktop.js';
import { ROOT } from '../../core/cli/ui.js';
import { ensureFreshRenderer } from './ui-harness.js';

const where = desktopAvailability();
const skip = where.ok ? false : `no Electron launch test here: ${where.reason}`;

test('the Electron window opens the UI with a narrow bridge', { skip, timeout: 90_000 }, async () => {
  assert.ok(where.ok, 'runs only where an Electron binary and a display exist');
  await ensureFreshRenderer();
  const built = spawnSync(process.execPath, [resolve(ROOT, 'build/build.mjs'), '--electron', '--if-stale'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(built.status, 0, built.stderr);
  assert.ok(existsSync(resolve(ROOT, 'dist/electron/main.cjs')));
  const app = await electron.launch({
    executablePath: where.electron,
    args: [resolve(ROOT, 'dist/electron/main.cjs'), resolve(ROOT, 'examples/mock.yaml')],
  });
  try {
    const win = await app.firstWindow();
    await win.waitForSelector('[data-testid=nav-dashboard]');
    const surface = await win.evaluate(() => Object.keys((globalThis as unknown as { sluice: object }).sluice).sort());
    assert.deepEqual(surface, [...API_CALLS, 'on'].sort());
    assert.equal(
      await win.evaluate(() => typeof (globalThis as unknown as { require?: unknown }).require),
      'undefined',
    );
    assert.equal(
      await win.evaluate(() => typeof (globalThis as unknown as { process?: unknown }).process),
      'undefined',
    );
    const health = await win.evaluate(() =>
      (globalThis as unknown as { sluice: { health(): Promise<{ ok: boolean }> } }).sluice.health(),
    );
    assert.equal(health.ok, true);
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const w = BrowserWindow.getAllWindows()[0]!;
      return (w.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> }).getLastWebPreferences();
    });
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
  } finally {
    await app.close();
  }
});
