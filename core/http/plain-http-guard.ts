/**
 * A TLS port answers a plain-HTTP request the way nginx does — `400` with
 * "The plain HTTP request was sent to HTTPS port" — instead of a failed
 * handshake that the client reports as an empty reply, or a hang.
 *
 *   TCP connection ─▶ first bytes ─┬─ 0x16 (TLS record) or ≥ 0x80 (SSLv2 hello) ─▶ the TLS server, bytes put back
 *                                  └─ anything else ─▶ 400, close
 *
 * The guard takes the place of the TLS server's own `connection` listener
 * and hands TLS connections to it with the peeked bytes unshifted (a TLS
 * socket reads what its raw socket already buffered). One function per
 * server, none per connection.
 */
import type { Server } from 'node:net';
import type { Socket } from 'node:net';

/** What the client reads on a plain-HTTP request to a TLS port. */
export const PLAIN_HTTP_BODY = 'The plain HTTP request was sent to HTTPS port\n';

const PLAIN_HTTP_ANSWER =
  'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  `Content-Length: ${Buffer.byteLength(PLAIN_HTTP_BODY)}\r\nConnection: close\r\n\r\n${PLAIN_HTTP_BODY}`;

/** How long a client that sent nothing, or is still sending a plain request after the answer, is kept. */
const LINGER_MS = 1000;

/** Options of the guard. */
export interface PlainHttpGuardOptions {
  /** A connection that sends no byte for this long is closed (the header timeout). */
  firstByteTimeoutMs: number;
  /** Called per plain-HTTP connection answered with 400. */
  onPlainHttp?(socket: Socket): void;
}

/** Handle of an installed guard. */
export interface PlainHttpGuard {
  /** Changes the first-byte timeout for new connections. */
  setTimeout(ms: number): void;
}

/** Installs the guard on a TLS server (https or HTTP/2) before it listens. */
export function guardPlainHttp(server: Server, opts: PlainHttpGuardOptions): PlainHttpGuard {
  const tlsListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  let timeoutMs = opts.firstByteTimeoutMs;

  const handOver = (socket: Socket): void => {
    for (const l of tlsListeners) l.call(server, socket);
  };

  function onTimeout(this: Socket): void {
    this.destroy();
  }

  function onReadable(this: Socket): void {
    const chunk = this.read() as Buffer | null;
    if (chunk === null) {
      if (!this.readableEnded) this.once('readable', onReadable);
      return;
    }
    this.setTimeout(0);
    this.off('timeout', onTimeout);
    const first = chunk[0]!;
    if (first === 0x16 || first >= 0x80) {
      this.unshift(chunk);
      handOver(this);
      return;
    }
    opts.onPlainHttp?.(this);
    answerPlain(this);
  }

  server.on('connection', (socket: Socket) => {
    socket.on('error', noop); // a reset before the first byte is nobody's concern
    socket.setTimeout(timeoutMs, onTimeout);
    socket.once('readable', onReadable);
  });
  return {
    setTimeout(ms: number) {
      timeoutMs = ms;
    },
  };
}

function noop(): void {}

/** Sends the 400 and closes, reading (and dropping) what the client still sends so the answer is not lost to a reset. */
function answerPlain(socket: Socket): void {
  socket.end(PLAIN_HTTP_ANSWER);
  socket.resume();
  socket.setTimeout(LINGER_MS, () => socket.destroy());
}
