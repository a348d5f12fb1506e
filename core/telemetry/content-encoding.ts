/**
 * Undoing a response's Content-Encoding while it streams, for the traffic
 * capture and the stream client: every piece that can be decompressed is
 * passed on at once (sync flush), so a compressed event stream still shows
 * event by event wherever its sender flushed.
 */
import type { Transform } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** The encoding named by a Content-Encoding header, normalised; undefined for none or identity. */
export function contentEncoding(value: unknown): string | undefined {
  const enc = String(Array.isArray(value) ? value.join(',') : (value ?? ''))
    .trim()
    .toLowerCase();
  return enc === '' || enc === 'identity' ? undefined : enc;
}

/** A streaming decompressor for `encoding`, or undefined when it is not one Node can undo. */
export function createDecompressor(encoding: string): Transform | undefined {
  const flush = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip(flush);
  if (encoding === 'deflate') return createInflate(flush);
  if (encoding === 'br')
    return createBrotliDecompress({
      flush: constants.BROTLI_OPERATION_FLUSH,
      finishFlush: constants.BROTLI_OPERATION_FLUSH,
    });
  return undefined;
}
