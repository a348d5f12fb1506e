/** `respond`: a fixed status, headers and body — health endpoints and quick mocks. */
import type { HandlerFactory } from '../../kernel/index.js';
import { gzipBuffer, negotiateGzip } from '../gzip.js';

/** Builds the handler of a `respond` route (gzip variant made once, on first use). */
export const respondRoute: HandlerFactory = (route) => {
  const cfg = route.respond!;
  const body = Buffer.from(cfg.body);
  let gzipped: Buffer | undefined; // compressed once, on first use
  return {
    async handle(ex) {
      const headers: Record<string, string | number> = { 'content-type': cfg.content_type, ...cfg.headers };
      if (ex.req.method === 'HEAD' || cfg.status === 204 || cfg.status === 304) {
        ex.res.writeHead(cfg.status, headers);
        return ex.outlet.end();
      }
      ex.responseSize = body.length;
      if (negotiateGzip(ex, String(headers['content-type']), body.length)) {
        gzipped ??= gzipBuffer(body);
        ex.res.writeHead(cfg.status, { ...headers, 'content-encoding': 'gzip', 'content-length': gzipped.length });
        return ex.outlet.end(gzipped);
      }
      ex.res.writeHead(cfg.status, { ...headers, 'content-length': body.length });
      await ex.outlet.end(body);
    },
    explain: () => `answers ${cfg.status} with ${body.length} bytes`,
  };
};
