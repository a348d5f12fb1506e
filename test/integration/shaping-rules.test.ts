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
import { download, randomFile } from './shaping-client.js';

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

/** Expected seconds for 200 KiB at `rate` KiB/s after a 16 KiB burst. */
const secs = (rate: number) => (200 - 16) / rate;

test('content_type, ext + min_size rules and the route override, on real downloads', async () => {
  const base = `${te.url('web')}`;
  const [mp4, bin, txt, own] = await Promise.all([
    download(`${base}/f/a.mp4`), download(`${base}/f/a.bin`), download(`${base}/f/a.txt`), download(`${base}/own/a.mp4`),
  ]);
  for (const d of [mp4, bin, txt, own]) assert.equal(d.sha256, files.sha256);
  const near = (ms: number, want: number, what: string) => assert.ok(Math.abs(ms - want * 1000) < want * 150 + 100, `${what}: ${ms.toFixed(0)} ms, want ~${(want * 1000).toFixed(0)}`);
  near(mp4.ms, secs(100), 'video/mp4 → 100k rule');
  near(bin.ms, secs(200), '.bin of 200k → 200k rule');
  assert.ok(txt.ms < 500, `no rule for .txt: ${txt.ms.toFixed(0)} ms`);
  near(own.ms, secs(400), 'the route limit overrides the rules');
});
