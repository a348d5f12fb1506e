/**
 * What the traffic log notes about the connection an exchange came on: the
 * wire protocol (`h2`, `http/1.1`) and, over TLS, the version, cipher and
 * the server name the client asked for. Read once per connection — an HTTP/2
 * connection or a kept-alive one carries many exchanges.
 */
import type { TLSSocket } from 'node:tls';
import type { ConnectionTls } from '../api/types.js';
import type { ExchangeRequest } from '../kernel/index.js';

const seen = new WeakMap<object, ConnectionTls>();

/** The TLS socket of a request: its own (HTTP/1) or its connection's (HTTP/2). */
function tlsSocketOf(req: ExchangeRequest): TLSSocket | undefined {
  const socket = 'stream' in req ? req.stream.session?.socket : req.socket;
  return socket && (socket as TLSSocket).encrypted ? (socket as TLSSocket) : undefined;
}

/** The TLS of the request's connection, or undefined on plain HTTP. */
export function connectionTls(req: ExchangeRequest): ConnectionTls | undefined {
  const socket = tlsSocketOf(req);
  if (!socket) return undefined;
  let info = seen.get(socket);
  if (!info) {
    const name = socket.servername;
    info = {
      version: socket.getProtocol() ?? 'unknown',
      cipher: socket.getCipher()?.name ?? 'unknown',
      serverName: typeof name === 'string' && name !== '' ? name : undefined,
    };
    seen.set(socket, info);
  }
  return info;
}
