/**
 * Errors with stable codes, so callers (API, UI, logs) can branch on `code`
 * instead of matching message text, and each code carries the HTTP status it
 * answers with — one mapping for route handlers and the control API alike.
 * `CleanAbort` marks an expected end (client went away) that must close
 * quietly, never become a 500.
 */

/** Stable error codes and the HTTP status each one answers with. */
const STATUS = {
  E_CONFIG_INVALID: 400,
  E_BAD_REQUEST: 400,
  E_NOT_FOUND: 404,
  E_UNKNOWN_CHANNEL: 404,
  E_BODY_TOO_LARGE: 413,
  E_ADDR_IN_USE: 500,
  E_LISTEN: 500,
  E_NOT_RUNNING: 503,
  E_OVERLOADED: 503,
  E_UPSTREAM_CONNECT: 502,
  E_UPSTREAM_PROTOCOL: 502,
  E_UPSTREAM_TLS: 502,
  E_TLS: 500,
  E_UPSTREAM_TIMEOUT: 504,
} as const;

/** Stable error codes used across the engine. */
export type SluiceErrorCode = keyof typeof STATUS;

/** An error the user can act on; `message` is one clear sentence. */
export class SluiceError extends Error {
  constructor(
    readonly code: SluiceErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'SluiceError';
  }

  /** The HTTP status this error answers with. */
  get status(): number {
    return STATUS[this.code];
  }
}

/** The HTTP status any thrown value answers with: its code's for a SluiceError, else 500. */
export function statusOf(err: unknown): number {
  return err instanceof SluiceError ? err.status : 500;
}

/** An expected end of an exchange (client closed, engine stopping): close quietly. */
export class CleanAbort extends Error {
  constructor(message = 'closed') {
    // Thrown once per finished exchange: a stack trace is pure cost here.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'CleanAbort';
  }
}

/** Turns a listen() failure into the message users expect (`127.0.0.1:8080 is already in use`). */
export function listenError(err: NodeJS.ErrnoException, address: string): SluiceError {
  if (err.code === 'EADDRINUSE') return new SluiceError('E_ADDR_IN_USE', `${address} is already in use`);
  if (err.code === 'EACCES')
    return new SluiceError('E_LISTEN', `${address}: permission denied (ports below 1024 need privileges)`);
  if (err.code === 'EADDRNOTAVAIL')
    return new SluiceError('E_LISTEN', `${address}: address not available on this machine`);
  return new SluiceError('E_LISTEN', `${address}: ${err.message}`);
}
