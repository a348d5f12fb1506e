/**
 * The HTTPS trust helpers behind the UI's panel, through the API host: the
 * CA's path and SPKI hash, and "Open a browser that trusts Sluice" starting
 * the real Chromium (on a virtual display) with a throwaway profile. The
 * proof that it trusts the local CA: the page's request reaches Sluice —
 * Chromium sends nothing to a server whose certificate it refuses.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { testCa, type TestCa } from '../helpers/local-ca.js';
import { waitFor } from '../helpers/wait.js';
import { browserCandidates, trustedBrowserArgs } from '../../core/host/trusted-browser.js';
import { invokeCall } from '../../core/host/call-args.js';

let ca: TestCa;
let t: TestEngine;
let xvfb: ChildProcess | undefined;

before(async () => {
  ca = await testCa();
  t = await startEngine(
    `version: 1
http:
  servers:
    - name: secure
      listen: 0
      tls: {}
      routes:
        - path: /
          respond: { body: "<!doctype html><title>trusted</title><p>hello", content_type: text/html }
`,
    { ca: ca.source },
  );
});

after(async () => {
  xvfb?.kill('SIGTERM');
  await t?.stop();
});

test('getCaInfo: the CA certificate path and its SPKI hash', async () => {
  const r = await t.host.getCaInfo();
  assert.ok(r.ok);
  assert.equal(r.ca.certPath, ca.ca.certPath);
  assert.equal(r.ca.spki, ca.ca.spki());
  assert.ok(existsSync(r.ca.certPath));
});

test('openTrustedBrowser refuses an address that is not http(s)', async () => {
  const r = await t.host.openTrustedBrowser('file:///etc/passwd');
  assert.deepEqual(r, { ok: false, message: 'the address to open must start with http:// or https://' });
  // From a renderer (IPC, WebSocket) the arguments are checked before the host sees them.
  await assert.rejects(invokeCall(t.host, 'openTrustedBrowser', ['javascript:alert(1)']), /must start with http/);
  await assert.rejects(invokeCall(t.host, 'openTrustedBrowser', [42]), /invalid arguments/);
});

test('browsers are looked for where each platform keeps them; SLUICE_BROWSER first', () => {
  assert.equal(browserCandidates('linux', { SLUICE_BROWSER: '/opt/x/chrome' })[0], '/opt/x/chrome');
  assert.ok(browserCandidates('linux', {}).includes('/usr/bin/chromium'));
  assert.ok(
    browserCandidates('darwin', { HOME: '/Users/a' }).includes(
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    ),
  );
  assert.ok(
    browserCandidates('win32', { PROGRAMFILES: 'C:\\Program Files' }).includes(
      'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    ),
  );
  const args = trustedBrowserArgs('abc=', '/tmp/p', 'https://127.0.0.1:1/');
  assert.ok(args.includes('--ignore-certificate-errors-spki-list=abc='));
  assert.ok(args.includes('--user-data-dir=/tmp/p'));
  assert.equal(args.at(-1), 'https://127.0.0.1:1/');
});

test('Open a browser that trusts Sluice: Chromium loads the HTTPS listener without a certificate error', async () => {
  const display = `:${90 + (process.pid % 500)}`;
  xvfb = spawn('Xvfb', [display, '-screen', '0', '1024x768x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  await waitFor(() => existsSync(`/tmp/.X11-unix/X${display.slice(1)}`), 'the virtual display', 10_000);
  process.env.DISPLAY = display;
  process.env.SLUICE_BROWSER = '/usr/bin/chromium';
  const r = await t.host.openTrustedBrowser();
  assert.ok(r.ok, r.ok ? '' : r.message);
  try {
    assert.equal(r.browser, '/usr/bin/chromium');
    // The default address is the first HTTPS listener; the page request arrives only if the certificate was trusted.
    await waitFor(
      async () => (await t.host.getTraffic({ limit: 50 })).some((x) => x.url === '/' && x.status === 200),
      'the page request from Chromium',
      30_000,
    );
    const row = (await t.host.getTraffic({ limit: 50 })).find((x) => x.url === '/')!;
    assert.equal(row.protocol, 'h2');
  } finally {
    // The browser runs detached in its own process group: end that group, then its throwaway profile.
    try {
      process.kill(-r.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    rmSync(r.profile, { recursive: true, force: true });
  }
});
