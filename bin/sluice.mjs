#!/usr/bin/env node
// Entry point of the `sluice` command: runs the built command line
// (dist/cli/main.mjs, made by `npm run build`; a checkout builds it on
// `npm install`, a package ships it).
//
// Commands that host the engine need the V8 flags of engine-flags.mjs (it says
// why). V8 takes them only at process start, so without them these commands
// start themselves once more with them; this first process stays as a
// launcher that forwards signals and leaves with the engine's exit.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENGINE_FLAGS } from './engine-flags.mjs';

const CLI = new URL('../dist/cli/main.mjs', import.meta.url);
/** Commands that only talk or print: no engine, no second start. */
const CLIENT_COMMANDS = new Set([
  'validate',
  'publish',
  'client',
  'schema',
  'import-nginx',
  'export-nginx',
  'help',
  '--help',
  '-h',
  '--version',
  '-V',
]);

if (!existsSync(CLI)) {
  console.error(`sluice: ${fileURLToPath(CLI)} is missing; run \`npm run build\``);
  process.exit(1);
}

const hostsEngine = !CLIENT_COMMANDS.has(process.argv[2]);
const missing = ENGINE_FLAGS.filter((f) => !process.execArgv.includes(f));

if (hostsEngine && missing.length > 0) {
  const child = spawn(
    process.execPath,
    [...missing, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, SLUICE_LAUNCHER_PID: String(process.pid) },
    },
  );
  // Signals sent to this process go on to the engine (SIGHUP reloads, SIGINT/SIGTERM drain).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    // The engine died of a signal: so does the launcher (its parent sees the same cause).
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
} else {
  // Started by the launcher above: when it is killed outright (SIGKILL), stop too rather than live on unseen.
  const launcher = Number(process.env.SLUICE_LAUNCHER_PID);
  if (launcher && launcher === process.ppid) {
    setInterval(() => {
      if (process.ppid !== launcher) process.kill(process.pid, 'SIGTERM');
    }, 500).unref();
  }
  await import(CLI.href);
}
