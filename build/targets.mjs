// The bundles of `npm run build` and when each is stale. Every build records
// the files it read (esbuild's metafile, Vite's module ids) in .tmp/build/, so
// `--if-stale` rebuilds exactly when one of them changed, and otherwise leaves
// dist/ untouched (tests and running apps read it).
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RECORDS = join(ROOT, '.tmp/build');
/** Inputs of every bundle besides its sources: the build itself and the installed packages. */
const ALWAYS = ['package-lock.json', 'build/build.mjs', 'build/targets.mjs'];

/** Builds the React renderer into dist/renderer/; returns the files it read. */
async function buildRenderer() {
  const { build } = await import('vite');
  const { default: viteConfig } = await import('./vite.config.mjs');
  const result = await build({ ...viteConfig, configFile: false });
  const ids = [];
  for (const output of Array.isArray(result) ? result : [result]) {
    for (const item of output.output) if (item.type === 'chunk') ids.push(...item.moduleIds);
  }
  return [...ids.filter((id) => isAbsolute(id)).map((id) => id.replace(/\?.*$/, '')), 'build/vite.config.mjs'];
}

const esbuildCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  absWorkingDir: ROOT,
  logLevel: 'warning',
  sourcemap: false,
  metafile: true,
};

/** Bundles electron/main.ts and electron/preload.ts (core/ and packages inlined) into `out`. */
async function buildElectron(out = 'dist/electron') {
  const { build } = await import('esbuild');
  const common = { ...esbuildCommon, format: 'cjs', external: ['electron'] };
  const results = await Promise.all([
    // main is ESM source using import.meta.url; esbuild rewrites it for CJS via this define.
    build({
      ...common,
      entryPoints: ['electron/main.ts'],
      outfile: `${out}/main.cjs`,
      define: { 'import.meta.url': '__sluice_import_meta_url' },
      banner: { js: 'const __sluice_import_meta_url = require("url").pathToFileURL(__filename).href;' },
    }),
    build({ ...common, entryPoints: ['electron/preload.ts'], outfile: `${out}/preload.cjs` }),
  ]);
  return results.flatMap((r) => Object.keys(r.metafile.inputs));
}

/**
 * Bundles the command line (core/cli/main.ts) into dist/cli/main.mjs. The
 * bundle sits two folders below the package root like core/cli/, so the
 * sources' `new URL('../../…', import.meta.url)` lookups (package.json,
 * dist/renderer, node_modules/electron) find the same files from either.
 */
async function buildCli() {
  const { build } = await import('esbuild');
  const result = await build({
    ...esbuildCommon,
    format: 'esm',
    packages: 'external',
    entryPoints: ['core/cli/main.ts'],
    outfile: 'dist/cli/main.mjs',
  });
  return Object.keys(result.metafile.inputs);
}

/** Each bundle: the files it must produce and how to build it. */
export const TARGETS = {
  renderer: { outputs: ['dist/renderer/index.html'], build: buildRenderer },
  electron: { outputs: ['dist/electron/main.cjs', 'dist/electron/preload.cjs'], build: () => buildElectron() },
  cli: { outputs: ['dist/cli/main.mjs'], build: buildCli },
};

const recordFile = (name) => join(RECORDS, `${name}.json`);

/** Why `name` needs building (output missing, an input changed…), or undefined when it is current. */
export function staleness(name) {
  const missing = TARGETS[name].outputs.find((f) => !existsSync(join(ROOT, f)));
  if (missing) return `${missing} is missing`;
  let record;
  try {
    record = JSON.parse(readFileSync(recordFile(name), 'utf8'));
  } catch {
    return 'no record of its last build';
  }
  for (const input of record.inputs) {
    const st = statSync(join(ROOT, input), { throwIfNoEntry: false });
    if (!st) return `${input} is gone`;
    if (st.mtimeMs > record.builtAt) return `${input} changed`;
  }
  return undefined;
}

/** Builds one target and records what it read (inputs inside the repository, packages through the lock file). */
async function buildOne(name) {
  const builtAt = Date.now();
  rmSync(recordFile(name), { force: true });
  const read = await TARGETS[name].build();
  const inputs = [...new Set([...read.map((f) => relative(ROOT, resolve(ROOT, f))), ...ALWAYS])]
    .filter((f) => !f.startsWith('..') && !f.split(/[\\/]/).includes('node_modules'))
    .sort();
  mkdirSync(RECORDS, { recursive: true });
  writeFileSync(recordFile(name), JSON.stringify({ builtAt, inputs }, null, 1) + '\n');
}

/**
 * Builds `targets` (default all), one after another; with `ifStale` only
 * those whose output is missing or older than an input. `electronOut` builds
 * the Electron bundles into another folder (no record, never skipped).
 */
export async function buildTargets({ targets = Object.keys(TARGETS), ifStale = false, electronOut } = {}) {
  for (const name of targets) {
    const started = Date.now();
    if (name === 'electron' && electronOut) {
      await buildElectron(electronOut);
    } else {
      const why = ifStale ? staleness(name) : 'requested';
      if (!why) continue;
      if (ifStale) console.error(`building ${name} (${why})…`);
      await buildOne(name);
    }
    console.error(`built ${name} in ${Date.now() - started} ms`);
  }
}
