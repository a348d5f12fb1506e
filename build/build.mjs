#!/usr/bin/env node
// `npm run build`: the renderer (Vite → dist/renderer/) and the Electron main
// and preload (esbuild → dist/electron/*.cjs; the preload must be CommonJS
// because sandboxed preloads cannot be ES modules). `--renderer` builds only
// the renderer (what browser mode needs); `--electron` only main + preload.
import { fileURLToPath } from 'node:url';
import { build as viteBuild } from 'vite';
import viteConfig from './vite.config.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const onlyRenderer = process.argv.includes('--renderer');
const onlyElectron = process.argv.includes('--electron');
// `--electron-out DIR`: where main.cjs and preload.cjs go (tests bundle into a temp dir).
const outFlag = process.argv.indexOf('--electron-out');
const electronOut = outFlag > 0 ? process.argv[outFlag + 1] : 'dist/electron';

/** Builds the React renderer into dist/renderer/. */
export async function buildRenderer() {
  await viteBuild({ ...viteConfig, configFile: false });
}

/** Bundles electron/main.ts and electron/preload.ts (with core/ inlined) into dist/electron/. */
export async function buildElectron() {
  const { build } = await import('esbuild');
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    absWorkingDir: root,
    logLevel: 'warning',
    sourcemap: false,
  };
  await Promise.all([
    // main is ESM source using import.meta.url; esbuild rewrites it for CJS via this define.
    build({
      ...common,
      entryPoints: ['electron/main.ts'],
      outfile: `${electronOut}/main.cjs`,
      define: { 'import.meta.url': '__sluice_import_meta_url' },
      banner: { js: 'const __sluice_import_meta_url = require("url").pathToFileURL(__filename).href;' },
    }),
    build({ ...common, entryPoints: ['electron/preload.ts'], outfile: `${electronOut}/preload.cjs` }),
  ]);
}

const started = Date.now();
if (!onlyElectron) await buildRenderer();
if (!onlyRenderer) await buildElectron();
console.log(
  `built ${onlyRenderer ? 'renderer' : onlyElectron ? 'electron' : 'renderer + electron'} in ${Date.now() - started} ms`,
);
