/**
 * Optional gzip per server (`gzip: { types, min_length }`) for bodies whose
 * length is known up front (static files, `respond`). Streams, SSE and Range
 * answers are never compressed: compression buffers inside zlib and would
 * delay events, and byte ranges address the identity body.
 */
import { createGzip, gzipSync, type Gzip } from 'node:zlib';
import type { Exchange } from './exchange.js';

/** Is `gzip` acceptable per the Accept-Encoding header (q=0 refuses; `*` counts)? */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return false;
  let gzip: number | undefined;
  let star: number | undefined;
  for (const part of value.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    const weight = Number.isFinite(q) ? q : 0;
    if (coding.trim() === 'gzip' || coding.trim() === 'x-gzip') gzip = weight;
    else if (coding.trim() === '*') star = weight;
  }
  return (gzip ?? star ?? 0) > 0;
}

/** Does the server's gzip config cover this content type and length? */
export function gzipEligible(ex: Pick<Exchange, 'server'>, contentType: string, length: number): boolean {
  const cfg = ex.server.gzip;
  if (!cfg || length < cfg.min_length) return false;
  const type = contentType.toLowerCase();
  if (type.startsWith('text/event-stream')) return false;
  return cfg.types.some((t) => type.startsWith(t.toLowerCase()));
}

/**
 * Decides gzip for one response and sets `Vary: Accept-Encoding` whenever
 * the answer depends on it (so caches keep both variants apart).
 */
export function negotiateGzip(
  ex: Pick<Exchange, 'server' | 'req' | 'res'>,
  contentType: string,
  length: number,
  opts: { ranged?: boolean } = {},
): boolean {
  if (!gzipEligible(ex, contentType, length)) return false;
  const prev = ex.res.getHeader('vary');
  if (!prev) ex.res.setHeader('vary', 'Accept-Encoding');
  else if (!/accept-encoding/i.test(String(prev))) ex.res.setHeader('vary', `${String(prev)}, Accept-Encoding`);
  if (opts.ranged) return false;
  return acceptsGzip(ex.req.headers['accept-encoding']);
}

/** A streaming gzip transform for file bodies (level 6, as zlib's default). */
export function gzipStream(): Gzip {
  return createGzip();
}

/** Compresses a small fixed body once (respond routes cache the result). */
export function gzipBuffer(body: Buffer): Buffer {
  return gzipSync(body);
}

/** A weak ETag for the compressed variant, as nginx does: the bytes differ from the identity body. */
export function weakETag(etag: string): string {
  return etag.startsWith('W/') ? etag : `W/${etag}`;
}
