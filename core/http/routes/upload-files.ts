/**
 * What both upload forms share: safe names, a temp file per upload hashed
 * on the fly and published without overwriting, and the throttled progress
 * stream the client reads while its body arrives.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { link, open, unlink, type FileHandle } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Exchange } from '../../kernel/index.js';

const PROGRESS_EVERY_MS = 250;

/** The body grew past max_size; the client was told already. */
export class TooLarge extends Error {}

/** A safe file name from what the client suggested (no directories, no leading dots). */
export function safeFileName(suggested: string | undefined): string {
  let name: string;
  try {
    name = basename(decodeURIComponent(suggested ?? '').replace(/\\/g, '/'));
  } catch {
    name = basename((suggested ?? '').replace(/\\/g, '/'));
  }
  name = name.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '');
  return name.slice(0, 200) || `upload-${Date.now()}.bin`;
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

/** One file being received: a hidden temp file in `dir`, hashed as it is written. */
export class FileSink {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmp: string,
    private readonly dir: string,
    readonly name: string,
  ) {}

  static async open(dir: string, name: string): Promise<FileSink> {
    const tmp = join(dir, `.${name}.${randomUUID()}.part`);
    return new FileSink(await open(tmp, 'wx', 0o644), tmp, dir, name);
  }

  async write(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    await this.fh.write(chunk);
  }

  /** Syncs, closes and publishes the file; returns the name it got and its sha256. */
  async keep(): Promise<{ name: string; bytes: number; sha256: string }> {
    await this.fh.sync();
    await this.close();
    const name = await publish(this.tmp, this.dir, this.name);
    return { name, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Drops a partial file. */
  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    await unlink(this.tmp).catch(() => undefined);
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

/** The progress side of one upload: throttled, never more than one write in flight. */
export class Progress {
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

/** Resolves when the response has been handed to the socket (or the socket is gone). */
export function finished(ex: Exchange): Promise<void> {
  if (ex.res.writableFinished || ex.res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    ex.res.once('finish', resolve);
    ex.res.once('close', resolve);
  });
}

/** Starts the progress stream (`text/event-stream`). */
export function openProgress(ex: Exchange, total: number | undefined): Progress {
  ex.res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  ex.res.flushHeaders();
  const progress = new Progress(ex, total);
  progress.tick(0, true);
  return progress;
}

/** Counts body bytes against max_size; past it, tells the client and stops the body (TooLarge). */
export async function checkSize(progress: Progress, ex: Exchange, received: number, max: number): Promise<void> {
  if (received <= max) return;
  // Answer first: stopping the body destroys the socket, so the error event must be out before.
  const message = `the upload exceeds max_size (${max} bytes)`;
  await progress.finish('error', { error: message, received });
  await finished(ex);
  throw new TooLarge(message);
}
