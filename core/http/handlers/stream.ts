/**
 * `stream`: generated bodies — NDJSON or text lines from a template, or
 * binary chunks of `size` bytes — one item every `every` ms, `count` items
 * (0 = until the client leaves). The schedule is drift-free (item i is due
 * at start + i·every) and every write waits for the outlet, so a slow
 * client slows the producer instead of growing a buffer.
 */
import { randomBytes } from 'node:crypto';
import type { StreamRouteConfig } from '../../config/index.js';
import { compileTemplate } from '../../util/template.js';
import type { Exchange } from '../exchange.js';
import type { HandlerFactory } from '../handler.js';
import { CleanAbort } from '../../util/errors.js';
import { sleep, yieldToLoop } from '../../util/wait.js';

const DEFAULT_TYPES: Record<StreamRouteConfig['format'], string> = {
  ndjson: 'application/x-ndjson',
  text: 'text/plain; charset=utf-8',
  binary: 'application/octet-stream',
};

/** Makes item `seq` (1-based) of a stream. */
type Producer = (seq: number, ex: Exchange) => Buffer;

function producerFor(cfg: StreamRouteConfig): Producer {
  if (cfg.format === 'binary') {
    // One random block per route, sent again and again: generation costs nothing per item.
    const block = randomBytes(cfg.size);
    return () => block;
  }
  const template = compileTemplate(cfg.line);
  return (seq, ex) => Buffer.from(`${template.render({ seq, query: ex.query, headers: ex.req.headers })}\n`);
}

async function play(ex: Exchange, cfg: StreamRouteConfig, produce: Producer): Promise<void> {
  const clock = ex.services.clock;
  const start = clock.now();
  for (let seq = 1; cfg.count === 0 || seq <= cfg.count; seq++) {
    if (seq > 1) {
      if (cfg.every > 0) {
        const due = start + (seq - 1) * cfg.every;
        if (!(await sleep(clock, due - clock.now(), ex.signal))) return;
      } else if (seq % 64 === 0) {
        await yieldToLoop();
      }
    }
    if (ex.signal.aborted || ex.outlet.closed) return;
    await ex.outlet.write(produce(seq, ex));
  }
}

/** Builds the handler of a `stream` route (line template or binary block made once). */
export const createStreamHandler: HandlerFactory = (route) => {
  const cfg = route.stream!;
  const produce = producerFor(cfg);
  return {
    async handle(ex) {
      ex.res.writeHead(200, {
        'content-type': cfg.content_type ?? DEFAULT_TYPES[cfg.format],
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (ex.req.method === 'HEAD') return ex.outlet.end();
      ex.res.flushHeaders();
      await play(ex, cfg, produce);
      // Cut short (client gone, listener stopping): the listener closes the socket, never a clean end.
      if (ex.signal.aborted) throw new CleanAbort('stream stopped');
      await ex.outlet.end();
    },
    explain: () =>
      `streams ${cfg.count || 'endless'} ${cfg.format === 'binary' ? `${cfg.size}-byte chunks` : `${cfg.format} lines`} every ${cfg.every} ms`,
  };
};
