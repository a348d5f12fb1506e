// The V8 flags of every process that hosts the engine: `sluice run`, `sluice ui`,
// the desktop app's main process (as Electron's --js-flags) and the benches.
//
// - The memory reducer off. After a Node server has sat idle for ~a minute
//   the reducer shrinks the heap, and from then on the buffers every socket
//   read allocates are reclaimed by full mark-compacts instead of scavenges:
//   measured here, 1 MiB responses through the proxy fell from ~850 to ~480
//   req/s and stayed there (a bare Node proxy with a 15 MB heap does the same).
// - Young generation capped at 4 MB per semi-space: without the reducer a
//   young generation grown to 16 MB stays, ~2 KiB per connection at 10k idle
//   SSE clients (12.4 → 10.1 KiB RSS each); fan-out and proxy throughput
//   measured the same either way.
//
// V8 reads these only at process start, so bin/sluice.mjs starts the engine
// in a second process when its own Node lacks them.

/** Node command-line flags for an engine process. */
export const ENGINE_FLAGS = Object.freeze(['--no-memory-reducer', '--max-semi-space-size=4']);

/** The same flags as one `--js-flags=` switch, for Electron. */
export const ELECTRON_JS_FLAGS = `--js-flags=${ENGINE_FLAGS.join(' ')}`;
