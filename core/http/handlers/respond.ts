/** `respond`: a fixed status, headers and body — health endpoints and quick mocks. */
import type { HandlerFactory } from '../handler.js';

export const createRespondHandler: HandlerFactory = (route) => {
  const cfg = route.respond!;
  const body = Buffer.from(cfg.body);
  return {
    async handle(ex) {
      const headers: Record<string, string | number> = { 'content-type': cfg.content_type, ...cfg.headers };
      if (ex.req.method === 'HEAD' || cfg.status === 204 || cfg.status === 304) {
        ex.res.writeHead(cfg.status, headers);
        return ex.outlet.end();
      }
      ex.responseSize = body.length;
      ex.res.writeHead(cfg.status, { ...headers, 'content-length': body.length });
      await ex.outlet.end(body);
    },
    explain: () => `answers ${cfg.status} with ${body.length} bytes`,
  };
};
