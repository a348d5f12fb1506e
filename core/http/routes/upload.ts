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
 * never overwritten (`a-1.bin`, `a-2.bin`, …).
 */
import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { basename, extname, join, resolve as resolvePath } from 'node:path';
import type { UploadConfig } from '../../config/index.js';
import type { Exchange, ExchangeRequest } from '../../kernel/index.js';
import type { HandlerFactory } from '../../kernel/index.js';
import { closeConnectionAfter, refuseMethod, sendText } from '../../kernel/index.js';

const PROGRESS_EVERY_MS = 250;

class TooLarge extends Error {}

/** A safe file name from what the client suggested (no directories, no leading dots). */
export function safeFileName(suggested: string | undefined): string {
  let name: string;
  try {
    name = basename(decodeURIComponent(suggested ?? '').replace(/\\/g, '/'));
  } catch {
    name = basename(suggested ?? '');
  }
  name = name.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '');
  return name.slice(0, 200) || `upload-${Date.now()}.bin`;
}

function suggestedName(ex: Exchange): string | undefined {
  const header = ex.req.headers['x-file-name'];
  const fromRest = ex.rest.split('/').filter(Boolean).pop();
  return ex.query.get('name') ?? (Array.isArray(header) ? header[0] : header) ?? fromRest;
}

/** Publishes the finished temp file under `name` without overwriting: link() fails on an existing name. */
async function publish(tmp: string, dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 0; n < 1000; n++) {
    const candidate = n === 0 ? name : `${stem}-${n}${ext}`;
    try {
      await link(tmp, join(dir, candidate));
      await unlink(tmp);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`too many files named like ${name}`);
}

/** The progress side of one upload: throttled, never more than one write in flight. */
class Progress {
  private inflight: Promise<void> | undefined;
  private lastPercent = -1;
  private lastAt = 0;

  constructor(
    private readonly ex: Exchange,
    private readonly total: number | undefined,
  ) {}

  tick(received: number, force = false): void {
    const percent = this.total ? Math.floor((received / this.total) * 100) : null;
    const now = this.ex.services.clock.now();
    const due = force || (percent !== null && percent > this.lastPercent) || now - this.lastAt >= PROGRESS_EVERY_MS;
    if (!due || this.inflight || this.ex.res.writableNeedDrain) return;
    this.lastPercent = percent ?? this.lastPercent;
    this.lastAt = now;
    const line = `data: ${JSON.stringify({ received, total: this.total ?? null, percent })}\n\n`;
    this.inflight = this.ex.outlet.write(line).finally(() => {
      this.inflight = undefined;
    });
  }

  /** Sends the closing event (after any progress write in flight) and ends the response. */
  async finish(event: 'result' | 'error', payload: object): Promise<void> {
    await this.inflight;
    await this.ex.outlet.end(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
  }
}

/** The Content-Length a client declared, if any. */
function declaredLength(req: ExchangeRequest): number | undefined {
  const length = req.headers['content-length'];
  return length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
}

/** Resolves when the response has been handed to the socket (or the socket is gone). */
function finished(ex: Exchange): Promise<void> {
  if (ex.res.writableFinished || ex.res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    ex.res.once('finish', resolve);
    ex.res.once('close', resolve);
  });
}

async function receive(ex: Exchange, cfg: UploadConfig, dir: string, total: number | undefined): Promise<void> {
  const name = safeFileName(suggestedName(ex));
  const tmp = join(dir, `.${name}.${randomUUID()}.part`);
  const fh = await open(tmp, 'wx', 0o644);
  const hash = createHash('sha256');
  const progress = new Progress(ex, total);
  let received = 0;
  let closed = false;
  const closeFile = async () => {
    if (!closed) {
      closed = true;
      await fh.close();
    }
  };
  ex.res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  ex.res.flushHeaders();
  progress.tick(0, true);
  try {
    await ex.pipeBody(async (chunk) => {
      received += chunk.length;
      if (received > cfg.max_size) {
        // Answer first: stopping the body destroys the socket, so the error event must be out before.
        const message = `the upload exceeds max_size (${cfg.max_size} bytes)`;
        await progress.finish('error', { error: message, received });
        await finished(ex);
        throw new TooLarge(message);
      }
      hash.update(chunk);
      await fh.write(chunk);
      progress.tick(received);
    });
    await fh.sync();
    await closeFile();
    if (total !== undefined && received !== total)
      throw new Error(`the body ended after ${received} of ${total} bytes`);
    const saved = await publish(tmp, dir, name);
    progress.tick(received, true);
    await progress.finish('result', { name: saved, bytes: received, sha256: hash.digest('hex') });
  } catch (err) {
    await closeFile().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
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
        // Refuse before reading; close so the unread body is not parsed as a next request (HTTP/1).
        closeConnectionAfter(ex.res);
        return sendText(ex, 413, `the upload is ${total} bytes; max_size is ${cfg.max_size} bytes`, {
          connection: 'close',
        });
      }
      await mkdir(dir, { recursive: true });
      await receive(ex, cfg, dir, total);
    },
    explain: () => `stores uploads in ${cfg.dir} (up to ${cfg.max_size} bytes) and streams progress back`,
    // A client sending `Expect: 100-continue` learns of a 413 before sending a byte.
    acceptsBody: (req) => (req.method === 'POST' || req.method === 'PUT') && (declaredLength(req) ?? 0) <= cfg.max_size,
  };
};
