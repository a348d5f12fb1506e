/**
 * What differs between an exchange on an HTTP/1 connection and one on an
 * HTTP/2 stream, in one place. On HTTP/1 the exchange owns its connection for
 * a while: closing or resetting it is closing the TCP connection. On HTTP/2
 * it is one stream of many: a reset is a RST_STREAM, and the connection with
 * its other streams (a page's other EventSources) goes on.
 */
import type { Exchange, ExchangeRequest, ExchangeResponse, Http2ExchangeResponse } from './exchange.js';

/** The wire protocol of an exchange as the traffic log names it (ALPN spelling): `h2`, `http/1.1`, `http/1.0`. */
export type WireProtocol = 'h2' | 'http/1.1' | 'http/1.0';

/** True when the response goes out on an HTTP/2 stream. */
export function isHttp2(res: ExchangeResponse): res is Http2ExchangeResponse {
  return (res as Partial<Http2ExchangeResponse>).stream !== undefined;
}

/** The request's wire protocol. */
export function wireProtocol(req: ExchangeRequest): WireProtocol {
  const v = req.httpVersion;
  return v === '2.0' ? 'h2' : v === '1.0' ? 'http/1.0' : 'http/1.1';
}

/** After this response the client must not reuse the connection (HTTP/1); an HTTP/2 stream just ends. */
export function closeConnectionAfter(res: ExchangeResponse): void {
  if (!isHttp2(res)) res.shouldKeepAlive = false;
}

/** Drops the exchange at once, unanswered: its connection (HTTP/1) or its stream (HTTP/2). */
export function dropExchange(ex: Pick<Exchange, 'req' | 'res'>): void {
  if (isHttp2(ex.res)) ex.res.destroy(new Error('dropped'));
  else ex.req.socket.destroy();
}

/**
 * Breaks the exchange off as a network failure would — a TCP RST on HTTP/1,
 * a RST_STREAM (INTERNAL_ERROR) on HTTP/2 — but only after the bytes already
 * passed have left: a reset discards unsent data, and the client must see
 * exactly what was written. The callback of an empty write fires once earlier
 * writes are flushed; the response corks until the next tick.
 */
export function resetExchange(ex: Pick<Exchange, 'req' | 'res'>): void {
  const res = ex.res;
  if (isHttp2(res)) {
    const rst = () => res.destroy(new Error('reset'));
    setImmediate(() => {
      if (res.stream.destroyed) return;
      res.write(Buffer.alloc(0), () => setTimeout(rst, 10));
    });
    return;
  }
  const s = ex.req.socket;
  const rst = () => {
    if (s.destroyed) return;
    if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
    else s.destroy();
  };
  setImmediate(() => {
    if (s.destroyed) return;
    s.write(Buffer.alloc(0), () => setTimeout(rst, 10));
  });
}
