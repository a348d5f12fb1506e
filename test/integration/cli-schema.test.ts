/**
 * The JSON Schema for editors: `sluice schema` prints what the zod schema
 * generates, and the committed build/sluice.schema.json is that same text
 * (regenerate with `npm run -s sluice -- schema build/sluice.schema.json`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { configJsonSchema } from '../../core/config/index.js';
import { schemaText } from '../../core/cli/schema.js';
import { run } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('the committed build/sluice.schema.json equals configJsonSchema()', async () => {
  const committed = await readFile(join(ROOT, 'build/sluice.schema.json'), 'utf8');
  assert.deepEqual(
    JSON.parse(committed),
    configJsonSchema(),
    'stale: run `npm run -s sluice -- schema build/sluice.schema.json`',
  );
  assert.equal(committed, schemaText());
});

test('sluice schema prints the schema; it describes routes and rejects unknown keys', async () => {
  const r = await run(process.execPath, [join(ROOT, 'bin/sluice.mjs'), 'schema'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const schema = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(schema, configJsonSchema());
  assert.equal(schema.additionalProperties, false);
  assert.match(r.stdout, /"static"/);
  assert.match(r.stdout, /"upload"/);
});
