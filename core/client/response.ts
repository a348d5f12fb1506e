/**
 * What the stream client makes of a response before reading it: the body
 * with its Content-Encoding undone (the client asks for gzip and br as
 * browsers do, so a compressed stream behaves here as it does there), how to
 * read it (events or lines), and the one-line error for an HTTP error or a
 * body that is no stream.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { ClientFormat } from '../api/client.js';
import { contentEncoding, createDecompressor } from '../telemetry/content-encoding.js';
import { streamKind } from '../telemetry/stream-diagnostics.js';
import { ClientFailure } from './request.js';

/** The Accept-Encoding a browser sends, so compression problems show here too. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/** Bytes of an error body quoted in the one-line reason, and how long to wait for them. */
const ERROR_BODY_BYTES = 200;
const ERROR_BODY_WAIT_MS = 2000;

/** The body as sent before compression; every decompressed piece is passed on as soon as it is whole. */
export function decodedBody(res: IncomingMessage): Readable {
  const enc = contentEncoding(res.headers['content-encoding']);
  if (enc === undefined) return res;
  const z = createDecompressor(enc);
  if (!z) throw new ClientFailure('not-stream', `unsupported Content-Encoding: ${enc}`);
  res.on('error', (err) => z.destroy(err));
  // A connection cut mid-body ends `res` without an error event on some Node versions: the decompressor must not look complete.
  res.on('aborted', () => z.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
  res.pipe(z);
  return z;
}

function mediaType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/** How to read a 2xx response, or a 'not-stream' failure saying what it is instead. */
export function streamFormat(res: IncomingMessage): ClientFormat {
  const contentType = String(res.headers['content-type'] ?? '');
  const kind = streamKind(contentType);
  if (kind) return kind;
  const type = mediaType(contentType);
  const length = res.headers['content-length'];
  const what = contentType ? `Content-Type ${contentType}` : 'no Content-Type';
  if (length !== undefined) {
    throw new ClientFailure(
      'not-stream',
      `not a stream: ${what} with Content-Length ${length} (expected text/event-stream, NDJSON, or a chunked body)`,
    );
  }
  if (type === 'text/html')
    throw new ClientFailure('not-stream', `not a stream: ${what} (a web page; expected text/event-stream or NDJSON)`);
  const textual = type === '' || type.startsWith('text/') || /^application\/([\w.+-]*\+)?json$/.test(type);
  if (!textual)
    throw new ClientFailure(
      'not-stream',
      `not a stream: ${what} (binary; expected text/event-stream, NDJSON, or chunked text)`,
    );
  return 'lines';
}

/** Reads the first bytes of an error body and makes the one-line reason (status, then the body squeezed onto one line). */
export async function httpError(res: IncomingMessage): Promise<ClientFailure> {
  const status = `HTTP ${res.statusCode ?? '?'}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
  let body = Buffer.alloc(0);
  // An error body that trickles (or never ends) is quoted as far as it came.
  const timer = setTimeout(() => res.destroy(), ERROR_BODY_WAIT_MS);
  try {
    const stream = decodedBody(res);
    for await (const chunk of stream) {
      body = Buffer.concat([body, chunk as Buffer]);
      if (body.length >= ERROR_BODY_BYTES) break;
    }
    stream.destroy();
  } catch {
    /* the status, and what came of the body, say enough */
  } finally {
    clearTimeout(timer);
  }
  res.destroy();
  const text = body
    .subarray(0, ERROR_BODY_BYTES)
    .toString('utf8')
    .replace(/\uFFFD+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  return new ClientFailure('http', text ? `${status}: ${text}` : status);
}
