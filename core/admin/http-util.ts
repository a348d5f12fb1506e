/** Small JSON-over-HTTP helpers for the admin listener: bounded body reads and JSON answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SluiceError } from '../util/errors.js';

/** Largest request body the control API accepts (a config document, an event). */
export const MAX_BODY = 4 * 1024 * 1024;

/** A request body that was too large (413). */
export class BodyTooLarge extends Error {}

/** Reads a request body as UTF-8, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLarge(`body too large: ${declared} bytes (limit ${limit})`);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(`body too large: over ${limit} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Sends a JSON answer (no caching: everything here is live state). */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(`${JSON.stringify(value)}\n`);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** Sends `{ error }` with a status. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: message }, headers);
}

/** The HTTP status an engine error maps to. */
export function statusOf(err: unknown): number {
  if (err instanceof BodyTooLarge) return 413;
  if (err instanceof SluiceError) {
    if (err.code === 'E_UNKNOWN_CHANNEL' || err.code === 'E_NOT_FOUND') return 404;
    if (err.code === 'E_BAD_REQUEST' || err.code === 'E_CONFIG_INVALID') return 400;
  }
  return 500;
}
