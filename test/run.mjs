#!/usr/bin/env node
// The one test command (`npm test`): every test file under test/ runs with
// node:test (TypeScript through tsx), and the run ends with the plain line
// `N passed, N failed, N skipped` that CI reads (it matches the line's start,
// `N passed, N failed`). Skipped tests are listed above it with their reasons,
// so a missing peer program never passes silently. Pass file paths to run just those.
// Tests run what users run: the CLI and Electron bundles are rebuilt first
// when a source changed (esbuild, about a second), and the renderer too when
// an end-to-end test is in the run.
import { spawn, spawnSync } from 'node:child_process';
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

/** Skipped tests and suites with their reasons, as the spec reporter printed them (`﹣ name (1ms) # reason`). */
const skippedTests = [];

/** Prints the skipped tests and the closing line (and keeps it for CI), then exits. */
function finish(pass, fail, skipped = 0) {
  if (skippedTests.length > 0) process.stdout.write(`\nskipped:\n${skippedTests.map((s) => `  ${s}\n`).join('')}`);
  // node:test counts skipped tests but not the tests of a skipped suite: a skipped suite counts as one.
  const summary = `${pass} passed, ${fail} failed, ${Math.max(skipped, skippedTests.length)} skipped`;
  mkdirSync(join(root, '.tmp'), { recursive: true });
  writeFileSync(join(root, '.tmp', 'test-summary.txt'), summary + '\n');
  process.stdout.write(`\n${summary}\n`);
  process.exit(fail > 0 ? 1 : 0);
}

const targets = ['--cli', '--electron', ...(files.some((f) => /(^|[\\/])e2e[\\/]/.test(f)) ? ['--renderer'] : [])];
const built = spawnSync(process.execPath, [join(root, 'build/build.mjs'), '--if-stale', ...targets], {
  cwd: root,
  stdio: 'inherit',
});
if (built.status !== 0) {
  console.error('the build failed: no test ran');
  finish(0, 1);
}

const concurrency = process.env.TEST_CONCURRENCY ?? '3';
const child = spawn(
  process.execPath,
  [
    // exit-after-tests: a file whose tests are done never hangs the run on a leaked handle (see the
    // file for why not --test-force-exit); the timeout bounds any single test that waits forever.
    '--import',
    'tsx',
    '--import',
    './test/helpers/exit-after-tests.mjs',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=180000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    ...files,
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FORCE_COLOR: '0' } },
);

// The closing `ℹ pass N` / `ℹ fail N` / `ℹ skipped N` lines are the last such lines of the run;
// a long failure list may follow them, so every line is scanned as it streams by.
let pass = 0;
let fail = 0;
let skipped = 0;
let cancelled = 0;
let partial = '';
child.stdout.setEncoding('utf8'); // a character split across reads stays whole
child.stdout.on('data', (text) => {
  process.stdout.write(text);
  const lines = (partial + text).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) scan(line);
});
function scan(line) {
  const m = /^(?:ℹ|#) (pass|fail|skipped|cancelled) (\d+)\s*$/.exec(line.trim());
  if (m?.[1] === 'pass') pass = Number(m[2]);
  else if (m?.[1] === 'fail') fail = Number(m[2]);
  else if (m?.[1] === 'skipped') skipped = Number(m[2]);
  else if (m?.[1] === 'cancelled') cancelled = Number(m[2]); // a test cut short by a timeout did not pass
  const s = /^\s*﹣ (.*?) \([\d.]+m?s\) # (.*)$/.exec(line);
  if (s && !/^test name does not match pattern$/.test(s[2])) skippedTests.push(`${s[1]}: ${s[2]}`);
}
child.on('close', (code) => {
  scan(partial);
  fail += cancelled;
  if (code !== 0 && fail === 0) fail = 1; // the runner itself failed (e.g. a file that does not load)
  finish(pass, fail, skipped);
});
