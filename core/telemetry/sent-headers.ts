/**
 * The response headers as they went out. `res.getHeaders()` misses headers
 * passed straight to `writeHead(status, headers)` (Node writes those without
 * storing them), which is how most routes and proxies answer; an HTTP/1
 * response's rendered header block has them all. Reading the block is left
 * until someone asks (the traffic detail, diagnostics, a capture): keeping
 * the string Node already made costs nothing per request, parsing it does.
 * HTTP/2 responses store every header (and render no block).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { ExchangeRecord } from './exchange-record.js';

/** What both HTTP/1 and HTTP/2 responses offer here. */
interface HeaderSource {
  getHeaders(): OutgoingHttpHeaders;
  getHeader(name: string): unknown;
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

/** The rendered header block of an HTTP/1 response whose headers are out. */
function headerBlock(res: HeaderSource): string | undefined {
  const rendered = (res as HeaderSource & { _header?: unknown })._header;
  return typeof rendered === 'string' && rendered.length > 0 ? rendered : undefined;
}

/** Every header of a response whose headers are out (or set so far). */
export function sentHeaders(res: HeaderSource): SentHeaders {
  const stored = res.getHeaders() as SentHeaders;
  const block = headerBlock(res);
  return block ? { ...parseHeaderBlock(block), ...stored } : stored;
}

/** One header as it went out (stored, else read from the block), or undefined. */
export function sentHeader(res: HeaderSource, name: string): string | undefined {
  const v = res.getHeader(name);
  if (v !== undefined) return String(Array.isArray(v) ? v[0] : v);
  const block = headerBlock(res);
  return block ? headerInBlock(block, name) : undefined;
}

/** One header's value in a rendered header block, or undefined. */
function headerInBlock(block: string, name: string): string | undefined {
  return headerPattern(name).exec(block)?.[1]!.trim();
}

/** One compiled pattern per header name read from blocks (a handful: Content-Type on every request). */
const patterns = new Map<string, RegExp>();

function headerPattern(name: string): RegExp {
  let re = patterns.get(name);
  if (!re) patterns.set(name, (re = new RegExp(`\\r\\n${name}:[ \\t]*([^\\r]*)`, 'i')));
  return re;
}

/**
 * A record's Content-Type: as a route kind set it, else read from the headers
 * kept when they went out — on first read, so a request nobody looks at never
 * pays for the lookup.
 */
export function recordContentType(rec: ExchangeRecord): string | undefined {
  if (rec.contentType !== undefined) return rec.contentType;
  let found: string | string[] | number | undefined;
  if (rec.responseHeaders !== undefined) found = rec.responseHeaders['content-type'];
  else if (rec.headerBlock !== undefined) found = headerInBlock(rec.headerBlock, 'content-type');
  const value = Array.isArray(found) ? found[0] : found;
  return (rec.contentType = value === undefined || value === '' ? undefined : String(value));
}

/** Notes the headers of a response on its record without reading them: the block is parsed on first need. */
export function keepSentHeaders(rec: ExchangeRecord, res: HeaderSource): void {
  const block = headerBlock(res);
  if (block) {
    rec.headerBlock = block;
    rec.responseHeaders = undefined;
  } else rec.responseHeaders = res.getHeaders() as SentHeaders;
}

/** The response headers of a record, parsed now from the kept block if need be. */
export function responseHeadersOf(rec: ExchangeRecord): SentHeaders | undefined {
  if (rec.responseHeaders === undefined && rec.headerBlock !== undefined) {
    rec.responseHeaders = parseHeaderBlock(rec.headerBlock);
    rec.headerBlock = undefined;
  }
  return rec.responseHeaders;
}
