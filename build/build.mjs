#!/usr/bin/env node
// `npm run build`: every bundle Sluice runs from.
//
//   renderer  Vite    → dist/renderer/            the React UI (Electron window and browser mode)
//   electron  esbuild → dist/electron/main.cjs    Electron main + preload, core/ and packages inlined
//                       dist/electron/preload.cjs (CommonJS: sandboxed preloads cannot be ES modules)
//   cli       esbuild → dist/cli/main.mjs         the `sluice` command and its engine; npm packages
//                                                 stay imports (they are the package's dependencies)
//
// `--renderer`, `--electron`, `--cli` build only those (default: all three).
// `--if-stale` builds a target only when its output is missing or one of the
// files it was last built from changed since (npm start, npm test, prepare).
// `--electron-out DIR` puts main.cjs and preload.cjs in DIR (tests bundle into a temp dir).
// Progress goes to stderr, so `npm run -s sluice -- schema` prints only the schema.
import { buildTargets } from './targets.mjs';

const argv = process.argv.slice(2);
const outFlag = argv.indexOf('--electron-out');
const picked = ['renderer', 'electron', 'cli'].filter((t) => argv.includes(`--${t}`));

try {
  await buildTargets({
    targets: picked.length > 0 ? picked : undefined,
    ifStale: argv.includes('--if-stale'),
    electronOut: outFlag >= 0 ? argv[outFlag + 1] : undefined,
  });
} catch (err) {
  // esbuild and Vite have already printed the positioned errors.
  console.error(`sluice build failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  process.exitCode = 1;
}
