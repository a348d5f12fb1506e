/**
 * core/'s folders import in one direction, leaves first, and no file is part
 * of an import cycle (type-only imports count: they couple files as much).
 * The order is the product's layering:
 *
 *   util → config → api → telemetry → balance → health → tls
 *     → kernel (contracts) → engine → features (http faults shaping sse proxy stream llm nginx client)
 *     → host → admin → runtime (composition root) → cli
 *
 * A folder may import only folders before it; feature folders may import
 * earlier features but never the engine. core/config and core/api are shared
 * with the renderer and import no Node built-ins; core imports no electron or
 * react anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importsOf, importCycles, isLayerAllowed, LAYERS } from '../helpers/layering.js';

const CORE = resolve(dirname(fileURLToPath(import.meta.url)), '../../core');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

const all = files(CORE);
const graph = new Map(all.map((f) => [relative(CORE, f), importsOf(readFileSync(f, 'utf8'), relative(CORE, f))]));

test('every folder of core has a place in the layer order', () => {
  const folders = new Set([...graph.keys()].map((f) => f.split('/')[0]!).filter((f) => !f.endsWith('.ts')));
  for (const f of folders) assert.ok(LAYERS.includes(f), `core/${f} is not in the layer order`);
});

test('no import runs against the folder order', () => {
  const wrong: string[] = [];
  for (const [file, deps] of graph) {
    const from = file.split('/')[0]!;
    for (const d of deps.local) {
      const to = d.split('/')[0]!;
      if (!isLayerAllowed(from, to)) wrong.push(`${file} → ${d}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no import cycle among core files (type imports included)', () => {
  const local = new Map([...graph].map(([f, d]) => [f, d.local]));
  assert.deepEqual(importCycles(local), []);
});

test('core/config and core/api import no Node built-ins; core imports no electron or react', () => {
  const wrong: string[] = [];
  for (const [file, deps] of graph) {
    for (const p of deps.packages) {
      if (/^(electron|react|react-dom)(\/|$)/.test(p)) wrong.push(`${file} → ${p}`);
      if ((file.startsWith('config/') || file.startsWith('api/')) && (p.startsWith('node:') || BUILTINS.has(p)))
        wrong.push(`${file} → ${p}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the checker itself: a backwards import and a cycle are found', () => {
  assert.equal(isLayerAllowed('http', 'engine'), false);
  assert.equal(isLayerAllowed('engine', 'http'), false);
  assert.equal(isLayerAllowed('proxy', 'http'), true);
  assert.equal(isLayerAllowed('http', 'proxy'), false);
  assert.equal(isLayerAllowed('runtime', 'admin'), true);
  const deps = importsOf(
    "import type { A } from './a.js';\nimport { b } from '../util/b.js';\nexport * from 'yaml';",
    'x/y.ts',
  );
  assert.deepEqual(deps.local.sort(), ['util/b.ts', 'x/a.ts']);
  assert.deepEqual(deps.packages, ['yaml']);
  assert.deepEqual(
    importCycles(
      new Map([
        ['a.ts', ['b.ts']],
        ['b.ts', ['a.ts']],
        ['c.ts', ['a.ts']],
      ]),
    ),
    [['a.ts', 'b.ts']],
  );
});

const BUILTINS = new Set([
  'fs',
  'path',
  'net',
  'http',
  'https',
  'http2',
  'os',
  'crypto',
  'stream',
  'dgram',
  'tls',
  'url',
  'child_process',
  'events',
  'zlib',
]);
