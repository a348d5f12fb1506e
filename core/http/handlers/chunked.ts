/**
 * `chunked`: scripted chunks sent with `Transfer-Encoding: chunked`, each
 * flushed when due (one write = one chunk frame on the wire). Chunks may use
 * the template placeholders ({{seq}} counts chunks per connection). Empty
 * chunks are skipped: a zero-size chunk would end the body early.
 */
import type { ChunkedConfig } from '../../config/index.js';
import { compileTemplate, type Template } from '../../util/template.js';
import type { Exchange } from '../exchange.js';
import type { HandlerFactory } from '../handler.js';
import { CleanAbort } from '../../util/errors.js';
import { sleep, yieldToLoop } from '../../util/wait.js';

interface Step {
  template: Template;
  fixed: Buffer | undefined;
  delay: number;
}

function compileSteps(cfg: ChunkedConfig): Step[] {
  return cfg.chunks.map((c) => {
    const data = typeof c === 'string' ? c : c.data;
    const delay = typeof c === 'string' ? cfg.delay : (c.delay ?? cfg.delay);
    const template = compileTemplate(data);
    return { template, fixed: template.isStatic ? Buffer.from(data) : undefined, delay };
  });
}

/** Plays the steps `repeat` times; stops when the client leaves or the listener drains. */
async function play(ex: Exchange, steps: Step[], repeat: number): Promise<void> {
  const clock = ex.services.clock;
  let seq = 0;
  let sinceYield = 0;
  for (let round = 0; round < repeat; round++) {
    for (const step of steps) {
      if (step.delay > 0) {
        if (!(await sleep(clock, step.delay, ex.signal))) return;
        sinceYield = 0;
      } else if (++sinceYield >= 64) {
        // Zero-delay scripts still let timers and other sockets run.
        sinceYield = 0;
        await yieldToLoop();
      }
      if (ex.signal.aborted || ex.outlet.closed) return;
      seq++;
      const chunk = step.fixed ?? Buffer.from(step.template.render({ seq, query: ex.query, headers: ex.req.headers }));
      if (chunk.length > 0) await ex.outlet.write(chunk);
    }
  }
}

/** Builds the handler of a `chunked` route (chunks and templates compiled once). */
export const createChunkedHandler: HandlerFactory = (route) => {
  const cfg = route.chunked!;
  const steps = compileSteps(cfg);
  return {
    async handle(ex) {
      ex.res.writeHead(cfg.status, {
        'content-type': cfg.content_type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (ex.req.method === 'HEAD' || cfg.status === 204 || cfg.status === 304) return ex.outlet.end();
      // Headers go out now, so a client sees the response start before the first delayed chunk.
      ex.res.flushHeaders();
      await play(ex, steps, cfg.repeat);
      // Cut short (client gone, listener stopping): the listener closes the socket, never a clean end.
      if (ex.signal.aborted) throw new CleanAbort('stream stopped');
      await ex.outlet.end();
    },
    explain: () =>
      `sends ${cfg.chunks.length} chunk(s)${cfg.repeat > 1 ? ` ${cfg.repeat} times` : ''}${cfg.delay ? ` every ${cfg.delay} ms` : ''}`,
  };
};
