/**
 * Checks a listener makes before a route's handler runs, each answering as
 * nginx does: a body larger than the route's `max_body_size` gets 413 (from
 * Content-Length, before a byte is read, or as the body grows), a connection
 * over the server's `max_connections` gets 503, a method the path's routes
 * do not take gets 405 with Allow. Each answer says why in one line.
 */
import type { RouteConfig } from '../config/index.js';
import { SluiceError } from '../util/errors.js';
import { closeConnectionAfter, sendText, type Exchange, type ExchangeRequest } from '../kernel/index.js';

/** The Content-Length a client declared, if any. */
export function declaredLength(req: ExchangeRequest): number | undefined {
  const length = req.headers['content-length'];
  return length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
}

/** Why a request's declared body is over its route's max_body_size, or undefined. */
export function declaredTooLarge(req: ExchangeRequest, route: RouteConfig): string | undefined {
  const max = route.max_body_size;
  const n = declaredLength(req);
  if (max === undefined || n === undefined || n <= max) return undefined;
  return `the request body is ${n} bytes; max_body_size on ${route.path} is ${max} bytes`;
}

/** Answers 413 and closes (the unread body must not be parsed as a next request). */
export function refuseTooLarge(ex: Pick<Exchange, 'res'>, why: string): void {
  closeConnectionAfter(ex.res);
  sendText(ex, 413, why, { connection: 'close' });
}

/** Counts body bytes against max_body_size; throws E_BODY_TOO_LARGE (413) once a chunked body grows past it. */
export class BodyMeter {
  private received = 0;

  constructor(
    private readonly max: number,
    private readonly path: string,
  ) {}

  add(bytes: number): void {
    this.received += bytes;
    if (this.received > this.max) {
      throw new SluiceError(
        'E_BODY_TOO_LARGE',
        `the request body grew past max_body_size on ${this.path} (${this.max} bytes)`,
      );
    }
  }
}

/** 405 with Allow for a path whose routes take other methods. */
export function refuseMethodHere(
  ex: Pick<Exchange, 'res'>,
  method: string,
  path: string,
  allow: readonly string[],
): void {
  const list = allow.includes('GET') && !allow.includes('HEAD') ? [...allow, 'HEAD'] : allow;
  ex.res.setHeader('allow', list.join(', '));
  sendText(ex, 405, `${method} is not allowed on ${path} (${list.join(', ')})`);
}

/** 503 for a connection over the server's cap. */
export function refuseOverCap(ex: Pick<Exchange, 'res'>, server: string, max: number): void {
  closeConnectionAfter(ex.res);
  sendText(ex, 503, `server ${server} is at max_connections (${max} open connections); try again later`, {
    connection: 'close',
    'retry-after': '1',
  });
}
