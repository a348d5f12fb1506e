/**
 * The `rechunk` fault: the same bytes, written in pieces cut where stream
 * parsers go wrong — the way proxies and slow networks deliver them.
 *
 *   utf8-split  inside every multi-byte UTF-8 character (a decoder without
 *               streaming mode prints U+FFFD)
 *   crlf-split  between CR and LF, between the two newlines that end an
 *               event, and inside each field name ("da" | "ta: …")
 *   one-byte    every byte on its own
 *   random      piece sizes of 1–12 bytes from a seeded generator
 *
 * Each piece is its own write, and the stage yields to the event loop (or
 * waits `gap`) between pieces, so each leaves as its own TCP segment rather
 * than being coalesced again.
 */
import type { RechunkConfig, RechunkMode } from '../config/index.js';
import type { Stage, StageTarget } from '../kernel/index.js';
import { yieldToLoop } from '../util/wait.js';
import { pause } from './pause.js';

const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;

/** A small seeded generator (mulberry32): the same seed cuts the same bytes the same way. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets inside multi-byte UTF-8 sequences: after every byte of a sequence but its last. */
function utf8Cuts(buf: Uint8Array): number[] {
  const cuts: number[] = [];
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    for (let k = 1; k < len && i + k < buf.length; k++) cuts.push(i + k);
    i += len - 1;
  }
  return cuts;
}

/** Offsets between CR and LF, before the second newline of a blank line, and halfway into field names. */
function crlfCuts(buf: Uint8Array): number[] {
  const cuts: number[] = [];
  let lineStart = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (i > 0 && b === LF && buf[i - 1] === CR) cuts.push(i);
    else if (i > 0 && (b === LF || b === CR) && i === lineStart) cuts.push(i);
    if (b === LF || (b === CR && buf[i + 1] !== LF)) {
      lineStart = i + 1;
      continue;
    }
    if (i === lineStart && b !== CR) {
      const colon = buf.subarray(i, i + 17).indexOf(COLON);
      if (colon > 1) cuts.push(i + Math.floor(colon / 2));
    }
  }
  return cuts;
}

/** Offsets of seeded random pieces of 1–12 bytes. */
function randomCuts(length: number, rng: () => number): number[] {
  const cuts: number[] = [];
  for (let at = 1 + Math.floor(rng() * 12); at < length; at += 1 + Math.floor(rng() * 12)) cuts.push(at);
  return cuts;
}

/** Where a mode cuts `buf` (sorted offsets strictly inside it). */
export function cutPoints(buf: Uint8Array, mode: RechunkMode, rng: () => number): number[] {
  let cuts: number[];
  switch (mode) {
    case 'one-byte':
      cuts = Array.from({ length: Math.max(0, buf.length - 1) }, (_, i) => i + 1);
      break;
    case 'utf8-split':
      cuts = utf8Cuts(buf);
      break;
    case 'crlf-split':
      cuts = crlfCuts(buf);
      break;
    case 'random':
      cuts = randomCuts(buf.length, rng);
      break;
  }
  return [...new Set(cuts)].filter((c) => c > 0 && c < buf.length).sort((a, b) => a - b);
}

/** `buf` split at a mode's cut points; the pieces concatenate to `buf`. */
export function rechunk(buf: Buffer, mode: RechunkMode, rng: () => number): Buffer[] {
  const pieces: Buffer[] = [];
  let from = 0;
  for (const at of cutPoints(buf, mode, rng)) {
    pieces.push(buf.subarray(from, at));
    from = at;
  }
  if (from < buf.length) pieces.push(buf.subarray(from));
  return pieces;
}

/** The stage that writes each chunk in re-cut pieces, on an HTTP response or a TCP link alike. */
export class RechunkStage implements Stage {
  private readonly rng: () => number;

  constructor(
    private readonly cfg: RechunkConfig,
    private readonly t: StageTarget,
  ) {
    this.rng = seededRng(cfg.seed);
  }

  async write(chunk: Buffer, next: (piece: Buffer) => Promise<void>): Promise<void> {
    const pieces = rechunk(chunk, this.cfg.mode, this.rng);
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) {
        if (this.cfg.gap > 0) {
          if (!(await pause(this.t, this.cfg.gap))) return;
        } else {
          await yieldToLoop();
        }
      }
      await next(pieces[i]!);
    }
  }
}
