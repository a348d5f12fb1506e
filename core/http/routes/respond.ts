/** `respond`: a fixed status, headers and body — health endpoints and quick mocks. */
import type { HandlerFactory } from '../../kernel/index.js';
import { gzipBuffer, negotiateGzip } from '../gzip.js';

/**
 * Builds the handler of a `respond` route. Everything a response carries is
 * worked out once: the head with and without a body, and the gzip variant
 * on first use. A request then costs one writeHead and one end, with no
 * promise turn (the handler is not async).
 */
export const respondRoute: HandlerFactory = (route) => {
  const cfg = route.respond!;
  const body = Buffer.from(cfg.body);
  const contentType = cfg.content_type;
  // Frozen: the response joins the route's headers with these once and reuses the list.
  const bare: Readonly<Record<string, string | number>> = Object.freeze({
    'content-type': contentType,
    ...cfg.headers,
  });
  const plain = Object.freeze({ ...bare, 'content-length': body.length });
  const noBody = cfg.status === 204 || cfg.status === 304;
  let gzipped: { body: Buffer; head: Readonly<Record<string, string | number>> } | undefined; // made on first use
  return {
    handle(ex) {
      if (noBody || ex.req.method === 'HEAD') {
        ex.res.writeHead(cfg.status, bare);
        return ex.outlet.end();
      }
      ex.responseSize = body.length;
      if (negotiateGzip(ex, contentType, body.length)) {
        if (!gzipped) {
          const zipped = gzipBuffer(body);
          const head = Object.freeze({ ...bare, 'content-encoding': 'gzip', 'content-length': zipped.length });
          gzipped = { body: zipped, head };
        }
        ex.res.writeHead(cfg.status, gzipped.head);
        return ex.outlet.end(gzipped.body);
      }
      ex.res.writeHead(cfg.status, plain);
      return ex.outlet.end(body);
    },
    explain: () => `answers ${cfg.status} with ${body.length} bytes`,
  };
};
