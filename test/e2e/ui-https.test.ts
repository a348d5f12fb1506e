/**
 * HTTPS in the UI (browser mode, Chromium): the server form shows its TLS
 * section and the trust panel (the CA file, the NODE_EXTRA_CA_CERTS and curl
 * lines, the browser button with its note on where it runs); the Traffic
 * table shows the protocol per exchange and the detail pane the client's TLS
 * and the HTTPS upstream's certificate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCa } from '../../core/tls/index.js';
import { freePort } from '../bench/harness.js';
import { run } from '../helpers/process.js';
import { openUi, until } from './ui-harness.js';

test('HTTPS: server TLS form, trust panel, protocol column and TLS in the detail', { timeout: 120_000 }, async () => {
  process.env.SLUICE_HOME = mkdtempSync(join(tmpdir(), 'sluice-e2e-home-'));
  const ca = await LocalCa.open();
  const port = await freePort();
  const ui = await openUi(`version: 1
http:
  servers:
    - name: secure
      listen: 127.0.0.1:${port}
      tls: {}
      routes:
        - path: /
          respond: { body: ok }
    - name: plain
      listen: 0
      routes:
        - path: /up
          proxy: { upstream: self }
  upstreams:
    - name: self
      servers: [ { address: 127.0.0.1:${port} } ]
      tls: { server_name: localhost, ca: ${ca.certPath} }
`);
  try {
    const { page } = ui;
    await page.click('[data-testid=nav-config]');
    await page.click('[data-testid=tree-server-0]');
    assert.equal(await page.isChecked('[data-testid=server-tls-toggle]'), true);
    await page.waitForSelector('[data-testid=https-trust]');
    assert.equal(await page.inputValue('[data-testid=ca-path]'), ca.certPath);
    assert.equal(await page.inputValue('[data-testid=ca-node]'), `NODE_EXTRA_CA_CERTS=${ca.certPath}`);
    assert.equal(
      await page.inputValue('[data-testid=ca-curl]'),
      `curl --cacert ${ca.certPath} https://127.0.0.1:${port}/`,
    );
    assert.match(await page.innerText('[data-testid=https-trust]'), /on the machine running Sluice/);

    await page.click('[data-testid=nav-traffic]');
    const h2 = await run('curl', ['-sS', '--http2', '--cacert', ca.certPath, `https://127.0.0.1:${port}/health`]);
    assert.equal(h2.stdout, 'ok', h2.stderr);
    const proxied = await run('curl', ['-sS', `${ui.listenerUrl('plain')}/up/health`]);
    assert.equal(proxied.stdout, 'ok', proxied.stderr);

    const rows = page.locator('[data-testid=traffic-row]');
    await until(async () => (await rows.count()) >= 3, 'three traffic rows');
    const texts = await rows.allInnerTexts();
    assert.ok(
      texts.some((t) => t.includes('h2 TLS') && t.includes('/health')),
      texts.join('\n'),
    );
    await rows.filter({ hasText: 'h2 TLS' }).first().click();
    const detail = page.locator('[data-testid=traffic-tls]');
    await detail.waitFor();
    assert.match(await detail.innerText(), /protocol\s+h2/);
    assert.match(await detail.innerText(), /client TLS\s+TLSv1\.3/);

    await rows.filter({ hasText: '/up/health' }).filter({ hasText: 'proxy' }).first().click();
    await until(async () => /Upstream certificate/i.test(await detail.innerText()), 'the upstream certificate');
    const up = await detail.innerText();
    assert.match(up, /verified\s+yes/);
    assert.match(up, /issuer\s+.*Sluice local CA/);
    assert.match(up, /names\s+.*localhost/);
  } finally {
    await ui.close();
  }
});
