/**
 * Requests Node's parser refuses (malformed, oversized headers, headers that
 * never finish) get the 4xx nginx would send and a closed socket — never a
 * crash, never a hang. A client that left mid-request is not an error.
 */
import type { Socket } from 'node:net';
import type { Counters } from '../telemetry/counters.js';

/** Answers one parser error on `socket` and closes it; counts it unless the client simply went away. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket, counters: Counters): void {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
    socket.destroy(); // the client left mid-request: nothing to answer, nothing wrong here
    return;
  }
  counters.errors++;
  // A failed or timed-out TLS handshake: there is no HTTP connection to answer on.
  const tlsFailure = err.code?.startsWith('ERR_SSL_') || err.code?.startsWith('ERR_TLS_');
  // A response already on its way (or sent) cannot be followed by another one: close.
  if (tlsFailure || !socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const code =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? '431 Request Header Fields Too Large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : '400 Bad Request';
  const body = `${code.slice(4)}\n`;
  socket.end(
    `HTTP/1.1 ${code}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
}
