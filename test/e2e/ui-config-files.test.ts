/**
 * Config files in browser mode: Save writes the edited text (comments kept)
 * atomically to the file; Open (a file input here) loads a document and shows
 * its errors with the CLI's positions; the YAML tab fixes it and the visual
 * editor follows; New asks before discarding unsaved edits; Save As asks for
 * a path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openUi, until } from './ui-harness.js';

const CONFIG = `# team mock — keep this comment
version: 1
http:
  servers:
    - name: mock
      listen: 127.0.0.1:0
      routes:
        - path: /health   # liveness
          respond: { status: 200, body: ok }
`;

test(
  'save keeps comments, open shows positioned errors, YAML and forms stay in sync, unsaved edits are guarded',
  { timeout: 90_000 },
  async () => {
    const ui = await openUi(CONFIG);
    const { page } = ui;
    const file = join(ui.dir, 'sluice.yaml');
    try {
      await page.click('[data-testid=nav-config]');
      await page.click('[data-testid=tree-route-0-0]');
      await page.fill('[data-testid="http.servers_0_.routes_0_.respond.body"]', 'all good');
      await page.click('[data-testid=save]');
      await until(
        async () => /saved/.test((await page.textContent('[data-testid=notice]').catch(() => '')) ?? ''),
        'the saved notice',
      );
      const saved = readFileSync(file, 'utf8');
      assert.match(saved, /^# team mock — keep this comment/);
      assert.match(saved, /# liveness/);
      assert.match(saved, /body: all good/);

      // New with unsaved edits asks first; dismissing keeps the edits.
      await page.fill('[data-testid="http.servers_0_.routes_0_.respond.body"]', 'unsaved');
      let asked = '';
      page.once('dialog', (d) => {
        asked = d.message();
        void d.dismiss();
      });
      await page.click('text=New');
      assert.match(asked, /unsaved changes/);
      assert.equal(await page.inputValue('[data-testid="http.servers_0_.routes_0_.respond.body"]'), 'unsaved');

      // Open a broken file: every error listed as file:line:col, Apply disabled.
      page.once('dialog', (d) => void d.accept());
      await page.setInputFiles('[data-testid=file-input]', {
        name: 'broken.yaml',
        mimeType: 'text/yaml',
        buffer: Buffer.from(
          'version: 1\nhttp:\n  servers:\n    - name: api\n      listen: 127.0.0.1:99999\n      routes:\n        - path: nope\n          respond: { status: 999 }\n',
        ),
      });
      await page.waitForSelector('[data-testid=config-errors]');
      const errors = (await page.locator('[data-testid=config-errors] li').allTextContents()).join('\n');
      assert.match(errors, /broken\.yaml:5:\d+: http\.servers\[0\]\.listen: /);
      assert.match(errors, /broken\.yaml:7:\d+: http\.servers\[0\]\.routes\[0\]\.path: paths start with "\/"/);
      assert.match(errors, /broken\.yaml:8:\d+: http\.servers\[0\]\.routes\[0\]\.respond\.status: /);
      assert.equal(await page.isDisabled('[data-testid=apply]'), true);
      // The route form shows its own error inline.
      await page.click('[data-testid=tree-route-0-0]');
      assert.match((await page.textContent('[data-testid=route-form]')) ?? '', /paths start with "\/"/);

      // Fix it in the YAML tab; the visual editor follows.
      await page.click('[data-testid=tab-yaml]');
      const text = await page.inputValue('[data-testid=yaml]');
      await page.fill(
        '[data-testid=yaml]',
        text
          .replace('127.0.0.1:99999', '127.0.0.1:0')
          .replace('path: nope', 'path: /nope')
          .replace('status: 999', 'status: 418'),
      );
      await until(
        async () => (await page.textContent('[data-testid=config-status]')) === 'valid',
        'the fixed document to validate',
      );
      await page.click('[data-testid=tab-visual]');
      await page.click('[data-testid=tree-route-0-0]');
      assert.equal(await page.inputValue('[data-testid=route-path]'), '/nope');
      assert.equal(await page.inputValue('[data-testid="http.servers_0_.routes_0_.respond.status"]'), '418');

      // Save As asks where (a path on the machine running Sluice) and writes there.
      const target = join(ui.dir, 'teapot.yaml');
      page.once('dialog', (d) => void d.accept(target));
      await page.click('text=Save As…');
      await until(
        async () => /saved .*teapot\.yaml/.test((await page.textContent('[data-testid=notice]').catch(() => '')) ?? ''),
        'the Save As notice',
      );
      assert.match(readFileSync(target, 'utf8'), /status: 418/);

      // Stop and Start: the toolbar shows what the engine reports.
      assert.equal(await page.textContent('[data-testid=engine-state]'), 'running');
      await page.click('header >> text=Stop');
      await until(
        async () => (await page.textContent('[data-testid=engine-state]')) === 'stopped',
        'the stopped state',
      );
      assert.equal(ui.session.engine.running, false);
      await page.click('header >> text=Start');
      await until(
        async () => (await page.textContent('[data-testid=engine-state]')) === 'running',
        'the running state',
      );
      assert.equal(ui.session.engine.running, true);
    } finally {
      await ui.close();
    }
  },
);
