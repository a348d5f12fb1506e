/**
 * The house style holds on every file: the TypeScript compiler finds no type
 * error (tests are run through tsx, which only strips types), ESLint finds
 * nothing (recommended rules, React's rules of hooks) and Prettier would
 * change nothing. Run `npm run typecheck`, `npm run lint` and `npm run format`
 * to see and fix what this reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

test('TypeScript reports no type error (tsc -b)', async () => {
  const r = await run(bin('tsc'), ['-b']);
  assert.equal(r.code, 0, r.out);
});

test('ESLint reports no problem', async () => {
  const r = await run(bin('eslint'), ['--cache', '--cache-location', '.tmp/eslint/', '--max-warnings', '0', '.']);
  assert.equal(r.code, 0, r.out);
});

test('every file is formatted as Prettier writes it', async () => {
  const r = await run(bin('prettier'), ['--list-different', '.']);
  assert.equal(r.code, 0, `not formatted (run npm run format):\n${r.out}`);
});
