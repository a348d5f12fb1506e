/**
 * The response headers as they went out. `res.getHeaders()` misses headers
 * passed straight to `writeHead(status, headers)` (Node writes those without
 * storing them), which is how proxies answer — so fall back to the rendered
 * header block. HTTP/2 responses store every header (and render no block).
 */
import type { OutgoingHttpHeaders } from 'node:http';

/** What both HTTP/1 and HTTP/2 responses offer here. */
interface HeaderSource {
  getHeaders(): OutgoingHttpHeaders;
}

type SentHeaders = Record<string, string | number | string[] | undefined>;

/** Parses a rendered `HTTP/1.1 …\r\nName: value\r\n…` block into lower-case names. */
function parseHeaderBlock(block: string): SentHeaders {
  const out: SentHeaders = {};
  for (const line of block.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
  }
  return out;
}

/** Every header of a response whose headers are out (or set so far). */
export function sentHeaders(res: HeaderSource): SentHeaders {
  const stored = res.getHeaders() as SentHeaders;
  const rendered = (res as HeaderSource & { _header?: unknown })._header;
  if (typeof rendered === 'string' && rendered.length > 0) return { ...parseHeaderBlock(rendered), ...stored };
  return stored;
}

/** The response's Content-Type, or undefined. */
export function sentContentType(res: HeaderSource): string | undefined {
  const v = sentHeaders(res)['content-type'];
  return v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v) || undefined;
}
