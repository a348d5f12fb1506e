/**
 * Server-wide rules on real responses: the stage is chosen at the first write,
 * when the content type and length are known (static files), so ext,
 * content_type and min_size rules apply; the first match wins.
 */
import { test, after as afterAll, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { bodyRate, downloadAll, randomFile, type Download } from './shaping-client.js';

const KiB = 1024;
let te: TestEngine;
let files: { dir: string; sha256: string };

before(async () => {
  files = randomFile('a.bin', 200 * KiB);
  copyFileSync(join(files.dir, 'a.bin'), join(files.dir, 'a.mp4'));
  copyFileSync(join(files.dir, 'a.bin'), join(files.dir, 'a.txt'));
  te = await startEngine(`
http:
  servers:
    - name: web
      listen: 0
      routes:
        - path: /f
          static: { root: ${files.dir} }
        - path: /own
          static: { root: ${files.dir} }
          limit: { rate: 400k, burst: 16k }
  limits:
    rules:
      - { match: { content_type: [video/] }, rate: 100k, burst: 16k }
      - { match: { ext: [bin], min_size: 150k }, rate: 200k, burst: 16k }
`);
});
afterAll(() => te.stop());


test('content_type, ext + min_size rules and the route override, on real downloads', async () => {
  const base = `${te.url('web')}`;
  const [mp4, bin, txt, own] = await downloadAll(['/f/a.mp4', '/f/a.bin', '/f/a.txt', '/own/a.mp4'].map((p) => ({ url: `${base}${p}` })));
  assert.ok(mp4 && bin && txt && own);
  for (const d of [mp4, bin, txt, own]) assert.equal(d.sha256, files.sha256);
  const near = (d: Download, want: number, what: string) => {
    const r = bodyRate(d) / KiB;
    assert.ok(Math.abs(r / want - 1) < 0.15, `${what}: ${r.toFixed(0)} KiB/s, want ${want}`);
  };
  near(mp4, 100, 'video/mp4 → 100k rule');
  near(bin, 200, '.bin of 200k → 200k rule');
  assert.ok(txt.last - txt.first < 300, `no rule for .txt: ${(txt.last - txt.first).toFixed(0)} ms`);
  near(own, 400, 'the route limit overrides the rules');
});
