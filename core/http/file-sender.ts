/**
 * Sends a byte range of a file through an exchange's outlet with two buffers
 * that live as long as the response: one is being read into while the other
 * is being written.
 *
 *   read(A) ─▶ write(A) ──────────────▶ flushed? ─▶ read(A) ─▶ write(A) …
 *              └─ read(B) ─▶ write(B) ─────────────▶ flushed? ─▶ read(B) …
 *
 * A stream of fresh buffers (what `createReadStream` yields) costs a page
 * fault per 4 KiB of every read and a garbage collector that keeps sweeping
 * them; under a bandwidth limit, where each read sits in memory until the
 * limit lets it go, that was most of the CPU per MiB. A buffer is filled
 * again only after the outlet said every byte written from it has left the
 * process (`flushed()`), so a slow client or a limit never sees its bytes
 * change. Under a limit, a read is one step of it (up to 1 MiB at high
 * rates), so a wake-up of the limit is also the only read it waits for.
 */
import { open } from 'node:fs/promises';
import type { Exchange } from '../kernel/index.js';

/** What a send did: bytes handed to the outlet, and whether the exchange ended first (client gone, listener draining). */
export interface FileSent {
  bytes: number;
  stopped: boolean;
}

/**
 * Sends `[start, end]` (inclusive) of `path` in reads of `chunk` bytes, or of
 * a limit's step when that is larger (up to `maxChunk`): one read per
 * wake-up. Resolves with fewer bytes than asked when the file shrank while
 * being sent.
 */
export async function sendFileRange(
  ex: Exchange,
  path: string,
  start: number,
  end: number,
  chunk: number,
  maxChunk = chunk,
): Promise<FileSent> {
  const fh = await open(path, 'r');
  const sent: FileSent = { bytes: 0, stopped: false };
  const total = end - start + 1;
  // The stages are known after the first write; a live re-tune may change the step later.
  const fit = (buf: Buffer | undefined): Buffer => {
    const size = Math.max(1, Math.min(total, maxChunk, Math.max(chunk, ex.outlet.stepSize())));
    return buf?.length === size ? buf : Buffer.allocUnsafeSlow(size);
  };
  try {
    const buffers: [Buffer, Buffer | undefined] = [fit(undefined), undefined];
    let pos = start;
    let turn = 0;
    const readInto = (buf: Buffer) =>
      pos > end
        ? Promise.resolve(0)
        : fh.read(buf, 0, Math.min(buf.length, end - pos + 1), pos).then((r) => r.bytesRead);
    let reading = readInto(buffers[0]);
    for (;;) {
      const n = await reading;
      if (n === 0 || ended(ex)) break;
      pos += n;
      const full = buffers[turn]!;
      turn ^= 1;
      // The other buffer went out last turn: its bytes must have left before it is filled again.
      await ex.outlet.flushed();
      const next = (buffers[turn] = fit(buffers[turn]));
      reading = readInto(next);
      sent.bytes += n;
      await ex.outlet.write(n === full.length ? full : full.subarray(0, n));
    }
    // A read in flight while the exchange ended must finish before the file closes.
    await reading.catch(() => 0);
    sent.stopped = ended(ex);
  } finally {
    await fh.close();
  }
  return sent;
}

function ended(ex: Exchange): boolean {
  return ex.outlet.closed || (ex.ended ?? ex.signal.aborted);
}
