#!/usr/bin/env node
// Entry point of the `sluice` command: TypeScript sources run through tsx.
//
// Commands that host the engine run with two V8 flags (ENGINE_FLAGS):
// - the memory reducer off. After a Node server has sat idle for ~a minute
//   the reducer shrinks the heap, and from then on the buffers every socket
//   read allocates are reclaimed by full mark-compacts instead of scavenges:
//   measured here, 1 MiB responses through the proxy fell from ~850 to ~480
//   req/s and stayed there (a bare Node proxy with a 15 MB heap does the same);
// - young generation capped at 4 MB per semi-space: without the reducer a
//   young generation grown to 16 MB stays, ~2 KiB per connection at 10k idle
//   SSE clients (12.4 → 10.1 KiB RSS each); fan-out and proxy throughput
//   measured the same either way.
// V8 flags only work at process start, so without them these commands start
// themselves once more with them.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Also in package.json's scripts, electron's --js-flags (core/cli/desktop.ts) and the benches. */
const ENGINE_FLAGS = ['--no-memory-reducer', '--max-semi-space-size=4'];
/** Commands that only talk or print: no engine, no second start. */
const CLIENT_COMMANDS = new Set([
  'validate',
  'publish',
  'schema',
  'import-nginx',
  'export-nginx',
  'help',
  '--help',
  '-h',
  '--version',
  '-V',
]);
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
  const { register } = await import('tsx/esm/api');
  register();
  await import('../core/cli/main.ts');
}
