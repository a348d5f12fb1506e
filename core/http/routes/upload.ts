/**
 * `upload`: streams the request body into `dir` and answers with a progress
 * stream while it arrives. Nothing buffers the whole body:
 *
 *   req ─▶ ex.pipeBody (inbound limits) ─▶ sha256 + write to `.NAME.UUID.part` ─▶ link to NAME
 *                                       └▶ progress events (≤ one in flight; dropped while the client does not read)
 *
 * The answer is `text/event-stream` (readable by curl, fetch and any SSE parser):
 *
 *   data: {"received":65536,"total":1048576,"percent":6}      (every 1 % or 250 ms)
 *   event: result
 *   data: {"name":"a.bin","bytes":1048576,"sha256":"…"}
 *   — or, when it fails after the stream started —
 *   event: error
 *   data: {"error":"…","received":N}
 *
 * A body whose Content-Length exceeds `max_size` is refused with 413 before
 * a byte is read; one that grows past it mid-stream is stopped, its partial
 * file deleted, and the error event sent. The file name comes from `?name=`,
 * the `X-File-Name` header or the last path segment; an existing file is
 * never overwritten (`a-1.bin`, `a-2.bin`, …). A `multipart/form-data` body
 * (a form, `curl -F`) stores each file part instead (upload-multipart.ts).
 */
import { mkdir } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { UploadConfig } from '../../config/index.js';
import type { Exchange } from '../../kernel/index.js';
import type { HandlerFactory } from '../../kernel/index.js';
import { closeConnectionAfter, refuseMethod, sendText } from '../../kernel/index.js';
import { declaredLength } from '../request-guards.js';
import { checkSize, FileSink, openProgress, safeFileName, TooLarge } from './upload-files.js';
import { isMultipart, receiveMultipart } from './upload-multipart.js';

export { safeFileName } from './upload-files.js';

function suggestedName(ex: Exchange): string | undefined {
  const header = ex.req.headers['x-file-name'];
  const fromRest = ex.rest.split('/').filter(Boolean).pop();
  return ex.query.get('name') ?? (Array.isArray(header) ? header[0] : header) ?? fromRest;
}

async function receive(ex: Exchange, cfg: UploadConfig, dir: string, total: number | undefined): Promise<void> {
  const sink = await FileSink.open(dir, safeFileName(suggestedName(ex)));
  const progress = openProgress(ex, total);
  let received = 0;
  try {
    await ex.pipeBody(async (chunk) => {
      received += chunk.length;
      await checkSize(progress, ex, received, cfg.max_size);
      await sink.write(chunk);
      progress.tick(received);
    });
    if (total !== undefined && received !== total)
      throw new Error(`the body ended after ${received} of ${total} bytes`);
    const saved = await sink.keep();
    progress.tick(received, true);
    await progress.finish('result', saved);
  } catch (err) {
    await sink.discard();
    const message = err instanceof Error ? err.message : String(err);
    ex.record.error = message;
    if (ex.signal.aborted || err instanceof TooLarge) return; // the client left, or was told already
    await progress.finish('error', { error: message, received });
  }
}

/** Builds the handler of an `upload` route (dir resolved against the config file's directory). */
export const uploadRoute: HandlerFactory = (route, ctx) => {
  const cfg = route.upload!;
  const dir = resolvePath(ctx.services.baseDir, cfg.dir);
  return {
    async handle(ex) {
      if (refuseMethod(ex, ['POST', 'PUT'], 'an upload route')) return;
      const total = declaredLength(ex.req);
      if (total !== undefined && total > cfg.max_size) {
        // Refuse before reading; close so the unread body is not parsed as a next request.
        closeConnectionAfter(ex.res);
        return sendText(ex, 413, `the upload is ${total} bytes; max_size is ${cfg.max_size} bytes`, {
          connection: 'close',
        });
      }
      await mkdir(dir, { recursive: true });
      await (isMultipart(ex) ? receiveMultipart(ex, cfg, dir, total) : receive(ex, cfg, dir, total));
    },
    explain: () =>
      `stores uploads (raw bodies or multipart form files) in ${cfg.dir} (up to ${cfg.max_size} bytes) and streams progress back`,
    // A client sending `Expect: 100-continue` learns of a 413 before sending a byte.
    acceptsBody: (req) => (req.method === 'POST' || req.method === 'PUT') && (declaredLength(req) ?? 0) <= cfg.max_size,
  };
};
