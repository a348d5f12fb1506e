/** Short answers every route kind gives the same way: a plain-text status, a 405 with `Allow`. */
import type { Exchange } from './exchange.js';

/** Sends a short plain-text answer (errors, 404s) unless headers already went out. */
export function sendText(
  ex: Pick<Exchange, 'res'>,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const { res } = ex;
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(text.endsWith('\n') ? text : `${text}\n`);
  // Set one by one (not as writeHead's argument) so the traffic log and the access log can read them back.
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('content-length', body.length);
  res.writeHead(status);
  res.end(body);
}

/** Answers 405 with `Allow` when the method is not one of `allowed`; returns true when it answered. */
export function refuseMethod(ex: Pick<Exchange, 'req' | 'res'>, allowed: readonly string[], what: string): boolean {
  const method = ex.req.method ?? 'GET';
  if (allowed.includes(method)) return false;
  ex.res.setHeader('allow', allowed.join(', '));
  sendText(ex, 405, `${method} is not allowed on ${what} (${allowed.join(', ')})`);
  return true;
}
