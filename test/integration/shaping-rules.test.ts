/**
 * Server-wide rules on real responses: the stage is chosen at the first write,
 * when the content type and length are known (static files), so ext,
 * content_type and min_size rules apply; the first match wins.
 */
import { test, after as afterAll, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { bodyRate, downloadAll, randomFile, type Download } from './shaping-client.js';
import { takeTurn } from '../helpers/exclusive.js';

const KiB = 1024;
let te: TestEngine;
let files: { dir: string; sha256: string };
let own: { dir: string; sha256: string };

before(async () => {
  // Sizes chosen so every download lasts ~1.5 s at its expected rate.
  files = randomFile('a.bin', 300 * KiB);
  copyFileSync(join(files.dir, 'a.bin'), join(files.dir, 'a.txt'));
  writeFileSync(join(files.dir, 'a.mp4'), randomBytes(150 * KiB));
  own = randomFile('a.mp4', 600 * KiB);
  te = await startEngine(`
http:
  servers:
    - name: web
      listen: 0
      routes:
        - path: /f
          static: { root: ${files.dir} }
        - path: /own
          static: { root: ${own.dir} }
          limit: { rate: 400k, burst: 16k }
  limits:
    rules:
      - { match: { content_type: [video/] }, rate: 100k, burst: 16k }
      - { match: { ext: [bin], min_size: 150k }, rate: 200k, burst: 16k }
`);
});
afterAll(() => te.stop());

test('content_type, ext + min_size rules and the route override, on real downloads', async (ctx) => {
  ctx.after(await takeTurn()); // rate measurements: run alone among heavy tests (see helpers/exclusive.ts)
  const base = `${te.url('web')}`;
  const [mp4, bin, txt, ownD] = await downloadAll(
    ['/f/a.mp4', '/f/a.bin', '/f/a.txt', '/own/a.mp4'].map((p) => ({ url: `${base}${p}` })),
  );
  assert.ok(mp4 && bin && txt && ownD);
  for (const d of [bin, txt]) assert.equal(d.sha256, files.sha256);
  assert.equal(ownD.sha256, own.sha256);
  const near = (d: Download, want: number, what: string) => {
    const r = bodyRate(d) / KiB;
    assert.ok(Math.abs(r / want - 1) < 0.2, `${what}: ${r.toFixed(0)} KiB/s, want ${want}`);
  };
  near(mp4, 100, 'video/mp4 → 100k rule');
  near(bin, 200, '.bin of 200k → 200k rule');
  assert.ok(txt.last - txt.first < 300, `no rule for .txt: ${(txt.last - txt.first).toFixed(0)} ms`);
  near(ownD, 400, 'the route limit overrides the rules');
});
