/**
 * Errors with stable codes, so callers (API, UI, logs) can branch on `code`
 * instead of matching message text. `CleanAbort` marks an expected end
 * (client went away) that must close quietly, never become a 500.
 */

/** Stable error codes used across the engine. */
export type SluiceErrorCode =
  | 'E_CONFIG_INVALID'
  | 'E_ADDR_IN_USE'
  | 'E_LISTEN'
  | 'E_NOT_RUNNING'
  | 'E_UNKNOWN_CHANNEL'
  | 'E_UPSTREAM_CONNECT'
  | 'E_UPSTREAM_TIMEOUT'
  | 'E_UPSTREAM_PROTOCOL'
  | 'E_NOT_FOUND'
  | 'E_BAD_REQUEST';

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
