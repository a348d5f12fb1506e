/**
 * The response HTTP/2 exchanges get: Node's compatibility response with the
 * few differences from HTTP/1 settled here, once, so no route kind has to
 * know which protocol it speaks.
 *
 * - Connection-specific headers (Connection, Keep-Alive, Proxy-Connection,
 *   Transfer-Encoding, Upgrade) are dropped: HTTP/2 forbids them (Node
 *   throws, Safari drops the connection), and SSE routes or proxied upstream
 *   responses carry them.
 * - `destroy()` resets the stream with INTERNAL_ERROR. A plain destroy sends
 *   RST_STREAM(NO_ERROR), which clients take for a complete body.
 * - `destroyed` says whether the stream is gone, as on HTTP/1.
 * - When the response is out, a client still sending the request body is
 *   told to stop (see stopUnreadBody).
 */
import { constants, Http2ServerResponse, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';

/** Headers that describe an HTTP/1 connection, forbidden in HTTP/2 (RFC 9113 §8.2.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** True for a header HTTP/2 must not carry. */
export function isConnectionSpecific(name: string): boolean {
  return CONNECTION_SPECIFIC.has(name.toLowerCase());
}

type HeaderPairs = [string, string | number | readonly string[]][];
type HeaderList = OutgoingHttpHeaders | HeaderPairs;

/** The headers without connection-specific ones (the same object when there are none). */
function withoutConnectionHeaders(headers: HeaderList | undefined): HeaderList | undefined {
  if (!headers) return headers;
  // HTTP/2's writeHead takes an object or [name, value] pairs.
  if (Array.isArray(headers)) return headers.filter(([name]) => !isConnectionSpecific(String(name)));
  if (!Object.keys(headers).some(isConnectionSpecific)) return headers;
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!isConnectionSpecific(k)) out[k] = v;
  return out;
}

/**
 * The response is out: a client still sending the request body is asked to
 * stop with RST_STREAM(NO_ERROR) (RFC 9113 §8.1), as nginx does. Node does
 * this itself only when nobody read any of the body; a route that read
 * part of it (an upload refused mid-way) would leave the client stalled on
 * flow control.
 */
function stopUnreadBody(this: ServerHttp2Stream): void {
  // On the next turn, as Node does: the frame that ends the response goes out first.
  setImmediate(closeIfReceiving, this);
}

function closeIfReceiving(stream: ServerHttp2Stream): void {
  if (stream.closed || stream.destroyed || stream.state.remoteClose) return;
  stream.close(constants.NGHTTP2_NO_ERROR);
}

/** Node's HTTP/2 compatibility response, made to behave like an HTTP/1 one where handlers rely on it. */
export class Http2Response extends Http2ServerResponse {
  override end(...args: unknown[]): this {
    const stream = this.stream;
    if (!stream.endAfterHeaders && !this.writableEnded) stream.once('finish', stopUnreadBody);
    return (super.end as (...a: unknown[]) => this)(...args);
  }

  override setHeader(name: string, value: number | string | readonly string[]): void {
    if (isConnectionSpecific(name)) return;
    super.setHeader(name, value);
  }

  override appendHeader(name: string, value: string | string[]): void {
    if (isConnectionSpecific(name)) return;
    super.appendHeader(name, value);
  }

  override writeHead(statusCode: number, headers?: OutgoingHttpHeaders): this;
  override writeHead(statusCode: number, statusMessage: string, headers?: OutgoingHttpHeaders): this;
  override writeHead(statusCode: number, a?: string | HeaderList, b?: HeaderList): this {
    // The reason phrase does not exist in HTTP/2 (Node warns about one): it is left out.
    const headers = withoutConnectionHeaders(typeof a === 'string' ? b : a);
    return super.writeHead(statusCode, headers as OutgoingHttpHeaders);
  }

  override destroy(error?: Error): this {
    const stream = this.stream;
    if (!stream.destroyed) stream.destroy(error ?? new Error('response aborted'));
    return this;
  }
}

// An accessor on the prototype: Node's typings declare `destroyed` as a plain Writable field.
Object.defineProperty(Http2Response.prototype, 'destroyed', {
  get(this: Http2Response) {
    return this.stream.destroyed;
  },
});
