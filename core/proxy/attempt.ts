/**
 * One attempt to get a response from one upstream server: connect (with
 * `connect_timeout`, which covers the TLS handshake too), stream the request
 * body once connected, wait for the response head (with `read_timeout` after
 * the request is sent). Failures come back classified, so the handler can
 * decide: next server, 502 or 504.
 */
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '../util/clock.js';
import { tlsFailureReason } from '../util/tls-reason.js';
import { IdleTimer } from './idle-timer.js';
import { drainedOrClosed } from '../util/wait.js';
import type { UpstreamTransport } from './upstream-transport.js';

/**
 * Why an attempt failed: `connect` (never reached the server), `tls` (reached it, but its
 * certificate or handshake failed), `timeout`, `protocol` (malformed response), `reset`.
 */
export type FailureKind = 'connect' | 'tls' | 'connect-timeout' | 'read-timeout' | 'protocol' | 'reset';

/** A classified attempt failure; `message` is one line for the client. */
export class AttemptError extends Error {
  /** The client's side broke the attempt (its body grew past max_body_size): not the server's fault. */
  clientFault?: Error;

  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly bodyStarted: boolean,
    readonly staleSocket = false,
  ) {
    super(message);
    this.name = 'AttemptError';
  }
}

/** What one attempt needs. */
export interface AttemptOptions {
  address: string;
  /** The group's agent and TLS settings. */
  transport: UpstreamTransport;
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  connectTimeout: number;
  readTimeout: number;
  clock: Clock;
  /** Streams the client's request body into `write` (undefined: no body). */
  body?: (write: (chunk: Buffer) => Promise<void>) => Promise<void>;
  /** Called when the connection to the server is established (or reused): over TLS, once verified. */
  onConnect?(socket: Socket): void;
}

/** A started attempt: the response head, and the request to abort. */
export interface Attempt {
  request: ClientRequest;
  response: Promise<IncomingMessage>;
  /** The request's last socket/parser error (after the head: why a body broke off). */
  lastError(): NodeJS.ErrnoException | undefined;
}

/** Sends the request to one server. The response promise rejects with an AttemptError. */
export function attempt(o: AttemptOptions): Attempt {
  const headers = o.headers.host ? o.headers : { ...o.headers, host: o.address };
  const req = o.transport.request(o.address, { method: o.method, path: o.path, headers, setHost: false });
  const secure = o.transport.secure;
  let bodyStarted = false;
  let connected = false;
  let lastError: NodeJS.ErrnoException | undefined;
  let fail: (err: AttemptError) => void = () => {};
  const connectTimer = new IdleTimer(o.clock, o.connectTimeout, () =>
    fail(
      new AttemptError(
        'connect-timeout',
        `connect to ${o.address} timed out after ${o.connectTimeout} ms`,
        bodyStarted,
      ),
    ),
  );
  const readTimer = new IdleTimer(o.clock, o.readTimeout, () =>
    fail(new AttemptError('read-timeout', `${o.address} did not answer within ${o.readTimeout} ms`, bodyStarted)),
  );
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    fail = (err) => {
      connectTimer.cancel();
      readTimer.cancel();
      reject(err);
      req.destroy();
    };
    req.on('response', (res) => {
      connectTimer.cancel();
      readTimer.cancel();
      resolve(res);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      lastError = err;
    }); // kept for a body that breaks later
    req.on('error', (err: NodeJS.ErrnoException) =>
      fail(classify(err, o.address, connected, bodyStarted, req.reusedSocket)),
    );
  });
  response.catch(() => {});
  let socket: Socket | undefined;
  const onConnected = () => {
    if (connected) return;
    connected = true;
    connectTimer.cancel();
    o.onConnect?.(socket!);
    if (!o.body) return;
    bodyStarted = true;
    void sendBody(req, o.body).catch((err: Error) => {
      const e = new AttemptError('reset', `request body: ${err.message}`, true);
      if ((err as { code?: string }).code === 'E_BODY_TOO_LARGE') e.clientFault = err;
      fail(e);
    });
  };
  req.on('finish', () => readTimer.touch());
  req.on('socket', (s: Socket) => {
    socket = s;
    s.setNoDelay(true);
    // Over TLS the server is reached once the handshake verified it; a kept-alive socket already was.
    if (req.reusedSocket || (!secure && !s.connecting)) onConnected();
    else s.once(secure ? 'secureConnect' : 'connect', onConnected);
  });
  connectTimer.touch();
  if (!o.body) req.end(); // sent once connected; nothing to stream
  return { request: req, response, lastError: () => lastError };
}

/** Pipes the client's body upstream, waiting for 'drain' when the upstream is slow. */
async function sendBody(req: ClientRequest, body: NonNullable<AttemptOptions['body']>): Promise<void> {
  await body((chunk) => {
    if (req.destroyed) return Promise.reject(new Error('upstream request closed'));
    if (req.write(chunk)) return Promise.resolve();
    return drainedOrClosed(req);
  });
  req.end();
}

function classify(
  err: NodeJS.ErrnoException,
  address: string,
  connected: boolean,
  bodyStarted: boolean,
  reused: boolean,
): AttemptError {
  const code = err.code ?? '';
  if (code.startsWith('HPE_'))
    return new AttemptError('protocol', `malformed response from ${address}: ${err.message}`, bodyStarted);
  const tls = connected ? undefined : tlsFailureReason(err);
  if (tls) return new AttemptError('tls', `${tls} (${address})`, bodyStarted);
  if (!connected) {
    const msg =
      err.message.includes(address) || /\d+\.\d+\.\d+\.\d+:\d+/.test(err.message)
        ? err.message
        : `${err.message} (${address})`;
    return new AttemptError(
      'connect',
      msg.startsWith('connect ') || code === 'ENOTFOUND' ? msg : `connect ${msg}`,
      bodyStarted,
    );
  }
  const stale = reused && (code === 'ECONNRESET' || code === 'EPIPE');
  return new AttemptError(
    'reset',
    `${address} closed the connection before answering (${err.message})`,
    bodyStarted,
    stale,
  );
}
