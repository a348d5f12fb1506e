// The V8 flags of every process that hosts the engine: `sluice run`, `sluice ui`,
// the desktop app's main process (as Electron's --js-flags) and the benches.
//
// - The memory reducer off. After a Node server has sat idle for ~a minute
//   the reducer shrinks the heap, and from then on the buffers every socket
//   read allocates are reclaimed by full mark-compacts instead of scavenges:
//   measured here, 1 MiB responses through the proxy fell from ~850 to ~480
//   req/s and stayed there (a bare Node proxy with a 15 MB heap does the same).
// - A young generation of 16 MB per semi-space, fixed. The traffic log keeps
//   the last 1000 exchanges, and Node's HTTP stack allocates ~8 KiB per
//   request: with V8's default (1 MB growing to the cap only when most objects
//   survive), every record outlives two scavenges and is promoted, so the old
//   generation fills and is marked over and over. Measured here on a 2-byte
//   `respond` route: 34.4 → 30.4 µs of CPU per request (a bare Node server
//   keeping a similar 1000-record ring: 30.1 with 4 MB, 24.6 with 16, 24.3
//   without the ring). It costs ~16 MB of RSS at start and saves more under
//   load (128 → 113 MB after 100k requests, the old generation staying small);
//   RSS per idle SSE connection stays 8–9 KiB at 5k and 10k clients. A young
//   generation allowed to grow and never shrink (the reducer is off) had cost
//   ~2 KiB per connection at 10k idle clients; fixed, it is paid once.
//
// V8 reads these only at process start, so bin/sluice.mjs starts the engine
// in a second process when its own Node lacks them.

/** Node command-line flags for an engine process. */
export const ENGINE_FLAGS = Object.freeze([
  '--no-memory-reducer',
  '--min-semi-space-size=16',
  '--max-semi-space-size=16',
]);

/** The same flags as one `--js-flags=` switch, for Electron. */
export const ELECTRON_JS_FLAGS = `--js-flags=${ENGINE_FLAGS.join(' ')}`;
