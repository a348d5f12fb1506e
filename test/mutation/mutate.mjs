#!/usr/bin/env node
// `npm run mutate [group…] [--force]`: mutation testing of the engine's pure
// modules with StrykerJS, one group after another (see groups.mjs), then one
// table of scores per module. Incremental: a re-run tests only mutants whose
// code or tests changed (--force re-runs all). Reports: .tmp/mutation/<group>.html
// and .json; the table is kept in .tmp/mutation/summary.txt. Two workers by
// default (SLUICE_MUTATION_WORKERS): the test files start one Node process per mutant.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GROUPS } from './groups.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const force = args.includes('--force');
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) if (!GROUPS[n]) throw new Error(`unknown group "${n}" (${Object.keys(GROUPS).join(', ')})`);
const run = names.length > 0 ? names : Object.keys(GROUPS);
const out = join(root, '.tmp/mutation');
mkdirSync(out, { recursive: true });

const stryker = join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js');
let failed = false;
for (const name of run) {
  process.stdout.write(`\n== mutation group ${name}: ${GROUPS[name].mutate.join(' ')}\n`);
  const r = spawnSync(process.execPath, [stryker, 'run', 'test/mutation/stryker.config.mjs'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SLUICE_MUTATION_GROUP: name, ...(force ? { SLUICE_MUTATION_FORCE: '1' } : {}) },
  });
  if (r.status !== 0) failed = true;
}

/** Detected / (detected + undetected), as Stryker counts it: errors and ignored mutants left out. */
function score(mutants) {
  const n = (...s) => mutants.filter((m) => s.includes(m.status)).length;
  const detected = n('Killed', 'Timeout');
  const undetected = n('Survived', 'NoCoverage');
  return {
    detected,
    undetected,
    ignored: n('Ignored'),
    total: mutants.length,
    score: (100 * detected) / (detected + undetected || 1),
  };
}

const rows = [];
for (const name of Object.keys(GROUPS)) {
  const file = join(out, `${name}.json`);
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const [path, f] of Object.entries(report.files)) rows.push({ group: name, path, ...score(f.mutants) });
}
const pad = (s, n) => String(s).padEnd(n);
const lines = [
  `${pad('module', 32)} ${pad('score', 7)} ${pad('killed', 7)} ${pad('undetected', 11)} ignored`,
  ...rows.map(
    (r) =>
      `${pad(r.path, 32)} ${pad(r.score.toFixed(1) + '%', 7)} ${pad(r.detected, 7)} ${pad(r.undetected, 11)} ${r.ignored}`,
  ),
];
writeFileSync(join(out, 'summary.txt'), lines.join('\n') + '\n');
process.stdout.write(`\n${lines.join('\n')}\n`);
const low = rows.filter((r) => r.score < 80);
if (low.length > 0) process.stdout.write(`\nbelow 80%: ${low.map((r) => r.path).join(', ')}\n`);
process.exit(failed || low.length > 0 ? 1 : 0);
