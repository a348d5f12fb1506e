#!/usr/bin/env node
// The one test command (`npm test`): every test file under test/ runs with
// node:test (TypeScript through tsx), and the run ends with the plain line
// `N passed, N failed` that CI reads. Pass file paths to run just those.
import { spawn } from 'node:child_process';
import { readdirSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const GROUPS = ['unit', 'integration', 'e2e'];

function collect(dir) {
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(collect(p));
    else if (/\.test\.(ts|tsx|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const files =
  args.length > 0
    ? args
    : GROUPS.flatMap((g) => {
        try {
          return collect(join(root, 'test', g));
        } catch {
          return [];
        }
      }).map((f) => relative(root, f));

const concurrency = process.env.TEST_CONCURRENCY ?? '3';
const child = spawn(
  process.execPath,
  [
    // force-exit: a file whose tests are done never hangs the run on a leaked handle;
    // the timeout bounds any single test that waits forever.
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-force-exit',
    '--test-timeout=180000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    ...files,
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FORCE_COLOR: '0' } },
);

// The closing `ℹ pass N` / `ℹ fail N` lines are the last such lines of the run; a long
// failure list may follow them, so every line is scanned as it streams by.
let pass = 0;
let fail = 0;
let partial = '';
child.stdout.on('data', (buf) => {
  process.stdout.write(buf);
  const lines = (partial + buf.toString()).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) scan(line);
});
function scan(line) {
  const m = /^(?:ℹ|#) (pass|fail) (\d+)\s*$/.exec(line.trim());
  if (m) m[1] === 'pass' ? (pass = Number(m[2])) : (fail = Number(m[2]));
}
child.on('close', (code) => {
  scan(partial);
  if (code !== 0 && fail === 0) fail = 1; // the runner itself failed (e.g. a file that does not load)
  const summary = `${pass} passed, ${fail} failed`;
  mkdirSync(join(root, '.tmp'), { recursive: true });
  writeFileSync(join(root, '.tmp', 'test-summary.txt'), summary + '\n');
  process.stdout.write(`\n${summary}\n`);
  process.exit(fail > 0 ? 1 : 0);
});
